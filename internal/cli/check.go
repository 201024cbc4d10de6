package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/spf13/cobra"
)

type checkFlags struct {
	dir         string
	errorFormat string
	config      string
}

func newCheck(stdio Stdio) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Load and check the composition spec; write nothing",
		Long: `check loads bffgen.yaml, the GraphQL schema and the protos, links the bindings
and reports every problem with its file:line:col. It exits 1 when there is an
error, so CI can run it on every change to the schema or the protos.

With operations.documents in bffgen.yaml, it also validates the frontend's
operations against the schema, as the BFF validates a request, and reports
their problems at file:line:col in the operation files.

It also checks the runtime config (--config, default bff.yaml in the project;
skipped when that file does not exist) as the BFF will load it at start,
${VAR} references resolved from the environment, and reports its problems
the same way.`,
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
			bad, err := checkRuntimeConfig(f, format, stdio)
			if err != nil {
				return err
			}
			if res.Model == nil || bad {
				return reported{ExitUser}
			}
			if format == diag.Text {
				ops := ""
				if n := len(res.Model.Operations); n > 0 {
					ops = fmt.Sprintf(", %d operations", n)
				}
				fmt.Fprintf(stdio.Err, "bffgen: %s: ok (%d services, %d types%s)\n", f.dir, len(res.Model.Services), len(res.Model.Objects), ops)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.dir, "dir", ".", "project directory (where bffgen.yaml is)")
	cmd.Flags().StringVar(&f.errorFormat, "error-format", "text", "diagnostics format: text, json or github")
	cmd.Flags().StringVar(&f.config, "config", "bff.yaml", "runtime config to check, relative to --dir; skipped when absent")
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
	if res.Model != nil {
		// The one problem of the spec that only the generator sees: two
		// names of the frontend's TypeScript module that collide. Checked
		// here (it takes milliseconds) so that check reports it too.
		if _, err := codegen.Frontend(res.Model); err != nil {
			var d diag.Diagnostic
			if !errors.As(err, &d) {
				return nil, err
			}
			res.Diagnostics.Add(d)
			res.Diagnostics.Sort()
			res.Model = nil
		}
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

// checkRuntimeConfig loads the runtime config of the project as the BFF
// would and renders its problems as diagnostics: the source line, carets
// under the offending token, and the fix as a hint. It reports whether
// there was an error; a missing file is none.
func checkRuntimeConfig(f checkFlags, format diag.Format, stdio Stdio) (bool, error) {
	path := f.config
	if !filepath.IsAbs(path) {
		path = filepath.Join(f.dir, path)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, userErrorf("reading %s: %v", path, err)
	}
	name := filepath.ToSlash(f.config)
	_, err = config.Parse(data, name)
	if err == nil {
		return false, nil
	}
	var list diag.List
	for _, e := range configErrors(err) {
		d := diag.Diagnostic{Severity: diag.Error, Code: "runtime-config", Span: diag.Span{File: name}, Message: err.Error()}
		var ce *config.Error
		if errors.As(e, &ce) {
			// The same span, message and hint as the BFF prints at startup
			// (config.Render): the token as the YAML decoder read it.
			d.Span = diag.Span{File: name, Line: ce.Line, Col: ce.Col, Len: ce.Len}
			d.Message, d.Hint = ce.Msg, ce.Hint
		}
		list = append(list, d)
	}
	w := stdio.Err
	if format != diag.Text {
		w = stdio.Out
	}
	sources := func(file string) (string, bool) { return string(data), file == name }
	if err := diag.Render(w, format, list, sources); err != nil {
		return true, err
	}
	if format == diag.Text {
		fmt.Fprintf(stdio.Err, "bffgen: %s: %d error(s)\n", name, len(list))
	}
	return true, nil
}

// configErrors splits the joined errors of config.Parse.
func configErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
