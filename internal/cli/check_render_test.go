package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/schema/diag"
)

// TestRuntimeConfigRendersAsCheck cross-checks the two renderers of bff.yaml
// problems: what `bffgen check` prints through schema/diag must be, byte
// for byte, what the BFF prints at startup through config.Render (the
// runtime cannot import schema/diag), before the summary line of check.
func TestRuntimeConfigRendersAsCheck(t *testing.T) {
	tests := []struct {
		name, src string
	}{
		{"unknown key with a suggestion", "upstreams:\n  hello:\n    endpoint: [x]\n"},
		{"quoted value", "listen: \"nope\"\n"},
		{"type error with a fix", "telemetry:\n  service_name: 42\n"},
		{"plain value with spaces and a comment", "mode: not a mode  # c\n"},
		{"several problems, CRLF line ends", "admn: x\r\nlistn: y\r\n"},
		{"syntax error", "listen: [\n"},
		{"validation after defaults", "listen: \":8080\"\nadmin: \":8080\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "bff.yaml"), []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			var check strings.Builder
			bad, err := checkRuntimeConfig(checkFlags{dir: dir, config: "bff.yaml"}, diag.Text, Stdio{Out: &check, Err: &check})
			if err != nil || !bad {
				t.Fatalf("checkRuntimeConfig = %v, %v; want a reported problem", bad, err)
			}
			_, perr := config.Parse([]byte(tt.src), "bff.yaml")
			var bff strings.Builder
			if err := config.Render(&bff, perr); err != nil {
				t.Fatal(err)
			}
			got, _, _ := strings.Cut(check.String(), "bffgen: bff.yaml: ")
			if !strings.Contains(got, "\n      | ") {
				t.Errorf("check printed no carets:\n%s", got)
			}
			if got != bff.String() {
				t.Errorf("bffgen check:\n%s\nthe BFF:\n%s", got, bff.String())
			}
		})
	}
}
