package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/gateway"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/request"
)

// awkward is a string with every character the JSON writers escape.
const awkward = "a<b>&c \u2028 \u2029 \"q\" \\ \t\n\r\x01\x1f\x7f é 😀 \xff end"

// compiledPair returns the GraphQL endpoint of the test schema on r twice,
// in production mode: with the compiled fixtures registered, and without
// (gqlgen runs everything). Both sit behind RequestID and a middleware
// that reports the executor of each request into executor.
func compiledPair(t *testing.T, r *testschema.Resolver, runs *testschema.Counter, executor *string, edit func(*config.Gateway)) (compiled, plain http.Handler) {
	t.Helper()
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(config.ModeProduction))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&cfg.Gateway)
	}
	spy := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req)
			if executor != nil {
				*executor = request.From(req.Context()).Executor()
			}
		})
	}
	es := testschema.New(r)
	compiled = gateway.Chain(newHandler(t, es, cfg.Gateway, false, nil, gateway.WithCompiled(testschema.Compiled(r, runs)...)), gateway.RequestID(""), spy)
	plain = gateway.Chain(newHandler(t, es, cfg.Gateway, false, nil), gateway.RequestID(""), spy)
	return compiled, plain
}

type exchange struct {
	method, body, query, accept string
}

func (e exchange) do(h http.Handler) *httptest.ResponseRecorder {
	target := "/graphql"
	if e.query != "" {
		target += "?" + e.query
	}
	var body *strings.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(e.method, target, body)
	if e.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.accept != "" {
		req.Header.Set("Accept", e.accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func compiledPost(doc, vars string) exchange {
	b := `{"query":` + strconv.Quote(doc)
	if vars != "" {
		b += `,"variables":` + vars
	}
	return exchange{method: http.MethodPost, body: b + `}`}
}

// TestCompiledAnswersAsGQLGen sends the same request to the endpoint with
// the compiled fixtures and to the one without: the compiled path must
// run (or not run, for requests refused before execution), and the status,
// the content type and every byte of the body must be the same.
func TestCompiledAnswersAsGQLGen(t *testing.T) {
	detail := func(s string) func(context.Context, *testschema.Product) (*string, error) {
		return func(context.Context, *testschema.Product) (*string, error) { return &s, nil }
	}
	cases := []struct {
		name     string
		r        testschema.Resolver
		ex       exchange
		edit     func(*config.Gateway)
		compiled bool // the compiled executor runs
		// coerced: the request reaches the compiled path but fails
		// variable coercion there, before the executor runs.
		coerced bool
	}{
		{name: "success, every escape in a string",
			r:  testschema.Resolver{Detail: detail(awkward)},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"p<1>","name":"`+"\\u2028&"+`"}`), compiled: true},
		{name: "success with an ID sent as a number and the nullable argument left out",
			ex: compiledPost(testschema.ProductPageDocument, `{"id":42}`), compiled: true},
		{name: "partial data: a nullable field fails with a backend error",
			r: testschema.Resolver{Fail: func(context.Context) error {
				return &errcode.UpstreamError{Upstream: "catalog", Procedure: "/catalog.v1.CatalogService/GetProduct",
					Err: connect.NewError(connect.CodeUnavailable, errors.New("try later"))}
			}},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"1"}`), compiled: true},
		{name: "partial data: an error of no known code is masked in production",
			r:  testschema.Resolver{Fail: func(context.Context) error { return errors.New("secret dsn=postgres://x") }},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"1"}`), compiled: true},
		{name: "partial data: a gqlerror with its own code",
			r: testschema.Resolver{Fail: func(context.Context) error {
				return &gqlerror.Error{Message: "not yours", Extensions: map[string]any{"code": errcode.Forbidden}}
			}},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"1"}`), compiled: true},
		// One error per case: gqlgen resolves root fields concurrently, so
		// the order of two errors of different root fields is not fixed.
		{name: "partial data: a nested field fails",
			r: testschema.Resolver{Detail: func(context.Context, *testschema.Product) (*string, error) {
				return nil, &errcode.UpstreamError{Upstream: "reviews", Procedure: "/reviews.v1.ReviewService/List",
					Err: connect.NewError(connect.CodeNotFound, errors.New("no such product"))}
			}},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"1"}`), compiled: true},
		{name: "the product fails: null in its place",
			r: testschema.Resolver{Product: func(context.Context, string) (*testschema.Product, error) {
				return nil, &errcode.UpstreamError{Upstream: "catalog", Procedure: "/catalog.v1.CatalogService/GetProduct", Err: connect.NewError(connect.CodeNotFound, errors.New("no product 9"))}
			}},
			ex: compiledPost(testschema.ProductPageDocument, `{"id":"9"}`), compiled: true},
		{name: "variables error: a required variable is missing",
			ex: compiledPost(testschema.ProductPageDocument, `{"name":"x"}`), coerced: true},
		{name: "variables error: a variable of the wrong type, graphql-response+json",
			ex: func() exchange {
				e := compiledPost(testschema.ProductPageDocument, `{"id":{"x":1}}`)
				e.accept = rgraphql.MediaGraphQLResponse
				return e
			}(), coerced: true},
		{name: "variables error: an Int that is a string",
			ex: compiledPost(testschema.ProductsDocument, `{"first":"ten"}`), coerced: true},
		{name: "a list, with the variable's default",
			ex: compiledPost(testschema.ProductsDocument, ``), compiled: true},
		{name: "a list over the response-size cap",
			ex:   compiledPost(testschema.ProductsDocument, `{"first":50}`),
			edit: func(g *config.Gateway) { g.GraphQL.MaxResponseBytes = 200 }, compiled: true},
		{name: "a list within the response-size cap",
			ex:   compiledPost(testschema.ProductsDocument, `{"first":2}`),
			edit: func(g *config.Gateway) { g.GraphQL.MaxResponseBytes = 200 }, compiled: true},
		{name: "a list over the cost limit with this request's variables",
			ex:   compiledPost(testschema.ProductsDocument, `{"first":1000}`),
			edit: func(g *config.Gateway) { g.GraphQL.MaxCost = 100 }},
		{name: "a mutation over POST",
			ex: compiledPost(testschema.EchoDocument, `{"text":"<hi>"}`), compiled: true},
		{name: "a mutation over GET is refused",
			ex: exchange{method: http.MethodGet, query: url.Values{"query": {testschema.EchoDocument}, "variables": {`{"text":"x"}`}}.Encode()}},
		{name: "a query over GET",
			ex:       exchange{method: http.MethodGet, query: url.Values{"query": {testschema.ProductsDocument}, "variables": {`{"first":1}`}}.Encode()},
			compiled: true},
		{name: "an operationName that is not in the document",
			ex: exchange{method: http.MethodPost, body: `{"query":` + strconv.Quote(testschema.EchoDocument) + `,"operationName":"Other","variables":{"text":"x"}}`}},
		{name: "variables over a cap",
			ex:   compiledPost(testschema.EchoDocument, `{"text":"`+strings.Repeat("x", 100)+`"}`),
			edit: func(g *config.Gateway) { g.GraphQL.Variables.MaxStringLength = 10 }},
		{name: "malformed body",
			ex: exchange{method: http.MethodPost, body: `{"query":` + strconv.Quote(testschema.EchoDocument) + `,"variables":{"text":}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var runs testschema.Counter
			var executor string
			compiled, plain := compiledPair(t, &c.r, &runs, &executor, c.edit)
			want := c.ex.do(plain)
			wantExecutor := executor
			got := c.ex.do(compiled)
			if ran := runs.Runs() == 1; ran != c.compiled {
				t.Fatalf("compiled executor ran: %v, want %v (%d %s)", ran, c.compiled, got.Code, got.Body)
			}
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Body.String() != want.Body.String() {
				t.Fatalf("compiled path answered\n%d %s %s\ngqlgen answered\n%d %s %s",
					got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
			}
			switch {
			case c.compiled || c.coerced:
				if executor != rgraphql.PathCompiled || wantExecutor != rgraphql.PathGQLGen {
					t.Fatalf("executors %q and %q, want compiled and gqlgen", executor, wantExecutor)
				}
			case executor != "" || wantExecutor != "":
				t.Fatalf("executors %q and %q for a request refused before execution, want none", executor, wantExecutor)
			}
			t.Logf("%d %s", got.Code, got.Body)
		})
	}
}

// TestACompiledPanicAnswersAsGQLGenForARootField: a panic in a compiled
// executor is recovered, logged, and answered with the masked INTERNAL
// error; the server keeps serving.
func TestACompiledPanicIsRecovered(t *testing.T) {
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(config.ModeProduction))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := newLogger()
	boom := rgraphql.Compiled{Name: "Echo", Document: testschema.EchoDocument,
		Execute: func(context.Context, *rgraphql.CompiledRequest, *rgraphql.Result) { panic("boom") }}
	h := newHandler(t, testschema.New(nil), cfg.Gateway, false, logger, gateway.WithCompiled(boom))
	rec := compiledPost(testschema.EchoDocument, `{"text":"x"}`).do(h)
	if rec.Code != http.StatusOK || rec.Body.String() != `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}],"data":null}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "panic in resolver") {
		t.Fatalf("the panic was not logged: %s", logs)
	}
}

// TestACompiledIntrospectionQueryStopsStartup: with introspection off, a
// compiled operation that selects __schema cannot be registered.
func TestACompiledIntrospectionQueryStopsStartup(t *testing.T) {
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(config.ModeProduction))
	if err != nil {
		t.Fatal(err)
	}
	op := rgraphql.Compiled{Name: "Schema", Document: `query Schema { __schema { queryType { name } } }`,
		Execute: func(context.Context, *rgraphql.CompiledRequest, *rgraphql.Result) {}}
	_, err = gateway.NewGraphQLHandler(testschema.New(nil), cfg.Gateway, false, nil, gateway.WithCompiled(op))
	if err == nil || !strings.Contains(err.Error(), `compiled operation "Schema" selects __schema at 1:16`) {
		t.Fatalf("got %v, want the operation and the position named", err)
	}
	cfg.Gateway.GraphQL.Introspection = true
	if _, err := gateway.NewGraphQLHandler(testschema.New(nil), cfg.Gateway, false, nil, gateway.WithCompiled(op)); err != nil {
		t.Fatalf("with introspection on: %v", err)
	}
}
