package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/bffgen/bffgen/internal/cli"
)

// gcPercent is the garbage collector's target unless GOGC is set. bffgen
// runs for a few seconds and allocates mostly short-lived syntax trees and
// buffers: at Go's default of 100, collection took about a sixth of the
// CPU time of `bffgen generate` on the 1200-field benchmark spec
// (docs/benchmarks.md section 4). At 400 it collects a quarter as often,
// for a higher peak (270-310 MiB instead of about 255 MiB on that spec).
// The go commands bffgen runs are not affected.
const gcPercent = 400

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	stopProfile, err := startProfile(os.Getenv("BFFGEN_CPUPROFILE"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "bffgen: BFFGEN_CPUPROFILE: %v\n", err)
		os.Exit(cli.ExitUser)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	stopProfile()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole run to path (for `go tool
// pprof`; see docs/benchmarks.md section 4), and returns the function that
// ends it. An empty path profiles nothing.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "bffgen: writing the CPU profile: %v\n", err)
		}
	}, nil
}
