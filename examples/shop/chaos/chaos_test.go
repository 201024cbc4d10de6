package chaos_test

import (
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/chaos"
	"github.com/bffgen/bffgen/internal/faultproxy"
)

// start serves the shop with its replicas behind proxies, stopped when
// the test ends.
func start(t *testing.T, o chaos.Options) *chaos.Shop {
	t.Helper()
	o.DevDir = "../dev"
	s, err := chaos.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func set(t *testing.T, p *faultproxy.Proxy, f faultproxy.Fault) {
	t.Helper()
	if err := p.Set(f); err != nil {
		t.Fatal(err)
	}
}

func setAll(t *testing.T, s *chaos.Shop, backend string, f faultproxy.Fault) {
	t.Helper()
	if err := s.Set(backend, f); err != nil {
		t.Fatal(err)
	}
}

// query sends one request and fails the test on a transport error or a
// malformed answer.
func query(t *testing.T, s *chaos.Shop, r chaos.Request) chaos.Answer {
	t.Helper()
	a, err := s.Query(t.Context(), r)
	if err != nil {
		t.Fatalf("%s: no answer: %v", r.Name, err)
	}
	if a.Malformed != nil {
		t.Fatalf("%s: malformed answer (%v): %d %s", r.Name, a.Malformed, a.Status, a.Body)
	}
	return a
}

// load runs a bounded load and fails the test on any request without an
// answer or with a malformed one.
func load(t *testing.T, s *chaos.Shop, o chaos.LoadOptions) *chaos.Result {
	t.Helper()
	res := s.Load(t.Context(), o)
	if res.TransportErrors > 0 || res.Malformed > 0 || res.Sent != res.Received {
		t.Fatalf("load: %d sent, %d received, %d without answer, %d malformed: %q", res.Sent, res.Received, res.TransportErrors, res.Malformed, res.Samples)
	}
	return res
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

func minus(a, b []int64) []int64 {
	out := make([]int64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

// waitFor polls cond every 10 ms for up to d.
func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

// The harness itself: every request of the mix answers clean through the
// proxies, and the counts at the backends see the calls.
func TestMixAnswersCleanThroughTheProxies(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{Upstream: patient})
	res := load(t, s, chaos.LoadOptions{Workers: 2, Requests: 50, Duration: 30 * time.Second})
	if res.Failed("product", "products", "page", "me", "addReview") != 0 || res.Status[200] != 50 {
		t.Fatalf("errors without any fault: %+v %v", res.Codes, res.Status)
	}
	for _, b := range chaos.Backends {
		calls := s.Calls(b, "")
		for i, n := range calls {
			if n == 0 {
				t.Errorf("%s replica %d got no call (%v): the load does not spread", b, i, calls)
			}
		}
	}
	if got := sum(s.Calls(chaos.Reviews, "/reviews.v1.ReviewService/CreateReview")); got != 10 {
		t.Errorf("CreateReview reached the backends %d times for 10 addReview, want 10", got)
	}
}
