package gateway_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

const (
	mediaJSON    = "application/json; charset=utf-8"
	mediaGraphQL = "application/graphql-response+json; charset=utf-8"
)

// graphqlServer serves the test schema on 127.0.0.1 with the default
// gateway configuration of the mode.
func graphqlServer(t *testing.T, dev bool, r *testschema.Resolver, edit ...func(*config.Gateway)) *httptest.Server {
	t.Helper()
	mode := config.ModeProduction
	if dev {
		mode = config.ModeDevelopment
	}
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(mode))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edit {
		e(&cfg.Gateway)
	}
	return serve(t, newHandler(t, testschema.New(r), cfg.Gateway, dev, nil))
}

// newHandler is gateway.NewGraphQLHandler that fails tb on an error.
func newHandler(tb testing.TB, schema graphql.ExecutableSchema, cfg config.Gateway, dev bool, logger *slog.Logger, opts ...gateway.GraphQLOption) http.Handler {
	tb.Helper()
	h, err := gateway.NewGraphQLHandler(schema, cfg, dev, logger, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decode(t *testing.T, body string) gqlResponse {
	t.Helper()
	var r gqlResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("the body is not a GraphQL response: %v\n%s", err, body)
	}
	return r
}

func post(t *testing.T, url, contentType, accept, body string) (*http.Response, string) {
	t.Helper()
	req := newRequest(t, http.MethodPost, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return do(t, req)
}

func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, false, nil, func(g *config.Gateway) { g.Limits.MaxBodyBytes = 256 })
	const (
		gr   = "application/graphql-response+json"
		json = "application/json"
	)
	tests := []struct {
		name        string
		method      string
		query       url.Values // GET parameters
		contentType string
		accept      string
		body        string
		status      int
		media       string
		data        string // the expected data, "" for none
		code        string // the code of the first error, "" for no error
		allow       string // the expected Allow header
	}{
		{name: "POST json query", method: "POST", contentType: json, body: `{"query":"{hello}"}`,
			status: 200, media: mediaJSON, data: `{"hello":"hello, world"}`},
		{name: "POST with variables and operation name", method: "POST", contentType: json, accept: gr,
			body:   `{"query":"query A{a:hello} query B($n:String){hello(name:$n)}","operationName":"B","variables":{"n":"bff"}}`,
			status: 200, media: mediaGraphQL, data: `{"hello":"hello, bff"}`},
		{name: "POST json with utf-8 charset", method: "POST", contentType: "application/json; charset=UTF-8", body: `{"query":"{hello}"}`,
			status: 200, media: mediaJSON, data: `{"hello":"hello, world"}`},
		{name: "POST mutation", method: "POST", contentType: json, body: `{"query":"mutation{echo(text:\"hi\")}"}`,
			status: 200, media: mediaJSON, data: `{"echo":"hi"}`},
		{name: "parse error with application/json is 200", method: "POST", contentType: json, accept: json, body: `{"query":"{hello"}`,
			status: 200, media: mediaJSON, code: "GRAPHQL_PARSE_FAILED"},
		{name: "parse error with graphql-response+json is 400", method: "POST", contentType: json, accept: gr, body: `{"query":"{hello"}`,
			status: 400, media: mediaGraphQL, code: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error with application/json is 200", method: "POST", contentType: json, body: `{"query":"{nope}"}`,
			status: 200, media: mediaJSON, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error with graphql-response+json is 400", method: "POST", contentType: json, accept: gr, body: `{"query":"{nope}"}`,
			status: 400, media: mediaGraphQL, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "bad variables with graphql-response+json is 400", method: "POST", contentType: json, accept: gr,
			body:   `{"query":"query($n:String!){hello(name:$n)}","variables":{}}`,
			status: 400, media: mediaGraphQL, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "preferred media type wins", method: "POST", contentType: json, accept: "application/json;q=0.5, application/graphql-response+json",
			body: `{"query":"{hello}"}`, status: 200, media: mediaGraphQL, data: `{"hello":"hello, world"}`},
		{name: "wildcard gets application/json", method: "POST", contentType: json, accept: "*/*",
			body: `{"query":"{hello}"}`, status: 200, media: mediaJSON, data: `{"hello":"hello, world"}`},
		{name: "unacceptable media type is 406", method: "POST", contentType: json, accept: "text/html",
			body: `{"query":"{hello}"}`, status: 406, media: mediaJSON, code: "NOT_ACCEPTABLE"},
		{name: "form body is 415", method: "POST", contentType: "application/x-www-form-urlencoded", body: `query=%7Bhello%7D`,
			status: 415, media: mediaJSON, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "text body is 415", method: "POST", contentType: "text/plain", body: `{"query":"{hello}"}`,
			status: 415, media: mediaJSON, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "missing content type is 415", method: "POST", body: `{"query":"{hello}"}`,
			status: 415, media: mediaJSON, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "other charset is 415", method: "POST", contentType: "application/json; charset=latin1", body: `{"query":"{hello}"}`,
			status: 415, media: mediaJSON, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "415 follows the accept header", method: "POST", contentType: "text/plain", accept: gr, body: `{}`,
			status: 415, media: mediaGraphQL, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "body over the limit is 413", method: "POST", contentType: json, body: `{"query":"{hello}","x":"` + strings.Repeat("x", 300) + `"}`,
			status: 413, media: mediaJSON, code: "PAYLOAD_TOO_LARGE"},
		{name: "empty body is 400", method: "POST", contentType: json, body: ``,
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "query of the wrong type is 400", method: "POST", contentType: json, body: `{"query":1}`,
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "array body is 400", method: "POST", contentType: json, body: `[{"query":"{hello}"}]`,
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "trailing data is 400", method: "POST", contentType: json, body: `{"query":"{hello}"} {}`,
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "subscription over POST is a request error", method: "POST", contentType: json, accept: gr, body: `{"query":"subscription{ticks}"}`,
			status: 400, media: mediaGraphQL, code: "BAD_REQUEST"},
		{name: "GET query", method: "GET", query: url.Values{"query": {"{hello}"}},
			status: 200, media: mediaJSON, data: `{"hello":"hello, world"}`},
		{name: "GET with variables and operation name", method: "GET", accept: gr,
			query:  url.Values{"query": {"query A{a:hello} query B($n:String){hello(name:$n)}"}, "operationName": {"B"}, "variables": {`{"n":"get"}`}},
			status: 200, media: mediaGraphQL, data: `{"hello":"hello, get"}`},
		{name: "GET mutation is 405", method: "GET", query: url.Values{"query": {`mutation{echo(text:"x")}`}},
			status: 405, media: mediaJSON, code: "METHOD_NOT_ALLOWED", allow: "POST"},
		{name: "GET mutation chosen by operation name is 405", method: "GET",
			query:  url.Values{"query": {`query Q{hello} mutation M{echo(text:"x")}`}, "operationName": {"M"}},
			status: 405, media: mediaJSON, code: "METHOD_NOT_ALLOWED", allow: "POST"},
		{name: "GET validation error with graphql-response+json is 400", method: "GET", accept: gr, query: url.Values{"query": {"{nope}"}},
			status: 400, media: mediaGraphQL, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "GET without query is 400", method: "GET",
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "POST without query is 400", method: "POST", contentType: json, body: `{"qeury":"{hello}"}`,
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "GET with malformed variables is 400", method: "GET", query: url.Values{"query": {"{hello}"}, "variables": {"{nope"}},
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "GET with variables that are not an object is 400", method: "GET", query: url.Values{"query": {"{hello}"}, "variables": {"[1]"}},
			status: 400, media: mediaJSON, code: "BAD_REQUEST"},
		{name: "PUT is 405", method: "PUT", contentType: json, body: `{"query":"{hello}"}`,
			status: 405, media: mediaJSON, code: "METHOD_NOT_ALLOWED", allow: "GET, POST"},
		{name: "DELETE is 405", method: "DELETE",
			status: 405, media: mediaJSON, code: "METHOD_NOT_ALLOWED", allow: "GET, POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := srv.URL
			if tt.query != nil {
				target += "?" + tt.query.Encode()
			}
			req := newRequest(t, tt.method, target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.media {
				t.Errorf("content type = %q, want %q", got, tt.media)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			r := decode(t, body)
			if string(r.Data) != tt.data {
				t.Errorf("data = %s, want %s", r.Data, tt.data)
			}
			switch {
			case tt.code == "" && len(r.Errors) > 0:
				t.Errorf("unexpected errors: %s", body)
			case tt.code != "" && (len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != tt.code):
				t.Errorf("want an error with code %s, got %s", tt.code, body)
			}
			if tt.code != "" && tt.data == "" && strings.Contains(body, `"data"`) {
				t.Errorf("a request error has a data entry: %s", body)
			}
		})
	}
}

func TestMalformedJSONIsNotEchoed(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, true, nil)
	tests := []struct {
		name, body, message string
	}{
		{"syntax error", `{"query": "{hello}", SECRET-TOKEN-1234}`,
			"request body is not valid JSON: syntax error at byte offset 22"},
		{"truncated", `{"query": "SECRET-TOKEN-1234`,
			"request body is not valid JSON: unexpected end at byte offset 28"},
		{"wrong type", `{"query": "{hello}", "variables": ["SECRET-TOKEN-1234"]}`,
			`request body is not valid JSON for a GraphQL request: "variables" must be an object, found array at byte offset 35`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := post(t, srv.URL, "application/json", "", tt.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
			if strings.Contains(body, "SECRET") {
				t.Errorf("the response echoes the body: %s", body)
			}
			if r := decode(t, body); len(r.Errors) != 1 || r.Errors[0].Message != tt.message {
				t.Errorf("body = %s, want the message %q", body, tt.message)
			}
		})
	}
}

func TestIntrospectionFollowsTheConfiguration(t *testing.T) {
	t.Parallel()
	const query = `{"query":"{__schema{queryType{name}}}"}`
	const viaFragment = `{"query":"query{...F} fragment F on Query{... on Query{__type(name:\"Query\"){name}}}"}`
	tests := []struct {
		name    string
		enabled bool
	}{
		{"enabled", true},
		{"disabled", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphqlServer(t, false, nil, func(g *config.Gateway) { g.GraphQL.Introspection = tt.enabled })
			_, body := post(t, srv.URL, "application/json", "", query)
			r := decode(t, body)
			if tt.enabled && string(r.Data) != `{"__schema":{"queryType":{"name":"Query"}}}` {
				t.Errorf("introspection enabled: %s", body)
			}
			if !tt.enabled && body != `{"errors":[{"message":"introspection is disabled: \"__schema\" cannot be queried","locations":[{"line":1,"column":2}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}` {
				t.Errorf("introspection disabled: %s", body)
			}
			_, body = post(t, srv.URL, "application/json", "", viaFragment)
			r = decode(t, body)
			if tt.enabled && string(r.Data) != `{"__type":{"name":"Query"}}` {
				t.Errorf("introspection through fragments enabled: %s", body)
			}
			if !tt.enabled && body != `{"data":{"__type":null}}` {
				t.Errorf("introspection through fragments disabled: %s, want __type null without an error", body)
			}
		})
	}
}

// TestTypeLookupRevealsNothingWhileIntrospectionIsOff: __type answers
// null for a type of the schema exactly as for a name that is no type.
func TestTypeLookupRevealsNothingWhileIntrospectionIsOff(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, false, nil, func(g *config.Gateway) { g.GraphQL.Introspection = false })
	var answers []string
	for _, name := range []string{"Query", "String", "NoSuchType"} {
		_, body := post(t, srv.URL, "application/json", "", `{"query":"query($n: String!){ __type(name: $n) { name fields { name } } }","variables":{"n":"`+name+`"}}`)
		answers = append(answers, body)
	}
	for i, a := range answers {
		if a != `{"data":{"__type":null}}` {
			t.Errorf("answer %d = %s, want data.__type null and no error", i, a)
		}
	}
}

func TestValidationSuggestsNamesOnlyInDevelopmentWithIntrospection(t *testing.T) {
	t.Parallel()
	on := func(g *config.Gateway) { g.GraphQL.Introspection = true }
	off := func(g *config.Gateway) { g.GraphQL.Introspection = false }
	tests := []struct {
		name    string
		dev     bool
		edit    func(*config.Gateway)
		suggest bool
	}{
		{"production", false, off, false},
		{"production with introspection on", false, on, false},
		{"development without introspection", true, off, false},
		{"development", true, on, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := graphqlServer(t, tt.dev, nil, tt.edit)
			for _, q := range []string{`{"query":"{helo}"}`, `{"query":"{hello(nam: \"x\")}"}`, `{"query":"{ ...F } fragment F on Quer { hello }"}`} {
				_, body := post(t, srv.URL, "application/json", "", q)
				if got := strings.Contains(body, "Did you mean"); got != tt.suggest {
					t.Errorf("%s: %s, want suggestions %v", q, body, tt.suggest)
				}
			}
		})
	}
}

func TestGraphiQL(t *testing.T) {
	t.Parallel()
	srv := serve(t, gateway.GraphiQL("/api/graphql"))
	resp, body := do(t, newRequest(t, http.MethodGet, srv.URL, nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, `const endpoint = "/api/graphql";`) {
		t.Errorf("the page does not point GraphiQL at the endpoint:\n%s", body)
	}
	// Every asset comes from the CDN pinned to a version, with its
	// Subresource Integrity hash, and is fetched without credentials.
	assets := regexp.MustCompile(`<(?:script src|link rel="stylesheet" href)="(https://cdn\.jsdelivr\.net/npm/[a-z-]+@[0-9.]+/[^"]+)" integrity="(sha384-[A-Za-z0-9+/]{64})" crossorigin="anonymous">`).FindAllStringSubmatch(body, -1)
	if len(assets) != 4 {
		t.Errorf("%d pinned assets with an integrity hash, want 4 (GraphiQL's script and style, React, ReactDOM):\n%s", len(assets), body)
	}
	if n := strings.Count(body, "https://"); n != 4 {
		t.Errorf("%d https:// URLs in the page, want only the 4 pinned assets", n)
	}
}

func TestGraphiQLQuotesTheEndpointSafely(t *testing.T) {
	t.Parallel()
	endpoint := `/graphql?x="</script><script>alert(1)</script>&y=1`
	srv := serve(t, gateway.GraphiQL(endpoint))
	_, body := do(t, newRequest(t, http.MethodGet, srv.URL, nil))
	if strings.Contains(body, "alert(1)</script>") || strings.Count(body, "</script>") != 4 {
		t.Errorf("the endpoint broke out of its script:\n%s", body)
	}
	if !strings.Contains(body, `const endpoint = "/graphql?x=\"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u0026y=1";`) {
		t.Errorf("the endpoint is not a JSON string with <, > and & escaped:\n%s", body)
	}
}

func TestARequestWhoseDeadlinePassedBeforeExecutionIsATimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		late := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(2 * time.Second) // a slow middleware uses up the deadline
				next.ServeHTTP(w, r)
			})
		}
		cfg := config.Default()
		h := gateway.Chain(newHandler(t, testschema.New(nil), cfg.Gateway, false, nil), gateway.Timeout(time.Second), late)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{hello}"}`))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusGatewayTimeout || rec.Body.String() != `{"errors":[{"message":"the request deadline passed before the operation ran","extensions":{"code":"TIMEOUT"}}]}` {
			t.Errorf("got %d %s", rec.Code, rec.Body)
		}
	})
}
