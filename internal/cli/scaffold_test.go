package cli_test

import (
	"context"
	"io"
	"io/fs"
	"regexp"
	"testing"

	"github.com/bffgen/bffgen/internal/cli"
	"github.com/bffgen/bffgen/templates"
)

// TestScaffoldCitesRealCommands finds every `bffgen <command>` the scaffold's
// files mention (comments of bff.yaml, the Makefile, main.go...) and runs
// `bffgen <command> --help`: a scaffold must not send its user to a command
// that does not exist.
func TestScaffoldCitesRealCommands(t *testing.T) {
	// A command is cited in backquotes, after "go tool", or at the start of
	// a line (a Makefile recipe, a shell example in a comment).
	cited := regexp.MustCompile("(?m)(?:`|go tool |^[\\t ]*)bffgen ([a-z][a-z-]*(?: [a-z][a-z-]*)?)")
	seen := 0
	err := fs.WalkDir(templates.Init, "init", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(templates.Init, p)
		if err != nil {
			return err
		}
		for _, m := range cited.FindAllSubmatch(data, -1) {
			words := regexp.MustCompile(" ").Split(string(m[1]), -1)
			// "`bffgen generate` (or ...": only the first word is a command
			// unless the command has subcommands (import proto).
			args := []string{words[0], "--help"}
			if len(words) == 2 && words[0] == "import" {
				args = []string{words[0], words[1], "--help"}
			}
			seen++
			if code := cli.Run(context.Background(), args, cli.Stdio{Out: io.Discard, Err: io.Discard}); code != cli.ExitOK {
				t.Errorf("%s cites %q: `bffgen %v` exits %d", p, m[0], args, code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("the scaffold cites no bffgen command; the test would prove nothing")
	}
}
