package sidecar_test

import (
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// TestFaultInjection: upstreams.<name>.fault fails or delays calls before
// they are sent, by the configured shares; an injected failure reaches no
// backend and never ejects an endpoint.
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	t.Run("abort 100%: every call fails with the code, no backend call, no ejection", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL},
			Fault: config.Fault{AbortCode: "unavailable", AbortPercent: 100}}})
		client := sidecar.Client(set, "catalog", newEchoClient)
		for range 10 {
			_, err := client.Echo(t.Context(), "x")
			if connect.CodeOf(err) != connect.CodeUnavailable || !errors.Is(err, sidecar.ErrInjectedFault) {
				t.Fatalf("got %v, want an injected UNAVAILABLE", err)
			}
		}
		if n := b.calls.Load(); n != 0 {
			t.Errorf("%d backend calls, want 0", n)
		}
		u, _ := set.Upstream("catalog")
		if st := u.Stats(); st.Endpoints[0].Ejections != 0 || !st.Endpoints[0].Healthy {
			t.Errorf("an injected failure counted against the endpoint: %+v", st.Endpoints[0])
		}
	})
	t.Run("abort 50%: about half of 400 calls fail", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL},
			Fault: config.Fault{AbortCode: "internal", AbortPercent: 50}}})
		client := sidecar.Client(set, "catalog", newEchoClient)
		failed := 0
		for range 400 {
			if _, err := client.Echo(t.Context(), "x"); err != nil {
				if connect.CodeOf(err) != connect.CodeInternal {
					t.Fatalf("got %v, want an injected INTERNAL", err)
				}
				failed++
			}
		}
		// Binomial(400, 0.5): mean 200, standard deviation 10.
		if failed < 140 || failed > 260 || int64(400-failed) != b.calls.Load() {
			t.Errorf("%d of 400 failed and the backend saw %d calls; want about 200, and the rest at the backend", failed, b.calls.Load())
		}
	})
	t.Run("a delay longer than the call's timeout: DEADLINE_EXCEEDED, no backend call", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Timeout: 50 * time.Millisecond,
			Fault: config.Fault{Delay: time.Hour, DelayPercent: 100}}})
		client := sidecar.Client(set, "catalog", newEchoClient)
		if _, err := client.Echo(t.Context(), "x"); connect.CodeOf(err) != connect.CodeDeadlineExceeded {
			t.Fatalf("got %v, want DEADLINE_EXCEEDED", err)
		}
		if n := b.calls.Load(); n != 0 {
			t.Errorf("%d backend calls, want 0", n)
		}
	})
	t.Run("a short delay: the call goes on", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL},
			Fault: config.Fault{Delay: time.Millisecond, DelayPercent: 100}}})
		client := sidecar.Client(set, "catalog", newEchoClient)
		if got, err := client.Echo(t.Context(), "x"); err != nil || got != "b" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
}
