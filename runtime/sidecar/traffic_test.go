package sidecar_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// within reports whether n successes of calls trials of probability p lie
// within 5 standard deviations of the mean (a false failure about once in
// 3.5 million runs).
func within(n, calls int, p float64) (lo, hi int, ok bool) {
	mean := float64(calls) * p
	sd := 5 * math.Sqrt(mean*(1-p))
	lo, hi = int(mean-sd), int(mean+sd+1)
	return lo, hi, n >= lo && n <= hi
}

// stats returns the stats of the named upstream of set.
func stats(t *testing.T, set *sidecar.Set, name string) sidecar.Stats {
	t.Helper()
	u, ok := set.Upstream(name)
	if !ok {
		t.Fatalf("no upstream %q", name)
	}
	return u.Stats()
}

// eventually polls cond every millisecond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
	}
}

// TestSplitSendsTheWeightedShare: with split: [{upstream: catalog-canary,
// weight: 10}], about 10% of 2000 calls reach the canary's backend and the
// rest the upstream's own; Stats and the metrics count the same.
func TestSplitSendsTheWeightedShare(t *testing.T) {
	t.Parallel()
	stable, canary := newReplica(t, "stable"), newReplica(t, "canary")
	set := newSet(t, map[string]config.Upstream{
		"catalog":        {Endpoints: []string{stable.url}, Split: []config.SplitTarget{{Upstream: "catalog-canary", Weight: 10}}},
		"catalog-canary": {Endpoints: []string{canary.url}},
	}, quiet)
	reader := sdkmetric.NewManualReader()
	if err := set.RegisterMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))); err != nil {
		t.Fatal(err)
	}
	client := plainEcho(set, "catalog")
	const calls = 2000
	answers := map[string]int{}
	for range calls {
		res, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("x")))
		if err != nil {
			t.Fatal(err)
		}
		answers[res.Msg.GetValue()]++
	}
	got := int(canary.calls.Load())
	lo, hi, ok := within(got, calls, 0.10)
	t.Logf("%d calls: canary %d, stable %d (bound %d..%d)", calls, got, stable.calls.Load(), lo, hi)
	if !ok || got+int(stable.calls.Load()) != calls || answers["canary"] != got {
		t.Errorf("canary got %d calls and stable %d, want %d..%d of %d at the canary and the rest at stable", got, stable.calls.Load(), lo, hi, calls)
	}
	st := stats(t, set, "catalog").Split
	want := []sidecar.SplitStats{{Upstream: "catalog", Weight: 90, Calls: stable.calls.Load()}, {Upstream: "catalog-canary", Weight: 10, Calls: canary.calls.Load()}}
	if fmt.Sprint(st) != fmt.Sprint(want) {
		t.Errorf("Stats.Split = %+v, want %+v", st, want)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "bffgen.upstream.split.calls" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				g, _ := dp.Attributes.Value("bffgen.split.group")
				seen[g.AsString()] = dp.Value
			}
		}
	}
	if seen["catalog"] != stable.calls.Load() || seen["catalog-canary"] != canary.calls.Load() {
		t.Errorf("bffgen.upstream.split.calls = %v, want the backends' counts", seen)
	}
}

// TestSplitRetriesStayInTheChosenGroup: a call the split sent to the canary
// is retried on the canary's other endpoint, never on the upstream's own.
func TestSplitRetriesStayInTheChosenGroup(t *testing.T) {
	t.Parallel()
	stable, bad, good := newReplica(t, "stable"), newReplica(t, "bad"), newReplica(t, "good")
	bad.set(fail(connect.CodeUnavailable))
	set := newSet(t, map[string]config.Upstream{
		"catalog": {Endpoints: []string{stable.url}, Split: []config.SplitTarget{{Upstream: "catalog-canary", Weight: 100}}},
		"catalog-canary": {Endpoints: []string{bad.url, good.url}, LoadBalancing: config.LoadBalancingRoundRobin,
			OutlierDetection: config.OutlierDetection{Disabled: true}, Retry: config.Retry{BudgetPercent: 100}},
	}, quiet)
	client := idempotentEcho(set, "catalog")
	for range 20 {
		if err := call(t.Context(), client); err != nil {
			t.Fatal(err)
		}
	}
	st := stats(t, set, "catalog-canary")
	t.Logf("stable %d, canary bad %d, good %d; canary retries %d", stable.calls.Load(), bad.calls.Load(), good.calls.Load(), st.Retries)
	if stable.calls.Load() != 0 || bad.calls.Load() == 0 || good.calls.Load() != 20 || st.Retries != bad.calls.Load() {
		t.Errorf("stable %d, bad %d, good %d, retries %d: want 0 at stable, every failure at bad retried on good", stable.calls.Load(), bad.calls.Load(), good.calls.Load(), st.Retries)
	}
}

// TestSplitFallsBackWhileTheGroupHasNoHealthyEndpoint: a canary whose only
// endpoint is down fails the calls sent to it until outlier detection
// finds it unhealthy (5 failures); from then on the calls that choose it
// go to the upstream itself, counted as fallbacks.
func TestSplitFallsBackWhileTheGroupHasNoHealthyEndpoint(t *testing.T) {
	t.Parallel()
	stable := newReplica(t, "stable")
	set := newSet(t, map[string]config.Upstream{
		"catalog":        {Endpoints: []string{stable.url}, Split: []config.SplitTarget{{Upstream: "catalog-canary", Weight: 100}}},
		"catalog-canary": {Endpoints: []string{closedAddress(t)}},
	}, quiet)
	client := plainEcho(set, "catalog")
	failed := 0
	for range 25 {
		if err := call(t.Context(), client); err != nil {
			failed++
		}
	}
	st := stats(t, set, "catalog").Split
	if failed != config.DefaultConsecutiveFailures || stable.calls.Load() != 20 || st[1].Fallbacks != 20 || st[1].Calls != 5 || st[0].Calls != 20 {
		t.Errorf("%d failed, stable got %d, split %+v: want 5 failed at the canary, then 20 fallbacks to stable", failed, stable.calls.Load(), st)
	}
}

// shadow is a backend that records the mirrored requests it gets.
type shadow struct {
	calls   atomic.Int64
	mu      sync.Mutex
	headers []string // Bffgen-Shadow of each call
	bodies  []string // the message of each call
	hang    atomic.Bool
	url     string
}

// newShadow starts a shadow backend on 127.0.0.1.
func newShadow(t *testing.T) *shadow {
	s := &shadow{}
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		s.mu.Lock()
		s.headers = append(s.headers, req.Header().Get(sidecar.ShadowHeader))
		s.bodies = append(s.bodies, req.Msg.GetValue())
		s.mu.Unlock()
		s.calls.Add(1)
		if s.hang.Load() {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return connect.NewResponse(wrapperspb.String("shadow")), nil
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// TestMirror: the shadow gets a copy of the mirrored share of the calls,
// with the same message and the Bffgen-Shadow header; the caller always
// gets the primary's answer; only idempotent calls by default.
func TestMirror(t *testing.T) {
	t.Parallel()
	t.Run("100%: every idempotent call, once, with its message and the header", func(t *testing.T) {
		t.Parallel()
		primary, sh := newReplica(t, "primary"), newShadow(t)
		set := newSet(t, map[string]config.Upstream{
			"catalog":        {Endpoints: []string{primary.url}, Mirror: config.Mirror{Upstream: "catalog-shadow"}},
			"catalog-shadow": {Endpoints: []string{sh.url}},
		}, quiet)
		client := idempotentEcho(set, "catalog")
		for i := range 50 {
			res, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String(fmt.Sprint("m", i))))
			if err != nil || res.Msg.GetValue() != "primary" {
				t.Fatalf("got %v, %v; want the primary's answer", res, err)
			}
		}
		eventually(t, "the shadow got 50 copies", func() bool { return sh.calls.Load() == 50 })
		eventually(t, "no copy in flight", func() bool { return stats(t, set, "catalog").Mirror.InFlight == 0 })
		sh.mu.Lock()
		defer sh.mu.Unlock()
		for i := range 50 {
			if sh.headers[i] != "catalog" {
				t.Errorf("copy %d: %s = %q, want %q", i, sidecar.ShadowHeader, sh.headers[i], "catalog")
			}
		}
		seen := map[string]bool{} // copies may arrive in any order
		for _, b := range sh.bodies {
			seen[b] = true
		}
		for i := range 50 {
			if !seen[fmt.Sprint("m", i)] {
				t.Errorf("the shadow never got the message m%d: %q", i, sh.bodies)
			}
		}
		if m := stats(t, set, "catalog").Mirror; m.Sent != 50 || m.Failed != 0 || m.Dropped != 0 || primary.calls.Load() != 50 {
			t.Errorf("mirror %+v, primary %d: want 50 sent, 0 failed or dropped, 50 at the primary", m, primary.calls.Load())
		}
	})
	t.Run("10%: about a tenth of 1000 calls", func(t *testing.T) {
		t.Parallel()
		primary, sh := newReplica(t, "primary"), newShadow(t)
		set := newSet(t, map[string]config.Upstream{
			"catalog":        {Endpoints: []string{primary.url}, Mirror: config.Mirror{Upstream: "catalog-shadow", Percent: 10}},
			"catalog-shadow": {Endpoints: []string{sh.url}},
		}, quiet)
		client := idempotentEcho(set, "catalog")
		for range 1000 {
			if err := call(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "no copy in flight", func() bool { return stats(t, set, "catalog").Mirror.InFlight == 0 })
		m := stats(t, set, "catalog").Mirror
		lo, hi, ok := within(int(sh.calls.Load()), 1000, 0.10)
		t.Logf("1000 calls: %d mirrored (bound %d..%d)", sh.calls.Load(), lo, hi)
		if !ok || m.Sent != sh.calls.Load() || primary.calls.Load() != 1000 {
			t.Errorf("the shadow got %d copies (stats %+v), want %d..%d; primary %d", sh.calls.Load(), m, lo, hi, primary.calls.Load())
		}
	})
	t.Run("non-idempotent calls: not mirrored by default, mirrored with non_idempotent", func(t *testing.T) {
		t.Parallel()
		for _, nonIdempotent := range []bool{false, true} {
			primary, sh := newReplica(t, "primary"), newShadow(t)
			set := newSet(t, map[string]config.Upstream{
				"catalog":        {Endpoints: []string{primary.url}, Mirror: config.Mirror{Upstream: "catalog-shadow", NonIdempotent: nonIdempotent}},
				"catalog-shadow": {Endpoints: []string{sh.url}},
			}, quiet)
			client := plainEcho(set, "catalog")
			for range 20 {
				if err := call(t.Context(), client); err != nil {
					t.Fatal(err)
				}
			}
			want := int64(0)
			if nonIdempotent {
				want = 20
				eventually(t, "20 copies", func() bool { return sh.calls.Load() == 20 })
			}
			eventually(t, "no copy in flight", func() bool { return stats(t, set, "catalog").Mirror.InFlight == 0 })
			if sh.calls.Load() != want || primary.calls.Load() != 20 {
				t.Errorf("non_idempotent %v: the shadow got %d copies of 20 mutations, want %d", nonIdempotent, sh.calls.Load(), want)
			}
		}
	})
	t.Run("retries are not mirrored: one copy per call", func(t *testing.T) {
		t.Parallel()
		bad, good, sh := newReplica(t, "bad"), newReplica(t, "good"), newShadow(t)
		bad.set(fail(connect.CodeUnavailable))
		set := newSet(t, map[string]config.Upstream{
			"catalog": {Endpoints: []string{bad.url, good.url}, LoadBalancing: config.LoadBalancingRoundRobin,
				OutlierDetection: config.OutlierDetection{Disabled: true}, Retry: config.Retry{BudgetPercent: 100},
				Mirror: config.Mirror{Upstream: "catalog-shadow"}},
			"catalog-shadow": {Endpoints: []string{sh.url}},
		}, quiet)
		client := idempotentEcho(set, "catalog")
		for range 20 {
			if err := call(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "no copy in flight", func() bool { return stats(t, set, "catalog").Mirror.InFlight == 0 })
		if sh.calls.Load() != 20 || bad.calls.Load() == 0 {
			t.Errorf("the shadow got %d copies of 20 calls (%d attempts), want 20", sh.calls.Load(), bad.calls.Load()+good.calls.Load())
		}
	})
}

// TestMirrorNeverDelaysTheCall (synctest): with a shadow that never
// answers, every call still completes in zero (fake) time; at most
// max_in_flight copies are in flight, the rest dropped and counted; the
// copies end at the shadow's own timeout, counted as failed.
func TestMirrorNeverDelaysTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("primary", "shadow")
		rs[1].set(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		set := newSet(t, map[string]config.Upstream{
			"catalog":        {Endpoints: []string{rs[0].url}, Mirror: config.Mirror{Upstream: "catalog-shadow", MaxInFlight: 4}},
			"catalog-shadow": {Endpoints: []string{rs[1].url}, Timeout: 30 * time.Second},
		}, sidecar.WithTransport(net), quiet)
		client := idempotentEcho(set, "catalog")
		start := time.Now()
		for range 20 {
			if err := call(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if d := time.Since(start); d != 0 {
			t.Errorf("20 calls took %s with a hanging shadow, want 0", d)
		}
		m := stats(t, set, "catalog").Mirror
		if m.Sent != 4 || m.Dropped != 16 || m.InFlight != 4 || rs[1].calls.Load() != 4 || rs[0].calls.Load() != 20 {
			t.Errorf("mirror %+v, shadow %d calls: want 4 sent and in flight, 16 dropped", m, rs[1].calls.Load())
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if m := stats(t, set, "catalog").Mirror; m.InFlight != 0 || m.Failed != 4 {
			t.Errorf("after the shadow's timeout: %+v, want 0 in flight, 4 failed", m)
		}
		if err := call(t.Context(), client); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if m := stats(t, set, "catalog").Mirror; m.Sent != 5 || m.InFlight != 1 {
			t.Errorf("after the copies ended: %+v, want the next call mirrored", m)
		}
		time.Sleep(30 * time.Second) // let the last copy end within the bubble
	})
}

// TestMirrorToAShadowWithTimeoutOff: copies are detached from the
// caller's cancellation, so a shadow whose timeout is off still bounds
// them, by config.OffTimeoutBound (10s): a copy to a shadow that never
// answers is in flight 1ms before and ended (failed) at exactly 10s.
func TestMirrorToAShadowWithTimeoutOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("primary", "shadow")
		rs[1].set(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		set := newSet(t, map[string]config.Upstream{
			"catalog":        {Endpoints: []string{rs[0].url}, TimeoutOff: true, Mirror: config.Mirror{Upstream: "catalog-shadow"}},
			"catalog-shadow": {Endpoints: []string{rs[1].url}, TimeoutOff: true},
		}, sidecar.WithTransport(net), quiet)
		if err := call(t.Context(), idempotentEcho(set, "catalog")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(config.OffTimeoutBound - time.Millisecond)
		synctest.Wait()
		if m := stats(t, set, "catalog").Mirror; m.Sent != 1 || m.InFlight != 1 {
			t.Errorf("1ms before the bound: %+v, want 1 sent and in flight", m)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if m := stats(t, set, "catalog").Mirror; m.InFlight != 0 || m.Failed != 1 {
			t.Errorf("at the bound: %+v, want 0 in flight, 1 failed", m)
		}
	})
}

// hedgeReplica is a backend for hedging tests: when slow, it answers only
// when its context ends, and counts the cancellations it saw.
type hedgeReplica struct {
	name             string
	slow             bool
	calls, cancelled atomic.Int64
	url              string
}

func newHedgeReplica(t *testing.T, name string, slow bool) *hedgeReplica {
	r := &hedgeReplica{name: name, slow: slow}
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		r.calls.Add(1)
		if r.slow {
			<-ctx.Done()
			if ctx.Err() == context.Canceled {
				r.cancelled.Add(1)
			}
			return nil, ctx.Err()
		}
		return connect.NewResponse(wrapperspb.String(r.name)), nil
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// TestHedgingAnswersFromTheFastEndpoint (BF-12): with one endpoint that
// never answers first in turn, every idempotent call is answered by the
// other after the hedging delay; the slow attempt is cancelled (its
// backend sees the cancellation) and not blamed: the endpoint stays
// healthy. Non-idempotent calls are never hedged.
func TestHedgingAnswersFromTheFastEndpoint(t *testing.T) {
	t.Parallel()
	slowR, fast := newHedgeReplica(t, "slow", true), newHedgeReplica(t, "fast", false)
	set := newSet(t, map[string]config.Upstream{
		"catalog": {Endpoints: []string{slowR.url, fast.url}, LoadBalancing: config.LoadBalancingRoundRobin, Timeout: 10 * time.Second,
			Hedging: config.Hedging{Enabled: true, Delay: 10 * time.Millisecond}},
	}, quiet)
	client := idempotentEcho(set, "catalog")
	const calls = 10
	for range calls {
		res, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("x")))
		if err != nil || res.Msg.GetValue() != "fast" {
			t.Fatalf("got %v, %v; want the fast endpoint's answer", res, err)
		}
	}
	eventually(t, "the slow backend saw every attempt cancelled", func() bool { return slowR.cancelled.Load() == slowR.calls.Load() })
	st := stats(t, set, "catalog")
	t.Logf("slow: %d calls, %d cancelled; fast: %d; hedging %+v", slowR.calls.Load(), slowR.cancelled.Load(), fast.calls.Load(), *st.Hedging)
	if slowR.calls.Load() != calls || fast.calls.Load() != calls || st.Hedging.Hedges != calls || st.Hedging.Wins != calls {
		t.Errorf("slow %d, fast %d, %+v: want every call first at slow, answered by a hedge at fast", slowR.calls.Load(), fast.calls.Load(), *st.Hedging)
	}
	for _, ep := range st.Endpoints {
		if !ep.Healthy || ep.Ejections != 0 {
			t.Errorf("endpoint %d %+v: a cancelled loser counted against it", ep.Index, ep)
		}
	}

	// Non-idempotent: sent once, never hedged; the call to the slow
	// endpoint runs out of its timeout.
	set = newSet(t, map[string]config.Upstream{
		"catalog": {Endpoints: []string{slowR.url, fast.url}, LoadBalancing: config.LoadBalancingRoundRobin, Timeout: 200 * time.Millisecond,
			Hedging: config.Hedging{Enabled: true, Delay: 10 * time.Millisecond}},
	}, quiet)
	before := slowR.calls.Load() + fast.calls.Load()
	plain := plainEcho(set, "catalog")
	failed := 0
	for range 4 {
		if err := call(t.Context(), plain); err != nil {
			if connect.CodeOf(err) != connect.CodeDeadlineExceeded {
				t.Fatalf("got %v, want DEADLINE_EXCEEDED from the slow endpoint", err)
			}
			failed++
		}
	}
	if got := slowR.calls.Load() + fast.calls.Load() - before; got != 4 || failed != 2 || stats(t, set, "catalog").Hedging.Hedges != 0 {
		t.Errorf("4 mutations: %d backend calls, %d failed, %+v; want 4 calls, the 2 at slow failed, 0 hedges", got, failed, *stats(t, set, "catalog").Hedging)
	}
}

// TestHedgingLoadIsBoundedByTheBudget (synctest, BF-12): backends slower
// than the hedging delay would get max_attempts (5) attempts per call;
// the retry budget bounds them to 20% of the calls plus 10 a second.
func TestHedgingLoadIsBoundedByTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a", "b")
		for _, r := range rs {
			r.set(slow(100 * time.Millisecond))
		}
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints: []string{rs[0].url, rs[1].url},
			Hedging:   config.Hedging{Enabled: true, Delay: 10 * time.Millisecond, MaxAttempts: 5},
		}}, sidecar.WithTransport(net), quiet)
		client := idempotentEcho(set, "catalog")
		const perSec, seconds = 50, 60
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range perSec * seconds {
			wg.Go(func() {
				if err := call(t.Context(), client); err != nil {
					failed.Add(1)
				}
			})
			time.Sleep(time.Second / perSec)
		}
		wg.Wait()
		calls := perSec * seconds
		got := int(rs[0].calls.Load() + rs[1].calls.Load())
		bound := calls*12/10 + 10*seconds + 10
		st := stats(t, set, "catalog")
		t.Logf("%d calls in %ds: %d backend calls (bound %d, unbudgeted %d); %+v, budget refusals %d", calls, seconds, got, bound, 5*calls, *st.Hedging, st.BudgetExhausted)
		if got > bound || got <= calls || failed.Load() != 0 || int64(got-calls) != st.Hedging.Hedges {
			t.Errorf("backends got %d calls for %d (hedges %d, %d failed), want more than %d and at most %d", got, calls, st.Hedging.Hedges, failed.Load(), calls, bound)
		}
	})
}

// TestHedgingAfterFailures (synctest): as gRPC A6's hedging, an attempt
// that fails with UNAVAILABLE starts the next one at once, a backend's
// pushback delays it or (negative) stops hedging, and any other answer
// ends the call; when every attempt failed, the caller gets the last
// failure as the backend sent it.
func TestHedgingAfterFailures(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(context.Context) error
		wantCalls int64
		wantCode  connect.Code
		wantTime  time.Duration
	}{
		{"UNAVAILABLE: the next attempt at once", fail(connect.CodeUnavailable), 3, connect.CodeUnavailable, 0},
		{"pushback 2000 ms: the next attempt 2 s later", pushback("Grpc-Retry-Pushback-Ms", "2000"), 3, connect.CodeUnavailable, 4 * time.Second},
		{"negative pushback: no more attempts", pushback("Grpc-Retry-Pushback-Ms", "-1"), 1, connect.CodeUnavailable, 0},
		{"INVALID_ARGUMENT: an answer, no more attempts", fail(connect.CodeInvalidArgument), 1, connect.CodeInvalidArgument, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net, rs := newMemNet("a", "b")
				for _, r := range rs {
					r.set(tt.answer)
				}
				set := newSet(t, map[string]config.Upstream{"catalog": {
					Endpoints: []string{rs[0].url, rs[1].url}, Timeout: 10 * time.Second,
					Hedging: config.Hedging{Enabled: true, Delay: time.Second, MaxAttempts: 3},
				}}, sidecar.WithTransport(net), quiet)
				start := time.Now()
				err := call(t.Context(), idempotentEcho(set, "catalog"))
				elapsed := time.Since(start)
				synctest.Wait()
				got := rs[0].calls.Load() + rs[1].calls.Load()
				if got != tt.wantCalls || connect.CodeOf(err) != tt.wantCode || elapsed != tt.wantTime {
					t.Errorf("%d backend calls, %v after %s; want %d calls, %v after %s", got, err, elapsed, tt.wantCalls, tt.wantCode, tt.wantTime)
				}
				if err != nil && !strings.Contains(err.Error(), "replica") {
					t.Errorf("got %v, want the backend's own error", err)
				}
			})
		})
	}
}

// TestHedgingWithTimeoutOff: without a deadline of the sidecar's own (nor
// the caller's), a call whose first endpoint never answers is hedged to
// the other after the delay and answered from it at exactly that delay.
func TestHedgingWithTimeoutOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("hole", "ok")
		rs[0].set(slow(time.Hour))
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints: []string{rs[0].url, rs[1].url}, TimeoutOff: true, LoadBalancing: config.LoadBalancingRoundRobin,
			Hedging: config.Hedging{Enabled: true, Delay: time.Second},
		}}, sidecar.WithTransport(net), quiet)
		start := time.Now()
		if err := call(t.Context(), idempotentEcho(set, "catalog")); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("the call took %s, want the hedging delay, 1s", elapsed)
		}
		synctest.Wait()
		if h := stats(t, set, "catalog").Hedging; rs[0].calls.Load() != 1 || rs[1].calls.Load() != 1 || h.Hedges != 1 || h.Wins != 1 {
			t.Errorf("calls %d and %d, hedging %+v; want 1 and 1, 1 hedge that won", rs[0].calls.Load(), rs[1].calls.Load(), h)
		}
	})
}

// TestTrafficPoliciesNeedASetAndKnownTargets: NewSet refuses a split or a
// mirror whose upstream is unknown, itself or of another protocol, and a
// chained split; a standalone NewUpstream refuses both.
func TestTrafficPoliciesNeedASetAndKnownTargets(t *testing.T) {
	t.Parallel()
	ep := []string{"http://127.0.0.1:1"}
	for _, tc := range []struct {
		name string
		cfg  map[string]config.Upstream
		want string
	}{
		{"unknown split target", map[string]config.Upstream{"a": {Endpoints: ep, Split: []config.SplitTarget{{Upstream: "b", Weight: 5}}}},
			`upstream "a": split target "b" is not an upstream of the set`},
		{"split to itself", map[string]config.Upstream{"a": {Endpoints: ep, Split: []config.SplitTarget{{Upstream: "a", Weight: 5}}}},
			`upstream "a": split target is the upstream itself`},
		{"mirror of another protocol", map[string]config.Upstream{"a": {Endpoints: ep, Mirror: config.Mirror{Upstream: "b"}}, "b": {Endpoints: ep, Protocol: "grpc"}},
			`upstream "a": mirror upstream "b" speaks "grpc", not "connect"`},
		{"chained split", map[string]config.Upstream{
			"a": {Endpoints: ep, Split: []config.SplitTarget{{Upstream: "b", Weight: 5}}},
			"b": {Endpoints: ep, Split: []config.SplitTarget{{Upstream: "c", Weight: 5}}},
			"c": {Endpoints: ep}},
			`upstream "a": split target "b" has a split of its own: splits do not chain`},
		{"weights over 100", map[string]config.Upstream{"a": {Endpoints: ep, Split: []config.SplitTarget{{Upstream: "b", Weight: 101}}}, "b": {Endpoints: ep}},
			`upstream "a": split weight 101 of "b": want 0 to 100`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := sidecar.NewSet(tc.cfg)
			if err == nil || err.Error() != tc.want {
				t.Errorf("NewSet: got %v, want %q", err, tc.want)
			}
		})
	}
	_, err := sidecar.NewUpstream("a", config.Upstream{Endpoints: ep, Mirror: config.Mirror{Upstream: "b"}})
	if err == nil || !strings.Contains(err.Error(), "NewSet") {
		t.Errorf("NewUpstream with a mirror: got %v, want an error pointing to NewSet", err)
	}
}

// TestHedgingOnEveryProtocol: an UNAVAILABLE answer is a retryable failure
// whatever the protocol (the Connect protocol's 503, gRPC-Web's status in
// the headers, gRPC's in the trailers of an answer without a message),
// and an answer's message reaches the caller intact.
func TestHedgingOnEveryProtocol(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			a, b := newBackend(t, "a", withH2C()), newBackend(t, "b", withH2C())
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{a.srv.URL, b.srv.URL}, Protocol: protocol,
				Hedging: config.Hedging{Enabled: true, Delay: time.Minute, MaxAttempts: 3}}}, quiet)
			client := idempotentEcho(set, "catalog")
			_, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("unavailable")))
			if got := a.calls.Load() + b.calls.Load(); got != 3 || connect.CodeOf(err) != connect.CodeUnavailable || !strings.Contains(err.Error(), "backend says unavailable") {
				t.Errorf("%d backend calls, %v; want 3 attempts at once and the backend's UNAVAILABLE", got, err)
			}
			res, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("x")))
			if err != nil || (res.Msg.GetValue() != "a" && res.Msg.GetValue() != "b") || a.calls.Load()+b.calls.Load() != 4 {
				t.Errorf("got %v, %v after %d calls; want one backend's name from one more call", res, err, a.calls.Load()+b.calls.Load())
			}
		})
	}
}

// TestMirrorCountsTheShadowsFailures: a shadow that answers with an error
// code has its copies counted as failed, whatever the protocol (gRPC's
// status is in the trailers), while the caller gets the primary's answer.
func TestMirrorCountsTheShadowsFailures(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			primary := newBackend(t, "primary", withH2C())
			sh := &replica{name: "shadow"}
			sh.set(fail(connect.CodeNotFound))
			srv := httptest.NewUnstartedServer(sh.handler())
			srv.Config.Protocols = new(http.Protocols)
			srv.Config.Protocols.SetHTTP1(true)
			srv.Config.Protocols.SetUnencryptedHTTP2(true)
			srv.Start()
			t.Cleanup(srv.Close)
			set := newSet(t, map[string]config.Upstream{
				"catalog":        {Endpoints: []string{primary.srv.URL}, Protocol: protocol, Mirror: config.Mirror{Upstream: "catalog-shadow"}},
				"catalog-shadow": {Endpoints: []string{srv.URL}, Protocol: protocol},
			}, quiet)
			client := idempotentEcho(set, "catalog")
			for range 5 {
				res, err := client.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("x")))
				if err != nil || res.Msg.GetValue() != "primary" {
					t.Fatalf("got %v, %v; want the primary's answer", res, err)
				}
			}
			eventually(t, "no copy in flight", func() bool { return stats(t, set, "catalog").Mirror.InFlight == 0 })
			if m := stats(t, set, "catalog").Mirror; m.Sent != 5 || m.Failed != 5 || sh.calls.Load() != 5 {
				t.Errorf("mirror %+v, shadow %d calls: want 5 sent, 5 failed", m, sh.calls.Load())
			}
			if st := stats(t, set, "catalog-shadow"); !st.Endpoints[0].Healthy {
				t.Errorf("NOT_FOUND counted against the shadow's endpoint: %+v", st.Endpoints[0])
			}
		})
	}
}

// TestReadinessLeavesOutSplitTargetsAndShadows: a canary and a shadow
// with no healthy endpoint do not make the set unready, since the split
// gives the canary's calls back and copies are dropped; a split target
// that generated clients also call directly (Set.Require names it) does.
func TestReadinessLeavesOutSplitTargetsAndShadows(t *testing.T) {
	t.Parallel()
	stable := newReplica(t, "stable")
	set := newSet(t, map[string]config.Upstream{
		"catalog": {Endpoints: []string{stable.url}, Split: []config.SplitTarget{{Upstream: "catalog-canary", Weight: 100}},
			Mirror: config.Mirror{Upstream: "catalog-shadow", NonIdempotent: true}},
		"catalog-canary": {Endpoints: []string{closedAddress(t)}},
		"catalog-shadow": {Endpoints: []string{closedAddress(t)}},
	}, quiet)
	client := plainEcho(set, "catalog")
	for range 10 {
		_ = call(t.Context(), client)
	}
	eventually(t, "the shadow's endpoint is unhealthy", func() bool { return !stats(t, set, "catalog-shadow").Endpoints[0].Healthy })
	if stats(t, set, "catalog-canary").Endpoints[0].Healthy {
		t.Fatal("the canary's endpoint is still healthy after 5 failures")
	}
	if err := set.Ready(); err != nil {
		t.Errorf("Ready: %v, want nil: a canary and a shadow do not count", err)
	}
	if err := set.Require("catalog", "catalog-canary"); err != nil {
		t.Fatal(err)
	}
	if err := set.Ready(); err == nil || !strings.Contains(err.Error(), `"catalog-canary"`) || strings.Contains(err.Error(), "shadow") {
		t.Errorf("Ready: %v, want the canary called directly reported, not the shadow", err)
	}
}
