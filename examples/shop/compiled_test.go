package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/request"
)

// The differential test of the compiled operations (gen/compiled_*.go):
// every compiled operation of operations/ runs through both paths of the
// same generated BFF, over the same backends, and the two answers must be
// the same bytes. The compiled path gets the operation by its hash alone
// (the persisted id); the gqlgen path is a second server built from the
// same gen.Service with NewCompiled unset (the switch that turns compiled
// dispatch off), which gets the document text. The backends' answers are
// bent by faults: backend errors, missing batch keys, nulls, empty lists,
// characters JSON escapes.

// fault bends the backends' answers; bits combine.
type fault uint16

const (
	failProducts fault = 1 << iota // ListProducts answers UNAVAILABLE
	noProducts                     // ListProducts answers no products
	failUsers                      // BatchGetUsers answers UNAVAILABLE
	dropUsers                      // BatchGetUsers leaves out every other user
	failReviews                    // ListReviewsByProducts answers NOT_FOUND
	noReviews                      // ListReviewsByProducts answers no results
	nullFields                     // products and reviews without created_at and category
	oddStrings                     // names and titles with characters JSON escapes
	failRelated                    // ListRelatedProducts answers UNAVAILABLE
	failProduct                    // GetProduct answers NOT_FOUND
	failUser                       // GetUser answers UNAVAILABLE
	failCreate                     // CreateReview answers INVALID_ARGUMENT
	faultBits    = 12
)

func (f fault) String() string {
	names := []string{"failProducts", "noProducts", "failUsers", "dropUsers", "failReviews", "noReviews", "nullFields", "oddStrings", "failRelated", "failProduct", "failUser", "failCreate"}
	var out []string
	for i, n := range names {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "+")
}

// faulty is the backends' interceptor: it applies the current fault to
// copies of the answers, and counts the calls per procedure.
type faulty struct {
	fault atomic.Uint32
	mu    sync.Mutex
	calls map[string]int
}

func (fy *faulty) interceptor() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			proc := req.Spec().Procedure[strings.LastIndex(req.Spec().Procedure, "/")+1:]
			fy.mu.Lock()
			fy.calls[proc]++
			fy.mu.Unlock()
			f := fault(fy.fault.Load())
			switch {
			case proc == "ListProducts" && f&failProducts != 0:
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("catalog is down"))
			case proc == "BatchGetUsers" && f&failUsers != 0:
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("users are down"))
			case proc == "ListRelatedProducts" && f&failRelated != 0:
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("no related products"))
			case proc == "GetProduct" && f&failProduct != 0:
				return nil, connect.NewError(connect.CodeNotFound, errors.New("no such product"))
			case proc == "GetUser" && f&failUser != 0:
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("users are down"))
			case proc == "CreateReview" && f&failCreate != 0:
				return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("no reviews <today>"))
			case proc == "ListReviewsByProducts" && f&failReviews != 0:
				return nil, connect.NewError(connect.CodeNotFound, errors.New("no reviews <here>"))
			}
			res, err := next(ctx, req)
			if err != nil {
				return res, err
			}
			if m, ok := res.Any().(*reviewsv1.CreateReviewResponse); ok {
				// The store numbers the reviews it creates: the review of
				// each path gets the next id. Both paths must answer the
				// same bytes, so the id the test sees is pinned.
				m = proto.CloneOf(m)
				m.GetReview().Id = "r-created"
				bend(f, &m.GetReview().Title)
				return connect.NewResponse(m), nil
			}
			if f == 0 {
				return res, err
			}
			switch m := res.Any().(type) {
			case *usersv1.GetUserResponse:
				m = proto.CloneOf(m)
				bend(f, &m.GetUser().DisplayName)
				bend(f, &m.GetUser().Email)
				return connect.NewResponse(m), nil
			case *catalogv1.ListProductsResponse:
				m = proto.CloneOf(m)
				if f&noProducts != 0 {
					m.Products = nil
				}
				for _, p := range m.Products {
					bend(f, &p.Name)
					if f&nullFields != 0 {
						p.CreatedAt, p.Category = nil, 0
					}
				}
				return connect.NewResponse(m), nil
			case *catalogv1.GetProductResponse:
				m = proto.CloneOf(m)
				if p := m.GetProduct(); p != nil {
					bend(f, &p.Name)
					if f&nullFields != 0 {
						p.CreatedAt, p.Category, p.Stock, p.Tags = nil, 0, nil, nil
					}
				}
				return connect.NewResponse(m), nil
			case *usersv1.BatchGetUsersResponse:
				m = proto.CloneOf(m)
				if f&dropUsers != 0 {
					var kept []*usersv1.User
					for i, u := range m.Users {
						if i%2 == 0 {
							kept = append(kept, u)
						}
					}
					m.Users = kept
				}
				for _, u := range m.Users {
					bend(f, &u.DisplayName)
				}
				return connect.NewResponse(m), nil
			case *reviewsv1.ListReviewsByProductsResponse:
				m = proto.CloneOf(m)
				if f&noReviews != 0 {
					m.Results = nil
				}
				for _, r := range m.Results {
					for _, rv := range r.Reviews {
						bend(f, &rv.Title)
						if f&nullFields != 0 {
							rv.CreatedAt = nil
						}
					}
				}
				return connect.NewResponse(m), nil
			}
			return res, nil
		}
	})
}

func bend(f fault, s *string) {
	if f&oddStrings != 0 {
		*s += " <b>&amp;</b> \u2028\u2029 \"q\" \\ \x01\t\n é"
	}
}

func (fy *faulty) reset() map[string]int {
	fy.mu.Lock()
	defer fy.mu.Unlock()
	got := fy.calls
	fy.calls = map[string]int{}
	return got
}

// pair is the generated BFF served twice over the same backends: with its
// compiled operations, and with gqlgen only.
type pair struct {
	compiled, gqlgen string
	backends         *faulty
	// executor is the execution path of the last request the compiled
	// server answered.
	executor atomic.Value
	// callers are who sends the requests: anonymous, and tokens with
	// and without the scopes the @auth and @redact fields need.
	callers []caller
	// panics counts the panics both servers recovered and logged.
	panics atomic.Int64
}

// panicCounter is a slog.Handler that counts the runtime's "panic in
// resolver" records (each a recovered panic) and drops every record.
type panicCounter struct{ n *atomic.Int64 }

func (h panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h panicCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "panic") {
		h.n.Add(1)
	}
	return nil
}
func (h panicCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h panicCounter) WithGroup(string) slog.Handler      { return h }

// caller is who sends a request: the Authorization header (none for
// an anonymous caller).
type caller struct {
	name   string
	header []string
}

func newPair(t testing.TB) *pair {
	t.Helper()
	p := &pair{backends: &faulty{calls: map[string]int{}}}
	run, err := backends.Start(backends.Options{Products: 25, ReviewsPerProduct: 3,
		HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(p.backends.interceptor())}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	p.callers = []caller{{name: "anonymous"}, {"u-2", bearer(t, "u-2", "")},
		{"u-2 pii:read reviews:write", bearer(t, "u-2", "pii:read reviews:write")},
		{"u-2 reviews:write", bearer(t, "u-2", "reviews:write")}, {"unknown user", bearer(t, "nobody", "pii:read")}}
	serve := func(svc runtime.Service, opts ...runtime.Option) string {
		cfg, err := config.Parse(fmt.Appendf(nil, `
mode: production
upstreams:
  catalog: {endpoints: [%q]}
  reviews: {endpoints: [%q], protocol: grpc}
  users: {endpoints: [%q]}
# No cost limit: arguments too large for it (an Int beyond 32 bits) reach
# the executors, whose argument errors are compared too. The cost report
# is on: extensions.cost.actual is compared too.
gateway: {graphql: {max_cost: 0, cost_report: true}}
`, run.CatalogURL, run.ReviewsURL, run.UsersURL), "bff.yaml")
		if err != nil {
			t.Fatal(err)
		}
		trustDevKey(t, cfg) // the callers of @auth and @redact fields
		opts = append(opts, runtime.WithLogger(slog.New(panicCounter{&p.panics})))
		srv, err := runtime.New(svc, cfg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		return ts.URL + "/graphql"
	}
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&executorRecorder{ResponseWriter: w, req: request.From(r.Context()), to: &p.executor}, r)
		})
	}
	svc := gen.Service(&resolvers.Resolver{})
	if svc.NewCompiled == nil {
		t.Fatal("gen.Service has no compiled operations")
	}
	p.compiled = serve(svc, runtime.WithMiddleware(record))
	svc.NewCompiled = nil
	p.gqlgen = serve(svc)
	return p
}

// postBody posts body, with the header pairs, and returns the status and
// the response body.
func postBody(t testing.TB, endpoint string, body any, header ...string) (int, []byte) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", endpoint, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

// compiledOp is an operation of operations/ that compiles.
type compiledOp struct {
	name, document, hash string
	// concurrent: gqlgen resolves the elements of its lists in a
	// goroutine each (it selects a user resolver), so the order of its
	// errors varies from run to run on gqlgen's path.
	concurrent bool
}

// compiledOps reads the compiled operations from the manifest: those whose
// generated file exists.
func compiledOps(t testing.TB) []compiledOp {
	t.Helper()
	data, err := os.ReadFile("persisted-operations.json")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Operations []struct{ ID, Name, Body string }
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	var ops []compiledOp
	for _, o := range manifest.Operations {
		src, err := os.ReadFile("gen/compiled_" + snake(o.Name) + ".go")
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, compiledOp{name: o.Name, document: o.Body, hash: o.ID, concurrent: bytes.Contains(src, []byte("d.r.user."))})
	}
	return ops
}

func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// variableSets are the variables each operation runs with.
var variableSets = map[string][]map[string]any{
	"ProductPage": {
		{"id": "p-1001"},
		{"id": "p-1008"},
		{"id": "p-1020"},
		{"id": "no such product"},
	},
	"Catalog": {
		nil,
		{"first": 2},
		{"first": 0},
		{"first": 3, "category": "BOOKS"},
		{"first": 5, "after": "3"},
		{"first": nil, "category": nil},
		{"after": "not a token"},
	},
	"ProductCards": {
		nil,
		{"expanded": true},
		{"expanded": false, "first": 2},
		{"expanded": true, "first": 0},
		{"expanded": true, "reviews": 1},
		{"expanded": true, "reviews": nil},
		{"expanded": true, "reviews": 3000000000},
		{"expanded": false, "reviews": 3000000000},
		{"first": 3000000000},
	},
	"AddReview": {
		{"input": map[string]any{"productId": "p-1001", "rating": 5, "title": "Good <b>", "body": "b", "author": "u-2"}},
		{"input": map[string]any{"productId": 1002, "rating": 4, "title": "", "body": "numeric id", "author": ""}},
		// The backend refuses the rating; the next one does not fit an
		// Int32 (gqlgen's argument error, before @auth); the last ones are
		// refused by variable coercion, before either executor runs.
		{"input": map[string]any{"productId": "p-1001", "rating": 9, "title": "t", "body": "b", "author": "u-2"}},
		{"input": map[string]any{"productId": "p-1001", "rating": 3000000000, "title": "t", "body": "b", "author": "u-2"}},
		{"input": map[string]any{"productId": "p-1001", "rating": 5, "title": "t", "body": "b"}},
		nil,
	},
}

// compare runs op with vars, sent by c, through both paths and fails
// unless the answers are the same bytes.
func (p *pair) compare(t *testing.T, op compiledOp, vars map[string]any, c caller) {
	t.Helper()
	p.executor.Store("")
	cs, cb := postBody(t, p.compiled, map[string]any{"operationName": op.name, "variables": vars,
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": op.hash}}}, c.header...)
	// A request refused before execution (a limit, say) ran no executor:
	// its answer has no data.
	refused := p.executor.Load() == "" && !bytes.Contains(cb, []byte(`"data":`))
	if got := p.executor.Load(); got != rgraphql.PathCompiled && !refused {
		t.Fatalf("%s: the compiled server ran it on %q, want %q: %s", op.name, got, rgraphql.PathCompiled, cb)
	}
	// An executed operation reports its cost (the variables' coercion
	// refuses some before execution).
	if bytes.Contains(cb, []byte(`"data":`)) && !bytes.Contains(cb, []byte(`"cost":{"estimated":`)) {
		t.Fatalf("%s: the compiled answer has no cost report: %s", op.name, cb)
	}
	gs, gb := postBody(t, p.gqlgen, map[string]any{"operationName": op.name, "query": op.document, "variables": vars}, c.header...)
	if cs != gs {
		t.Errorf("%s %v as %s: status %d compiled, %d gqlgen", op.name, vars, c.name, cs, gs)
	}
	if bytes.Equal(cb, gb) {
		return
	}
	if op.concurrent && bytes.Equal(sortedErrors(t, cb), sortedErrors(t, gb)) {
		return // the same answer; gqlgen's errors came in another order
	}
	t.Errorf("%s %v as %s: answers differ\ncompiled: %s\ngqlgen:   %s", op.name, vars, c.name, cb, gb)
}

// sortedErrors returns body with its errors sorted; when the error cap
// (gateway.graphql.max_errors) left errors out, which ones it kept
// depends on their order, so only their number is kept.
func sortedErrors(t *testing.T, body []byte) []byte {
	var res struct {
		Errors     []json.RawMessage `json:"errors,omitempty"`
		Data       json.RawMessage   `json:"data,omitempty"`
		Extensions json.RawMessage   `json:"extensions,omitempty"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return body
	}
	slices.SortFunc(res.Errors, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	if n := len(res.Errors); n > 0 && bytes.Contains(res.Errors[n-1], []byte("ERRORS_TRUNCATED")) || slices.ContainsFunc(res.Errors, func(e json.RawMessage) bool { return bytes.Contains(e, []byte("ERRORS_TRUNCATED")) }) {
		// Which errors the cap kept depends on their order: keep only
		// how many there were.
		for i := range res.Errors {
			res.Errors[i] = json.RawMessage(`"error"`)
		}
	}
	out, _ := json.Marshal(res)
	return out
}

func TestCompiledAnswersAsGQLGen(t *testing.T) {
	p := newPair(t)
	ops := compiledOps(t)
	want := []string{"Shop", "Products", "ProductsWithReviewers", "ProductPage", "Catalog", "Me", "AddReview", "ProductCards"}
	for _, name := range want {
		if !slices.ContainsFunc(ops, func(op compiledOp) bool { return op.name == name }) {
			t.Fatalf("%s is not compiled; want %v at least", name, want)
		}
	}
	faults := []fault{0, failProducts, noProducts, failUsers, dropUsers, failReviews, noReviews, nullFields, oddStrings,
		dropUsers | nullFields | oddStrings, failUsers | noReviews, failRelated, failProduct, failRelated | dropUsers,
		failUser, failCreate | oddStrings}
	for _, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			p.backends.fault.Store(uint32(f))
			for _, op := range ops {
				vars := variableSets[op.name]
				if vars == nil {
					vars = []map[string]any{nil}
				}
				for _, v := range vars {
					for _, c := range p.callers {
						p.compare(t, op, v, c)
					}
				}
			}
		})
	}
}

func TestCompiledCallsEachBackendOncePerLevel(t *testing.T) {
	p := newPair(t)
	var shop compiledOp
	for _, op := range compiledOps(t) {
		if op.name == "Shop" {
			shop = op
		}
	}
	if shop.name == "" {
		t.Fatal("Shop is not compiled")
	}
	// Shop: products; their sellers and reviews; the reviews' reviewers:
	// per request, 1 ListProducts, 2 BatchGetUsers (sellers, then
	// reviewers) and 1 ListReviewsByProducts, on both paths, whatever the
	// number of requests at once.
	perRequest := map[string]int{"ListProducts": 1, "BatchGetUsers": 2, "ListReviewsByProducts": 1}
	byHash := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": shop.hash}}}
	paths := []struct {
		name string
		url  string
		body map[string]any
	}{
		{"compiled", p.compiled, byHash},
		{"gqlgen", p.gqlgen, map[string]any{"query": shop.document}},
	}
	for _, path := range paths {
		for _, n := range []int{1, 16, 64} {
			p.backends.reset()
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() { postBody(t, path.url, path.body) })
			}
			wg.Wait()
			want := map[string]int{}
			for m, c := range perRequest {
				want[m] = c * n
			}
			if got := p.backends.reset(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s path, %d requests at once: calls %v, want %v", path.name, n, got, want)
			}
		}
	}
}

// TestCompiledSkipsTheCallsOfFieldsLeftOut: a field that @include leaves
// out has no backend call on either path, nor have the levels below it.
func TestCompiledSkipsTheCallsOfFieldsLeftOut(t *testing.T) {
	p := newPair(t)
	var cards compiledOp
	for _, op := range compiledOps(t) {
		if op.name == "ProductCards" {
			cards = op
		}
	}
	if cards.name == "" {
		t.Fatal("ProductCards is not compiled")
	}
	for _, tt := range []struct {
		expanded bool
		want     map[string]int
	}{
		{false, map[string]int{"BatchGetUsers": 1, "ListProducts": 1}},
		{true, map[string]int{"BatchGetUsers": 2, "ListProducts": 1, "ListReviewsByProducts": 1}},
	} {
		vars := map[string]any{"expanded": tt.expanded}
		p.backends.reset()
		postBody(t, p.compiled, map[string]any{"variables": vars, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": cards.hash}}})
		if got := p.backends.reset(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("expanded %t, compiled path: calls %v, want %v", tt.expanded, got, tt.want)
		}
		postBody(t, p.gqlgen, map[string]any{"query": cards.document, "variables": vars})
		if got := p.backends.reset(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("expanded %t, gqlgen path: calls %v, want %v", tt.expanded, got, tt.want)
		}
	}
}

// FuzzCompiledAnswersAsGQLGen runs a compiled operation, with generated
// variables and backend faults, through both paths: the answers must be
// the same bytes. The seeds (testdata/fuzz) run in make test; `go test
// -fuzz FuzzCompiledAnswersAsGQLGen` explores.
func FuzzCompiledAnswersAsGQLGen(f *testing.F) {
	f.Add(uint8(0), uint16(0), int64(20), "", "", false, uint8(0))
	f.Add(uint8(3), uint16(dropUsers|nullFields), int64(2), "HOME", "", false, uint8(1))
	f.Add(uint8(1), uint16(oddStrings|failReviews), int64(-1), "", "x", true, uint8(2))
	p := newPair(f)
	ops := compiledOps(f)
	f.Fuzz(func(t *testing.T, opIndex uint8, faults uint16, first int64, category, after string, nullFirst bool, callerIndex uint8) {
		op := ops[int(opIndex)%len(ops)]
		p.backends.fault.Store(uint32(faults) & (1<<faultBits - 1))
		vars := map[string]any{"first": first, "after": after, "id": "p-" + after, "expanded": nullFirst, "reviews": first,
			"input": map[string]any{"productId": "p-" + after, "rating": first, "title": category, "body": after, "author": "u-2"}}
		if nullFirst {
			vars["first"] = nil
		}
		if category != "" {
			vars["category"] = category
		}
		p.compare(t, op, vars, p.callers[int(callerIndex)%len(p.callers)])
	})
}

// executorRecorder records the request's execution path when the answer
// starts, before the client can read it.
type executorRecorder struct {
	http.ResponseWriter
	req *request.Request
	to  *atomic.Value
}

func (e *executorRecorder) WriteHeader(code int) {
	if e.req != nil {
		e.to.Store(e.req.Executor())
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *executorRecorder) Write(b []byte) (int, error) {
	if e.req != nil {
		e.to.Store(e.req.Executor())
	}
	return e.ResponseWriter.Write(b)
}

// BenchmarkCompiledVsGQLGen serves operations in process, over loopback,
// on the compiled path (by hash) and on gqlgen's (the document, compiled
// dispatch off), side by side in one run: ns/op, allocs/op and the
// process's CPU per request. Shop: 20 products, their sellers, 5 reviews
// each with their reviewers (four backend calls). ProductCards, expanded:
// 6 products through a fragment, merged seller selections, the @include'd
// reviews (a variable @batch argument) and their reviewers.
func BenchmarkCompiledVsGQLGen(b *testing.B) {
	p := newPair(b)
	ops := map[string]compiledOp{}
	for _, op := range compiledOps(b) {
		ops[op.name] = op
	}
	for _, bench := range []struct {
		op   string
		vars map[string]any
	}{{"Shop", nil}, {"ProductCards", map[string]any{"expanded": true}}} {
		op, ok := ops[bench.op]
		if !ok {
			b.Fatalf("%s is not compiled", bench.op)
		}
		byHash, _ := json.Marshal(map[string]any{"variables": bench.vars, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": op.hash}}})
		byText, _ := json.Marshal(map[string]any{"query": op.document, "variables": bench.vars})
		for _, path := range []struct {
			name, endpoint string
			body           []byte
		}{{"compiled", p.compiled, byHash}, {"gqlgen", p.gqlgen, byText}} {
			b.Run(bench.op+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				m := startProcessMeter()
				for b.Loop() {
					postDiscard(b, path.endpoint, path.body)
				}
				m.report(b)
			})
		}
	}
}
