// Command report reads the outputs of the conformance runner that make
// conformance saved and prints one line per stack; it exits with status 1
// when a stack does not pass (see conformance.Report.Err). Usage:
//
//	report NAME=FILE...
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/bffgen/bffgen/internal/conformance"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: report NAME=FILE...")
		os.Exit(2)
	}
	failed := false
	for _, arg := range os.Args[1:] {
		name, file, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "report: %q: want NAME=FILE\n", arg)
			os.Exit(2)
		}
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(2)
		}
		rep, err := conformance.ParseReport(f)
		_ = f.Close()
		if err == nil {
			err = rep.Err()
		}
		if err != nil {
			fmt.Printf("%-22s FAIL: %v (%s; see %s)\n", name+":", err, rep, file)
			failed = true
			continue
		}
		fmt.Printf("%-22s %s\n", name+":", rep)
	}
	if failed {
		os.Exit(1)
	}
}
