// Command chaos runs the shop BFF under a bounded load while fault proxies
// kill, slow, flap, reset and blackhole its backend replicas, then prints
// what the clients saw (`make chaos`):
//
//	chaos [-d 60s] [-c 8] [-dev dev]
//
// It serves, on 127.0.0.1 only, three replicas of each of the shop's
// backends, each behind a fault proxy (package examples/shop/chaos), and
// the generated shop BFF with every resilience policy at its default, plus
// a circuit breaker on users (open_time 2s) and a per-try timeout of 300ms
// on catalog. -c clients send the request mix of chaos.Mix (three
// idempotent queries, the signed-in user, the addReview mutation), each
// its next request when the previous is answered, for -d (the
// CHAOS_DURATION variable, when set, is the default of -d). The run is cut
// in 20 segments; every two segments the schedule changes the faults (see
// schedule), and a line per segment shows what happened.
//
// At the end it prints requests sent, answers received, HTTP statuses,
// GraphQL errors by code and by request, latencies, the calls each backend
// replica got, and the sidecar's counters; it exits 1 when any answer is
// missing or is not well-formed GraphQL JSON (chaos.Check: an object of
// data/errors whose error codes are runtime/errcode's), or when the
// addReview mutation reached the backends more times than it was sent.
// -dev is the shop's dev directory, whose key set the BFF trusts and whose
// key signs the token of addReview; the default, dev, is right in
// examples/shop. Wrong flags exit 2.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/bffgen/bffgen/examples/shop/chaos"
	"github.com/bffgen/bffgen/internal/faultproxy"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// step is one change of the schedule.
type step struct {
	what  string
	apply func(s *chaos.Shop) error
}

// fault sets one replica's fault.
func fault(backend string, replica int, f faultproxy.Fault) func(*chaos.Shop) error {
	return func(s *chaos.Shop) error { return s.Replicas(backend)[replica].Proxy.Set(f) }
}

// all runs several changes.
func all(fs ...func(*chaos.Shop) error) func(*chaos.Shop) error {
	return func(s *chaos.Shop) error {
		for _, f := range fs {
			if err := f(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// restore passes everything again.
func restore(s *chaos.Shop) error {
	for _, b := range chaos.Backends {
		if err := s.Set(b, faultproxy.Fault{}); err != nil {
			return err
		}
	}
	return nil
}

var (
	down  = faultproxy.Fault{Mode: faultproxy.Down}
	slow  = faultproxy.Fault{Mode: faultproxy.Latency, ResponseDelay: 500 * time.Millisecond}
	flap  = faultproxy.Fault{Mode: faultproxy.Flap, Period: 300 * time.Millisecond}
	reset = faultproxy.Fault{Mode: faultproxy.Reset}
	hole  = faultproxy.Fault{Mode: faultproxy.Blackhole}
	pass  = faultproxy.Fault{}
)

// schedule is the faults in force, one step per tenth of the run.
// Replicas are numbered from 1 as the upstream's endpoints are.
var schedule = []step{
	{"all replicas healthy", restore},
	{"kill catalog#1", fault(chaos.Catalog, 0, down)},
	{"+ slow users#2 by 500ms", fault(chaos.Users, 1, slow)},
	{"+ flap reviews#3 every 300ms", fault(chaos.Reviews, 2, flap)},
	{"restore catalog#1; kill users#1 (users#2 still slow)", all(fault(chaos.Catalog, 0, pass), fault(chaos.Users, 0, down))},
	{"+ reviews#1 resets after the request (mutations reach it)", fault(chaos.Reviews, 0, reset)},
	{"+ blackhole catalog#2", fault(chaos.Catalog, 1, hole)},
	{"every users replica down (breaker), catalog#2 blackholed", all(fault(chaos.Users, 0, down), fault(chaos.Users, 1, down), fault(chaos.Users, 2, down))},
	{"users back; flap catalog#3 and reviews#3", all(fault(chaos.Users, 0, pass), fault(chaos.Users, 1, pass), fault(chaos.Users, 2, pass), fault(chaos.Catalog, 1, pass), fault(chaos.Catalog, 2, flap))},
	{"all restored (recovery)", restore},
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("chaos", flag.ContinueOnError)
	flags.SetOutput(stderr)
	defDuration := 60 * time.Second
	if v := os.Getenv("CHAOS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "chaos: CHAOS_DURATION=%q: want a positive duration such as 60s\n", v)
			return 2
		}
		defDuration = d
	}
	duration := flags.Duration("d", defDuration, "how long the load runs (default: $CHAOS_DURATION, else 60s)")
	workers := flags.Int("c", 8, "concurrent clients")
	devDir := flags.String("dev", "dev", "the shop's dev directory (its JWKS and signing key)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *duration < time.Second || *workers < 1 {
		fmt.Fprintln(stderr, "chaos: -d must be at least 1s and -c at least 1")
		return 2
	}

	s, err := chaos.Start(chaos.Options{DevDir: *devDir, Upstream: map[string]string{
		chaos.Users:   "circuit_breaker: {enabled: true, open_time: 2s}",
		chaos.Catalog: "retry: {per_try_timeout: 300ms}",
	}})
	if err != nil {
		fmt.Fprintf(stderr, "chaos: starting the shop: %v\n", err)
		return 1
	}
	defer s.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	fmt.Fprintf(stdout, "chaos: the shop BFF at %s, 3 replicas per backend behind fault proxies, %d clients for %s\n", s.URL, *workers, *duration)
	fmt.Fprintf(stdout, "policies: defaults (p2c, outlier detection, transparent retry, 2 attempts for idempotent calls, retry budget), users circuit breaker (open 2s), catalog per-try timeout 300ms\n\n")
	const segments = 20
	seg := *duration / segments
	total := &chaos.Result{}
	start := time.Now()
	for i := range segments {
		if ctx.Err() != nil {
			break
		}
		var what string
		if i%2 == 0 {
			st := schedule[i/2]
			if err := st.apply(s); err != nil {
				fmt.Fprintf(stderr, "chaos: %s: %v\n", st.what, err)
				return 1
			}
			what = st.what
		}
		res := s.Load(ctx, chaos.LoadOptions{Workers: *workers, Duration: seg})
		total.Add(res)
		fmt.Fprintf(stdout, "%6.1fs %5d sent %5d clean %s  %s\n", time.Since(start).Seconds(), res.Sent, clean(res), codes(res), what)
	}
	_ = restore(s)

	fmt.Fprintln(stdout)
	total.Print(stdout)
	fmt.Fprintln(stdout)
	for _, b := range chaos.Backends {
		u, err := s.Upstream(b)
		if err != nil {
			fmt.Fprintf(stderr, "chaos: %v\n", err)
			return 1
		}
		var ej []string
		for _, e := range u.Endpoints {
			ej = append(ej, fmt.Sprint(e.Ejections))
		}
		fmt.Fprintf(stdout, "%-8s calls per replica %v; retries %d, transparent %d, refused by the budget %d, breaker rejections %d, ejections per replica [%s]\n",
			b, s.Calls(b, ""), u.Retries, u.TransparentRetries, u.BudgetExhausted, u.BreakerRejections, strings.Join(ej, " "))
	}
	mutations := total.ByName["addReview"]
	created := int64(0)
	for _, n := range s.Calls(chaos.Reviews, "/reviews.v1.ReviewService/CreateReview") {
		created += n
	}
	fmt.Fprintf(stdout, "addReview: %d sent, %d answered without error, %d reached the reviews backends\n", mutations.Sent, mutations.Clean, created)

	var failures []string
	if total.Malformed > 0 {
		failures = append(failures, fmt.Sprintf("%d answers are not well-formed GraphQL", total.Malformed))
	}
	if total.Sent != total.Received {
		failures = append(failures, fmt.Sprintf("%d requests sent, %d answered", total.Sent, total.Received))
	}
	if created > mutations.Sent {
		failures = append(failures, fmt.Sprintf("addReview reached the backends %d times for %d sent: a mutation was sent twice", created, mutations.Sent))
	}
	if created < mutations.Clean {
		failures = append(failures, fmt.Sprintf("%d addReview answered without error but only %d reached a backend", mutations.Clean, created))
	}
	if len(failures) > 0 {
		fmt.Fprintf(stdout, "\nFAIL: %s\n", strings.Join(failures, "; "))
		return 1
	}
	fmt.Fprintln(stdout, "\nPASS: every request answered with well-formed GraphQL; no mutation sent twice")
	return 0
}

// clean returns the answers without errors.
func clean(res *chaos.Result) int64 {
	var n int64
	for _, t := range res.ByName {
		n += t.Clean
	}
	return n
}

// codes formats the error codes of a segment.
func codes(res *chaos.Result) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(res.Upstreams)) {
		parts = append(parts, fmt.Sprintf("%s:%d", strings.Replace(c, " ", "/", 1), res.Upstreams[c]))
	}
	if res.Malformed > 0 {
		parts = append(parts, fmt.Sprintf("MALFORMED:%d", res.Malformed))
	}
	if res.TransportErrors > 0 {
		parts = append(parts, fmt.Sprintf("NO-ANSWER:%d", res.TransportErrors))
	}
	return fmt.Sprintf("%-52s", strings.Join(parts, " "))
}
