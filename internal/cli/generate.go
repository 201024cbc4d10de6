package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/spf13/cobra"
)

type generateFlags struct {
	dir   string
	quiet bool
}

func newGenerate(stdio Stdio) *cobra.Command {
	var f generateFlags
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Check the spec and write the generated code",
		Long: `generate runs every check of "bffgen check", then writes the generated Go code:
protobuf types and connect clients, the GraphQL executor bound to them, the
resolvers of bound fields and the server wiring, all under go.out (default
gen/), plus scaffolds for user resolvers under go.resolvers, written once.
It writes nothing when the spec has an error, and rewrites only files whose
content changed, so a second run touches nothing.`,
		Example: `  bffgen generate
  //go:generate go tool bffgen generate   (in main.go)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(cmd, f, stdio)
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", ".", "project directory (where bffgen.yaml is)")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print only errors")
	return cmd
}

func runGenerate(cmd *cobra.Command, f generateFlags, stdio Stdio) error {
	res, err := load(cmd.Context(), f.dir, diag.Text, quietStdio(stdio, f.quiet))
	if err != nil {
		return err
	}
	if res.Model == nil {
		if f.quiet {
			_ = diag.Render(stdio.Err, diag.Text, res.Diagnostics.Errors(), res.Source)
		}
		return reported{ExitUser}
	}
	set, err := codegen.Generate(cmd.Context(), res.Model)
	if err != nil {
		return err
	}
	rep, err := set.Write(res.Model.Dir)
	if err != nil {
		return fmt.Errorf("writing generated code: %w", err)
	}
	if len(set.Requires) > 0 {
		// Shown even with --quiet: the build fails without them.
		fmt.Fprintf(stdio.Err, "bffgen: note: generated code imports modules go.mod does not require; add them with:\n  go get %s\n", strings.Join(set.Requires, " "))
	}
	if f.quiet {
		return nil
	}
	rel := func(p string) string { return filepath.ToSlash(p) }
	switch {
	case !rep.Changed():
		fmt.Fprintf(stdio.Err, "bffgen: no changes (%d files up to date)\n", rep.Unchanged)
	default:
		for _, p := range rep.Written {
			fmt.Fprintf(stdio.Err, "  wrote   %s\n", rel(p))
		}
		for _, p := range rep.Removed {
			fmt.Fprintf(stdio.Err, "  removed %s\n", rel(p))
		}
		fmt.Fprintf(stdio.Err, "bffgen: %d written, %d removed, %d unchanged\n", len(rep.Written), len(rep.Removed), rep.Unchanged)
	}
	return nil
}

// quietStdio hides notes and warnings when quiet is set.
func quietStdio(s Stdio, quiet bool) Stdio {
	if quiet {
		s.Err = discard{}
	}
	return s
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
