package sidecar_test

import (
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// A call that never reached a backend (connection refused) goes to another
// endpoint once, whatever its method: a non-idempotent call too.
func TestTransparentRetryOfACallThatNeverLeft(t *testing.T) {
	t.Parallel()
	live := newReplica(t, "live")
	set := newSet(t, map[string]config.Upstream{"catalog": {
		Endpoints: []string{closedAddress(t), live.url},
		Timeout:   time.Minute,
	}})
	client := plainEcho(set, "catalog")
	const n = 50
	for i := range n {
		if err := call(t.Context(), client); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	u, _ := set.Upstream("catalog")
	if got := live.calls.Load(); got != n {
		t.Errorf("the live replica got %d calls, want %d (each once)", got, n)
	}
	if got := u.Stats().TransparentRetries; got < 1 {
		t.Errorf("TransparentRetries = %d, want at least 1 (the closed endpoint was picked first at least once)", got)
	}

	// With one endpoint there is nowhere else to go.
	alone := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{closedAddress(t)}}})
	err := call(t.Context(), plainEcho(alone, "catalog"))
	if connect.CodeOf(err) != connect.CodeUnavailable || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("call to a lone closed endpoint: %v, want UNAVAILABLE connection refused", err)
	}
}

// BF-6: a backend that drops the connection after reading the request may
// have run it: a non-idempotent call reaches it exactly once, an
// idempotent one is retried (max_attempts 2 by default).
func TestResetAfterWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		idempotent bool
		wantCalls  int64
	}{
		{"non-idempotent: exactly once", false, 1},
		{"idempotent: retried", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReplica(t, "r")
			r.set(resetAfterRead)
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{r.url}, Timeout: time.Minute}})
			client := plainEcho(set, "catalog")
			if tt.idempotent {
				client = idempotentEcho(set, "catalog")
			}
			err := call(t.Context(), client)
			if connect.CodeOf(err) != connect.CodeUnavailable {
				t.Errorf("call: %v, want UNAVAILABLE", err)
			}
			if got := r.calls.Load(); got != tt.wantCalls {
				t.Errorf("the backend got the call %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

// Retries happen only for idempotent procedures and UNAVAILABLE, on
// another endpoint.
func TestRetryOnlyIdempotentCallsOnRetryableCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		code       connect.Code
		idempotent bool
		retry      config.Retry
		wantRetry  bool
	}{
		{"idempotent, unavailable", connect.CodeUnavailable, true, config.Retry{}, true},
		{"listed in retry.methods", connect.CodeUnavailable, false, config.Retry{Methods: []string{"test.v1.EchoService/Echo"}}, true},
		{"non-idempotent", connect.CodeUnavailable, false, config.Retry{}, false},
		{"invalid_argument", connect.CodeInvalidArgument, true, config.Retry{}, false},
		{"internal", connect.CodeInternal, true, config.Retry{}, false},
		{"max_attempts 1", connect.CodeUnavailable, true, config.Retry{MaxAttempts: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bad, good := newReplica(t, "bad"), newReplica(t, "good")
			bad.set(fail(tt.code))
			set := newSet(t, map[string]config.Upstream{"catalog": {
				Endpoints:     []string{bad.url, good.url},
				LoadBalancing: config.LoadBalancingRoundRobin,
				Retry:         tt.retry,
				Timeout:       time.Minute,
			}}, quiet)
			client := plainEcho(set, "catalog")
			if tt.idempotent {
				client = idempotentEcho(set, "catalog")
			}
			const n = 20
			failed := 0
			for range n {
				if err := call(t.Context(), client); err != nil {
					if connect.CodeOf(err) != tt.code {
						t.Fatalf("call: %v, want code %v", err, tt.code)
					}
					failed++
				}
			}
			u, _ := set.Upstream("catalog")
			retries := u.Stats().Retries
			if tt.wantRetry {
				if failed != 0 || retries != bad.calls.Load() || good.calls.Load() != n {
					t.Errorf("%d calls failed, %d retries, counts bad %d good %d: want 0 failed, every failure of bad retried on good", failed, retries, bad.calls.Load(), good.calls.Load())
				}
				return
			}
			if retries != 0 || int64(failed) != bad.calls.Load() || bad.calls.Load() == 0 {
				t.Errorf("%d calls failed, %d retries, bad got %d calls: want no retry, each failure at bad once", failed, retries, bad.calls.Load())
			}
		})
	}
}

// BF-1 under load: one of three replicas killed while idempotent calls run
// on 8 goroutines: no error reaches a caller, and the dead replica is
// avoided after a few attempts (ejected under round robin).
func TestKilledReplicaUnderLoad(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{config.LoadBalancingP2C, config.LoadBalancingRoundRobin} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			rs := []*replica{newReplica(t, "a"), newReplica(t, "b"), newReplica(t, "c")}
			set := newSet(t, map[string]config.Upstream{"catalog": {
				Endpoints:     []string{rs[0].url, rs[1].url, rs[2].url},
				LoadBalancing: policy,
				Timeout:       time.Minute,
			}}, quiet)
			u, _ := set.Upstream("catalog")
			client := idempotentEcho(set, "catalog")
			var (
				sent, failed atomic.Int64
				wg           sync.WaitGroup
				stop         atomic.Bool
				firstErr     atomic.Value
			)
			for range 8 {
				wg.Go(func() {
					for !stop.Load() {
						sent.Add(1)
						if err := call(t.Context(), client); err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err.Error())
						}
					}
				})
			}
			for sent.Load() < 300 {
				time.Sleep(time.Millisecond)
			}
			rs[0].kill()
			killedAt := rs[0].calls.Load()
			before := u.Stats()
			for sent.Load() < 1500 {
				time.Sleep(time.Millisecond)
			}
			stop.Store(true)
			wg.Wait()
			after := u.Stats()
			wasted := after.Retries + after.TransparentRetries - before.Retries - before.TransparentRetries
			t.Logf("%d calls, %d failed; calls per replica %v (a killed after %d); attempts on the dead replica after the kill: %d; a ejected: %v",
				sent.Load(), failed.Load(), counts(rs), killedAt, wasted, after.Endpoints[0].Ejected)
			if failed.Load() != 0 {
				t.Errorf("%d of %d idempotent calls failed, want 0; first: %v", failed.Load(), sent.Load(), firstErr.Load())
			}
			if wasted > 20 {
				t.Errorf("%d attempts went to the dead replica after the kill, want at most 20", wasted)
			}
			if policy == config.LoadBalancingRoundRobin && !after.Endpoints[0].Ejected {
				t.Errorf("the dead replica is not ejected: %+v", after.Endpoints[0])
			}
		})
	}
}

// BF-5: with a backend failing every call, retries add at most 20% of the
// calls plus 10 a second (Linkerd's budget), although max_attempts would
// allow 5 attempts a call.
func TestRetryBudgetBoundsTheLoadOnAFailingBackend(t *testing.T) {
	tests := []struct {
		name     string
		perSec   int // incoming calls a second
		seconds  int
		wantMax  func(calls, seconds int) int
		wantMore int // least number of backend calls, to show retries happen
	}{
		{"busy: the ratio binds", 50, 60, func(c, s int) int { return c*12/10 + 10*s + 10 }, 3000},
		{"quiet: 10 retries a second are free", 1, 30, func(c, s int) int { return 5 * c }, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net, rs := newMemNet("a")
				rs[0].set(fail(connect.CodeUnavailable))
				set := newSet(t, map[string]config.Upstream{"catalog": {
					Endpoints: []string{rs[0].url},
					Retry:     config.Retry{MaxAttempts: 5, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
				}}, sidecar.WithTransport(net), quiet)
				client := idempotentEcho(set, "catalog")
				calls := tt.perSec * tt.seconds
				for range calls {
					start := time.Now()
					_ = call(t.Context(), client)
					time.Sleep(time.Second/time.Duration(tt.perSec) - time.Since(start))
				}
				got := int(rs[0].calls.Load())
				max := tt.wantMax(calls, tt.seconds)
				t.Logf("%d calls in %ds: %d backend calls (bound %d, unbudgeted %d)", calls, tt.seconds, got, max, 5*calls)
				if got > max || got < tt.wantMore {
					t.Errorf("backend got %d calls for %d incoming, want from %d to %d", got, calls, tt.wantMore, max)
				}
			})
		})
	}
}

// BF-11: the backend's pushback sets the wait before a retry; a negative
// one, or one beyond the deadline, forbids it.
func TestRetryPushback(t *testing.T) {
	tests := []struct {
		name      string
		header    string
		value     string
		wantCalls int
		wantGap   time.Duration
	}{
		{"grpc-retry-pushback-ms", "Grpc-Retry-Pushback-Ms", "2000", 2, 2 * time.Second},
		{"retry-after seconds", "Retry-After", "3", 2, 3 * time.Second},
		{"negative: no retry", "Grpc-Retry-Pushback-Ms", "-1", 1, 0},
		{"unreadable: no retry", "Grpc-Retry-Pushback-Ms", "soon", 1, 0},
		{"beyond the deadline: no retry", "Grpc-Retry-Pushback-Ms", "20000", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net, rs := newMemNet("a")
				rs[0].set(pushback(tt.header, tt.value))
				set := newSet(t, map[string]config.Upstream{"catalog": {
					Endpoints: []string{rs[0].url},
					Timeout:   10 * time.Second,
				}}, sidecar.WithTransport(net), quiet)
				_ = call(t.Context(), idempotentEcho(set, "catalog"))
				times := rs[0].callTimes()
				if len(times) != tt.wantCalls {
					t.Fatalf("backend got %d calls, want %d", len(times), tt.wantCalls)
				}
				if len(times) == 2 {
					if gap := times[1].Sub(times[0]); gap != tt.wantGap {
						t.Errorf("retry after %s, want %s", gap, tt.wantGap)
					}
				}
			})
		})
	}
}

// The backoff between retries follows gRPC A6: 25ms, 50ms, 100ms, ...
// capped at 250ms, each times a factor in [0.8, 1.2).
func TestRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a")
		rs[0].set(fail(connect.CodeUnavailable))
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints: []string{rs[0].url},
			Retry:     config.Retry{MaxAttempts: 5},
		}}, sidecar.WithTransport(net), quiet)
		_ = call(t.Context(), idempotentEcho(set, "catalog"))
		times := rs[0].callTimes()
		if len(times) != 5 {
			t.Fatalf("backend got %d calls, want 5", len(times))
		}
		for i, base := range []time.Duration{25, 50, 100, 200} {
			base *= time.Millisecond
			gap := times[i+1].Sub(times[i])
			lo, hi := time.Duration(math.Floor(0.8*float64(base))), time.Duration(1.2*float64(base))
			if gap < lo || gap >= hi {
				t.Errorf("wait before retry %d = %s, want [%s, %s)", i+1, gap, lo, hi)
			}
		}
	})
}

// BF-8: with per_try_timeout, an attempt on a blackholed replica fails at
// that timeout rather than the call's: an idempotent call is retried on
// another replica and succeeds, a non-idempotent one fails with
// DEADLINE_EXCEEDED at the per-try timeout.
func TestPerTryTimeout(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		wantCode   connect.Code // 0: success
		wantTime   time.Duration
		timeoutOff bool // the upstream's timeout: off instead of 5s
	}{
		{"idempotent: retried elsewhere", true, 0, 100 * time.Millisecond, false},
		{"non-idempotent: fails at the per-try timeout", false, connect.CodeDeadlineExceeded, 100 * time.Millisecond, false},
		{"timeout off, idempotent: retried elsewhere", true, 0, 100 * time.Millisecond, true},
		{"timeout off, non-idempotent: fails at the per-try timeout", false, connect.CodeDeadlineExceeded, 100 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net, rs := newMemNet("hole", "ok")
				rs[0].set(slow(time.Hour))
				cfg := config.Upstream{
					Endpoints:     []string{rs[0].url, rs[1].url},
					LoadBalancing: config.LoadBalancingRoundRobin,
					Timeout:       5 * time.Second,
					Retry:         config.Retry{PerTryTimeout: 100 * time.Millisecond, InitialBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond},
				}
				if tt.timeoutOff {
					cfg.Timeout, cfg.TimeoutOff = 0, true
				}
				set := newSet(t, map[string]config.Upstream{"catalog": cfg}, sidecar.WithTransport(net), quiet)
				client := plainEcho(set, "catalog")
				if tt.idempotent {
					client = idempotentEcho(set, "catalog")
				}
				start := time.Now()
				err := call(t.Context(), client) // round robin: "hole" first
				if got := connect.CodeOf(err); err != nil && got != tt.wantCode || err == nil && tt.wantCode != 0 {
					t.Fatalf("call: %v, want code %v", err, tt.wantCode)
				}
				// The retry waits a backoff of about 1ns.
				if got := time.Since(start); got < tt.wantTime || got > tt.wantTime+time.Microsecond {
					t.Errorf("call took %s, want %s (the call's timeout is 5s)", got, tt.wantTime)
				}
				if got := rs[0].calls.Load(); got != 1 {
					t.Errorf("the blackholed replica got %d calls, want 1", got)
				}
			})
		})
	}
}
