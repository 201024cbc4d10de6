package cli

import (
	"context"
	"fmt"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/spf13/cobra"
)

type checkFlags struct {
	dir         string
	errorFormat string
}

func newCheck(stdio Stdio) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Load and check the composition spec; write nothing",
		Long: `check loads bffgen.yaml, the GraphQL schema and the protos, links the bindings
and reports every problem with its file:line:col. It exits 1 when there is an
error, so CI can run it on every change to the schema or the protos.`,
		Example: `  bffgen check
  bffgen check --dir examples/shop --error-format github`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := diag.ParseFormat(f.errorFormat)
			if err != nil {
				return userError{err}
			}
			res, err := load(cmd.Context(), f.dir, format, stdio)
			if err != nil {
				return err
			}
			if res.Model == nil {
				return reported{ExitUser}
			}
			if format == diag.Text {
				fmt.Fprintf(stdio.Err, "bffgen: %s: ok (%d services, %d types)\n", f.dir, len(res.Model.Services), len(res.Model.Objects))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", ".", "project directory (where bffgen.yaml is)")
	cmd.Flags().StringVar(&f.errorFormat, "error-format", "text", "diagnostics format: text, json or github")
	return cmd
}

// load runs the front end and prints its diagnostics (errors, warnings and
// notes) to stderr in the chosen format; text goes to stderr, machine
// formats to stdout.
func load(ctx context.Context, dir string, format diag.Format, stdio Stdio) (*schema.Result, error) {
	res, err := schema.Load(ctx, dir)
	if err != nil {
		return nil, err
	}
	w := stdio.Err
	if format != diag.Text {
		w = stdio.Out
	}
	if err := diag.Render(w, format, res.Diagnostics, res.Source); err != nil {
		return nil, err
	}
	if res.Model == nil && format == diag.Text {
		n := len(res.Diagnostics.Errors())
		plural := "s"
		if n == 1 {
			plural = ""
		}
		fmt.Fprintf(stdio.Err, "bffgen: %d error%s\n", n, plural)
	}
	return res, nil
}
