package sidecar_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// BF-4: an endpoint that fails in a millisecond looks fast to a balancer
// that measures latency only; the failure penalty makes p2c move its
// traffic away, where round robin keeps sending it a third.
func TestFastFailingEndpointLosesItsTraffic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy   string
		maxShare float64 // of the failing replica
		minShare float64
		// timeoutOff: timeout off instead of 1m; the failure penalty is
		// then config.OffTimeoutBound.
		timeoutOff bool
	}{
		{config.LoadBalancingP2C, 0, 0.10, false},
		{"", 0, 0.10, false}, // the default is p2c
		{config.LoadBalancingRoundRobin, 0.33, 0.34, false},
		{config.LoadBalancingP2C, 0, 0.10, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("policy %q, timeout off %v", tt.policy, tt.timeoutOff), func(t *testing.T) {
			t.Parallel()
			rs := []*replica{newReplica(t, "a"), newReplica(t, "b"), newReplica(t, "bad")}
			rs[2].set(fail(connect.CodeUnavailable))
			cfg := config.Upstream{
				Endpoints:     []string{rs[0].url, rs[1].url, rs[2].url},
				LoadBalancing: tt.policy,
				// Isolate the balancer: no ejection, no retry.
				OutlierDetection: config.OutlierDetection{Disabled: true},
				Timeout:          time.Minute,
			}
			if tt.timeoutOff {
				cfg.Timeout, cfg.TimeoutOff = 0, true
			}
			set := newSet(t, map[string]config.Upstream{"catalog": cfg})
			client := plainEcho(set, "catalog")
			const n = 300
			failed := 0
			for range n {
				if call(t.Context(), client) != nil {
					failed++
				}
			}
			share := float64(rs[2].calls.Load()) / n
			t.Logf("calls per replica (the last one failing): %v", counts(rs))
			if share < tt.maxShare || share >= tt.minShare {
				t.Errorf("the failing replica got %.1f%% of %d calls (counts %v), want [%.0f%%, %.0f%%)", 100*share, n, counts(rs), 100*tt.maxShare, 100*tt.minShare)
			}
			if int64(failed) != rs[2].calls.Load() {
				t.Errorf("%d calls failed, the failing replica got %d: a non-idempotent call was sent twice", failed, rs[2].calls.Load())
			}
			u, _ := set.Upstream("catalog")
			for _, ep := range u.Stats().Endpoints {
				if ep.Outstanding != 0 {
					t.Errorf("endpoint #%d has %d attempts outstanding after every call ended, want 0", ep.Index, ep.Outstanding)
				}
			}
		})
	}
}

// BF-3: a replica much slower than the others gets little traffic under
// p2c, since its latency estimate rises with its first slow answer.
func TestSlowEndpointLosesItsTraffic(t *testing.T) {
	t.Parallel()
	rs := []*replica{newReplica(t, "a"), newReplica(t, "b"), newReplica(t, "slow")}
	rs[2].set(slow(300 * time.Millisecond))
	set := newSet(t, map[string]config.Upstream{"catalog": {
		Endpoints: []string{rs[0].url, rs[1].url, rs[2].url},
		Timeout:   time.Minute,
	}})
	client := plainEcho(set, "catalog")
	const n = 200
	for range n {
		if err := call(t.Context(), client); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("calls per replica (the last one slow): %v", counts(rs))
	if got := rs[2].calls.Load(); float64(got) >= 0.1*n {
		t.Errorf("the slow replica got %d of %d calls (counts %v), want < 10%%", got, n, counts(rs))
	}
}

// p2c weighs the calls in flight: with one replica holding a hung call,
// new calls go to the other.
func TestP2CAvoidsTheEndpointWithCallsInFlight(t *testing.T) {
	// In a synctest bubble on the in-memory network: on a busy machine a
	// real clock lets a stall of the other replica's handler (its latency
	// estimate jumps to the stall) reverse the comparison, which is the
	// estimate working, not what this test is about.
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a", "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints: []string{rs[0].url, rs[1].url},
			Timeout:   time.Minute,
		}}, sidecar.WithTransport(net), quiet)
		client := plainEcho(set, "catalog")
		// The first call to "a" hangs until the test ends; later ones
		// answer at once, so that a stray pick shows in the count without
		// blocking the test.
		const held = 1
		release := make(chan struct{})
		var hung atomic.Int64
		rs[0].set(func(ctx context.Context) error {
			if hung.Add(1) > held {
				return nil
			}
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
		var wg sync.WaitGroup
		defer wg.Wait()
		defer close(release)
		for rs[0].calls.Load() < held {
			wg.Go(func() { _ = call(t.Context(), client) })
			synctest.Wait()
		}
		const n = 50
		for range n {
			if err := call(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		// Round robin would send it 25; p2c compares 2 x its latency
		// estimate with 1 x the other's.
		if got := rs[0].calls.Load() - held; got > n/10 {
			t.Errorf("the replica holding %d calls got %d of the %d later calls, want at most %d", held, got, n, n/10)
		}
	})
}
