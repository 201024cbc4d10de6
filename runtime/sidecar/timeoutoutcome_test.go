package sidecar_test

import (
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/internal/faultproxy"
	"github.com/bffgen/bffgen/runtime/config"
)

// An attempt that runs out of time on an endpoint that never answers (a
// blackhole: the fault proxy accepts and drops everything, BF-8) is a failure of that endpoint: five in a row eject it,
// whether the call's timeout or the per-try timeout ended them. Only a
// caller that cancels is not held against the endpoint.
func TestTimeoutsCountAgainstTheEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		retry config.Retry
	}{
		{"call timeout", config.Retry{MaxAttempts: 1}},
		{"per-try timeout", config.Retry{MaxAttempts: 1, PerTryTimeout: 30 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			good := newReplica(t, "good")
			hole, err := faultproxy.Listen(good.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { hole.Close() })
			if err := hole.Set(faultproxy.Fault{Mode: faultproxy.Blackhole}); err != nil {
				t.Fatal(err)
			}
			set := newSet(t, map[string]config.Upstream{"catalog": {
				Endpoints:     []string{hole.URL(), good.url},
				LoadBalancing: config.LoadBalancingRoundRobin,
				Timeout:       60 * time.Millisecond,
				Retry:         tt.retry,
			}}, quiet)
			client := plainEcho(set, "catalog")
			timeouts := 0
			for range 20 {
				if err := call(t.Context(), client); err != nil {
					if connect.CodeOf(err) != connect.CodeDeadlineExceeded {
						t.Fatalf("call: %v, want DEADLINE_EXCEEDED or success", err)
					}
					timeouts++
				}
			}
			u, _ := set.Upstream("catalog")
			if ep := u.Stats().Endpoints[0]; !ep.Ejected || ep.Ejections != 1 || timeouts != 5 || good.calls.Load() != 15 {
				t.Errorf("%d calls timed out, %d succeeded, the blackholed endpoint is %+v: want 5 timeouts, then ejected", timeouts, good.calls.Load(), ep)
			}
		})
	}
}
