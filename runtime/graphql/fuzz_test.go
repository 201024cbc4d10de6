package graphql_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// FuzzDecodeOperation decodes arbitrary POST bodies and GET query strings:
// the decoder must never panic, must answer a rejection with a 4xx status,
// a code and a message that does not quote the request, and must accept a
// body that encoding/json reads as a GraphQL request within the caps.
func FuzzDecodeOperation(f *testing.F) {
	for _, s := range []struct{ body, query string }{
		{`{"query":"{ hello }"}`, "query=%7B+hello+%7D"},
		{`{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"x"}}`, "query=%7B+hello+%7D&variables=%7B%22n%22%3A1%7D"},
		{`{"query":"{a}","variables":{"a":[[[[1]]]],"b":"\"\\u0041"},"extensions":{"x":null}}`, "variables=%5B"},
		{`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("ab", 32) + `"}}}`, "extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%7D%7D"},
		{`{"query":"x","query":"y"}`, "query=x&query=y"},
		{`[]`, "%zz"},
		{`{"variables":{"a":[1,2,3,4,5,6]}}`, "variables=%7B%22a%22%3A%5B1%2C2%2C3%2C4%2C5%2C6%5D%7D"},
		{`{"variables":{"s":"0123456789abcdefg"}}`, ""},
		{`{"query":"` + strings.Repeat("q", 40) + `","variables":{"a":{"b":{"c":{"d":{"e":1}}}}}}`, ""},
		{`{"variables":{"a":tru}}`, "variables=%7B%22a%22%3Atrue%7D%7D"},
	} {
		f.Add(s.body, s.query)
	}
	lim := rgraphql.VariablesLimits{MaxDepth: 4, MaxListLength: 5, MaxStringLength: 16, MaxValues: 12}
	check := func(t *testing.T, in string, op *rgraphql.Operation, err *rgraphql.RequestError) {
		if err == nil {
			if op == nil {
				t.Fatal("no operation and no error")
			}
			return
		}
		if err.Status < 400 || err.Status >= 500 || err.Code == "" || err.Message == "" {
			t.Fatalf("rejection %+v", err)
		}
		if len(in) > 24 && strings.Contains(err.Message, in) {
			t.Fatalf("the message quotes the request: %q", err.Message)
		}
	}
	f.Fuzz(func(t *testing.T, body, query string) {
		op, err := rgraphql.DecodeBody([]byte(body), lim)
		check(t, body, op, err)
		if err == nil {
			// What the decoder accepts, encoding/json reads too.
			var v map[string]any
			if json.Unmarshal([]byte(body), &v) != nil {
				t.Fatalf("accepted a body that is not a JSON object: %q", body)
			}
		}
		op, err = rgraphql.DecodeQueryString(query, lim)
		check(t, query, op, err)

		d := rgraphql.Decoder{MaxBodyBytes: 1 << 10, Variables: lim}
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		op, err = d.Decode(httptest.NewRecorder(), req)
		check(t, body, op, err)
	})
}
