// Command client is the client under test of the connect conformance
// suite in client mode: the runner (connectconformance --mode client)
// starts it, writes test cases to its stdin and reads results from its
// stdout. -stack sidecar (the default) sends every RPC through a bffgen
// sidecar.Upstream with every policy on; -stack plain through connect-go's
// client alone, the baseline. See package
// github.com/bffgen/bffgen/internal/conformance and `make conformance`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bffgen/bffgen/internal/conformance"
)

func main() {
	stack := flag.String("stack", conformance.StackSidecar, "the client stack: sidecar (every policy of a sidecar.Upstream) or plain (connect-go alone)")
	parallel := flag.Int("p", 8, "RPCs in flight at once")
	noBreaker := flag.Bool("no-breaker", false, "sidecar stack: leave the circuit breaker off (bff.yaml's default); it is on otherwise")
	timeoutOff := flag.Bool("timeout-off", false, "sidecar stack: upstreams with timeout: off, so that a call's deadline is the case's own or none; the timeout is 30s otherwise")
	share := flag.Bool("share", false, "sidecar stack: one upstream per server and configuration, shared by its cases, instead of one per case")
	flag.Parse()
	// The runner stops a client with SIGTERM: exit at once, abandoning
	// the calls in flight.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		os.Exit(1)
	}()
	ctx := context.Background()
	var stats conformance.Stats
	if err := conformance.Run(ctx, os.Stdin, os.Stdout, conformance.Options{Stack: *stack, Parallel: *parallel, Share: *share, NoBreaker: *noBreaker, TimeoutOff: *timeoutOff, Stats: &stats}); err != nil {
		fmt.Fprintln(os.Stderr, "conformance client:", err)
		os.Exit(1)
	}
	if *stack == conformance.StackSidecar {
		timeout := "timeout " + conformance.SidecarTimeout.String()
		if *timeoutOff {
			timeout = "timeout off"
		}
		fmt.Fprintf(os.Stderr, "conformance client (sidecar, %s): %d cases; the forwarded header reached the server on %d calls whose result shows the request headers; %d retries, %d transparent retries, %d calls refused by an open breaker\n",
			timeout, stats.Cases, stats.Forwarded, stats.Retries, stats.TransparentRetries, stats.BreakerRejections)
	}
}
