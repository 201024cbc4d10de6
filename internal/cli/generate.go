package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/spf13/cobra"
)

type generateFlags struct {
	dir   string
	quiet bool
	force bool
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
With operations.documents in bffgen.yaml, it also writes for the frontend
the persisted-operation manifest (Apollo's format and a hash -> document
map) and the TypeScript types of each operation (operations.manifest,
operations.relay, operations.typescript; default under go.out/frontend/).
It writes nothing when the spec has an error, and rewrites only files whose
content changed, so a second run touches nothing.

A run whose inputs (bffgen.yaml, the SDL, the protos, the operations, go.mod and go.sum, the
resolvers' method names, the bffgen binary) hash as the last run's did, and
whose generated files are as that run left them, skips generation: the
record is go.out/` + codegen.StateFile + ` (ignored by the generated
.gitignore); --force regenerates anyway.

Run from go generate (//go:generate), it never breaks go generate's own walk
of the packages: a generated file to remove is emptied into a file excluded
from every build (//go:build ignore) instead, which the next run deletes.`,
		Example: `  bffgen generate
  //go:generate go tool bffgen generate   (in main.go)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(cmd, f, stdio)
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", ".", "project directory (where bffgen.yaml is)")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print only errors")
	cmd.Flags().BoolVar(&f.force, "force", false, "generate even when the inputs are unchanged since the last run")
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
	m := res.Model
	fp, err := codegen.Fingerprint(m, res.Sources)
	if err != nil {
		return err
	}
	if !f.force && codegen.Fresh(m.Dir, m.Config.Go.Out, fp) {
		if _, err := codegen.SweepTombstones(m.Dir, m.Config.Go.Out); err != nil {
			return fmt.Errorf("writing generated code: %w", err)
		}
		if !f.quiet {
			fmt.Fprintf(stdio.Err, "bffgen: no changes (inputs unchanged since the last run; --force regenerates)\n")
		}
		return nil
	}
	set, err := codegen.Generate(cmd.Context(), m)
	if err != nil {
		return err
	}
	// Under go generate (which sets GOFILE), removing a file go generate has
	// listed would fail its walk: see codegen.WithGoGenerate.
	underGoGenerate := os.Getenv("GOFILE") != ""
	rep, err := set.Write(m.Dir, codegen.WithGoGenerate(underGoGenerate))
	if err != nil {
		return fmt.Errorf("writing generated code: %w", err)
	}
	// While go.mod lacks modules generated code needs, no state is recorded:
	// the next run generates again and repeats the note below.
	if len(set.Requires) == 0 {
		if err := writeState(m, res.Sources, set); err != nil {
			return fmt.Errorf("writing generated code: %w", err)
		}
	}
	if len(set.Requires) > 0 {
		// Shown even with --quiet: the build fails without them.
		fmt.Fprintf(stdio.Err, "bffgen: note: generated code imports modules go.mod does not require; add them with:\n  go get %s\n", strings.Join(set.Requires, " "))
	}
	if f.quiet {
		return nil
	}
	for _, n := range set.Notes {
		fmt.Fprintf(stdio.Err, "bffgen: %s\n", n)
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

// writeState records a written set, so the next run with the same inputs can
// skip generation. The fingerprint is taken after the write, which may have
// added scaffolds the fingerprint counts.
func writeState(m *schema.Model, sources map[string]string, set *codegen.FileSet) error {
	fp, err := codegen.Fingerprint(m, sources)
	if err != nil {
		return err
	}
	_, err = set.State(fp).Write(m.Dir)
	return err
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
