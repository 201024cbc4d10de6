package sidecar_test

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// quiet discards the log of ejections.
var quiet = sidecar.WithLogger(slog.New(slog.DiscardHandler))

// ejected returns the ejected flag of each endpoint of the upstream.
func ejected(u *sidecar.Upstream) []bool {
	var out []bool
	for _, ep := range u.Stats().Endpoints {
		out = append(out, ep.Ejected)
	}
	return out
}

// An endpoint that fails 5 attempts in a row is ejected for 30s, then
// readmitted; ejected again, for 60s; and it gets traffic again once it
// recovers.
func TestOutlierDetectionEjectsForAGrowingTimeAndReadmits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a", "b", "c")
		net.down(rs[2], true)
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints:     []string{rs[0].url, rs[1].url, rs[2].url},
			LoadBalancing: config.LoadBalancingRoundRobin,
		}}, sidecar.WithTransport(net), quiet)
		u, _ := set.Upstream("catalog")
		client := plainEcho(set, "catalog")
		calls := func(n int) {
			t.Helper()
			for range n {
				// c refuses connections: the call goes to another
				// endpoint (transparent retry), so none fails.
				if err := call(t.Context(), client); err != nil {
					t.Fatalf("call failed: %v", err)
				}
			}
		}

		// Every call that picks c is sent again elsewhere: transparent
		// retries count c's failures.
		untilFailures := func(n int64) {
			t.Helper()
			for i := 0; u.Stats().TransparentRetries < n; i++ {
				if i == 100 {
					t.Fatalf("c failed %d times in 100 calls, want %d", u.Stats().TransparentRetries, n)
				}
				calls(1)
			}
		}
		untilFailures(4)
		if got := ejected(u); got[2] {
			t.Fatalf("ejected %v after 4 failures of c, want c still in", got)
		}
		untilFailures(5)
		if got := ejected(u); !got[2] || got[0] || got[1] {
			t.Fatalf("ejected %v after 5 failures of c, want only c", got)
		}
		retries := u.Stats().TransparentRetries
		calls(30)
		if got := u.Stats().TransparentRetries; got != retries {
			t.Errorf("%d calls went to the ejected endpoint", got-retries)
		}

		time.Sleep(30*time.Second - time.Millisecond)
		if !ejected(u)[2] {
			t.Fatal("c was readmitted before 30s")
		}
		time.Sleep(time.Millisecond)
		if ejected(u)[2] {
			t.Fatal("c is still ejected after 30s")
		}
		untilFailures(10) // 5 more failures: ejected again, now for 60s
		if st := u.Stats().Endpoints[2]; !st.Ejected || st.Ejections != 2 {
			t.Fatalf("c: ejected %v after %d ejections, want the second ejection", st.Ejected, st.Ejections)
		}
		time.Sleep(59 * time.Second)
		if !ejected(u)[2] {
			t.Fatal("the second ejection ended before 60s")
		}
		time.Sleep(time.Second)
		if ejected(u)[2] {
			t.Fatal("c is still ejected after 60s")
		}

		net.down(rs[2], false)
		calls(30)
		if got := rs[2].calls.Load(); got != 10 {
			t.Errorf("c got %d of 30 calls after it recovered, want 10 (round robin)", got)
		}
	})
}

// The cap on ejections: of two failing endpoints one is ejected (50%
// rounded down, at least one); the other stays in use but counts as
// unhealthy, and readiness fails when no endpoint is healthy.
func TestOutlierDetectionCapAndReadiness(t *testing.T) {
	tests := []struct {
		name        string
		replicas    int
		down        int
		wantEjected int
		wantReady   string
	}{
		{"one of one down", 1, 1, 1, `upstream "catalog" has no healthy endpoint (every one is ejected or failing)`},
		{"one of two down", 2, 1, 1, ""},
		{"two of two down: one ejected", 2, 2, 1, `upstream "catalog" has no healthy endpoint (every one is ejected or failing)`},
		{"two of four down", 4, 2, 2, ""},
		{"three of three down: one ejected", 3, 3, 1, `upstream "catalog" has no healthy endpoint (every one is ejected or failing)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				names := []string{"a", "b", "c", "d"}[:tt.replicas]
				net, rs := newMemNet(names...)
				var eps []string
				for i, r := range rs {
					eps = append(eps, r.url)
					if i < tt.down {
						net.down(r, true)
					}
				}
				set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: eps, LoadBalancing: config.LoadBalancingRoundRobin}}, sidecar.WithTransport(net), quiet)
				if err := set.Ready(); err != nil {
					t.Fatalf("Ready before any call: %v", err)
				}
				client := plainEcho(set, "catalog")
				for range 10 * tt.replicas {
					err := call(t.Context(), client)
					if err != nil && connect.CodeOf(err) != connect.CodeUnavailable {
						t.Fatalf("call: %v, want success or UNAVAILABLE", err)
					}
				}
				u, _ := set.Upstream("catalog")
				n := 0
				for _, e := range ejected(u) {
					if e {
						n++
					}
				}
				if n != tt.wantEjected {
					t.Errorf("%d endpoints ejected, want %d (%v)", n, tt.wantEjected, u.Stats().Endpoints)
				}
				if got := errString(set.Ready()); got != tt.wantReady {
					t.Errorf("Ready() = %q, want %q", got, tt.wantReady)
				}
			})
		})
	}
}

// With outlier detection disabled nothing is ejected, and the upstream
// stays ready.
func TestOutlierDetectionDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a")
		net.down(rs[0], true)
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints:        []string{rs[0].url},
			OutlierDetection: config.OutlierDetection{Disabled: true},
		}}, sidecar.WithTransport(net), quiet)
		client := plainEcho(set, "catalog")
		for range 20 {
			if err := call(t.Context(), client); err == nil || !strings.Contains(err.Error(), "connection refused") {
				t.Fatalf("call: %v, want connection refused", err)
			}
		}
		u, _ := set.Upstream("catalog")
		if ejected(u)[0] || set.Ready() != nil {
			t.Errorf("ejected %v, Ready %v: want nothing ejected and ready", ejected(u), set.Ready())
		}
	})
}
