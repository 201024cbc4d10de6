package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	coderws "github.com/coder/websocket"

	"github.com/bffgen/bffgen/examples/shop/backends"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	"github.com/bffgen/bffgen/runtime/config"
)

// The black-box proof of the IN (input and GraphQL abuse) and CS
// (browser-facing) scenarios of docs/security.md: the shop BFF served from
// bff.production.yaml as it is (trusted documents on) or with
// BFF_PERSISTED_MODE=off (ad-hoc documents reach the limits; every other
// protection as the file sets it), on real listeners of 127.0.0.1, over
// backends that count every call they receive.

// edgeBackends counts the calls the example backends receive, and holds a
// GetProduct for the id "p-hold" until its caller gives up, counting the
// calls that were cancelled.
type edgeBackends struct {
	calls     atomic.Int64
	held      chan struct{} // receives when a held call has started
	cancelled atomic.Int64
}

func newEdgeBackends() *edgeBackends { return &edgeBackends{held: make(chan struct{}, 16)} }

func (b *edgeBackends) options() backends.Options {
	return backends.Options{HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(
		connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				b.calls.Add(1)
				if r, ok := req.Any().(*catalogv1.GetProductRequest); ok && r.GetId() == "p-hold" {
					b.held <- struct{}{}
					<-ctx.Done()
					b.cancelled.Add(1)
					return nil, connect.NewError(connect.CodeCanceled, ctx.Err())
				}
				return next(ctx, req)
			}
		}),
	)}}
}

// answer is an HTTP answer of the BFF.
type answer struct {
	status int
	header http.Header
	body   string
}

// code returns extensions.code of the first error of a GraphQL answer.
func (a answer) code() string {
	var r struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(a.body), &r) != nil || len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

// data returns the data of a GraphQL answer as JSON ("" when it has
// none).
func (a answer) data() string {
	var r struct{ Data json.RawMessage }
	_ = json.Unmarshal([]byte(a.body), &r)
	return string(r.Data)
}

// errorCount returns the number of errors of a GraphQL answer.
func (a answer) errorCount() int {
	var r struct{ Errors []json.RawMessage }
	_ = json.Unmarshal([]byte(a.body), &r)
	return len(r.Errors)
}

// do sends a request and reads the whole answer; header holds name, value
// pairs.
func do(t *testing.T, method, target, contentType, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// postQuery posts a GraphQL request with a JSON body.
func postQuery(t *testing.T, endpoint, query string, vars any) answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return do(t, "POST", endpoint, "application/json", string(body))
}

// cpuTime is the CPU time this process (the test, its client and the
// in-process BFF) has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rejectionCPUBudget bounds the CPU of one rejection, client and server
// together, averaged over several: plain gqlgen spent 10.2 s on the 10 000
// duplicate fields of IN-3, so the budget leaves room for a loaded machine
// while any return of that work fails the test. The figures of the
// rejection alone come from the benchmarks of runtime/graphql/limits.
const rejectionCPUBudget = 25 * time.Millisecond

// lockedBuffer collects the server's logs from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// objects counts the JSON objects in v, v included.
func objects(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 1
		for _, e := range v {
			n += objects(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range v {
			n += objects(e)
		}
		return n
	}
	return 0
}

// repeat joins n copies of s with sep.
func repeat(s, sep string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

// TestInputAbuseIsRefusedBeforeAnyWork runs the IN scenarios against the
// production profile with ad-hoc documents allowed: each rejection has its
// status and specific code, a small body that never quotes the request, and
// makes no backend call.
func TestInputAbuseIsRefusedBeforeAnyWork(t *testing.T) {
	b := newEdgeBackends()
	logs := &lockedBuffer{}
	p := serveProfile(t, "bff.production.yaml", b.options(), withEnv("BFF_PERSISTED_MODE", "off"), withLogs(logs))

	fanOut := func(depth, first int) string {
		return "{ products(first: " + fmt.Sprint(first) + ") { id " + strings.Repeat(fmt.Sprintf("related(first: %d) { id ", first), depth-1) + strings.Repeat("} ", depth) + "}"
	}
	deep := func(depth int) string { // product { related { ... { id } } }: depth levels of fields
		return `{ product(id: "p-1001") { ` + strings.Repeat("related { ", depth-2) + "id" + strings.Repeat(" }", depth-1) + " }"
	}
	tests := []struct {
		name     string
		body     string // a POST body; "" means {"query": query}
		query    string
		status   int
		code     string
		data     string // the data of the answer, when it is not ""
		maxBytes int
	}{
		{name: "IN-1 a 3 MB body: 413 before it is read", body: `{"query":"{ __typename }","pad":"` + strings.Repeat("x", 3<<20) + `"}`,
			status: 413, code: "PAYLOAD_TOO_LARGE", maxBytes: 1 << 10},
		{name: "IN-2 a malformed body: 400, never echoed", body: `{"query": "{ products { id } }", SECRET-MARKER-` + strings.Repeat("z", 100<<10),
			status: 400, code: "BAD_REQUEST", maxBytes: 1 << 10},
		{name: "IN-3 10 000 duplicate fields: 400 before validation", query: "{ products { " + repeat("id", " ", 10000) + " } }",
			status: 400, code: "MAX_FIELDS_LIMIT", maxBytes: 1 << 10},
		{name: "IN-3 100 000 tokens: 400 while lexing", query: "{ products { id } }" + strings.Repeat(" query { __typename }", 100000/5),
			status: 400, code: "MAX_TOKENS_LIMIT", maxBytes: 1 << 10},
		{name: "IN-3 a 10 MB document: 413", query: "{ products { " + strings.Repeat("id ", 10<<20/3) + "} }",
			status: 413, code: "PAYLOAD_TOO_LARGE", maxBytes: 1 << 10},
		{name: "IN-4 10 000 aliases of a backend-calling field: 400, no call", query: "{ " + strings.Repeat(`a: product(id: "p-1001") { id } `, 10000) + "}",
			status: 400, code: "MAX_TOKENS_LIMIT", maxBytes: 1 << 10},
		{name: "IN-4 16 aliases: 400", query: "{ " + strings.Repeat(`a: product(id: "p-1001") { id } `, 16) + "}",
			status: 400, code: "MAX_ALIASES_LIMIT", maxBytes: 1 << 10},
		{name: "IN-4 21 root fields: 400", query: "{ " + strings.Repeat("products(first: 1) { id } ", 21) + "}",
			status: 400, code: "MAX_ROOT_FIELDS_LIMIT", maxBytes: 1 << 10},
		{name: "IN-4 51 directives: 400", query: "{ products { id " + strings.Repeat("@include(if: true) ", 51) + "} }",
			status: 400, code: "MAX_DIRECTIVES_LIMIT", maxBytes: 1 << 10},
		{name: "IN-4 3501 fields: 400", query: "{ products { " + repeat("id", " ", 3501) + " } }",
			status: 400, code: "MAX_FIELDS_LIMIT", maxBytes: 1 << 10},
		{name: "IN-5 depth 11: 400 before execution", query: deep(11),
			status: 400, code: "MAX_DEPTH_LIMIT", maxBytes: 1 << 10},
		{name: "IN-6 a fan-out of depth 8 (4^8 products): refused by its estimated cost", query: fanOut(8, 4),
			status: 400, code: "COST_ESTIMATED_TOO_EXPENSIVE", maxBytes: 1 << 10},
		{name: "IN-6 the 250-byte fan-out of depth 14: refused", query: fanOut(14, 2),
			status: 400, code: "MAX_DEPTH_LIMIT", maxBytes: 1 << 10},
		{name: "IN-7 1000 repeated directives: one error", query: "{ products { id " + strings.Repeat("@skip(if: false) ", 1000) + "} }",
			status: 400, code: "MAX_DIRECTIVES_LIMIT", maxBytes: 4 << 10},
		{name: "IN-8 batching is off: a JSON array is 400", body: `[{"query":"{ products { id } }"},{"query":"{ products { id } }"}]`,
			status: 400, code: "BAD_REQUEST", maxBytes: 1 << 10},
		{name: "IN-9 introspection is off", query: "{ __schema { types { name } } }",
			status: 200, code: "GRAPHQL_VALIDATION_FAILED", maxBytes: 1 << 10},
		{name: "IN-9 __type reveals nothing: null, as for a name that is no type", query: `{ __type(name: "Product") { fields { name } } }`,
			status: 200, data: `{"__type":null}`, maxBytes: 1 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				raw, err := json.Marshal(map[string]string{"query": tt.query})
				if err != nil {
					t.Fatal(err)
				}
				body = string(raw)
			}
			before := b.calls.Load()
			a := do(t, "POST", p.GraphQL, "application/json", body)
			if a.status != tt.status || a.code() != tt.code {
				t.Errorf("got %d %s %.300s, want %d %s", a.status, a.code(), a.body, tt.status, tt.code)
			}
			if len(a.body) > tt.maxBytes {
				t.Errorf("answer of %d bytes, want at most %d", len(a.body), tt.maxBytes)
			}
			if tt.data != "" && a.data() != tt.data {
				t.Errorf("data = %s, want %s", a.data(), tt.data)
			}
			if strings.Contains(a.body, "SECRET-MARKER") || strings.Contains(a.body, "zzzzzzzz") {
				t.Errorf("the answer quotes the request: %.300s", a.body)
			}
			if n := b.calls.Load() - before; n != 0 {
				t.Errorf("%d backend calls, want 0", n)
			}
		})
	}
	if strings.Contains(logs.String(), "SECRET-MARKER") {
		t.Error("IN-2: the logs quote a malformed body")
	}

	t.Run("IN-3 CPU per rejection of 10 000 duplicate fields", func(t *testing.T) {
		body, _ := json.Marshal(map[string]string{"query": "{ products { " + repeat("id", " ", 10000) + " } }"})
		const n = 20
		start := cpuTime(t)
		for range n {
			if a := do(t, "POST", p.GraphQL, "application/json", string(body)); a.code() != "MAX_FIELDS_LIMIT" {
				t.Fatalf("got %d %s", a.status, a.body)
			}
		}
		per := (cpuTime(t) - start) / n
		t.Logf("CPU per rejection (client and server): %s", per)
		if per > rejectionCPUBudget {
			t.Errorf("CPU per rejection %s, want at most %s", per, rejectionCPUBudget)
		}
	})

	t.Run("IN-3 after 100 000 tokens the process is idle again within 1 s", func(t *testing.T) {
		body, _ := json.Marshal(map[string]string{"query": "{ products { id } }" + strings.Repeat(" query { __typename }", 100000/5)})
		if a := do(t, "POST", p.GraphQL, "application/json", string(body)); a.code() != "MAX_TOKENS_LIMIT" {
			t.Fatalf("got %d %s", a.status, a.body)
		}
		// Nothing keeps working on the rejected document: over the next
		// second the process spends (almost) no CPU.
		start := cpuTime(t)
		time.Sleep(time.Second)
		if used := cpuTime(t) - start; used > 100*time.Millisecond {
			t.Errorf("%s of CPU in the second after the rejection, want the process idle", used)
		}
	})

	t.Run("IN-7 validation errors are capped at 10, and say how many were left out", func(t *testing.T) {
		fields := make([]string, 40)
		for i := range fields {
			fields[i] = fmt.Sprintf("nope%d", i)
		}
		a := postQuery(t, p.GraphQL, "{ products { "+strings.Join(fields, " ")+" } }", nil)
		if n := a.errorCount(); n != 10 || !strings.Contains(a.body, "ERRORS_TRUNCATED") || len(a.body) > 4<<10 {
			t.Errorf("%d errors, %d bytes: %.500s", n, len(a.body), a.body)
		}
	})

	t.Run("IN-7 the same error repeated is one error", func(t *testing.T) {
		a := postQuery(t, p.GraphQL, "{ products { "+repeat("nope", " ", 40)+" } }", nil)
		if n := a.errorCount(); n != 1 || len(a.body) > 1<<10 {
			t.Errorf("%d errors, %d bytes: %.500s", n, len(a.body), a.body)
		}
	})

	t.Run("IN-10 no error suggests a name of the schema", func(t *testing.T) {
		for _, probe := range []struct {
			query string
			vars  any
		}{
			{"{ prodcts { id } }", nil},
			{"{ products { nme } }", nil},
			{"{ products(frist: 1) { id } }", nil},
			{"{ products(category: OUTDOR) { id } }", nil},
			{"query ($c: Category) { products(category: $c) { id } }", map[string]any{"c": "OUTDOR"}},
			{"{ products { ... on Prodct { id } } }", nil},
		} {
			a := postQuery(t, p.GraphQL, probe.query, probe.vars)
			// The error names what the client sent, never a name it did not
			// (OUTDOOR, Product, name).
			if a.errorCount() == 0 || strings.Contains(a.body, "Did you mean") || strings.Contains(a.body, "OUTDOOR") || strings.Contains(a.body, `"name"`) {
				t.Errorf("%s: %s", probe.query, a.body)
			}
		}
	})

	t.Run("IN-12 variables over the caps: 400", func(t *testing.T) {
		const q = "query ($v: String) { products(first: 1) { id } }"
		for _, tc := range []struct {
			name, vars, code string
			status           int
		}{
			{"nested 10 000 deep", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "MAX_VARIABLES_DEPTH_LIMIT", 400},
			{"a list of 400 000 elements", "[" + repeat("0", ",", 400000) + "]", "MAX_VARIABLES_LIST_LIMIT", 400},
			{"a 300 KB string", `"` + strings.Repeat("s", 300<<10) + `"`, "MAX_VARIABLES_STRING_LIMIT", 400},
			{"a 10 MB string", `"` + strings.Repeat("s", 10<<20) + `"`, "PAYLOAD_TOO_LARGE", 413},
		} {
			before := b.calls.Load()
			a := do(t, "POST", p.GraphQL, "application/json", `{"query":"`+q+`","variables":{"v":`+tc.vars+`}}`)
			if a.status != tc.status || a.code() != tc.code || len(a.body) > 1<<10 {
				t.Errorf("%s: got %d %.300s, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
			}
			if n := b.calls.Load() - before; n != 0 {
				t.Errorf("%s: %d backend calls, want 0", tc.name, n)
			}
		}
	})

	t.Run("IN-13 too many or too large headers: 431", func(t *testing.T) {
		var many []string
		for i := range 101 {
			many = append(many, fmt.Sprintf("X-H%d", i), "v")
		}
		query := `{"query":"{ __typename }"}`
		if a := do(t, "POST", p.GraphQL, "application/json", query, many...); a.status != 431 || a.code() != "HEADERS_TOO_LARGE" {
			t.Errorf("101 header fields: got %d %.300s", a.status, a.body)
		}
		if a := do(t, "POST", p.GraphQL, "application/json", query, "X-Pad", strings.Repeat("x", 17<<10)); a.status != 431 || len(a.body) > 1<<10 {
			t.Errorf("a 17 KiB header: got %d %.300s", a.status, a.body)
		}
		if a := do(t, "POST", p.GraphQL, "application/json", query, "X-Pad", strings.Repeat("x", 12<<10)); a.status != 200 || !strings.Contains(a.body, `"Query"`) {
			t.Errorf("a 12 KiB header is not served: got %d %.300s", a.status, a.body)
		}
	})

	t.Run("IN-15 a client that leaves cancels the backend call it started", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		body := `{"query":"{ product(id: \"p-hold\") { name } }"}`
		req, err := http.NewRequestWithContext(ctx, "POST", p.GraphQL, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		done := make(chan error, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		<-b.held // the backend call has started
		before := b.cancelled.Load()
		cancel() // the client goes away
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("client: %v, want context.Canceled", err)
		}
		// The BFF sees the connection close, cancels the operation and,
		// with it, the backend call; 5 s only bounds a broken test.
		deadline := time.Now().Add(5 * time.Second)
		for b.cancelled.Load() == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if b.cancelled.Load() == before {
			t.Error("the backend call is still running after the client left")
		}
	})

	t.Run("IN-16 a response over max_response_bytes: an error instead of the data", func(t *testing.T) {
		small := serveProfile(t, "bff.production.yaml", backends.Options{}, withEnv("BFF_PERSISTED_MODE", "off"),
			withConfig(func(c *config.Config) { c.Gateway.GraphQL.MaxResponseBytes = 1 << 10 }))
		a := postQuery(t, small.GraphQL, "{ products(first: 10) { id name description tags } }", nil)
		if a.code() != "RESPONSE_TOO_LARGE" || len(a.body) > 1<<10 {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
		if a := postQuery(t, small.GraphQL, "{ products(first: 1) { id } }", nil); a.status != 200 || a.errorCount() != 0 {
			t.Errorf("a small response is cut: %d %s", a.status, a.body)
		}
	})

	t.Run("IN-6 measure mode: an accepted query's actual cost is at most its estimate", func(t *testing.T) {
		measured := serveProfile(t, "bff.production.yaml", backends.Options{}, withEnv("BFF_PERSISTED_MODE", "off"), withDevAuth(t),
			withConfig(func(c *config.Config) { c.Gateway.GraphQL.CostReport = true }))
		writer := bearer(t, "u-1", "reviews:write")
		tests := []struct {
			name  string
			query string
			// estimated is the static estimate, computed by hand: every
			// object 1, lists by their first: (or default_list_size 10),
			// a mutation root field 10.
			estimated int
			// actual is counted by hand in the data of the example
			// backends (backends.Options{}: 10 products): every object 1.
			actual int
		}{
			{name: "products with first", query: "{ products(first: 3) { id name } }",
				estimated: 3, actual: 3},
			{name: "a list shorter than first: 10 products of 50", query: "{ products(first: 50) { id } }",
				estimated: 50, actual: 10},
			{name: "nested related, reviews and seller",
				query:     "{ products(first: 3) { id seller { id } related(first: 2) { id seller { displayName } } reviews(first: 4) { id reviewer { id } } } }",
				estimated: 3 * (1 + 1 + 2*(1+1) + 4*(1+1)),
				// 3 products and their 3 sellers, 2 related products each
				// (6) and their 6 sellers, 2+3+1 reviews (p-1001, p-1002,
				// p-1003) and their 6 reviewers.
				actual: 3 + 3 + 6 + 6 + 6 + 6},
			{name: "one product with its related products' reviews",
				query:     `{ product(id: "p-1003") { name related(first: 5) { id reviews(first: 3) { rating } } } }`,
				estimated: 1 + 5*(1+3),
				// p-1003, 5 related products, 1+1+0+1+1 reviews.
				actual: 1 + 5 + 4},
			{name: "a page: sizedFields sizes the products", query: "{ productPage(first: 4) { products { id seller { id } } nextPageToken } }",
				estimated: 1 + 4*(1+1), actual: 1 + 4 + 4},
			{name: "attributes: no @listSize, default_list_size", query: `{ product(id: "p-1001") { attributes { key } } }`,
				estimated: 1 + 10, actual: 1 + 3},
			{name: "a mutation root field adds 10",
				query: `mutation { addReview(input: {productId: "p-1010", rating: 4, title: "t", body: "b", author: "u-1"}) { id reviewer { id } } }`,
				// The new review has no author_id: its reviewer is null and
				// counts 0.
				estimated: 10 + 1 + 1, actual: 10 + 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"query": tt.query})
				a := do(t, "POST", measured.GraphQL, "application/json", string(body), writer...)
				var r struct {
					Data       any
					Errors     []any
					Extensions struct {
						Cost struct{ Estimated, Actual *int }
					}
				}
				if err := json.Unmarshal([]byte(a.body), &r); err != nil || a.status != 200 || len(r.Errors) != 0 {
					t.Fatalf("got %d %.500s (%v)", a.status, a.body, err)
				}
				c := r.Extensions.Cost
				if c.Estimated == nil || c.Actual == nil {
					t.Fatalf("no extensions.cost: %.500s", a.body)
				}
				t.Logf("estimated %d, actual %d", *c.Estimated, *c.Actual)
				if *c.Estimated != tt.estimated || *c.Actual != tt.actual {
					t.Errorf("estimated %d actual %d, want %d and %d: %.500s", *c.Estimated, *c.Actual, tt.estimated, tt.actual, a.body)
				}
				// Every object of the shop schema weighs 1, scalars 0:
				// the actual cost is the number of objects in the data (the
				// data object itself left out), plus 10 for a mutation.
				inData := objects(r.Data) - 1
				if strings.HasPrefix(tt.query, "mutation") {
					inData += 10
				}
				if *c.Actual != inData {
					t.Errorf("actual %d, but the data holds %d objects: %.500s", *c.Actual, inData, a.body)
				}
				if *c.Actual > *c.Estimated {
					t.Errorf("actual %d over the estimate %d", *c.Actual, *c.Estimated)
				}
			})
		}
	})

	t.Run("an accepted query is served", func(t *testing.T) {
		a := postQuery(t, p.GraphQL, `{ product(id: "p-1003") { name related(first: 2) { id } } }`, nil)
		if a.status != 200 || a.errorCount() != 0 || !strings.Contains(a.body, "The Pragmatic Gardener") {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
}

// TestTrustedDocumentsRunOnlyTheManifest runs IN-10 and IN-11 against the
// production profile as it is: only the operations of
// persisted-operations.json run; anything else is refused before it is
// parsed, so probing the schema (clairvoyance) learns nothing.
func TestTrustedDocumentsRunOnlyTheManifest(t *testing.T) {
	b := newEdgeBackends()
	p := serveProfile(t, "bff.production.yaml", b.options())
	const known = `query ProductPage($id: ID!) { product(id: $id) { id name description priceCents currency displayPrice category stock tags seller { displayName country } reviews(first: 5) { rating title body reviewer { displayName } } related(first: 4) { id name displayPrice } } }`
	sum := sha256.Sum256([]byte(known))
	hash := hex.EncodeToString(sum[:])
	persisted := func(h string) string {
		return `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}},"variables":{"id":"p-1002"}}`
	}

	t.Run("a manifest operation by hash is served", func(t *testing.T) {
		a := do(t, "POST", p.GraphQL, "application/json", persisted(hash))
		if a.status != 200 || a.errorCount() != 0 || !strings.Contains(a.body, "Noise-Cancelling Headphones") {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})
	t.Run("the same operation sent in full is served", func(t *testing.T) {
		a := postQuery(t, p.GraphQL, known, map[string]any{"id": "p-1002"})
		if a.status != 200 || a.errorCount() != 0 {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})
	t.Run("a manifest operation by hash over GET is served", func(t *testing.T) {
		q := url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`}, "variables": {`{"id":"p-1001"}`}}
		a := do(t, "GET", p.GraphQL+"?"+q.Encode(), "", "", "Apollo-Require-Preflight", "1")
		if a.status != 200 || !strings.Contains(a.body, "Trail Running Shoes") {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})

	t.Run("the README's query runs against the production profile, as the README says", func(t *testing.T) {
		readme, err := os.ReadFile("../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^  -d '(\{"query":.*\})'$`).FindSubmatch(readme)
		if m == nil {
			t.Fatal("README.md has no curl -d '{\"query\":...}' line")
		}
		a := do(t, "POST", p.GraphQL, "application/json", string(m[1]))
		if a.status != 200 || a.errorCount() != 0 || !strings.Contains(a.body, "Trail Running Shoes") {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})

	before := b.calls.Load()
	t.Run("IN-11 an unknown hash: 400 PERSISTED_QUERY_NOT_FOUND", func(t *testing.T) {
		a := do(t, "POST", p.GraphQL, "application/json", persisted(strings.Repeat("ab", 32)))
		if a.status != 400 || a.code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})
	t.Run("IN-11 APQ registration is refused", func(t *testing.T) {
		doc := "{ products(first: 1) { id } }"
		sum := sha256.Sum256([]byte(doc))
		body := `{"query":"` + doc + `","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}}`
		if a := do(t, "POST", p.GraphQL, "application/json", body); a.status != 400 || a.code() != "PERSISTED_QUERY_REQUIRED" {
			t.Errorf("got %d %.300s", a.status, a.body)
		}
	})
	t.Run("IN-10 probing the schema learns nothing: every ad-hoc document is refused unparsed", func(t *testing.T) {
		for _, probe := range []string{
			"{ prodcts { id } }", "{ products { nme } }", "{ __schema { types { name } } }",
			`{ __type(name: "Product") { fields { name } } }`, "{ product { id } }", "query { products(frist: 1) { id } }",
			"{ this is not GraphQL",
		} {
			a := postQuery(t, p.GraphQL, probe, nil)
			if a.status != 400 || a.code() != "PERSISTED_QUERY_REQUIRED" || strings.Contains(a.body, "Product") || strings.Contains(a.body, "products") {
				t.Errorf("%s: got %d %s", probe, a.status, a.body)
			}
		}
	})
	if n := b.calls.Load() - before; n != 0 {
		t.Errorf("%d backend calls for refused documents, want 0", n)
	}
}

// TestBrowserRules runs CS-1..CS-3 against the production profile.
func TestBrowserRules(t *testing.T) {
	b := newEdgeBackends()
	p := serveProfile(t, "bff.production.yaml", b.options(), withEnv("BFF_PERSISTED_MODE", "off"),
		withConfig(func(c *config.Config) {
			c.Gateway.CORS.AllowedOrigins = []string{"https://app.example.com"}
		}))
	const evil = "https://evil.example"
	query := p.GraphQL + "?query=" + url.QueryEscape("{ products(first: 1) { id } }")

	t.Run("CS-1 cross-site request forgery is refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, method, target, contentType, body string
			header                                  []string
			status                                  int
			code                                    string
		}{
			{"a GET from a foreign origin", "GET", query, "", "", []string{"Origin", evil, "Sec-Fetch-Site", "cross-site"}, 403, "CSRF_REJECTED"},
			{"a GET from a foreign origin with a preflight-forcing header", "GET", query, "", "", []string{"Origin", evil, "Sec-Fetch-Site", "cross-site", "Apollo-Require-Preflight", "1"}, 200, ""},
			{"a text/plain POST from a foreign origin", "POST", p.GraphQL, "text/plain", `{"query":"{ products { id } }"}`, []string{"Origin", evil, "Sec-Fetch-Site", "cross-site"}, 403, "CSRF_REJECTED"},
			{"a form POST from a foreign origin", "POST", p.GraphQL, "application/x-www-form-urlencoded", "query=%7B+products+%7B+id+%7D+%7D", []string{"Origin", evil, "Sec-Fetch-Site", "cross-site"}, 403, "CSRF_REJECTED"},
			{"a multipart POST from a foreign origin", "POST", p.GraphQL, "multipart/form-data; boundary=x", "--x--", []string{"Origin", evil, "Sec-Fetch-Site", "cross-site"}, 403, "CSRF_REJECTED"},
			{"a JSON POST from the allowed origin", "POST", p.GraphQL, "application/json", `{"query":"{ products(first: 1) { id } }"}`, []string{"Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site"}, 200, ""},
			{"a GET without Origin and without a preflight-forcing header (strict)", "GET", query, "", "", nil, 403, "CSRF_REJECTED"},
			{"a GET without Origin, with a preflight-forcing header", "GET", query, "", "", []string{"Apollo-Require-Preflight", "1"}, 200, ""},
			{"a valid mutation over GET: 405", "GET", p.GraphQL + "?query=" + url.QueryEscape(`mutation { addReview(input: {productId: "p-1001", rating: 5, title: "t", body: "b", author: "a"}) { id } }`), "", "", []string{"Apollo-Require-Preflight", "1"}, 405, ""},
		} {
			before := b.calls.Load()
			a := do(t, tc.method, tc.target, tc.contentType, tc.body, tc.header...)
			if a.status != tc.status || (tc.code != "" && a.code() != tc.code) {
				t.Errorf("%s: got %d %.300s, want %d %s", tc.name, a.status, a.body, tc.status, tc.code)
			}
			if tc.status != 200 && b.calls.Load() != before {
				t.Errorf("%s: a refused request reached a backend", tc.name)
			}
		}
	})

	t.Run("CS-2 only the configured origin gets Access-Control-Allow-Origin", func(t *testing.T) {
		preflight := func(origin string) answer {
			return do(t, "OPTIONS", p.GraphQL, "", "", "Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
		}
		if a := preflight("https://app.example.com"); a.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Errorf("allowed origin: %d %v", a.status, a.header)
		}
		if a := preflight(evil); a.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("foreign origin got %q", a.header.Get("Access-Control-Allow-Origin"))
		}
	})

	t.Run("CS-3 a websocket from a foreign origin: 403; an unknown subprotocol: 4406", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // bounds a broken test only
		defer cancel()
		ws := "ws" + strings.TrimPrefix(p.GraphQL, "http")
		_, resp, err := coderws.Dial(ctx, ws, &coderws.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader:   http.Header{"Origin": {evil}},
		})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("foreign origin: err %v, response %v", err, resp)
		}
		conn, _, err := coderws.Dial(ctx, ws, &coderws.DialOptions{Subprotocols: []string{"graphql-ws-unknown"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		_, _, err = conn.Read(ctx)
		if coderws.CloseStatus(err) != 4406 {
			t.Errorf("unknown subprotocol: %v, want close 4406", err)
		}
	})
}

// TestNullConditionIsARequestError: a nullable variable with a default may
// stand in @include(if:) or @skip(if:), which are Boolean!; sent as null,
// the GraphQL spec makes that an error of the request. It is refused
// before execution with GRAPHQL_VALIDATION_FAILED at the directive, on
// both paths (a compiled executor leaves such a condition to gqlgen),
// where gqlgen's field collection used to panic (INTERNAL, and a stack in
// the log for every such request). A value, or the default, still runs.
func TestNullConditionIsARequestError(t *testing.T) {
	p := newPair(t)
	const doc = `query Q($x: Boolean = true) { products(first: 1) { id ... on Product @skip(if: $x) { name } reviews @include(if: $x) { rating } } }`
	for _, endpoint := range []string{p.compiled, p.gqlgen} {
		_, body := postBody(t, endpoint, map[string]any{"query": doc, "variables": map[string]any{"x": nil}})
		var resp struct {
			Data   json.RawMessage
			Errors []struct {
				Message    string
				Locations  []struct{ Line, Column int }
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if len(resp.Data) != 0 && string(resp.Data) != "null" || len(resp.Errors) != 2 {
			t.Fatalf("null conditions: want two errors and no data, got %s", body)
		}
		for i, want := range []string{`@skip is Boolean!, but variable "$x" is null`, `@include is Boolean!, but variable "$x" is null`} {
			e := resp.Errors[i]
			if !strings.Contains(e.Message, want) || e.Extensions.Code != "GRAPHQL_VALIDATION_FAILED" || len(e.Locations) != 1 || e.Locations[0].Line != 1 {
				t.Errorf("error %d = %+v, want %q, GRAPHQL_VALIDATION_FAILED, at the directive", i, e, want)
			}
		}
		for _, vars := range []map[string]any{{"x": false}, {}} {
			_, body := postBody(t, endpoint, map[string]any{"query": doc, "variables": vars})
			if strings.Contains(string(body), `"errors"`) || !strings.Contains(string(body), `"products"`) {
				t.Errorf("variables %v: %s", vars, body)
			}
		}
	}
}

// FuzzNoRequestPanics sends any document with any variables to the shop
// BFF, on the server with compiled operations and on the one without: no
// request may make the runtime or gqlgen panic (a recovered panic answers
// INTERNAL and logs a stack: a way to flood the log), nor answer 5xx.
// Seeds: the frontend's operations, and documents with directives,
// fragments, aliases and variables of every kind.
func FuzzNoRequestPanics(f *testing.F) {
	p := newPair(f)
	for _, op := range compiledOps(f) {
		f.Add(op.document, `{}`)
	}
	for _, s := range [][2]string{
		{`query Q($x: Boolean = true) { products(first: 1) { id name @include(if: $x) } }`, `{"x":null}`},
		{`query Q($x: Boolean!) { products(first: 2) { ...F @skip(if: $x) } } fragment F on Product { id seller { displayName } }`, `{"x":false}`},
		{`query Q($n: Int = 2, $c: Category) { productPage(first: $n, category: $c) { products { id } totalSize } }`, `{"n":null,"c":"OUTDOOR"}`},
		{`query Q($id: ID!) { product(id: $id) { id reviews(first: 2) { rating reviewer { country } } } }`, `{"id":"p-1001"}`},
		{`mutation M($input: AddReviewInput!) { addReview(input: $input) { id } }`, `{"input":{"productId":"p-1001","rating":5,"title":"t","body":"b"}}`},
		{`{ a: products(first: 1) { id } b: products(first: 1) { id name } __typename }`, `{}`},
		{`query Q($f: Int) { products(first: $f) { id } }`, `{"f":2147483648}`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, doc, vars string) {
		body := map[string]any{"query": doc}
		if json.Valid([]byte(vars)) {
			body["variables"] = json.RawMessage(vars)
		}
		for _, endpoint := range []string{p.compiled, p.gqlgen} {
			before := p.panics.Load()
			status, resp := postBody(t, endpoint, body)
			if n := p.panics.Load() - before; n > 0 {
				t.Fatalf("%d panics on %q with %s: %s", n, doc, vars, resp)
			}
			if status >= 500 {
				t.Fatalf("status %d on %q with %s: %s", status, doc, vars, resp)
			}
		}
	})
}
