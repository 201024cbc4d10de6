package cli

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"

	"github.com/bffgen/bffgen/runtime"
	"github.com/spf13/cobra"
)

// Version is the CLI's version: the module version it was built from, or
// "(devel)" for a build from a checkout.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newVersion(stdio Stdio) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the versions of the CLI and the runtime",
		Example: "  bffgen version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(stdio.Out, versionLine())
			return nil
		},
	}
}

// versionLine is what `bffgen version` and `bffgen --version` print.
func versionLine() string {
	return fmt.Sprintf("bffgen %s (runtime %s, %s %s/%s)", Version(), runtime.Version, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
}
