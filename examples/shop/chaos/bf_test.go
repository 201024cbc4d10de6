package chaos_test

import (
	"context"

	"connectrpc.com/connect"

	"fmt"
	"github.com/bffgen/bffgen/runtime/sidecar"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/chaos"
	"github.com/bffgen/bffgen/internal/faultproxy"
)

// The procedures the scenarios count.
const (
	getProduct     = "/catalog.v1.CatalogService/GetProduct"
	lookupUserByID = "/users.v1.UserService/LookupUserById"
	createReview   = "/reviews.v1.ReviewService/CreateReview"
	listByProducts = "/reviews.v1.ReviewService/ListReviewsByProducts"
)

// The requests of the scenarios.
var (
	// product reads one product (catalog) and its seller through a
	// nullable field (users): a users outage leaves the product intact.
	product = chaos.Request{Name: "product", Query: `{ product(id: "p-1003") { id name sellerProfile { displayName } } }`}
	// products reads three products with their reviews (reviews, gRPC).
	products = chaos.Request{Name: "products", Query: `{ products(first: 3) { id reviews(first: 1) { rating } } }`}
	// addReview is the shop's mutation, not idempotent.
	addReview = chaos.Request{Name: "addReview", Auth: true, Mutation: true,
		Query: `mutation { addReview(input: {productId: "p-1001", rating: 5, title: "t", body: "once", author: "u-1"}) { id } }`}
	idempotent = []chaos.Request{
		product,
		products,
		{Name: "page", Query: `{ productPage(first: 2) { products { id sellerProfile { displayName } latestReviews(first: 1) { title } } } }`},
	}
)

// BF-1: one of three replicas of every backend is killed (its proxy goes
// Down: new connections refused, open ones reset) under a bounded
// concurrent load of idempotent queries. No error reaches the client,
// neither while the dead replica is being found out nor after; it gets no
// call after the kill.
func TestBF1OneOfThreeReplicasKilledUnderLoad(t *testing.T) {
	t.Parallel()
	for _, lb := range []string{"p2c", "round_robin"} {
		t.Run(lb, func(t *testing.T) {
			t.Parallel()
			// A patient timeout: the kill, not a loaded machine, is
			// under test.
			yaml := "timeout: 5s, load_balancing: " + lb
			s := start(t, chaos.Options{Upstream: map[string]string{chaos.Catalog: yaml, chaos.Reviews: yaml, chaos.Users: yaml}})
			opts := chaos.LoadOptions{Workers: 8, Duration: 700 * time.Millisecond, Mix: idempotent}
			before := load(t, s, opts)

			var killedAt map[string]int64
			done := make(chan *chaos.Result)
			go func() { done <- s.Load(t.Context(), opts) }()
			time.Sleep(opts.Duration / 3)
			killedAt = map[string]int64{}
			for _, b := range chaos.Backends {
				set(t, s.Replicas(b)[0].Proxy, faultproxy.Fault{Mode: faultproxy.Down})
				killedAt[b] = s.Replicas(b)[0].Calls("")
			}
			during := <-done
			// Calls in flight at the kill may still land; from here on
			// the dead replicas must get none.
			for _, b := range chaos.Backends {
				killedAt[b] = s.Replicas(b)[0].Calls("")
			}
			if during.TransportErrors > 0 || during.Malformed > 0 {
				t.Fatalf("during the kill: %d without answer, %d malformed: %q", during.TransportErrors, during.Malformed, during.Samples)
			}
			if lb == "round_robin" {
				// Round robin keeps picking the dead replica until outlier
				// detection ejects it (5 failures in a row).
				waitFor(t, 5*time.Second, func() bool {
					for _, b := range chaos.Backends {
						u, err := s.Upstream(b)
						if err != nil || !u.Endpoints[0].Ejected {
							return false
						}
					}
					return true
				}, "the killed replicas to be ejected")
			}
			after := load(t, s, opts)

			t.Logf("%s: before the kill %d queries, %d failed; during %d, %d failed; after %d, %d failed", lb,
				before.Received, before.Failed("product", "products", "page"),
				during.Received, during.Failed("product", "products", "page"),
				after.Received, after.Failed("product", "products", "page"))
			for _, r := range []*chaos.Result{before, during, after} {
				if n := r.Failed("product", "products", "page"); n != 0 || r.Status[200] != r.Received {
					t.Errorf("%d of %d idempotent queries failed (%v, statuses %v), want 0", n, r.Received, r.Codes, r.Status)
				}
			}
			for _, b := range chaos.Backends {
				u, _ := s.Upstream(b)
				t.Logf("%s: calls per replica %v; retries %d, transparent %d; endpoint #1 ejected %v, healthy %v", b, s.Calls(b, ""), u.Retries, u.TransparentRetries, u.Endpoints[0].Ejected, u.Endpoints[0].Healthy)
				if got := s.Replicas(b)[0].Calls(""); got != killedAt[b] {
					t.Errorf("%s: the killed replica got %d calls after the kill had settled, want 0", b, got-killedAt[b])
				}
			}
		})
	}
}

// BF-2: every replica of users fails (table: refused connections, or the
// request is reset after it reached the backend) with the circuit breaker
// on. Once the breaker opens, calls fail at once without reaching a
// backend, and the answers are partial data: the product intact, the
// nullable sellerProfile null with code UNAVAILABLE. When the replicas
// come back, the first success is the breaker's probe after open_time.
func TestBF2AllReplicasDownBreakerFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	const openTime = 2 * time.Second
	for _, mode := range []faultproxy.Mode{faultproxy.Down, faultproxy.Reset} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, chaos.Options{Upstream: map[string]string{
				chaos.Users:   fmt.Sprintf("timeout: 5s, circuit_breaker: {enabled: true, min_requests: 10, open_time: %s}", openTime),
				chaos.Catalog: "timeout: 5s",
			}})
			query(t, s, product)
			setAll(t, s, chaos.Users, faultproxy.Fault{Mode: mode})
			failing := time.Now() // the breaker opens after this

			partial := func(a chaos.Answer) bool {
				p, _ := a.Data["product"].(map[string]any)
				return a.Status == 200 && p != nil && p["name"] == "The Pragmatic Gardener" && p["sellerProfile"] == nil &&
					len(a.Errors) == 1 && a.Errors[0].Code == "UNAVAILABLE" && slices.Equal(a.Errors[0].Path, []any{"product", "sellerProfile"})
			}
			var opened time.Time
			for i := 0; ; i++ {
				if i == 100 {
					t.Fatal("the breaker did not open in 100 queries")
				}
				if a := query(t, s, product); !partial(a) {
					t.Fatalf("query %d while users fails: %d %s, want the product with sellerProfile null and one UNAVAILABLE error", i, a.Status, a.Body)
				}
				if u, _ := s.Upstream(chaos.Users); u.BreakerState == "open" {
					opened = time.Now()
					t.Logf("the breaker opened after %d queries", i+1)
					break
				}
			}

			// While open: refused at once, nothing reaches a backend or
			// even a proxy. Only the first half of open_time is used, so
			// that the probe cannot start within it.
			calls, accepted := s.Calls(chaos.Users, ""), accepts(s, chaos.Users)
			u0, _ := s.Upstream(chaos.Users)
			n := 0
			for time.Since(opened) < openTime/2 && n < 50 {
				if a := query(t, s, product); !partial(a) {
					t.Fatalf("query while open: %d %s, want partial data", a.Status, a.Body)
				}
				n++
			}
			u1, _ := s.Upstream(chaos.Users)
			if got := s.Calls(chaos.Users, ""); !slices.Equal(got, calls) || !slices.Equal(accepts(s, chaos.Users), accepted) {
				t.Errorf("while open: calls %v -> %v, connections %v -> %v: want unchanged", calls, got, accepted, accepts(s, chaos.Users))
			}
			if rejected := u1.BreakerRejections - u0.BreakerRejections; rejected != int64(n) || u1.BreakerState != "open" {
				t.Errorf("while open: %d queries, %d rejected by the breaker, state %q: want every one rejected, open", n, rejected, u1.BreakerState)
			}

			// The replicas come back: answers stay partial until the
			// probe, which is the first call to reach a backend.
			setAll(t, s, chaos.Users, faultproxy.Fault{})
			back := time.Now()
			calls = s.Calls(chaos.Users, lookupUserByID)
			for {
				a := query(t, s, product)
				if partial(a) {
					if got := sum(s.Calls(chaos.Users, lookupUserByID)); got != sum(calls) {
						t.Fatalf("a call reached users (%d) yet the answer is partial", got-sum(calls))
					}
					if time.Since(back) > 5*time.Second {
						t.Fatalf("no recovery within 5 s of the backends' return")
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if p, _ := a.Data["product"].(map[string]any); len(a.Errors) != 0 || p["sellerProfile"] == nil {
					t.Fatalf("after recovery: %s", a.Body)
				}
				probe := sum(minus(s.Calls(chaos.Users, lookupUserByID), calls))
				recovered := time.Since(back)
				sinceFailing := time.Since(failing)
				t.Logf("first success %s after the backends returned, %s after the failures began (open_time %s); users calls since the return: %d",
					recovered.Round(time.Millisecond), sinceFailing.Round(time.Millisecond), openTime, probe)
				if probe != 1 || sinceFailing < openTime {
					t.Errorf("first success after %d backend calls, %s after the failures began: want exactly the probe, not before open_time %s", probe, sinceFailing, openTime)
				}
				break
			}
			if u, _ := s.Upstream(chaos.Users); u.BreakerState != "closed" {
				t.Errorf("breaker %q after a successful probe, want closed", u.BreakerState)
			}
		})
	}
}

// accepts returns the connections each replica's proxy accepted.
func accepts(s *chaos.Shop, backend string) []int64 {
	var out []int64
	for _, r := range s.Replicas(backend) {
		out = append(out, r.Proxy.Stats().Accepted)
	}
	return out
}

// BF-3: a replica 500 ms slower than the others loses at least 90 % of its
// share of the traffic within 10 s (p2c with a peak-sensitive latency
// estimate). Counts per replica at the backend, in windows of 500 ms.
func TestBF3SlowReplicaLosesItsTraffic(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{})
	opts := chaos.LoadOptions{Workers: 6, Duration: time.Second, Mix: []chaos.Request{product}}
	c0 := s.Calls(chaos.Catalog, getProduct)
	load(t, s, opts)
	c1 := s.Calls(chaos.Catalog, getProduct)
	base := minus(c1, c0)
	shareBefore := float64(base[0]) / float64(sum(base))

	set(t, s.Replicas(chaos.Catalog)[0].Proxy, faultproxy.Fault{Mode: faultproxy.Latency, ResponseDelay: 500 * time.Millisecond})
	slowed := time.Now()
	opts.Duration = 500 * time.Millisecond
	var windows [][]int64
	for time.Since(slowed) < 10*time.Second {
		w0 := s.Calls(chaos.Catalog, getProduct)
		load(t, s, opts)
		w := minus(s.Calls(chaos.Catalog, getProduct), w0)
		windows = append(windows, w)
		if sum(w) > 0 && float64(w[0])/float64(sum(w)) <= shareBefore/10 {
			t.Logf("before: %v (slow replica's share %.1f%%); windows of 500 ms after the slowdown: %v; share %.1f%% after %s",
				base, 100*shareBefore, windows, 100*float64(w[0])/float64(sum(w)), time.Since(slowed).Round(time.Millisecond))
			return
		}
	}
	t.Errorf("before: %v (share %.1f%%); windows after the slowdown: %v: the slow replica kept more than a tenth of its share for 10 s", base, 100*shareBefore, windows)
}

// BF-5: with every replica failing (the request reaches the backend, then
// the connection is reset) and up to 5 attempts allowed, the retry budget
// bounds the backend calls to 1.2 x the calls + 10/s (+ a burst of 10).
func TestBF5RetryBudgetBoundsTheLoadOnAFailingBackend(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{Upstream: map[string]string{chaos.Catalog: "timeout: 5s, retry: {max_attempts: 5}"}})
	setAll(t, s, chaos.Catalog, faultproxy.Fault{Mode: faultproxy.Reset})
	res := load(t, s, chaos.LoadOptions{Workers: 4, Duration: 1500 * time.Millisecond, Mix: []chaos.Request{product}})
	incoming := res.Received // one GetProduct per query
	backend := sum(s.Calls(chaos.Catalog, getProduct))
	bound := 1.2*float64(incoming) + 10*res.Duration.Seconds() + 10
	u, _ := s.Upstream(chaos.Catalog)
	t.Logf("%d queries in %s, %d backend calls (bound %.0f, %d with 5 attempts each); %d retries, %d refused by the budget",
		incoming, res.Duration.Round(time.Millisecond), backend, bound, 5*incoming, u.Retries, u.BudgetExhausted)
	if res.Codes["UNAVAILABLE"] != incoming {
		t.Errorf("codes %v, want one UNAVAILABLE per query (%d)", res.Codes, incoming)
	}
	if float64(backend) > bound || u.BudgetExhausted == 0 {
		t.Errorf("%d backend calls for %d queries, %d retries refused: want at most %.0f, with the budget binding", backend, incoming, u.BudgetExhausted, bound)
	}
}

// BF-6: a mutation whose connection is reset after the request reached
// the backend is sent exactly once (the client sees UNAVAILABLE), where an
// idempotent query under the same fault is retried. Over the Connect
// protocol (HTTP/1.1, a connection per request in flight) the backend has
// run the request when its answer starts, so the count is exact. Over
// gRPC (HTTP/2) the proxy may reset on the server's first frames, before
// the request was handled, and one reset ends every stream of the
// connection: the count is at most one per mutation.
func TestBF6MutationUnderResetAfterWriteReachesTheBackendOnce(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{"connect", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			exact := protocol == "connect"
			s := start(t, chaos.Options{Upstream: map[string]string{chaos.Reviews: "timeout: 5s, protocol: " + protocol}})
			setAll(t, s, chaos.Reviews, faultproxy.Fault{Mode: faultproxy.Reset})

			const n = 20
			for i := range n {
				a := query(t, s, addReview)
				if a.Data["addReview"] != nil || !slices.Equal(a.Codes(), []string{"UNAVAILABLE"}) {
					t.Fatalf("mutation %d: %s, want addReview null with UNAVAILABLE", i, a.Body)
				}
			}
			got := sum(s.Calls(chaos.Reviews, createReview))
			t.Logf("%d sequential mutations reached the backends %d times", n, got)
			if got > n || exact && got != n {
				t.Errorf("%d sequential mutations reached the backends %d times, want exactly %d (at most, over HTTP/2)", n, got, n)
			}

			res := load(t, s, chaos.LoadOptions{Workers: 4, Requests: 40, Duration: 30 * time.Second, Mix: []chaos.Request{addReview}})
			concurrent := sum(s.Calls(chaos.Reviews, createReview)) - got
			t.Logf("%d concurrent mutations reached the backends %d times", res.Received, concurrent)
			if concurrent > res.Received || exact && concurrent != res.Received || res.Codes["UNAVAILABLE"] != res.Received {
				t.Errorf("%d concurrent mutations (%v) reached the backends %d times, want exactly once each (at most, over HTTP/2)", res.Received, res.Codes, concurrent)
			}

			if !exact {
				return
			}
			// The control: an idempotent query under the same fault is
			// retried once (max_attempts 2).
			before := sum(s.Calls(chaos.Reviews, listByProducts))
			a := query(t, s, products)
			if got := sum(s.Calls(chaos.Reviews, listByProducts)) - before; got != 2 || len(a.Errors) == 0 {
				t.Errorf("an idempotent query reached the backends %d times (%s), want 2 (retried once)", got, a.Body)
			}
		})
	}
}

// BF-7: a retry carries what is left of the call's budget, not a fresh
// per-try timeout, and no call reaches a backend after its deadline.
// Catalog: timeout 600ms, per_try_timeout 400ms, round robin over three
// replicas, the first blackholed: a call that tries it first is retried
// after 400 ms with the 200 ms left. Each attempt is watched from the
// client side (an interceptor inside the sidecar's, which runs once per
// attempt, sees the attempt's deadline) and at the backend (the
// deadline connect derives from Connect-Timeout-Ms). Only times taken on
// one side are compared with each other, or an arrival with a client-side
// deadline: no assumption on how fast the machine is.
func TestBF7DeadlineAtTheBackendIsTheRemainingBudget(t *testing.T) {
	t.Parallel()
	const timeout, perTry = 600 * time.Millisecond, 400 * time.Millisecond
	type attempt struct{ start, deadline time.Time }
	var mu sync.Mutex
	var attempts []attempt
	var calls []chaos.Call
	watch := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if req.Spec().Procedure == getProduct {
				d, _ := ctx.Deadline()
				mu.Lock()
				attempts = append(attempts, attempt{time.Now(), d})
				mu.Unlock()
			}
			return next(ctx, req)
		}
	})
	s := start(t, chaos.Options{
		Upstream:        map[string]string{chaos.Catalog: fmt.Sprintf("timeout: %s, load_balancing: round_robin, retry: {per_try_timeout: %s}", timeout, perTry)},
		UpstreamOptions: []sidecar.Option{sidecar.WithInterceptors(watch)},
		OnCall: func(c chaos.Call) {
			if c.Procedure == getProduct {
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
			}
		},
	})
	set(t, s.Replicas(chaos.Catalog)[0].Proxy, faultproxy.Fault{Mode: faultproxy.Blackhole})
	retried := 0
	for i := range 12 {
		mu.Lock()
		attempts, calls = attempts[:0], calls[:0]
		mu.Unlock()
		a := query(t, s, product)
		mu.Lock()
		as, cs := slices.Clone(attempts), slices.Clone(calls)
		mu.Unlock()
		if len(as) == 0 || len(as) > 2 || len(cs) > 1 {
			t.Fatalf("query %d: %d attempts, %d backend calls: want 1 or 2 attempts, at most 1 call", i, len(as), len(cs))
		}
		if len(cs) == 0 && !slices.Equal(a.Codes(), []string{"TIMEOUT"}) || len(cs) == 1 && len(a.Errors) != 0 {
			t.Fatalf("query %d: %d backend calls, answer %s: want the product, or TIMEOUT when no call arrived", i, len(cs), a.Body)
		}
		for _, at := range as {
			if at.deadline.IsZero() || at.deadline.Sub(at.start) > perTry {
				t.Errorf("query %d: an attempt with %s to go, want at most the per-try %s", i, at.deadline.Sub(at.start), perTry)
			}
		}
		last := as[len(as)-1]
		if len(as) == 2 {
			retried++
			// The first attempt's deadline is its start + perTry, the
			// call began just before it: the call ends timeout-perTry
			// after the first attempt's deadline, and so must the retry.
			left := last.deadline.Sub(as[0].deadline)
			t.Logf("query %d: retried %s after the first attempt with %s to go (a fresh per-try would be %s)", i, last.start.Sub(as[0].start).Round(time.Millisecond), last.deadline.Sub(last.start).Round(time.Millisecond), perTry)
			if left > timeout-perTry+time.Millisecond {
				t.Errorf("query %d: the retry's deadline is %s after the first attempt's, want at most %s (what is left of the call's %s)", i, left, timeout-perTry, timeout)
			}
		}
		if len(cs) == 1 {
			c := cs[0]
			// The backend's deadline is its arrival plus the header,
			// which the sidecar computed from the attempt's deadline
			// (in whole milliseconds, rounded up).
			if !c.HasDeadline || !c.At.Before(last.deadline) || c.Deadline.Sub(c.At) > last.deadline.Sub(last.start)+time.Millisecond {
				t.Errorf("query %d: the backend got the call with %s to go (has %v), %s before the attempt's deadline; the attempt had %s: want a call before the deadline with no more time than the attempt",
					i, c.Deadline.Sub(c.At), c.HasDeadline, last.deadline.Sub(c.At), last.deadline.Sub(last.start))
			}
		}
	}
	if retried == 0 {
		t.Error("no call tried the blackholed replica first: the scenario did not happen")
	}
}

// BF-8: with every catalog replica blackholed (connections accepted,
// nothing answered), a call fails at its per-try timeouts (3 x 100 ms),
// not at its 5 s timeout, as a TIMEOUT error with the rest of the answer
// intact; once the fault is gone the goroutines return to their count
// before (within 5 %). Not parallel: it counts goroutines.
func TestBF8BlackholeFailsAtThePerTryTimeoutWithoutLeaks(t *testing.T) {
	const timeout, perTry = 5 * time.Second, 100 * time.Millisecond
	s := start(t, chaos.Options{Upstream: map[string]string{chaos.Catalog: fmt.Sprintf("timeout: %s, retry: {per_try_timeout: %s, max_attempts: 3}", timeout, perTry)}})
	for range 6 {
		query(t, s, product)
	}
	s.CloseClientConnections()
	time.Sleep(50 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	setAll(t, s, chaos.Catalog, faultproxy.Fault{Mode: faultproxy.Blackhole})
	var took []time.Duration
	for range 4 {
		begin := time.Now()
		a := query(t, s, chaos.Request{Name: "product", Query: `{ product(id: "p-1003") { name } me { id } }`, Auth: true})
		took = append(took, time.Since(begin).Round(time.Millisecond))
		if me, _ := a.Data["me"].(map[string]any); a.Data["product"] != nil || me["id"] != "u-1" || !slices.Equal(a.Codes(), []string{"TIMEOUT"}) {
			t.Fatalf("blackholed: %s, want product null with TIMEOUT and me intact", a.Body)
		}
		if time.Since(begin) >= timeout/2 {
			t.Fatalf("the call took %s: the per-try timeout %s did not end the attempts before the call's %s", time.Since(begin), perTry, timeout)
		}
	}
	if sum(s.Calls(chaos.Catalog, getProduct)) != 6 {
		t.Errorf("a blackholed call reached a backend: %v", s.Calls(chaos.Catalog, getProduct))
	}
	setAll(t, s, chaos.Catalog, faultproxy.Fault{})
	s.CloseClientConnections()
	limit := baseline + baseline/20
	var now int
	waitFor(t, 5*time.Second, func() bool { now = runtime.NumGoroutine(); return now <= limit }, fmt.Sprintf("the goroutines to return to %d (+5%%)", baseline))
	t.Logf("blackholed calls took %v (per-try %s x 3, timeout %s); goroutines %d before, %d after", took, perTry, timeout, baseline, now)
}

// BF-9: a garbled or truncated answer from the backend is a coded GraphQL
// error on the field, never a panic or a malformed response, and the BFF
// keeps serving. The offsets are measured on a clean answer of R bytes
// (HTTP/1.1 status line and headers, then the body's last bytes). A
// garbled status line leaves net/http waiting for a line end: the call
// runs out of its timeout (800 ms). A body that cannot be decoded is
// INTERNAL (runtime/sidecar/decode.go).
func TestBF9GarbledOrTruncatedAnswersAreCodedErrors(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{})
	toClient := func() int64 {
		var n int64
		for _, r := range s.Replicas(chaos.Catalog) {
			n += r.Proxy.Stats().ToClient
		}
		return n
	}
	query(t, s, product)
	before := toClient()
	query(t, s, product)
	r := int(toClient() - before) // one GetProduct answer
	for _, tt := range []struct {
		name  string
		fault faultproxy.Fault
		code  string
	}{
		{"garbled from the status line", faultproxy.Fault{Mode: faultproxy.Garble}, "TIMEOUT"},
		{"garbled body", faultproxy.Fault{Mode: faultproxy.Garble, Offset: r - 12}, "INTERNAL"},
		{"closed before the status line", faultproxy.Fault{Mode: faultproxy.Truncate}, "UNAVAILABLE"},
		{"closed in the headers", faultproxy.Fault{Mode: faultproxy.Truncate, Offset: 40}, "UNAVAILABLE"},
		{"truncated body", faultproxy.Fault{Mode: faultproxy.Truncate, Offset: r - 3}, "INTERNAL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAll(t, s, chaos.Catalog, tt.fault)
			a := query(t, s, product)
			if a.Status != 200 || a.Data == nil || a.Data["product"] != nil || !slices.Equal(a.Codes(), []string{tt.code}) {
				t.Errorf("%s at %d of %d bytes: %d %s: want product null with one %s error", tt.fault.Mode, tt.fault.Offset, r, a.Status, a.Body, tt.code)
				return
			}
			t.Logf("%s at %d of %d bytes: %s: %s", tt.fault.Mode, tt.fault.Offset, r, a.Errors[0].Code, a.Errors[0].Message)
		})
	}
	setAll(t, s, chaos.Catalog, faultproxy.Fault{})
	if a := query(t, s, product); len(a.Errors) != 0 {
		t.Errorf("after the faults: %s", a.Body)
	}
}

// BF-10: a backend message over the upstream's max_message_bytes fails
// the field with a coded error; the BFF reads no more than the cap.
func TestBF10MessageOverTheReadCapIsACodedError(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{Products: 200, Upstream: map[string]string{chaos.Catalog: "max_message_bytes: 4096"}})
	small := query(t, s, chaos.Request{Name: "few", Query: `{ products(first: 2) { id } }`})
	if len(small.Errors) != 0 {
		t.Fatalf("under the cap: %s", small.Body)
	}
	a := query(t, s, chaos.Request{Name: "many", Query: `{ products(first: 200) { id description } }`})
	if a.Status != 200 || len(a.Errors) != 1 || a.Data != nil {
		t.Fatalf("over the cap: %d %.400s: want one error and data null (products is non-null)", a.Status, a.Body)
	}
	t.Logf("%s: %s", a.Errors[0].Code, a.Errors[0].Message)
	// INTERNAL, not the RATE_LIMITED of a backend's own
	// resource_exhausted: waiting would not make the answer smaller.
	if a.Errors[0].Code != "INTERNAL" {
		t.Errorf("code %s, want INTERNAL (sidecar.ErrResponseTooLarge)", a.Errors[0].Code)
	}
}

// BF-14: every backend replica ends its connections gracefully after
// 100 ms (HTTP/2 GOAWAY for reviews over gRPC, Connection: close for the
// others) under a bounded load of the whole mix, the mutation included:
// no request fails.
func TestBF14ConnectionChurnFailsNoRequest(t *testing.T) {
	t.Parallel()
	s := start(t, chaos.Options{MaxConnectionAge: 100 * time.Millisecond, Upstream: patient})
	res := load(t, s, chaos.LoadOptions{Workers: 4, Duration: 1500 * time.Millisecond})
	names := []string{"product", "products", "page", "me", "addReview"}
	for _, b := range chaos.Backends {
		var closed, accepted int64
		for _, r := range s.Replicas(b) {
			closed += r.Closed()
			accepted += r.Proxy.Stats().Accepted
		}
		t.Logf("%s: %d connections ended by age, %d connections opened, calls %v", b, closed, accepted, s.Calls(b, ""))
		if closed == 0 || accepted <= int64(len(s.Replicas(b))) {
			t.Errorf("%s: %d connections ended, %d opened: the churn did not happen", b, closed, accepted)
		}
	}
	if n := res.Failed(names...); n != 0 {
		t.Errorf("%d of %d requests failed under connection churn (%v), want 0", n, res.Received, res.Codes)
	}
	t.Logf("%d requests, %d failed", res.Received, res.Failed(names...))
}

// patient gives every upstream a 5 s timeout, for the scenarios that
// count errors: a loaded test machine must not turn into timeouts.
var patient = map[string]string{chaos.Catalog: "timeout: 5s", chaos.Reviews: "timeout: 5s", chaos.Users: "timeout: 5s"}
