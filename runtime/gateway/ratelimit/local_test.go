package ratelimit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/request"
)

// rateLimit parses a bff.yaml holding rate_limit (indented under gateway:)
// and returns its gateway section.
func gatewayConfig(t *testing.T, rateLimit string) config.Gateway {
	t.Helper()
	cfg, err := config.Parse([]byte("gateway:\n  rate_limit:\n"+indent(rateLimit, "    ")), "bff.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg.Gateway
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func newLimiter(t *testing.T, rateLimit string) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(gatewayConfig(t, rateLimit).RateLimit)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// edge is a chain of the request seam, an optional authenticator that sets
// the principal from the X-Test-Subject header, and the limiter's
// middleware, in front of next.
func edge(l *ratelimit.Limiter, next http.Handler) http.Handler {
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sub := r.Header.Get("X-Test-Subject"); sub != "" {
				req := request.From(r.Context())
				req.Principal = request.Principal{Subject: sub, Claims: map[string]any{"sub": sub, "tenant": r.Header.Get("X-Test-Tenant")}}
				if r.Header.Get("X-Test-API-Key") != "" {
					req.Principal.Claims = nil
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	return gateway.Chain(next, gateway.RequestID(""), authn, l.Middleware())
}

// counter is a backend stand-in that counts the requests it serves.
type counter struct{ n atomic.Int64 }

func (c *counter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.n.Add(1)
	w.WriteHeader(http.StatusOK)
}

type reply struct {
	status     int
	retryAfter string
	code       string
	message    string
}

func call(h http.Handler, remote string, header ...string) reply {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ hello }"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out := reply{status: w.Code, retryAfter: w.Header().Get("Retry-After")}
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(w.Body.Bytes(), &body) == nil && len(body.Errors) > 0 {
		out.code, _ = body.Errors[0].Extensions["code"].(string)
		out.message = body.Errors[0].Message
	}
	return out
}

func TestLocalRuleAllowsTheBurstThenTheRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: per_ip, key: $client_ip, rate: 10/s, burst: 5}
`)
		backend := &counter{}
		h := edge(l, backend)
		for i := range 5 {
			if r := call(h, "192.0.2.1:1000"); r.status != http.StatusOK {
				t.Fatalf("request %d of the burst: status %d", i+1, r.status)
			}
		}
		r := call(h, "192.0.2.1:1000")
		if r.status != http.StatusTooManyRequests || r.code != "RATE_LIMITED" || r.retryAfter != "1" {
			t.Fatalf("request over the burst: %+v, want 429 RATE_LIMITED with Retry-After 1", r)
		}
		if !strings.Contains(r.message, `"per_ip"`) {
			t.Errorf("message %q does not name the rule", r.message)
		}
		if n := backend.n.Load(); n != 5 {
			t.Errorf("backend served %d requests, want 5: a rejection must not reach it", n)
		}
		// Another client has its own bucket.
		if r := call(h, "192.0.2.2:1000"); r.status != http.StatusOK {
			t.Errorf("another client: status %d", r.status)
		}
		// 10/s: one token every 100 ms.
		time.Sleep(100 * time.Millisecond)
		if r := call(h, "192.0.2.1:1000"); r.status != http.StatusOK {
			t.Errorf("after 100ms: status %d, want one more request", r.status)
		}
		if r := call(h, "192.0.2.1:1000"); r.status != http.StatusTooManyRequests {
			t.Errorf("second request after 100ms: status %d, want 429", r.status)
		}
		// Over 3 s at a steady 20/s, 10/s pass.
		accepted := 0
		for range 60 {
			time.Sleep(50 * time.Millisecond)
			if call(h, "192.0.2.1:1000").status == http.StatusOK {
				accepted++
			}
		}
		if accepted != 30 {
			t.Errorf("accepted %d of 60 requests over 3 s at 10/s, want 30", accepted)
		}
	})
}

func TestRetryAfterIsRoundedUpToWholeSeconds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: slow, key: $client_ip, rate: 1/m, burst: 1}
`)
		h := edge(l, &counter{})
		call(h, "192.0.2.1:1")
		time.Sleep(1500 * time.Millisecond)
		if r := call(h, "192.0.2.1:1"); r.retryAfter != "59" {
			t.Errorf("Retry-After = %q, want 59 (58.5 s rounded up)", r.retryAfter)
		}
		time.Sleep(58*time.Second + 600*time.Millisecond)
		if r := call(h, "192.0.2.1:1"); r.status != http.StatusOK {
			t.Errorf("after the Retry-After: status %d", r.status)
		}
	})
}

func TestRuleKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		// two requests from the same address, with these headers
		first, second []string
		shared        bool // whether they count together
	}{
		{"per subject: two users on one address", "$claims.sub", []string{"X-Test-Subject", "alice"}, []string{"X-Test-Subject", "bob"}, false},
		{"per subject: one user on two requests", "$claims.sub", []string{"X-Test-Subject", "alice"}, []string{"X-Test-Subject", "alice"}, true},
		{"per subject: anonymous callers fall back to the address", "$claims.sub", nil, nil, true},
		{"per claim: same tenant, two users", "$claims.tenant", []string{"X-Test-Subject", "a", "X-Test-Tenant", "t1"}, []string{"X-Test-Subject", "b", "X-Test-Tenant", "t1"}, true},
		{"per claim: missing claim falls back to the address", "$claims.team", []string{"X-Test-Subject", "a"}, []string{"X-Test-Subject", "b"}, true},
		{"per API key: two keys", "$api_key", []string{"X-Test-Subject", "k1", "X-Test-API-Key", "1"}, []string{"X-Test-Subject", "k2", "X-Test-API-Key", "1"}, false},
		{"per API key: a JWT caller is counted by address", "$api_key", []string{"X-Test-Subject", "alice"}, []string{"X-Test-Subject", "bob"}, true},
		{"per header: two tenants", "$header.X-Tenant", []string{"X-Tenant", "a"}, []string{"X-Tenant", "b"}, false},
		{"per header: missing header falls back to the address", "$header.X-Tenant", nil, nil, true},
		{"per address: two users", "$client_ip", []string{"X-Test-Subject", "alice"}, []string{"X-Test-Subject", "bob"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				l := newLimiter(t, fmt.Sprintf("rules:\n  - {name: r, key: %q, rate: 1/h, burst: 1}\n", tt.key))
				h := edge(l, &counter{})
				if r := call(h, "192.0.2.1:1", tt.first...); r.status != http.StatusOK {
					t.Fatalf("first request: status %d", r.status)
				}
				r := call(h, "192.0.2.1:1", tt.second...)
				if shared := r.status == http.StatusTooManyRequests; shared != tt.shared {
					t.Errorf("second request: status %d; counted together = %v, want %v", r.status, shared, tt.shared)
				}
			})
		})
	}
}

func TestForwardedForIsReadOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		remote         string
		xff1, xff2     string
		sameClient     bool
		trustedProxies string
	}{
		{"untrusted peer: X-Forwarded-For ignored", "198.51.100.7:1", "192.0.2.1", "192.0.2.2", true, "[10.0.0.0/8]"},
		{"trusted peer: the client is the rightmost untrusted address", "10.0.0.1:1", "192.0.2.1", "192.0.2.2", false, "[10.0.0.0/8]"},
		{"trusted chain: proxies on the right are skipped", "10.0.0.1:1", "192.0.2.1, 10.0.0.5", "192.0.2.1, 10.0.0.9", true, "[10.0.0.0/8]"},
		{"spoofed left entries do not matter", "10.0.0.1:1", "1.1.1.1, 192.0.2.1", "2.2.2.2, 192.0.2.1", true, "[10.0.0.0/8]"},
		{"IPv6 clients count per /64", "10.0.0.1:1", "2001:db8::1", "2001:db8::2", true, "[10.0.0.0/8]"},
		{"other /64s are other clients", "10.0.0.1:1", "2001:db8:0:1::1", "2001:db8:0:2::1", false, "[10.0.0.0/8]"},
		{"entries with ports", "10.0.0.1:1", "192.0.2.1:5000", "[2001:db8::1]:5000", false, "[10.0.0.1]"},
		{"garbage stops at the trusted hop", "10.0.0.1:1", "nonsense", "192.0.2.9", false, "[10.0.0.0/8]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				l := newLimiter(t, "trusted_proxies: "+tt.trustedProxies+"\nrules:\n  - {name: r, key: $client_ip, rate: 1/h, burst: 1}\n")
				h := edge(l, &counter{})
				call(h, tt.remote, "X-Forwarded-For", tt.xff1)
				r := call(h, tt.remote, "X-Forwarded-For", tt.xff2)
				if same := r.status == http.StatusTooManyRequests; same != tt.sameClient {
					t.Errorf("second request: status %d; same client = %v, want %v", r.status, same, tt.sameClient)
				}
			})
		})
	}
}

func TestEveryRuleMustPass(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: per_user, key: $claims.sub, rate: 100/s, burst: 100}
  - {name: per_ip, key: $client_ip, rate: 1/s, burst: 2}
`)
		h := edge(l, &counter{})
		call(h, "192.0.2.1:1", "X-Test-Subject", "a")
		call(h, "192.0.2.1:1", "X-Test-Subject", "b")
		r := call(h, "192.0.2.1:1", "X-Test-Subject", "c")
		if r.status != http.StatusTooManyRequests || !strings.Contains(r.message, `"per_ip"`) {
			t.Errorf("third user from one address: %+v, want 429 from per_ip", r)
		}
	})
}

func TestNoRulesIsAPassThrough(t *testing.T) {
	t.Parallel()
	l, err := ratelimit.New(config.Default().Gateway.RateLimit)
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := l.Middleware()(next); fmt.Sprintf("%p", got) != fmt.Sprintf("%p", next) {
		t.Error("the middleware of a limiter without rules wraps the handler")
	}
	if l.Admission() != nil {
		t.Error("a limiter without rules has an admission check")
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}

// graphqlEdge is edge in front of the GraphQL handler of the test schema,
// with the limiter's admission check.
func graphqlEdge(t *testing.T, l *ratelimit.Limiter, products *atomic.Int64) http.Handler {
	t.Helper()
	schema := testschema.New(&testschema.Resolver{Products: func(_ context.Context, first int) ([]*testschema.Product, error) {
		products.Add(1)
		out := make([]*testschema.Product, first)
		for i := range out {
			out[i] = &testschema.Product{ID: fmt.Sprint(i), Name: "p"}
		}
		return out, nil
	}})
	gw := config.Default().Gateway
	h, err := gateway.NewGraphQLHandler(schema, gw, false, nil, gateway.WithAdmission(l.Admission()))
	if err != nil {
		t.Fatal(err)
	}
	return edge(l, h)
}

func query(h http.Handler, remote, q string) reply {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(fmt.Sprintf(`{"query":%q}`, q)))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out := reply{status: w.Code, retryAfter: w.Header().Get("Retry-After")}
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(w.Body.Bytes(), &body) == nil && len(body.Errors) > 0 {
		out.code, _ = body.Errors[0].Extensions["code"].(string)
		out.message = body.Errors[0].Message
	}
	return out
}

// RL-4: a client that sends one query of cost N is limited like one that
// sends N queries of cost 1.
func TestCostRuleCountsTheEstimatedCost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: cost_per_ip, key: $client_ip, rate: 60/m, burst: 60, cost: true}
`)
		var products atomic.Int64
		h := graphqlEdge(t, l, &products)
		const expensive = `{ products(first: 10) { id } }` // cost 10
		const cheap = `{ products(first: 1) { id } }`      // cost 1
		admitted := func(remote, q string, cost, n int) (units int) {
			for range n {
				switch r := query(h, remote, q); r.status {
				case http.StatusOK:
					units += cost
				case http.StatusTooManyRequests:
					if r.code != "RATE_LIMITED" || r.retryAfter == "" {
						t.Fatalf("rejection: %+v", r)
					}
				default:
					t.Fatalf("status %d: %+v", r.status, r)
				}
			}
			return units
		}
		// Each client asks for 5 times its quota over 2 minutes.
		var exp, chp int
		for range 120 {
			exp += admitted("192.0.2.1:1", expensive, 10, 5)
			chp += admitted("192.0.2.2:1", cheap, 1, 50)
			time.Sleep(time.Second)
		}
		// 60 units of burst + 60/m for 119 s = 179 units: the cheap client
		// uses them all, the expensive one all but the last partial 10.
		if d := chp - exp; d < 0 || d >= 10 {
			t.Errorf("admitted cost: expensive client %d, cheap client %d; want equal within one expensive query (10)", exp, chp)
		}
		if exp < 170 || exp > 180 {
			t.Errorf("admitted cost %d over 2 minutes at 60/m with burst 60, want 170..180", exp)
		}
		if got, want := products.Load(), int64(exp/10+chp); got != want {
			t.Errorf("backend called %d times, want %d (only admitted operations)", got, want)
		}
	})
}

func TestAnOperationCostlierThanTheBurstIsRefusedAsTooExpensive(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: cost, key: $client_ip, rate: 100/s, burst: 5, cost: true}
`)
		var products atomic.Int64
		h := graphqlEdge(t, l, &products)
		r := query(h, "192.0.2.1:1", `{ products(first: 6) { id } }`)
		if r.status != http.StatusBadRequest || r.code != "COST_ESTIMATED_TOO_EXPENSIVE" {
			t.Errorf("cost 6 over burst 5: %+v, want 400 COST_ESTIMATED_TOO_EXPENSIVE", r)
		}
		if products.Load() != 0 {
			t.Error("the backend was called")
		}
	})
}

func TestOperationRuleCountsPerOperationName(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: per_op, key: $operation, rate: 1/h, burst: 2}
`)
		var products atomic.Int64
		h := graphqlEdge(t, l, &products)
		for i, want := range []int{200, 200, 429} {
			if r := query(h, "192.0.2.1:1", `query A { products(first: 1) { id } }`); r.status != want {
				t.Errorf("A #%d: status %d, want %d", i+1, r.status, want)
			}
		}
		// Another operation, from another client too, has its own count;
		// a third client's A shares A's.
		if r := query(h, "192.0.2.2:1", `query B { products(first: 1) { id } }`); r.status != http.StatusOK {
			t.Errorf("B: status %d", r.status)
		}
		if r := query(h, "192.0.2.3:1", `query A { products(first: 1) { id } }`); r.status != http.StatusTooManyRequests {
			t.Errorf("A from another client: status %d, want 429", r.status)
		}
	})
}

func TestKeysAreBoundedAndIdleOnesDropped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
max_keys: 100
rules:
  - {name: r, key: $client_ip, rate: 1/s, burst: 1}
`)
		h := edge(l, &counter{})
		for i := range 1000 {
			call(h, fmt.Sprintf("192.0.2.%d:1", i%250), "X-I", fmt.Sprint(i))
		}
		if n := ratelimit.KeysForTest(l, 0); n > 100 {
			t.Errorf("%d keys held, want at most max_keys 100", n)
		}
		// Once every bucket is full again, requests drop the idle keys.
		time.Sleep(2 * time.Second)
		for range 60 {
			call(h, "198.51.100.1:1")
		}
		if n := ratelimit.KeysForTest(l, 0); n > 1 {
			t.Errorf("%d keys held after they were all idle and 60 requests passed, want at most 1", n)
		}
	})
}

func TestAnOperationOfCostZeroCountsOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, `
rules:
  - {name: cost, key: $client_ip, rate: 1/h, burst: 2, cost: true}
`)
		var products atomic.Int64
		h := graphqlEdge(t, l, &products)
		for i, want := range []int{200, 200, 429} {
			if r := query(h, "192.0.2.1:1", `{ hello }`); r.status != want {
				t.Errorf("{ hello } (cost 0) #%d: status %d, want %d", i+1, r.status, want)
			}
		}
	})
}
