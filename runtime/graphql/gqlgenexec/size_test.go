package gqlgenexec_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// TestAResponseOverTheCapStopsExecutionEarly is IN-16's memory bound: a
// backend that answers with far more than the query asked for (20 000
// products where the query says first: 3) cannot make the BFF build the
// whole result. With a cap of 64 KiB the operation stops once a lower
// bound of its data passes the cap: the answer is null with one
// RESPONSE_TOO_LARGE, the per-product resolver (a backend call each) runs
// for a small share of the products, and the operation allocates a small
// share of what the same operation allocates without the cap.
func TestAResponseOverTheCapStopsExecutionEarly(t *testing.T) {
	const products = 20000
	list := make([]*testschema.Product, products)
	for i := range list {
		id := fmt.Sprintf("p-%d", i)
		list[i] = &testschema.Product{ID: id, Name: strings.Repeat("n", 100), Related: []*testschema.Product{}}
	}
	var details atomic.Int64
	detail := "a detail"
	es := testschema.New(&testschema.Resolver{
		Products: func(context.Context, int) ([]*testschema.Product, error) { return list, nil },
		Detail: func(ctx context.Context, _ *testschema.Product) (*string, error) {
			details.Add(1)
			return &detail, ctx.Err()
		},
	})
	const query = `{ products(first: 3) { id name detail related { id } } }`
	run := func(cap int) (*rgraphql.Response, uint64, int64) {
		e := gqlgenexec.New(es, gqlgenexec.WithMaxResponseBytes(cap))
		req := &rgraphql.Request{
			Operation: &rgraphql.Operation{Document: query},
			Prepared:  &rgraphql.Prepared{Query: query, Doc: prepared(t, es.Schema(), query)},
		}
		details.Store(0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		resp := e.Execute(context.Background(), req)
		runtime.ReadMemStats(&after)
		return resp, after.TotalAlloc - before.TotalAlloc, details.Load()
	}

	full, fullAlloc, fullCalls := run(0)
	if full == nil || len(full.Errors) != 0 || len(full.Data) < 2<<20 {
		t.Fatalf("without a cap: want over 2 MiB of data and no error, got %d bytes, errors %v", len(full.Data), full.Errors)
	}
	capped, cappedAlloc, cappedCalls := run(64 << 10)
	t.Logf("without a cap: %d bytes of data, %d detail calls, %d KiB allocated", len(full.Data), fullCalls, fullAlloc>>10)
	t.Logf("with a 64 KiB cap: %d detail calls, %d KiB allocated (%.1f%%)", cappedCalls, cappedAlloc>>10, 100*float64(cappedAlloc)/float64(fullAlloc))
	if capped == nil || string(capped.Data) != "null" || len(capped.Errors) != 1 || capped.Errors[0].Extensions["code"] != rgraphql.CodeResponseTooLarge {
		t.Fatalf("with the cap: want data null and one %s, got %.200s %v", rgraphql.CodeResponseTooLarge, capped.Data, capped.Errors)
	}
	if fullCalls != products {
		t.Fatalf("without a cap: %d detail calls, want %d", fullCalls, products)
	}
	// 64 KiB of data hold about 500 products of this query (~130 bytes
	// each); a generous bound leaves room for the elements already started
	// when the cap is reached.
	if cappedCalls > products/10 {
		t.Errorf("with the cap: %d of %d detail calls ran, want at most %d", cappedCalls, products, products/10)
	}
	if cappedAlloc > fullAlloc/5 {
		t.Errorf("with the cap: %d KiB allocated, want at most a fifth of the %d KiB without it", cappedAlloc>>10, fullAlloc>>10)
	}
}

// BenchmarkSizeMeter is what the size meter of WithMaxResponseBytes costs
// an operation that stays under the cap: 10 products with their related
// products (71 fields), without a cap and with the default cap of 10 MiB.
func BenchmarkSizeMeter(b *testing.B) {
	es := testschema.New(nil)
	const query = `{ products(first: 10) { id name rating related { id name } } }`
	doc, errs := gqlparser.LoadQuery(es.Schema(), query)
	if errs != nil {
		b.Fatal(errs)
	}
	for _, bc := range []struct {
		name string
		cap  int
	}{{"no cap", 0}, {"cap 10 MiB", 10 << 20}} {
		b.Run(bc.name, func(b *testing.B) {
			e := gqlgenexec.New(es, gqlgenexec.WithMaxResponseBytes(bc.cap))
			req := &rgraphql.Request{
				Operation: &rgraphql.Operation{Document: query},
				Prepared:  &rgraphql.Prepared{Query: query, Doc: doc},
			}
			b.ReportAllocs()
			for b.Loop() {
				if resp := e.Execute(context.Background(), req); len(resp.Errors) != 0 {
					b.Fatal(resp.Errors)
				}
			}
		})
	}
}
