package graphql_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// compiledServer serves the test schema with the compiled fixtures on
// 127.0.0.1 and counts their runs.
func compiledServer(t *testing.T, opts ...rgraphql.Option) (*server, *testschema.Counter) {
	t.Helper()
	runs := new(testschema.Counter)
	es := testschema.New(nil)
	d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), append(opts, rgraphql.WithCompiled(testschema.Compiled(nil, runs)...))...)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Server: httptest.NewServer(d)}
	t.Cleanup(s.Close)
	return s, runs
}

const echoVars = `"variables":{"text":"hi"}`

func TestCompiledPathIsTakenByTextAndByHash(t *testing.T) {
	manifest := `{"` + sha("{ hello }") + `": "{ hello }"}`
	requests := []struct {
		name, body string
	}{
		{"full text", `{"query":` + strconv.Quote(testschema.EchoDocument) + `,` + echoVars + `}`},
		{"hash only", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + sha(testschema.EchoDocument) + `"}},` + echoVars + `}`},
		{"hash and text", `{"query":` + strconv.Quote(testschema.EchoDocument) + `,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + sha(testschema.EchoDocument) + `"}},` + echoVars + `}`},
	}
	for _, mode := range []string{rgraphql.PersistedOff, rgraphql.PersistedAPQ, rgraphql.PersistedAllowList} {
		for _, r := range requests {
			t.Run(mode+"/"+r.name, func(t *testing.T) {
				s, runs := compiledServer(t, rgraphql.WithPersisted(rgraphql.Persisted{Mode: mode, Manifest: writeFile(t, "ops.json", manifest)}))
				a := s.post(t, r.body)
				if a.status != http.StatusOK || string(a.resp.Data) != `{"echo":"hi"}` || runs.Runs() != 1 {
					t.Fatalf("%d %s, compiled runs %d, want the compiled answer", a.status, a.body, runs.Runs())
				}
			})
		}
	}
	t.Run("another document runs on gqlgen", func(t *testing.T) {
		s, runs := compiledServer(t)
		// The same operation, one space apart: another document.
		a := s.post(t, body(testschema.EchoDocument+" ", map[string]any{"text": "hi"}, nil))
		if string(a.resp.Data) != `{"echo":"hi"}` || runs.Runs() != 0 {
			t.Fatalf("%s, compiled runs %d, want gqlgen's answer", a.body, runs.Runs())
		}
	})
	t.Run("another operation of the document runs on gqlgen", func(t *testing.T) {
		doc := testschema.EchoDocument + "\nquery Hello { hello }"
		runs := new(testschema.Counter)
		echo := testschema.CompiledEcho(runs)
		echo.Document = doc
		es := testschema.New(nil)
		d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), rgraphql.WithCompiled(echo))
		if err != nil {
			t.Fatal(err)
		}
		s := &server{Server: httptest.NewServer(d)}
		defer s.Close()
		a := s.post(t, `{"query":`+strconv.Quote(doc)+`,"operationName":"Hello"}`)
		if string(a.resp.Data) != `{"hello":"hello, world"}` || runs.Runs() != 0 {
			t.Fatalf("%s, compiled runs %d, want gqlgen's answer", a.body, runs.Runs())
		}
		a = s.post(t, `{"query":`+strconv.Quote(doc)+`,"operationName":"Echo",`+echoVars+`}`)
		if string(a.resp.Data) != `{"echo":"hi"}` || runs.Runs() != 1 {
			t.Fatalf("%s, compiled runs %d, want the compiled answer", a.body, runs.Runs())
		}
	})
}

func TestTrustedDocumentsAllowTheCompiledSet(t *testing.T) {
	manifest := writeFile(t, "ops.json", `{"`+sha("{ hello }")+`": "{ hello }"}`)
	s, runs := compiledServer(t, rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList, Manifest: manifest}))
	for _, c := range []struct {
		name, body, data, code string
	}{
		{"a compiled document", body(testschema.EchoDocument, map[string]any{"text": "x"}, nil), `{"echo":"x"}`, ""},
		{"a compiled document by hash", body("", map[string]any{"text": "x"}, pq(sha(testschema.EchoDocument))), `{"echo":"x"}`, ""},
		{"a document of the manifest", body("{ hello }", nil, nil), `{"hello":"hello, world"}`, ""},
		{"any other document", body("{ hello(name: \"x\") }", nil, nil), "", rgraphql.CodePersistedRequired},
		{"any other hash", body("", nil, pq(sha("{ fail }"))), "", rgraphql.CodePersistedNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := s.post(t, c.body)
			if string(a.resp.Data) != c.data || a.code() != c.code {
				t.Fatalf("%d %s, want data %s and code %q", a.status, a.body, c.data, c.code)
			}
		})
	}
	if runs.Runs() != 2 {
		t.Fatalf("compiled runs %d, want 2", runs.Runs())
	}
	t.Run("the compiled set alone is an allow-list", func(t *testing.T) {
		s, _ := compiledServer(t, rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList}))
		if a := s.post(t, body(testschema.EchoDocument, map[string]any{"text": "x"}, nil)); string(a.resp.Data) != `{"echo":"x"}` {
			t.Fatalf("%s", a.body)
		}
		if a := s.post(t, body("{ hello }", nil, nil)); a.code() != rgraphql.CodePersistedRequired {
			t.Fatalf("%s", a.body)
		}
	})
}

func TestLimitsAndAdmissionApplyToCompiledOperations(t *testing.T) {
	var seen []string
	admit := func(_ context.Context, cost int, name string) *rgraphql.Failure {
		seen = append(seen, name+"="+strconv.Itoa(cost))
		if name != "Products" {
			return nil
		}
		return &rgraphql.Failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}},
			Errors: gqlerror.List{{Message: "slow down", Extensions: map[string]any{"code": "RATE_LIMITED"}}}}
	}
	s, runs := compiledServer(t,
		rgraphql.WithAdmission(admit),
		rgraphql.WithLimits(limits.Config{MaxCost: 100, DefaultListSize: 10}),
		rgraphql.WithVariablesLimits(rgraphql.VariablesLimits{MaxStringLength: 10}),
	)
	for _, c := range []struct {
		name, body, code string
		status           int
	}{
		{"cost over the limit with these variables", body(testschema.ProductsDocument, map[string]any{"first": 1000}, nil), "COST_ESTIMATED_TOO_EXPENSIVE", http.StatusBadRequest},
		{"refused by admission", body(testschema.ProductsDocument, map[string]any{"first": 2}, nil), "RATE_LIMITED", http.StatusTooManyRequests},
		{"variables over a cap", body(testschema.EchoDocument, map[string]any{"text": strings.Repeat("x", 11)}, nil), rgraphql.CodeVariablesString, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := s.post(t, c.body)
			if a.status != c.status || a.code() != c.code {
				t.Fatalf("%d %s, want %d %s", a.status, a.body, c.status, c.code)
			}
		})
	}
	if runs.Runs() != 0 {
		t.Fatalf("compiled runs %d, want none", runs.Runs())
	}
	if a := s.post(t, body(testschema.EchoDocument, map[string]any{"text": "ok"}, nil)); string(a.resp.Data) != `{"echo":"ok"}` || runs.Runs() != 1 {
		t.Fatalf("%s", a.body)
	}
	if want := []string{"Products=2", "Echo=10"}; strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Fatalf("admission saw %v, want %v", seen, want)
	}
}

func TestCompiledOperationsThatCannotRunStopStartup(t *testing.T) {
	noop := func(context.Context, *rgraphql.CompiledRequest, *rgraphql.Result) {}
	es := testschema.New(nil)
	for _, c := range []struct {
		name string
		ops  []rgraphql.Compiled
		opts []rgraphql.Option
		want string
	}{
		{"over a limit", testschema.Compiled(nil, nil), []rgraphql.Option{rgraphql.WithLimits(limits.Config{MaxDepth: 1})},
			`compiled operation "ProductPage" does not pass the limits or validation of this server: query depth 2 exceeds the limit of 1`},
		{"invalid against the schema", []rgraphql.Compiled{{Name: "X", Document: `query X { nope }`, Execute: noop}}, nil,
			`compiled operation "X" does not pass the limits or validation of this server: document 1:11: Cannot query field "nope" on type "Query".`},
		{"a wrong hash", []rgraphql.Compiled{{Name: "X", Document: `query X { hello }`, Hash: sha("other"), Execute: noop}}, nil,
			`compiled operation "X": its hash "` + sha("other") + `" is not the SHA-256 of its document`},
		{"no such operation", []rgraphql.Compiled{{Name: "Y", Document: `query X { hello }`, Execute: noop}}, nil,
			`compiled operation "Y": its document has no operation "Y"`},
		{"no Execute", []rgraphql.Compiled{{Name: "X", Document: `query X { hello }`}}, nil,
			`compiled operation "X": no Execute function`},
		{"twice the same document", []rgraphql.Compiled{{Name: "X", Document: `query X { hello }`, Execute: noop}, {Name: "X", Document: `query X { hello }`, Execute: noop}}, nil,
			`compiled operation "X": the same document as compiled operation "X"`},
		{"a subscription", []rgraphql.Compiled{{Name: "T", Document: `subscription T { ticks }`, Execute: noop}}, nil,
			`compiled operation "T" is a subscription`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), append(c.opts, rgraphql.WithCompiled(c.ops...))...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant an error with %q", err, c.want)
			}
		})
	}
}

func TestCostReportOnTheCompiledPath(t *testing.T) {
	s, runs := compiledServer(t, rgraphql.WithCostReport(true), rgraphql.WithLimits(limits.Config{DefaultListSize: 10}))
	a := s.post(t, body(testschema.ProductsDocument, map[string]any{"first": 2}, nil))
	// The fixture counts no actual cost: an executor that does not count
	// reports 0, as on gqlgen's path.
	if runs.Runs() != 1 || !strings.HasSuffix(a.body, `,"extensions":{"cost":{"estimated":2,"actual":0}}}`) {
		t.Fatalf("%s", a.body)
	}
}

// TestACompiledOperationThatOutlivesTheDeadlineIsATimeout: an executor
// that sees the request's context end and returns without data gets the
// 504 TIMEOUT of a request whose deadline passed; one that wrote data
// before returning gets its data.
func TestACompiledOperationThatOutlivesTheDeadlineIsATimeout(t *testing.T) {
	for _, c := range []struct {
		name   string
		write  bool
		status int
		body   string
	}{
		{"nothing written", false, http.StatusGatewayTimeout, `{"errors":[{"message":"the request deadline passed before the operation ran","extensions":{"code":"TIMEOUT"}}]}`},
		{"data written", true, http.StatusOK, `{"data":{"echo":null}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				slow := rgraphql.Compiled{Name: "Echo", Document: testschema.EchoDocument,
					Execute: func(ctx context.Context, _ *rgraphql.CompiledRequest, out *rgraphql.Result) {
						<-ctx.Done()
						if c.write {
							out.Raw(`{"echo":null}`)
						}
					}}
				es := testschema.New(nil)
				d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), rgraphql.WithCompiled(slow))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql",
					strings.NewReader(body(testschema.EchoDocument, map[string]any{"text": "x"}, nil)))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				d.ServeHTTP(rec, req)
				if rec.Code != c.status || rec.Body.String() != c.body {
					t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, c.status, c.body)
				}
			})
		})
	}
}
