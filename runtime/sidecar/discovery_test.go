package sidecar_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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

// fakeDNS is a sidecar.Resolver whose answers a test sets and changes. A
// name it does not know does not exist (NXDOMAIN).
type fakeDNS struct {
	mu      sync.Mutex
	hosts   map[string][]string
	srv     map[string][]*net.SRV
	fail    error       // when set, every lookup fails with it
	lookups []time.Time // of the SRV and A/AAAA lookups of names asked
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{hosts: map[string][]string{}, srv: map[string][]*net.SRV{}}
}

func (d *fakeDNS) LookupHost(_ context.Context, host string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups = append(d.lookups, time.Now())
	if d.fail != nil {
		return nil, d.fail
	}
	addrs, ok := d.hosts[host]
	if !ok || len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return slices.Clone(addrs), nil
}

func (d *fakeDNS) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups = append(d.lookups, time.Now())
	if service != "" || proto != "" {
		return "", nil, fmt.Errorf("LookupSRV(%q, %q, %q): want the name alone", service, proto, name)
	}
	if d.fail != nil {
		return "", nil, d.fail
	}
	recs, ok := d.srv[name]
	if !ok || len(recs) == 0 {
		return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return name, slices.Clone(recs), nil
}

// setSRV makes name's SRV records point at the replicas, each through a
// target name of its own that resolves to its address.
func (d *fakeDNS) setSRV(t *testing.T, name string, rs ...*replica) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	var recs []*net.SRV
	for _, r := range rs {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(u.Port())
		target := r.name + ".pods.test."
		d.hosts[strings.TrimSuffix(target, ".")] = []string{u.Hostname()}
		recs = append(recs, &net.SRV{Target: target, Port: uint16(port), Priority: 10, Weight: 1})
	}
	d.srv[name] = recs
}

// setFail makes every lookup fail with err, or answer again with nil.
func (d *fakeDNS) setFail(err error) {
	d.mu.Lock()
	d.fail = err
	d.mu.Unlock()
}

// lookupTimes returns the times of the lookups so far.
func (d *fakeDNS) lookupTimes() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.lookups)
}

// endpointURLs returns the URL of each endpoint of the upstream, by id.
func endpointURLs(u *sidecar.Upstream) []string {
	var out []string
	for _, ep := range u.Stats().Endpoints {
		out = append(out, ep.URL)
	}
	return out
}

// endpointIDs returns the id (Index) of each endpoint of the upstream.
func endpointIDs(u *sidecar.Upstream) []int {
	var out []int
	for _, ep := range u.Stats().Endpoints {
		out = append(out, ep.Index)
	}
	return out
}

// waitFor polls cond until it holds, failing the test after 10s (the
// condition is expected within a few re-resolution intervals of 10ms).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 10s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// srvUpstream is an upstream whose endpoints are the SRV records of
// _grpc._tcp.catalog.test, asked again every 10ms: a Go config can go
// below the 1s floor of bff.yaml, which keeps this test short.
func srvUpstream(extra func(*config.Upstream)) map[string]config.Upstream {
	u := config.Upstream{Discovery: config.Discovery{SRV: "_grpc._tcp.catalog.test", Interval: 10 * time.Millisecond}}
	if extra != nil {
		extra(&u)
	}
	return map[string]config.Upstream{"catalog": u}
}

// The DNS answer goes from 2 to 3 to 1 replicas while 4 workers call
// without pause: no call fails, the new replica gets calls, the removed
// ones get none once the change is seen, and every endpoint keeps its id.
// Not parallel: its steady load would slow the parallel tests whose
// figures depend on latency (p2c).
func TestDNSDiscoveryFollowsTheAnswerWhileCallsFlow(t *testing.T) {
	a, b, c := newReplica(t, "a"), newReplica(t, "b"), newReplica(t, "c")
	dns := newFakeDNS()
	dns.setSRV(t, "_grpc._tcp.catalog.test", a, b)
	set := newSet(t, srvUpstream(nil), sidecar.WithResolver(dns), quiet)
	u, _ := set.Upstream("catalog")
	client := plainEcho(set, "catalog")

	var calls, failed atomic.Int64
	var firstErr atomic.Value
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; i < 20000 && ctx.Err() == nil; i++ {
				err := call(context.Background(), client)
				calls.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	defer func() { stop(); wg.Wait() }()

	// Calls made before the first answer wait for it: none fails.
	waitFor(t, "2 endpoints", func() bool { return len(u.Stats().Endpoints) == 2 })
	// DNS answers in any order: the first set is numbered in the order
	// of its URLs.
	got, want := endpointURLs(u), []string{a.url, b.url}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("endpoints %v, want %v", got, want)
	}
	bID := 1 + slices.Index(got, b.url)
	waitFor(t, "calls on a and b", func() bool { return a.calls.Load() > 20 && b.calls.Load() > 20 })

	dns.setSRV(t, "_grpc._tcp.catalog.test", a, b, c)
	waitFor(t, "3 endpoints", func() bool { return len(u.Stats().Endpoints) == 3 })
	if got, want := endpointIDs(u), []int{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
	waitFor(t, "calls on c", func() bool { return c.calls.Load() > 20 })

	dns.setSRV(t, "_grpc._tcp.catalog.test", b)
	waitFor(t, "1 endpoint", func() bool { return len(u.Stats().Endpoints) == 1 })
	if got := u.Stats().Endpoints[0]; got.Index != bID || got.URL != b.url {
		t.Errorf("endpoint %+v, want b with its id %d", got, bID)
	}
	// A call picked before the change may still reach a or c: at most one
	// per worker.
	ac := a.calls.Load() + c.calls.Load()
	bc := b.calls.Load()
	waitFor(t, "more calls on b", func() bool { return b.calls.Load() > bc+200 })
	if got := a.calls.Load() + c.calls.Load(); got > ac+4 {
		t.Errorf("removed replicas got %d calls after the change, want at most the 4 picked before it", got-ac)
	}
	stop()
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d calls failed, want 0; first: %v", n, calls.Load(), firstErr.Load())
	}
	t.Logf("calls: %d, failed: %d; per replica a=%d b=%d c=%d", calls.Load(), failed.Load(), a.calls.Load(), b.calls.Load(), c.calls.Load())
}

// An endpoint that DNS no longer lists finishes the call in flight on it;
// an endpoint that stays keeps its ejection, its calls in flight and its
// id; a new one starts fresh.
func TestEndpointSetChangesKeepStateAndFinishCallsInFlight(t *testing.T) {
	t.Parallel()
	a, b, c := newReplica(t, "a"), newReplica(t, "b"), newReplica(t, "c")
	release := make(chan struct{})
	a.set(fail(connect.CodeUnavailable))
	b.set(func(ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	dns := newFakeDNS()
	dns.setSRV(t, "_grpc._tcp.catalog.test", a)
	set := newSet(t, srvUpstream(func(u *config.Upstream) {
		u.Timeout = 10 * time.Second
		u.OutlierDetection = config.OutlierDetection{ConsecutiveFailures: 1, MaxEjectionPercent: 100}
	}), sidecar.WithResolver(dns), quiet)
	u, _ := set.Upstream("catalog")
	client := plainEcho(set, "catalog")
	if err := call(t.Context(), client); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("call on a: %v, want unavailable", err)
	}
	if st := u.Stats().Endpoints[0]; !st.Ejected || st.Reason != sidecar.ReasonEjected || st.Index != 1 {
		t.Fatalf("a: %+v, want ejected with id 1", st)
	}

	dns.setSRV(t, "_grpc._tcp.catalog.test", a, b)
	waitFor(t, "a and b", func() bool { return len(u.Stats().Endpoints) == 2 })
	// a is ejected: the call goes to b, where it waits.
	done := make(chan error, 1)
	go func() { done <- call(context.Background(), client) }()
	waitFor(t, "the call on b", func() bool { return b.calls.Load() == 1 })

	dns.setSRV(t, "_grpc._tcp.catalog.test", a, c)
	waitFor(t, "a and c", func() bool { return slices.Equal(endpointURLs(u), []string{a.url, c.url}) })
	st := u.Stats().Endpoints
	if !st[0].Ejected || st[0].Ejections != 1 || st[0].Index != 1 {
		t.Errorf("a after the change: %+v, want still ejected once, id 1", st[0])
	}
	if st[1].Ejected || st[1].Outstanding != 0 || st[1].Index != 3 || !st[1].Healthy {
		t.Errorf("c: %+v, want fresh with id 3", st[1])
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the call on the removed endpoint b failed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call on the removed endpoint b did not end")
	}
	if got := b.calls.Load(); got != 1 {
		t.Errorf("b got %d calls, want 1", got)
	}
}

// A failed lookup keeps the last set, counted and logged at warn once
// however often it fails; an answer of no record (NXDOMAIN) empties the
// set, which Ready reports; records back make it ready again.
func TestDNSFailureKeepsTheSetAndNXDOMAINEmptiesIt(t *testing.T) {
	t.Parallel()
	a := newReplica(t, "a")
	dns := newFakeDNS()
	dns.setSRV(t, "_grpc._tcp.catalog.test", a)
	var logs syncBuffer
	set := newSet(t, srvUpstream(nil), sidecar.WithResolver(dns), sidecar.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	u, _ := set.Upstream("catalog")
	client := plainEcho(set, "catalog")
	waitFor(t, "a", func() bool { return len(u.Stats().Endpoints) == 1 })

	dns.setFail(&net.DNSError{Err: "server misbehaving", Name: "_grpc._tcp.catalog.test", IsTemporary: true})
	waitFor(t, "5 failed lookups", func() bool { return u.Stats().DiscoveryFailures >= 5 })
	st := u.Stats()
	if len(st.Endpoints) != 1 || !strings.Contains(st.DiscoveryError, "server misbehaving") || st.Discovery != "srv" {
		t.Errorf("after failures: %+v, want a kept and the error", st)
	}
	for range 10 {
		if err := call(t.Context(), client); err != nil {
			t.Fatalf("call while DNS fails: %v", err)
		}
	}
	if err := set.Ready(); err != nil {
		t.Errorf("Ready while DNS fails: %v", err)
	}
	if n := strings.Count(logs.String(), "upstream discovery failed: keeping the last endpoints"); n != 1 {
		t.Errorf("%d warnings for %d failures, want 1 (at most one a minute):\n%s", n, st.DiscoveryFailures, logs.String())
	}

	dns.setFail(nil)
	dns.mu.Lock()
	delete(dns.srv, "_grpc._tcp.catalog.test")
	dns.mu.Unlock()
	waitFor(t, "no endpoint", func() bool { return len(u.Stats().Endpoints) == 0 })
	if err := set.Ready(); err == nil || err.Error() != `upstream "catalog" has no endpoint` {
		t.Errorf("Ready with no record: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if err := call(ctx, client); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("call with no endpoint: %v, want unavailable", err)
	}
	if st := u.Stats(); st.DiscoveryError != "" {
		t.Errorf("DiscoveryError %q after an answer, want none", st.DiscoveryError)
	}

	dns.setSRV(t, "_grpc._tcp.catalog.test", a)
	waitFor(t, "a again", func() bool { return len(u.Stats().Endpoints) == 1 })
	if err := set.Ready(); err != nil {
		t.Errorf("Ready: %v", err)
	}
	if got := u.Stats().Endpoints[0].Index; got != 2 {
		t.Errorf("a came back with id %d, want a new id, 2", got)
	}
	if !strings.Contains(logs.String(), "upstream discovery works again") {
		t.Errorf("no log of the recovery:\n%s", logs.String())
	}
}

// dns: and port: give one endpoint per A and AAAA record.
func TestDNSDiscoveryOfARecords(t *testing.T) {
	t.Parallel()
	dns := newFakeDNS()
	dns.hosts["catalog.shop.svc.cluster.local"] = []string{"127.0.0.1", "::1", "127.0.0.1"}
	set := newSet(t, map[string]config.Upstream{"catalog": {Discovery: config.Discovery{DNS: "catalog.shop.svc.cluster.local", Port: 9001, Scheme: "https"}}},
		sidecar.WithResolver(dns), quiet)
	u, _ := set.Upstream("catalog")
	waitFor(t, "endpoints", func() bool { return len(u.Stats().Endpoints) > 0 })
	if got, want := endpointURLs(u), []string{"https://127.0.0.1:9001", "https://[::1]:9001"}; !slices.Equal(got, want) {
		t.Errorf("endpoints %v, want %v", got, want)
	}
	if got := u.Stats().Discovery; got != "dns" {
		t.Errorf("Discovery %q, want dns", got)
	}
}

// DNS is asked at once, then every 30s by default; a call made before the
// first answer waits for it; Close stops the lookups.
func TestDNSIsAskedEveryIntervalUntilClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, rs := newMemNet("a")
		dns := &slowDNS{fakeDNS: newFakeDNS(), delay: time.Second}
		dns.hosts["a.test"] = []string{"a.test"} // the memNet's host name stands for an address
		start := time.Now()
		set, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {Discovery: config.Discovery{DNS: "a.test", Port: 80}, Timeout: 5 * time.Second}},
			sidecar.WithResolver(dns), sidecar.WithTransport(&portless{mem}), quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer set.Close()
		if err := call(t.Context(), plainEcho(set, "catalog")); err != nil {
			t.Fatalf("call before the first answer: %v", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("the first call waited %s, want the 1s of the first lookup", got)
		}
		if rs[0].calls.Load() != 1 {
			t.Errorf("a got %d calls, want 1", rs[0].calls.Load())
		}
		time.Sleep(95 * time.Second)
		want := []time.Duration{0, 31 * time.Second, 62 * time.Second, 93 * time.Second}
		var got []time.Duration
		for _, at := range dns.lookupTimes() {
			got = append(got, at.Sub(start))
		}
		if !slices.Equal(got, want) {
			t.Errorf("lookups at %v, want %v (each takes 1s, then 30s until the next)", got, want)
		}
		_ = set.Close()
		n := len(dns.lookupTimes())
		time.Sleep(5 * time.Minute)
		if got := len(dns.lookupTimes()); got != n {
			t.Errorf("%d lookups after Close", got-n)
		}
	})
}

// slowDNS answers after a delay.
type slowDNS struct {
	*fakeDNS
	delay time.Duration
}

func (d *slowDNS) LookupHost(ctx context.Context, host string) ([]string, error) {
	d.mu.Lock()
	d.lookups = append(d.lookups, time.Now())
	d.mu.Unlock()
	select {
	case <-time.After(d.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.hosts[host]), nil
}

// portless sends requests to the memNet without the port that discovery
// adds to the host.
type portless struct{ mem *memNet }

func (p *portless) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Host = req.URL.Hostname()
	return p.mem.RoundTrip(out)
}

// An endpoint source registered by the program under a kind serves the
// upstreams whose discovery.source names it, with their target.
func TestRegisteredEndpointSource(t *testing.T) {
	t.Parallel()
	a, b := newReplica(t, "a"), newReplica(t, "b")
	src := &pushSource{updates: make(chan []string)}
	var gotUpstream, gotTarget string
	set := newSet(t, map[string]config.Upstream{"catalog": {Discovery: config.Discovery{Source: "push", Target: "catalog.shop:grpc"}}},
		sidecar.WithEndpointSource("push", func(upstream, target string) (sidecar.EndpointSource, error) {
			gotUpstream, gotTarget = upstream, target
			return src, nil
		}), quiet)
	if gotUpstream != "catalog" || gotTarget != "catalog.shop:grpc" {
		t.Errorf("source built for (%q, %q), want (catalog, catalog.shop:grpc)", gotUpstream, gotTarget)
	}
	u, _ := set.Upstream("catalog")
	src.updates <- []string{a.url, "ftp://nope", b.url}
	waitFor(t, "a and b", func() bool { return len(u.Stats().Endpoints) == 2 })
	if got := u.Stats().Discovery; got != "push" {
		t.Errorf("Discovery %q, want push", got)
	}
	src.updates <- []string{b.url}
	waitFor(t, "b", func() bool { return slices.Equal(endpointURLs(u), []string{b.url}) })
	if err := call(t.Context(), plainEcho(set, "catalog")); err != nil {
		t.Fatal(err)
	}
	if b.calls.Load() != 1 {
		t.Errorf("b got %d calls, want 1", b.calls.Load())
	}

	_, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {Discovery: config.Discovery{Source: "kubernetes"}}})
	if want := `upstream "catalog": discovery.source "kubernetes" is not registered: the program must pass sidecar.WithEndpointSource("kubernetes", ...) (through runtime.WithUpstreamOptions)`; err == nil || err.Error() != want {
		t.Errorf("unregistered source: %v, want %s", err, want)
	}
	_, err = sidecar.NewSet(map[string]config.Upstream{"catalog": {Discovery: config.Discovery{Source: "broken"}}},
		sidecar.WithEndpointSource("broken", func(string, string) (sidecar.EndpointSource, error) { return nil, errors.New("no kubeconfig") }))
	if want := `upstream "catalog": discovery.source "broken": no kubeconfig`; err == nil || err.Error() != want {
		t.Errorf("failing source: %v, want %s", err, want)
	}
}

// pushSource delivers the sets a test sends.
type pushSource struct{ updates chan []string }

func (s *pushSource) Watch(ctx context.Context, update func([]string, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case urls := <-s.updates:
			update(urls, nil)
		}
	}
}
