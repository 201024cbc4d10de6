package sidecar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/grpchealth"
	"go.uber.org/goleak"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// echoService is the service name the test backends report health for.
const echoService = "test.v1.EchoService"

// checkedReplica is a replica that also serves grpc.health.v1 (connect's
// grpchealth handler), on 127.0.0.1, with HTTP/2 without TLS for gRPC.
type checkedReplica struct {
	*replica
	health *grpchealth.StaticChecker
	checks atomic.Int64
}

func newCheckedReplica(t *testing.T, name string) *checkedReplica {
	t.Helper()
	r := &checkedReplica{replica: &replica{name: name}, health: grpchealth.NewStaticChecker(echoService)}
	mux := http.NewServeMux()
	mux.Handle("/", r.replica.handler())
	path, h := grpchealth.NewHandler(r.health)
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.checks.Add(1)
		h.ServeHTTP(w, req)
	}))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	r.srv, r.url = srv, srv.URL
	return r
}

// reasons returns the Reason of each endpoint of the upstream.
func reasons(u *sidecar.Upstream) []string {
	var out []string
	for _, ep := range u.Stats().Endpoints {
		out = append(out, ep.Reason)
	}
	return out
}

// An endpoint whose health check answers NOT_SERVING is picked by no call
// and reported unhealthy, over each protocol; it is picked again once it
// answers SERVING; with both out, Ready reports the upstream. Not
// parallel with the other tests (its protocols are, with each other):
// checks every 10ms would slow the tests whose figures depend on latency.
func TestActiveHealthCheckTakesAnEndpointOutAndBack(t *testing.T) {
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			a, b := newCheckedReplica(t, "a"), newCheckedReplica(t, "b")
			set := newSet(t, map[string]config.Upstream{"catalog": {
				Endpoints:     []string{a.url, b.url},
				Protocol:      protocol,
				LoadBalancing: config.LoadBalancingRoundRobin,
				HealthCheck:   config.HealthCheck{Enabled: true, Interval: 10 * time.Millisecond, Timeout: 5 * time.Second, Service: echoService},
			}}, quiet)
			u, _ := set.Upstream("catalog")
			client := plainEcho(set, "catalog")
			calls := func(n int) {
				t.Helper()
				for range n {
					if err := call(t.Context(), client); err != nil {
						t.Fatalf("call: %v", err)
					}
				}
			}
			waitFor(t, "checks of a and b", func() bool { return a.checks.Load() >= 2 && b.checks.Load() >= 2 })
			if got := reasons(u); got[0] != "" || got[1] != "" {
				t.Fatalf("reasons %q, want both healthy", got)
			}

			b.health.SetStatus(echoService, grpchealth.StatusNotServing)
			waitFor(t, "b out", func() bool { return reasons(u)[1] == sidecar.ReasonHealthCheck })
			if st := u.Stats().Endpoints[1]; st.Healthy || st.Ejected {
				t.Errorf("b: %+v, want unhealthy, not ejected", st)
			}
			before := b.calls.Load()
			calls(40)
			if got := b.calls.Load() - before; got != 0 {
				t.Errorf("b got %d of 40 calls while failing its check, want 0", got)
			}

			a.health.SetStatus(echoService, grpchealth.StatusNotServing)
			waitFor(t, "a out", func() bool { return reasons(u)[0] == sidecar.ReasonHealthCheck })
			if err := set.Ready(); err == nil || !strings.Contains(err.Error(), `upstream "catalog" has no healthy endpoint`) {
				t.Errorf("Ready with both out: %v", err)
			}
			a.health.SetStatus(echoService, grpchealth.StatusServing)
			b.health.SetStatus(echoService, grpchealth.StatusServing)
			waitFor(t, "a and b back", func() bool { r := reasons(u); return r[0] == "" && r[1] == "" })
			if err := set.Ready(); err != nil {
				t.Errorf("Ready: %v", err)
			}
			before = b.calls.Load()
			calls(40)
			if got := b.calls.Load() - before; got != 20 {
				t.Errorf("b got %d of 40 round-robin calls once back, want 20", got)
			}
			if st := u.Stats(); st.HealthChecks == 0 || st.HealthCheckFailures == 0 {
				t.Errorf("stats %+v, want checks and failed checks counted", st)
			}
		})
	}
}

// memHealth serves grpc.health.v1 in memory, for synctest: its status, or
// no answer until the call's deadline when hang is set.
type memHealth struct {
	checker *grpchealth.StaticChecker
	handler http.Handler
	hang    atomic.Bool
}

func newMemHealth() *memHealth {
	m := &memHealth{checker: grpchealth.NewStaticChecker()}
	_, m.handler = grpchealth.NewHandler(m.checker)
	return m
}

func (m *memHealth) RoundTrip(req *http.Request) (*http.Response, error) {
	if m.hang.Load() {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	rec := httptest.NewRecorder()
	m.handler.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// Thresholds under synctest, with the defaults (every 10s, out after 3
// failed checks in a row, back after 2 passed): the first check decides
// alone; a check without an answer fails at its 2s timeout.
func TestHealthCheckThresholds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := newMemHealth()
		mem.checker.SetStatus("", grpchealth.StatusNotServing)
		set, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {
			Endpoints:        []string{"http://a.test"},
			HealthCheck:      config.HealthCheck{Enabled: true},
			OutlierDetection: config.OutlierDetection{Disabled: true},
		}}, sidecar.WithTransport(mem), quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer set.Close()
		u, _ := set.Upstream("catalog")
		start := time.Now()
		at := func(d time.Duration, want string) {
			t.Helper()
			time.Sleep(time.Until(start.Add(d)))
			synctest.Wait()
			if got := reasons(u)[0]; got != want {
				t.Errorf("at %s: reason %q, want %q", d, got, want)
			}
		}
		at(time.Millisecond, sidecar.ReasonHealthCheck) // the first check decides
		mem.checker.SetStatus("", grpchealth.StatusServing)
		at(10*time.Second+time.Millisecond, sidecar.ReasonHealthCheck) // 1 passed
		at(20*time.Second+time.Millisecond, "")                        // 2 passed: back
		mem.checker.SetStatus("", grpchealth.StatusNotServing)
		at(30*time.Second+time.Millisecond, "") // 1 failed
		at(40*time.Second+time.Millisecond, "") // 2 failed
		mem.checker.SetStatus("", grpchealth.StatusUnknown)
		at(50*time.Second+time.Millisecond, sidecar.ReasonHealthCheck) // 3 failed: out
		mem.checker.SetStatus("", grpchealth.StatusServing)
		at(60*time.Second+time.Millisecond, sidecar.ReasonHealthCheck)
		at(70*time.Second+time.Millisecond, "")
		// No answer: each check fails at its timeout, 2s after it starts.
		mem.hang.Store(true)
		at(100*time.Second+time.Millisecond, "")                        // 80s, 90s, 100s sent
		at(102*time.Second-time.Millisecond, "")                        // the third not yet failed
		at(102*time.Second+time.Millisecond, sidecar.ReasonHealthCheck) // and now
		if err := set.Ready(); err == nil {
			t.Error("Ready with the only endpoint failing its check: nil, want an error")
		}
		st := u.Stats()
		// Checks at 0, 10, ..., 70s, then at 80, 90 and 100s, each failing
		// 2s later; failed at 0, 30, 40, 50, 82, 92 and 102s.
		if st.HealthChecks != 11 || st.HealthCheckFailures != 7 {
			t.Errorf("checks %d, failed %d; want 11 and 7", st.HealthChecks, st.HealthCheckFailures)
		}
	})
}

// Closing a set stops the goroutines of discovery and health checks: none
// is left once Close returns and the backends are gone.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := newCheckedReplica(t, "a")
	dns := newFakeDNS()
	dns.setSRV(t, "_grpc._tcp.catalog.test", a.replica)
	set, err := sidecar.NewSet(srvUpstream(func(u *config.Upstream) {
		u.Protocol = config.ProtocolGRPC
		u.HealthCheck = config.HealthCheck{Enabled: true, Interval: 10 * time.Millisecond, Timeout: time.Second}
	}), sidecar.WithResolver(dns), quiet)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := set.Upstream("catalog")
	waitFor(t, "a checked", func() bool { return u.Stats().HealthChecks >= 2 })
	if err := call(context.Background(), plainEcho(set, "catalog")); err != nil {
		t.Fatal(err)
	}
	lookups := len(dns.lookupTimes())
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	checks := a.checks.Load()
	time.Sleep(50 * time.Millisecond)
	if got := len(dns.lookupTimes()); got != lookups {
		t.Errorf("%d lookups after Close", got-lookups)
	}
	if got := a.checks.Load(); got != checks {
		t.Errorf("%d checks after Close", got-checks)
	}
	a.srv.Close()
}

// A check fails when it cannot get SERVING whatever the reason: a service
// the backend does not know (NOT_FOUND), a backend without the health
// service (UNIMPLEMENTED), an endpoint that refuses connections.
func TestHealthCheckFailsWithoutAServingAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		service   string
		transport http.RoundTripper
	}{
		{"unknown service", "other.v1.Service", newMemHealth()},
		{"no health service", "", handlerTransport{http.NotFoundHandler()}},
		{"connection refused", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := tc.transport
				if rt == nil {
					rt, _ = newMemNet() // no replica: every host refuses
				}
				set, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {
					Endpoints:   []string{"http://a.test", "http://b.test"},
					HealthCheck: config.HealthCheck{Enabled: true, Service: tc.service},
				}}, sidecar.WithTransport(rt), quiet)
				if err != nil {
					t.Fatal(err)
				}
				defer set.Close()
				synctest.Wait()
				u, _ := set.Upstream("catalog")
				if got := reasons(u); got[0] != sidecar.ReasonHealthCheck || got[1] != sidecar.ReasonHealthCheck {
					t.Errorf("reasons %q after the first checks, want both out", got)
				}
				if st := u.Stats(); st.HealthChecks != 2 || st.HealthCheckFailures != 2 {
					t.Errorf("checks %d, failed %d; want 2 and 2", st.HealthChecks, st.HealthCheckFailures)
				}
			})
		})
	}
}
