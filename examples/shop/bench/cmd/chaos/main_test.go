package main

import (
	"bytes"
	"strings"
	"testing"
)

// A short run passes and prints its figures; bad flags exit 2.
func TestShortRunPasses(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-d", "2s", "-c", "2", "-dev", "../../../dev"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"requests sent", "answers received", "malformed answers  0", "HTTP status", "GraphQL errors", "addReview:", "PASS:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, args := range [][]string{{"-d", "0s"}, {"-c", "0"}, {"-x"}} {
		if code := run(args, &out, &errs); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
