package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// FuzzGraphQLHTTP sends arbitrary POST bodies and GET query strings to the
// GraphQL handler: it must never panic or fail with a 5xx, and every
// answer must be a JSON GraphQL response (or a bodiless 405).
func FuzzGraphQLHTTP(f *testing.F) {
	for _, s := range []struct{ body, query string }{
		{`{"query":"{ hello }"}`, "query=%7B+hello+%7D"},
		{`{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"x"}}`, "query=query(%24n%3A+String)+%7B+hello(name%3A+%24n)+%7D&variables=%7B%22n%22%3A1%7D"},
		{`{"query":"mutation { echo(text: \"a\") }"}`, "query=mutation+%7B+echo(text%3A+%22a%22)+%7D"},
		{`{"query":"{ product(id: \"1\") { id name } }","operationName":"x"}`, "operationName=x&query=%7B"},
		{`{"query":`, "variables=%5B"},
		{`[]`, "extensions=%7B%22persistedQuery%22%3A%7B%7D%7D"},
		{`{"query":"{ __schema { types { name } } }"}`, ""},
		{`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("0", 64) + `"}}}`, "extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22x%22%7D%7D"},
		{`{"query":"query($v: String) { hello(name: $v) }","variables":{"v":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}`, "query=%7Bhello%7D&variables=%7B%22a%22%3A%5B%5B%5B%5D%5D%5D%7D"},
		{`{"query":"{ a: hello b: hello c: hello d: hello e: hello f: hello g: hello h: hello i: hello j: hello k: hello l: hello m: hello n: hello o: hello p: hello }"}`, ""},
		{`{"query":"{ hello @include(if: true) @include(if: true) @include(if: true) }"}`, ""},
	} {
		f.Add(s.body, s.query)
	}
	cfg, err := config.Parse(nil, "bff.yaml")
	if err != nil {
		f.Fatal(err)
	}
	h := newHandler(f, testschema.New(&testschema.Resolver{}), cfg.Gateway, false, nil)
	check := func(t *testing.T, rec *httptest.ResponseRecorder) {
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusMethodNotAllowed && rec.Body.Len() == 0 {
			return
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d, body is not JSON: %v\n%s", rec.Code, err, rec.Body)
		}
		if _, ok := out["errors"]; !ok {
			if _, ok := out["data"]; !ok {
				t.Fatalf("status %d, neither data nor errors: %s", rec.Code, rec.Body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		check(t, rec)

		rec = httptest.NewRecorder()
		req = httptest.NewRequest(http.MethodGet, "/graphql", nil)
		req.URL.RawQuery = query
		req.Header.Set("Accept", "application/graphql-response+json")
		h.ServeHTTP(rec, req)
		check(t, rec)
	})
}
