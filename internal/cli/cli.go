package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of [Run].
const (
	ExitOK       = 0
	ExitUser     = 1
	ExitInternal = 2
)

// Stdio is where the CLI reads and writes.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// userError is a mistake of the user's: exit code 1.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }

func userErrorf(format string, args ...any) error { return userError{fmt.Errorf(format, args...)} }

// reported is a failure whose details were already printed (diagnostics);
// Run prints nothing more for it.
type reported struct{ code int }

func (r reported) Error() string { return fmt.Sprintf("exit %d", r.code) }

// Run runs bffgen with args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, stdio Stdio) int {
	root := newRoot(stdio)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var rep reported
	if errors.As(err, &rep) {
		return rep.code
	}
	var ue userError
	switch {
	case errors.As(err, &ue), isFlagError(err):
		fmt.Fprintf(stdio.Err, "bffgen: %v\n", err)
		return ExitUser
	case strings.Contains(err.Error(), "internal error"):
		fmt.Fprintf(stdio.Err, "bffgen: %v\n", err)
		return ExitInternal
	default:
		fmt.Fprintf(stdio.Err, "bffgen: %v\n", err)
		return ExitInternal
	}
}

// isFlagError recognizes cobra's argument and flag errors, which are user
// errors.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown flag", "unknown command", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires "} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func newRoot(stdio Stdio) *cobra.Command {
	root := &cobra.Command{
		Use:   "bffgen",
		Short: "Generate Backend-for-Frontend services with the gateway and the sidecar built in",
		Long: `bffgen reads a composition spec (a GraphQL schema with binding directives,
plus the backends' .proto files) and generates a Go service: a GraphQL endpoint
whose resolvers call the backends through typed connect-go clients, running
inside a runtime that is both the edge gateway and the service-mesh sidecar.`,
		Example: `  bffgen init shop
  cd shop && go generate ./... && go run . --config bff.yaml`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what `bffgen version` prints.
		Version: versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newInit(stdio), newGenerate(stdio), newCheck(stdio), newImport(stdio), newVersion(stdio))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return userError{err} })
	return root
}
