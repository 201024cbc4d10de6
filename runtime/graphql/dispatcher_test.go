package graphql_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

type answer struct {
	status int
	body   string
	resp   response
}

func (a answer) code() string {
	if len(a.resp.Errors) == 0 {
		return ""
	}
	c, _ := a.resp.Errors[0].Extensions["code"].(string)
	return c
}

// server serves the test schema through a dispatcher on 127.0.0.1 and
// counts the calls of Query.product.
type server struct {
	*httptest.Server
	products atomic.Int64
}

func newServer(t *testing.T, opts ...rgraphql.Option) *server {
	t.Helper()
	s := &server{}
	es := testschema.New(&testschema.Resolver{Product: func(_ context.Context, id string) (*testschema.Product, error) {
		s.products.Add(1)
		return &testschema.Product{ID: id, Name: "Product " + id}, nil
	}})
	d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(d)
	t.Cleanup(s.Close)
	return s
}

func (s *server) post(t *testing.T, body string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func (s *server) get(t *testing.T, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: res.StatusCode, body: string(b)}
	if err := json.Unmarshal(b, &a.resp); err != nil {
		t.Fatalf("status %d, not a GraphQL response: %v\n%s", res.StatusCode, err, b)
	}
	return a
}

func body(query string, vars map[string]any, ext map[string]any) string {
	m := map[string]any{}
	if query != "" {
		m["query"] = query
	}
	if vars != nil {
		m["variables"] = vars
	}
	if ext != nil {
		m["extensions"] = ext
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func aliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, ` p%d: product(id: "1") { id }`, i)
	}
	b.WriteString(" }")
	return b.String()
}

func TestOverALimitIsRejectedBeforeAnyBackendCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		limits limits.Config
		query  string
		code   string
	}{
		{"10 000 aliases of a backend-calling field", limits.Config{MaxAliases: 15}, aliases(10000), limits.CodeMaxAliases},
		{"100 000 tokens", limits.Config{MaxTokens: 15000}, "{" + strings.Repeat(" hello", 100000) + " }", limits.CodeMaxTokens},
		{"depth 2 over a limit of 1", limits.Config{MaxDepth: 1}, `{ product(id: "1") { id } }`, limits.CodeMaxDepth},
		{"within the limits", limits.Config{MaxTokens: 15000, MaxDepth: 10, MaxAliases: 15}, `{ product(id: "1") { id } }`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, rgraphql.WithLimits(tt.limits))
			a := s.post(t, body(tt.query, nil, nil))
			if tt.code == "" {
				// Within the limit: it runs.
				if a.status != http.StatusOK || a.code() != "" || s.products.Load() != 1 {
					t.Fatalf("got %d %s, %d backend calls", a.status, a.body, s.products.Load())
				}
				return
			}
			if a.status != http.StatusBadRequest || a.code() != tt.code {
				t.Fatalf("got %d %q, want 400 %q: %s", a.status, a.code(), tt.code, a.body)
			}
			if len(a.body) >= 1024 {
				t.Errorf("response of %d bytes, want < 1 KB", len(a.body))
			}
			if strings.Contains(a.body, "product(") || strings.Contains(a.body, "hello hello") {
				t.Errorf("the response echoes the document: %s", a.body)
			}
			if n := s.products.Load(); n != 0 {
				t.Errorf("%d backend calls, want 0", n)
			}
		})
	}
}

func TestErrorListIsCapped(t *testing.T) {
	t.Parallel()
	// No directive limit: validation reports one error per unknown
	// directive, each with its own name.
	s := newServer(t, rgraphql.WithMaxErrors(10))
	var doc strings.Builder
	doc.WriteString("{ hello")
	for i := range 1000 {
		fmt.Fprintf(&doc, " @d%d", i)
	}
	doc.WriteString(" }")
	a := s.post(t, body(doc.String(), nil, nil))
	if n := len(a.resp.Errors); n != 10 {
		t.Fatalf("%d errors, want 10: %s", n, a.body)
	}
	last := a.resp.Errors[9]
	if last.Extensions["code"] != rgraphql.CodeErrorsTruncated || !strings.HasPrefix(last.Message, "991 more errors") {
		t.Errorf("last error %+v, want 991 left out with code %s", last, rgraphql.CodeErrorsTruncated)
	}
	t.Logf("%d errors in %d bytes", len(a.resp.Errors), len(a.body))

	// The same error repeated is one error with at most 10 locations.
	a = s.post(t, body("{ hello"+strings.Repeat(" @include(if: true)", 1000)+" }", nil, nil))
	if n := len(a.resp.Errors); n != 1 || len(a.body) > 2048 {
		t.Errorf("1000 repeated directives: %d errors in %d bytes, want 1 error under 2 KB: %.300s", n, len(a.body), a.body)
	}
	if len(a.body) >= 4096 {
		t.Errorf("response of %d bytes, want < 4 KB", len(a.body))
	}
}

func TestAResponseOverTheSizeCapIsReplacedByAnError(t *testing.T) {
	t.Parallel()
	s := newServer(t, rgraphql.WithMaxResponseBytes(200))
	small := s.post(t, body(`{ product(id: "1") { name } }`, nil, nil))
	if small.code() != "" || !strings.Contains(string(small.resp.Data), "Product 1") {
		t.Fatalf("small response: %s", small.body)
	}
	a := s.post(t, body(aliases(14), nil, nil))
	if a.status != http.StatusOK || string(a.resp.Data) != "null" || a.code() != rgraphql.CodeResponseTooLarge {
		t.Fatalf("got %d %s, want 200, data null, code %s", a.status, a.body, rgraphql.CodeResponseTooLarge)
	}
}

func TestVariablesOverTheCapsAreRejected(t *testing.T) {
	t.Parallel()
	lim := rgraphql.VariablesLimits{MaxDepth: 32, MaxListLength: 10000, MaxStringLength: 1 << 20, MaxValues: 20000}
	s := newServer(t, rgraphql.WithVariablesLimits(lim), rgraphql.WithMaxBodyBytes(16<<20))
	const q = `query($n: String) { hello(name: $n) }`
	tests := []struct {
		name string
		vars string
		code string
	}{
		{"nested 10 000 deep", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), rgraphql.CodeVariablesDepth},
		{"a list of 1 000 000 elements", "[" + strings.Repeat("0,", 999999) + "0]", rgraphql.CodeVariablesList},
		{"a string of 10 MB", `"` + strings.Repeat("a", 10<<20) + `"`, rgraphql.CodeVariablesString},
		{"30 000 values in small lists", "[" + strings.Repeat("[0,0,0],", 9999) + "[0,0,0]]", rgraphql.CodeVariablesValues},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.post(t, `{"query":"`+strings.ReplaceAll(q, `"`, `\"`)+`","variables":{"n":`+tt.vars+`}}`)
			if a.status != http.StatusBadRequest || a.code() != tt.code {
				t.Fatalf("got %d %q, want 400 %q: %.300s", a.status, a.code(), tt.code, a.body)
			}
			if len(a.body) >= 1024 {
				t.Errorf("response of %d bytes, want < 1 KB", len(a.body))
			}
		})
	}
	t.Run("over GET", func(t *testing.T) {
		a := s.get(t, url.Values{"query": {q}, "variables": {`{"n":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`}})
		if a.status != http.StatusBadRequest || a.code() != rgraphql.CodeVariablesDepth {
			t.Fatalf("got %d %q: %s", a.status, a.code(), a.body)
		}
	})
	t.Run("within the caps", func(t *testing.T) {
		a := s.post(t, body(q, map[string]any{"n": strings.Repeat("a", 1000)}, nil))
		if a.code() != "" {
			t.Fatalf("got %s", a.body)
		}
	})
}

func TestPreparedDocumentsAreNotParsedAgain(t *testing.T) {
	t.Parallel()
	// An executor registered for the hash of a document runs it instead
	// of gqlgen, with the prepared form the dispatcher made.
	const doc = `{ hello }`
	var got *rgraphql.Request
	fake := executorFunc(func(_ context.Context, req *rgraphql.Request) *rgraphql.Response {
		got = req
		return &rgraphql.Response{Data: json.RawMessage(`{"hello":"compiled"}`)}
	})
	s := newServer(t, rgraphql.WithExecutorFor(sha(doc), fake))
	a := s.post(t, body(doc, nil, nil))
	if string(a.resp.Data) != `{"hello":"compiled"}` {
		t.Fatalf("got %s, want the answer of the executor registered for the hash", a.body)
	}
	if got == nil || got.Prepared.Hash != sha(doc) || got.Prepared.Doc == nil || len(got.Prepared.Doc.Operations) != 1 {
		t.Fatalf("executor got %+v, want the prepared document", got)
	}
	other := s.post(t, body(`{ hello(name: "x") }`, nil, nil))
	if string(other.resp.Data) != `{"hello":"hello, x"}` {
		t.Fatalf("another document: %s, want gqlgen's answer", other.body)
	}
}

type executorFunc func(ctx context.Context, req *rgraphql.Request) *rgraphql.Response

func (f executorFunc) Execute(ctx context.Context, req *rgraphql.Request) *rgraphql.Response {
	return f(ctx, req)
}

// enumSchema is a schema with an enum, served by a mock that answers
// every operation with {"color":"RED"}.
func enumSchema() graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "enum.graphqls", Input: `
		enum Color { RED GREEN BLUE }
		type Query { color(c: Color): Color, name: String }`})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"color":"RED"}`)})
		},
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) { return 0, false },
	}
}

func TestProductionErrorsSuggestNoNames(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{false, true} {
		es := enumSchema()
		d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es, gqlgenexec.WithSuggestions(dev)), rgraphql.WithSuggestions(dev))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(d)
		s := &server{Server: srv}
		tests := []struct {
			name string
			body string
		}{
			{"a field", body(`{ nme }`, nil, nil)},
			{"an argument", body(`{ color(cc: RED) }`, nil, nil)},
			{"an enum value in the document", body(`{ color(c: REDD) }`, nil, nil)},
			{"an enum value in the variables", body(`query($c: Color) { color(c: $c) }`, map[string]any{"c": "REDD"}, nil)},
			{"a type", body(`query($c: Colour) { color(c: $c) }`, nil, nil)},
		}
		for _, tt := range tests {
			a := s.post(t, tt.body)
			if len(a.resp.Errors) == 0 {
				t.Errorf("dev %v, %s: no error: %s", dev, tt.name, a.body)
				continue
			}
			suggests := strings.Contains(a.body, "Did you mean")
			if !dev && suggests {
				t.Errorf("production, %s: the error suggests a name: %s", tt.name, a.body)
			}
			if dev && tt.name == "an enum value in the document" && !suggests {
				t.Errorf("development, %s: no suggestion: %s", tt.name, a.body)
			}
		}
		srv.Close()
	}
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllowList(t *testing.T) {
	t.Parallel()
	const known = `query Hello { hello }`
	manifest := writeFile(t, "ops.json", `{
  "format": "apollo-persisted-query-manifest",
  "version": 1,
  "operations": [
    {"id": "`+sha(known)+`", "name": "Hello", "type": "query", "body": "`+known+`"}
  ]
}`)
	s := newServer(t, rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList, Manifest: manifest}))
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"a known hash", body("", nil, pq(sha(known))), 200, ""},
		{"a known document in full", body(known, nil, nil), 200, ""},
		{"a known hash with its document", body(known, nil, pq(sha(known))), 200, ""},
		{"an unknown hash", body("", nil, pq(sha("{ fail }"))), 400, rgraphql.CodePersistedNotFound},
		{"a document not in the list", body("{ hello }", nil, nil), 400, rgraphql.CodePersistedRequired},
		{"a document that does not even parse", body("{ hello "+strings.Repeat("{", 10000), nil, nil), 400, rgraphql.CodePersistedRequired},
		{"a hash that is not the document's", body("{ hello }", nil, pq(sha(known))), 400, rgraphql.CodePersistedHashMismatch},
		{"a hash and a document not in the list", body("{ fail }", nil, pq(sha("{ fail }"))), 400, rgraphql.CodePersistedRequired},
		{"version 2", body("", nil, map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": sha(known)}}), 400, rgraphql.CodePersistedQueryVersion},
		{"a hash that is not hex", body("", nil, pq("xyz")), 400, rgraphql.CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.post(t, tt.body)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", a.status, a.code(), tt.status, tt.code, a.body)
			}
			if tt.status == 200 && string(a.resp.Data) != `{"hello":"hello, world"}` {
				t.Fatalf("data %s", a.resp.Data)
			}
		})
	}
	t.Run("over GET", func(t *testing.T) {
		ext, _ := json.Marshal(pq(sha(known)))
		a := s.get(t, url.Values{"extensions": {string(ext)}})
		if a.status != 200 || string(a.resp.Data) != `{"hello":"hello, world"}` {
			t.Fatalf("got %d %s", a.status, a.body)
		}
	})
}

func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	const doc = `{ hello(name: "apq") }`
	for _, register := range []bool{true, false} {
		s := newServer(t, rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAPQ, APQRegister: register}))
		if a := s.post(t, body("", nil, pq(sha(doc)))); a.status != 400 || a.code() != rgraphql.CodePersistedNotFound {
			t.Fatalf("register %v: unknown hash: got %d %s", register, a.status, a.body)
		}
		if a := s.post(t, body(doc, nil, pq(sha(doc)))); a.status != 200 || a.code() != "" {
			t.Fatalf("register %v: hash and document: got %d %s", register, a.status, a.body)
		}
		if a := s.post(t, body(doc, nil, pq(sha("other")))); a.status != 400 || a.code() != rgraphql.CodePersistedHashMismatch {
			t.Fatalf("register %v: wrong hash: got %d %s", register, a.status, a.body)
		}
		a := s.post(t, body("", nil, pq(sha(doc))))
		switch {
		case register && (a.status != 200 || string(a.resp.Data) != `{"hello":"hello, apq"}`):
			t.Errorf("registered hash: got %d %s", a.status, a.body)
		case !register && (a.status != 400 || a.code() != rgraphql.CodePersistedNotFound):
			t.Errorf("registration off: the hash is known after all: %d %s", a.status, a.body)
		}
	}
}

func TestPersistedOff(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	if a := s.post(t, body("", nil, pq(sha("{ hello }")))); a.status != 400 || a.code() != rgraphql.CodePersistedNotSupported {
		t.Fatalf("hash only: got %d %s", a.status, a.body)
	}
	if a := s.post(t, body("{ hello }", nil, pq(sha("{ hello }")))); a.status != 200 || a.code() != "" {
		t.Fatalf("hash and document: got %d %s", a.status, a.body)
	}
}

func TestManifestErrorsHavePositions(t *testing.T) {
	t.Parallel()
	const good = `{ hello }`
	tests := []struct {
		name     string
		manifest string
		want     string
	}{
		{"an id that is not the hash", "{\n  \"" + sha(good) + "\": \"{ hello }\",\n  \"" + sha("x") + "\": \"{ fail }\"\n}",
			`ops.json:3:3: the id "` + sha("x") + `" is not the SHA-256 of its document, which is "` + sha("{ fail }") + `"`},
		{"a syntax error", "{\n  \"a\": \"b\"\n  \"c\"\n}", `ops.json:3:3: the manifest is not valid JSON`},
		{"a document that is not a string", "{\n  \"" + sha(good) + "\": 3\n}", `ops.json:2:71: the document of "` + sha(good) + `" must be a string`},
		{"an Apollo entry without a body", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[` + "\n" + `  {"id":"x"}]}`, `ops.json:2:3: an operation needs an "id" and a "body"`},
		{"an unknown format", `{"format":"relay","operations":[]}`, `ops.json:1:2: unknown manifest format`},
		{"an invalid document", "{\n  \"" + sha("{ nope }") + "\": \"{ nope }\"\n}", `ops.json:2:3: operation "" (` + sha("{ nope }") + `): document 1:3: Cannot query field "nope" on type "Query".`},
		{"a document over a limit", "{\n  \"" + sha("{ a: hello b: hello }") + "\": \"{ a: hello b: hello }\"\n}", `ops.json:2:3: operation "" (` + sha("{ a: hello b: hello }") + `): query alias count 2 exceeds the limit of 1`},
	}
	es := testschema.New(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "ops.json", tt.manifest)
			_, err := rgraphql.New(es.Schema(), gqlgenexec.New(es),
				rgraphql.WithLimits(limits.Config{MaxAliases: 1}),
				rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList, Manifest: path}))
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), filepath.Dir(path)+string(filepath.Separator), "")
			if !strings.Contains(got, tt.want) {
				t.Fatalf("error\n%s\nwant it to contain\n%s", got, tt.want)
			}
		})
	}
}

// TestRejectedVariablesCostLessThanTwiceTheBody measures the heap a
// request over a variables cap allocates (IN-12: < 2x the body cap). It
// does not run in parallel, so that other tests do not add to the count.
func TestRejectedVariablesCostLessThanTwiceTheBody(t *testing.T) {
	const bodyCap = 1 << 20
	es := testschema.New(nil)
	lim := rgraphql.VariablesLimits{MaxDepth: 32, MaxListLength: 10000, MaxStringLength: 256 << 10, MaxValues: 20000}
	d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), rgraphql.WithVariablesLimits(lim), rgraphql.WithMaxBodyBytes(bodyCap))
	if err != nil {
		t.Fatal(err)
	}
	const q = `"query":"query($n: String) { hello(name: $n) }"`
	bodies := map[string]string{
		rgraphql.CodeVariablesList:   `{` + q + `,"variables":{"n":[` + strings.Repeat("0,", 500000) + `0]}}`,
		rgraphql.CodeVariablesValues: `{` + q + `,"variables":{"n":[` + strings.Repeat("[0,0],", 100000) + `0]}}`,
		rgraphql.CodeVariablesDepth:  `{` + q + `,"variables":{"n":` + strings.Repeat("[", 500000) + strings.Repeat("]", 500000) + `}}`,
		rgraphql.CodeVariablesString: `{` + q + `,"variables":{"n":"` + strings.Repeat("a", bodyCap-200) + `"}}`,
	}
	for code, body := range bodies {
		if len(body) > bodyCap {
			t.Fatalf("%s: body of %d bytes, over the cap", code, len(body))
		}
		serve := func() {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			d.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), code) {
				t.Fatalf("%s: got %d %s", code, rec.Code, rec.Body)
			}
		}
		serve() // warm up
		const n = 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			serve()
		}
		runtime.ReadMemStats(&after)
		perRequest := (after.TotalAlloc - before.TotalAlloc) / n
		t.Logf("%s: %d bytes allocated per rejected request of %d bytes", code, perRequest, len(body))
		if perRequest >= 2*bodyCap {
			t.Errorf("%s: %d bytes allocated per request, want < %d (2x the body cap)", code, perRequest, 2*bodyCap)
		}
	}
}
