package sidecar_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// BF-2: with every replica failing, the breaker opens after 20 attempts of
// which at least half failed; while open, calls fail at once with
// UNAVAILABLE and reach no backend; after 5s one probe goes through, and
// its success closes the breaker (its failure opens it again).
func TestCircuitBreaker(t *testing.T) {
	tests := []struct {
		name         string
		probeSucceed bool
	}{
		{"recovery closes it", true},
		{"a failed probe opens it again", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				net, rs := newMemNet("a", "b")
				for _, r := range rs {
					r.set(fail(connect.CodeUnavailable))
				}
				set := newSet(t, map[string]config.Upstream{"catalog": {
					Endpoints:      []string{rs[0].url, rs[1].url},
					CircuitBreaker: config.CircuitBreaker{Enabled: true},
				}}, sidecar.WithTransport(net), quiet)
				u, _ := set.Upstream("catalog")
				client := plainEcho(set, "catalog")
				backend := func() int64 { return rs[0].calls.Load() + rs[1].calls.Load() }

				for i := range 20 {
					if err := call(t.Context(), client); errors.Is(err, sidecar.ErrBreakerOpen) {
						t.Fatalf("call %d refused by the breaker before 20 attempts", i+1)
					}
				}
				if got := u.Stats().BreakerState; got != "open" {
					t.Fatalf("breaker %q after 20 failures, want open", got)
				}
				start := time.Now()
				for range 10 {
					err := call(t.Context(), client)
					if !errors.Is(err, sidecar.ErrBreakerOpen) || connect.CodeOf(err) != connect.CodeUnavailable || errcode.Code(err) != errcode.Unavailable {
						t.Fatalf("call while open: %v, want UNAVAILABLE breaker open", err)
					}
					if !strings.Contains(err.Error(), `upstream "catalog"`) {
						t.Errorf("error %q does not name the upstream", err)
					}
				}
				if time.Since(start) != 0 {
					t.Errorf("10 refused calls took %s, want no time at all", time.Since(start))
				}
				if got := backend(); got != 20 {
					t.Errorf("backends got %d calls, want 20: none while open", got)
				}
				if got := u.Stats().BreakerRejections; got != 10 {
					t.Errorf("BreakerRejections = %d, want 10", got)
				}

				time.Sleep(5*time.Second - time.Millisecond)
				if err := call(t.Context(), client); !errors.Is(err, sidecar.ErrBreakerOpen) {
					t.Fatalf("call before 5s: %v, want breaker open", err)
				}
				time.Sleep(time.Millisecond)
				if tt.probeSucceed {
					for _, r := range rs {
						r.set(nil)
					}
				}
				err := call(t.Context(), client) // the probe
				if got := backend(); got != 21 {
					t.Errorf("backends got %d calls, want 21: the probe", got)
				}
				if !tt.probeSucceed {
					if got := u.Stats().BreakerState; got != "open" || err == nil {
						t.Errorf("after a failed probe: breaker %q, call %v; want open and an error", got, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				if got := u.Stats().BreakerState; got != "closed" {
					t.Errorf("breaker %q after a successful probe, want closed", got)
				}
				for range 10 {
					if err := call(t.Context(), client); err != nil {
						t.Fatalf("call after recovery: %v", err)
					}
				}
			})
		})
	}
}

// The breaker is off by default: a failing upstream gets every call.
func TestCircuitBreakerIsOffByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, rs := newMemNet("a")
		rs[0].set(fail(connect.CodeUnavailable))
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{rs[0].url}}}, sidecar.WithTransport(net), quiet)
		client := plainEcho(set, "catalog")
		for range 100 {
			if err := call(t.Context(), client); errors.Is(err, sidecar.ErrBreakerOpen) {
				t.Fatal("a call was refused by a breaker")
			}
		}
		u, _ := set.Upstream("catalog")
		if got := rs[0].calls.Load(); got != 100 || u.Stats().BreakerState != "" {
			t.Errorf("backend got %d of 100 calls, breaker %q: want 100 and no breaker", got, u.Stats().BreakerState)
		}
	})
}
