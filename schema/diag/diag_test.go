package diag_test

import (
	"strings"
	"testing"

	"github.com/bffgen/bffgen/schema/diag"
)

func TestTokenAtUnderlinesTheWholeToken(t *testing.T) {
	src := "upstreams:\n  hello:\n    endpoints: [\"a\", \"b\"]\n    timeout: \"800x\" # bad\n    retry: {attempts: 3}\n"
	for _, tt := range []struct {
		name      string
		line, col int
		want      int
	}{
		{"a key", 2, 3, 5},
		{"a flow list", 3, 16, 10},
		{"a quoted value, quotes included", 4, 14, 6},
		{"a flow mapping", 5, 12, 13},
		{"no column: unknown", 1, 0, 0},
		{"past the end of the file", 9, 1, 0},
		{"past the end of the line", 1, 40, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := diag.TokenAt(src, diag.Span{File: "f", Line: tt.line, Col: tt.col}).Len; got != tt.want {
				t.Errorf("Len = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestRenderTextUnderlinesTokenAndGitHubKeepsNotes(t *testing.T) {
	l := diag.List{{
		Severity: diag.Error, Code: "c", Span: diag.Span{File: "a.graphql", Line: 1, Col: 6, Len: 4},
		Message: "bad", Hint: "fix it",
		Notes: []diag.Related{{Span: diag.Span{File: "b.proto", Line: 2, Col: 1}, Message: "declared here"}},
	}}
	var text strings.Builder
	if err := diag.Render(&text, diag.Text, l, func(string) (string, bool) { return "type Name {}\n", true }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "    1 | type Name {}\n      |      ^^^^\n") {
		t.Errorf("text:\n%s", text.String())
	}
	var gh strings.Builder
	if err := diag.Render(&gh, diag.GitHub, l, nil); err != nil {
		t.Fatal(err)
	}
	want := "::error file=a.graphql,line=1,col=6,endColumn=10,title=bffgen c::bad%0Anote: b.proto:2:1: declared here%0Ahint: fix it\n" +
		"::notice file=b.proto,line=2,col=1,title=bffgen c::declared here%0Arelated to: a.graphql:1:6: error: bad\n"
	if gh.String() != want {
		t.Errorf("github:\n%s\nwant:\n%s", gh.String(), want)
	}
}
