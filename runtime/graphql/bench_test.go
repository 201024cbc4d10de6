package graphql_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// benchDoc is a document of the size of a frontend's operation.
const benchDoc = `query Products($id: ID!, $name: String) {
  first: product(id: $id) { id name }
  second: product(id: "2") { id name }
  third: product(id: "3") { ...productFields }
  greeting: hello(name: $name)
}
fragment productFields on Product { id name }`

// BenchmarkPersistedOperation compares one request of the same operation
// sent three ways: by the hash of a trusted document (prepared at
// startup), as text with the prepared cache cold (every request is a new
// text: lexed, parsed, checked and validated), and as text with the cache
// warm. Every limit is on.
func BenchmarkPersistedOperation(b *testing.B) {
	manifest := writeFile(b, "ops.json", `{"`+sha(benchDoc)+`": `+strconv.Quote(benchDoc)+`}`)
	lim := limits.Config{MaxTokens: 15000, MaxDepth: 10, MaxAliases: 15, MaxRootFields: 20, MaxDirectives: 50, MaxFields: 3500, MaxCost: 5000, DefaultListSize: 10}
	es := testschema.New(nil)
	newDispatcher := func(opts ...rgraphql.Option) *rgraphql.Dispatcher {
		d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), append(opts, rgraphql.WithLimits(lim))...)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	vars := `"variables":{"id":"1","name":"bench"}`
	run := func(b *testing.B, d *rgraphql.Dispatcher, body func(i int) string) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for i := 0; b.Loop(); i++ {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body(i)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			d.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("persisted by hash", func(b *testing.B) {
		d := newDispatcher(rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList, Manifest: manifest}))
		body := `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + sha(benchDoc) + `"}},` + vars + `}`
		run(b, d, func(int) string { return body })
	})
	b.Run("text, cache cold", func(b *testing.B) {
		d := newDispatcher()
		run(b, d, func(i int) string {
			// A comment makes each text new to the cache; the document is
			// the same.
			return `{"query":` + strconv.Quote(benchDoc+"\n# "+strconv.Itoa(i)) + `,` + vars + `}`
		})
	})
	b.Run("text, cache warm", func(b *testing.B) {
		d := newDispatcher()
		body := `{"query":` + strconv.Quote(benchDoc) + `,` + vars + `}`
		run(b, d, func(int) string { return body })
	})
}

// BenchmarkRejection measures a request refused by a limit, from the raw
// body to the written 400, with the default limits of bff.yaml.
func BenchmarkRejection(b *testing.B) {
	lim := limits.Config{MaxTokens: 15000, MaxDepth: 10, MaxAliases: 15, MaxRootFields: 20, MaxDirectives: 50, MaxFields: 3500, MaxCost: 5000, DefaultListSize: 10}
	es := testschema.New(nil)
	d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), rgraphql.WithLimits(lim), rgraphql.WithMaxBodyBytes(16<<20))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, query string }{
		{"10 000 aliases", aliases(10000)},
		{"100 000 tokens", "{" + strings.Repeat(" hello", 100000) + " }"},
		{"1000 directives", "{ hello" + strings.Repeat(" @include(if: true)", 1000) + " }"},
	} {
		body := `{"query":` + strconv.Quote(c.query) + `}`
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			defer reportCPU(b, cpuTime())
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				d.ServeHTTP(rec, req)
				if rec.Code != http.StatusBadRequest {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// reportCPU reports the process CPU time (user and system) per operation
// since start, as cpu-ns/op: on a shared machine, wall time per operation
// includes waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkCostReport measures one request of a list query (10 products
// with 2 related products each: 30 objects, 71 resolved fields) with the
// cost report off (no field middleware installed) and on (every resolved
// field counted).
func BenchmarkCostReport(b *testing.B) {
	es := testschema.New(nil)
	body := `{"query":"{ products(first: 10) { id name related { id name } } }"}`
	for _, on := range []bool{false, true} {
		b.Run("report "+map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es, gqlgenexec.WithCostMeter(on)), rgraphql.WithCostReport(on))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			defer reportCPU(b, cpuTime())
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				d.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"cost"`) != on {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkCompiledDispatch measures the dispatch overhead of the compiled
// path: one request of `query Hello { hello }` from the raw body to the
// written response, run by gqlgen and by a compiled executor that writes
// the same fixed answer, sent as text and by hash (trusted documents),
// with the document limits of bff.yaml on. The difference is what gqlgen
// costs for the smallest operation; the compiled path's own cost is
// decoding, the checks and the write. "floor" is a handler that reads the
// body and writes the same answer with no GraphQL at all: the cost of the
// benchmark's own request and recorder.
func BenchmarkCompiledDispatch(b *testing.B) {
	const doc = `query Hello { hello }`
	hello := rgraphql.Compiled{Name: "Hello", Document: doc,
		Execute: func(_ context.Context, _ *rgraphql.CompiledRequest, out *rgraphql.Result) {
			out.Raw(`{"hello":`)
			out.String("hello, world")
			out.Byte('}')
		}}
	lim := limits.Config{MaxTokens: 15000, MaxDepth: 10, MaxAliases: 15, MaxRootFields: 20, MaxDirectives: 50, MaxFields: 3500, MaxCost: 5000, DefaultListSize: 10}
	manifest := writeFile(b, "ops.json", `{"`+sha(doc)+`": `+strconv.Quote(doc)+`}`)
	es := testschema.New(nil)
	text := `{"query":` + strconv.Quote(doc) + `}`
	byHash := `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + sha(doc) + `"}}}`
	serve := func(b *testing.B, h http.Handler, body string) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Body.String() != `{"data":{"hello":"hello, world"}}` {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("floor", func(b *testing.B) {
		serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, `{"data":{"hello":"hello, world"}}`)
		}), text)
	})
	for _, c := range []struct {
		name     string
		compiled bool
		body     string
	}{
		{"gqlgen, text", false, text},
		{"compiled, text", true, text},
		{"gqlgen, hash", false, byHash},
		{"compiled, hash", true, byHash},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := []rgraphql.Option{rgraphql.WithLimits(lim),
				rgraphql.WithPersisted(rgraphql.Persisted{Mode: rgraphql.PersistedAllowList, Manifest: manifest})}
			if c.compiled {
				opts = append(opts, rgraphql.WithCompiled(hello))
			}
			d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es), opts...)
			if err != nil {
				b.Fatal(err)
			}
			serve(b, d, c.body)
		})
	}
}
