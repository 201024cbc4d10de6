package batch_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/runtime/batch"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// listFields is a schema where displayPrice is a user resolver and seller
// a @batch field.
var listFields = &batch.ListFields{
	Concurrent: map[string]bool{"displayPrice": true},
	Batched:    map[string]bool{"seller": true},
}

type product struct{ id string }

func field(name string, sub ...ast.Selection) *ast.Field {
	return &ast.Field{Name: name, Alias: name, SelectionSet: sub}
}

// responseContext is the context gqlgen's executor gives a list: a
// response to collect errors and a field context for the list's path.
func responseContext(ctx context.Context) context.Context {
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: field("products")}})
}

func TestMarshalListInlineUnlessAnElementCanWait(t *testing.T) {
	prefetched := []*product{{"p1"}, {"p2"}, {"p3"}}
	tests := []struct {
		name           string
		sel            ast.SelectionSet
		prefetch       bool
		wantConcurrent bool
	}{
		{"plain fields: inline", ast.SelectionSet{field("id"), field("seller", field("name"))}, true, false},
		{"a user resolver: a goroutine per element", ast.SelectionSet{field("id"), field("displayPrice")}, true, true},
		{"a user resolver deep in a fragment: a goroutine per element", ast.SelectionSet{
			&ast.InlineFragment{SelectionSet: ast.SelectionSet{&ast.FragmentSpread{Definition: &ast.FragmentDefinition{
				SelectionSet: ast.SelectionSet{field("related", field("displayPrice"))}}}}}}, true, true},
		{"a batched field of a prefetched level: inline", ast.SelectionSet{field("seller", field("name"))}, true, false},
		{"a batched field of a level not prefetched: a goroutine per element", ast.SelectionSet{field("seller", field("name"))}, false, true},
		{"a fragment spread without its definition: a goroutine per element", ast.SelectionSet{&ast.FragmentSpread{Name: "F"}}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := responseContext(batch.WithCache(context.Background()))
				if tt.prefetch {
					batch.Store(ctx, "seller", prefetched, []string{"u1", "u2", "u3"}, make([]error, 3))
				}
				var mu sync.Mutex
				var order []int
				inFlight, maxInFlight := 0, 0
				all := make(chan struct{})
				ret := batch.MarshalList(ctx, tt.sel, listFields, prefetched, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
					if fc := graphql.GetFieldContext(ctx); fc.Index == nil || *fc.Index != i {
						t.Errorf("element %d: field context index %v", i, fc.Index)
					}
					mu.Lock()
					order = append(order, i)
					inFlight++
					maxInFlight = max(maxInFlight, inFlight)
					if len(order) == len(prefetched) && tt.wantConcurrent {
						close(all)
					}
					mu.Unlock()
					if tt.wantConcurrent {
						<-all // every element is in flight at once, or the bubble deadlocks
					}
					mu.Lock()
					inFlight--
					mu.Unlock()
					return graphql.MarshalString(prefetched[i].id)
				})
				if len(ret) != len(prefetched) {
					t.Fatalf("got %d values, want %d", len(ret), len(prefetched))
				}
				for i, v := range ret {
					if v == nil {
						t.Errorf("element %d not marshalled", i)
					}
				}
				if !tt.wantConcurrent && (maxInFlight != 1 || !slices.Equal(order, []int{0, 1, 2})) {
					t.Errorf("inline path: order %v, %d in flight at most; want 0 1 2 one at a time", order, maxInFlight)
				}
			})
		})
	}
}

func TestMarshalListElementTypeThatCannotBeACacheKeyIsNotPrefetched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := responseContext(batch.WithCache(context.Background()))
		values := []product{{"p1"}, {"p2"}}
		all := make(chan struct{})
		var mu sync.Mutex
		started := 0
		batch.MarshalList(ctx, ast.SelectionSet{field("seller")}, listFields, values, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			mu.Lock()
			if started++; started == len(values) {
				close(all)
			}
			mu.Unlock()
			<-all // both elements in flight at once
			return graphql.Null
		})
	})
}

func TestMarshalListInlineKeepsGqlgensErrorContract(t *testing.T) {
	items := []*product{{"p1"}, {"p2"}, {"p3"}}
	sel := ast.SelectionSet{field("id")}
	t.Run("a panic is an error at the element's path and the list is null", func(t *testing.T) {
		ctx := responseContext(context.Background())
		var ran []int
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			ran = append(ran, i)
			if i == 1 {
				panic("boom")
			}
			return graphql.MarshalString(items[i].id)
		})
		if ret != nil {
			t.Errorf("list = %v, want nil", ret)
		}
		if !slices.Equal(ran, []int{0, 1, 2}) {
			t.Errorf("ran %v, want every element as gqlgen does", ran)
		}
		errs := graphql.GetErrors(ctx)
		if len(errs) != 1 || errs[0].Path.String() != "products[1]" {
			t.Errorf("errors %v, want one at products[1]", errs)
		}
	})
	t.Run("a done context starts no further element", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ctx = responseContext(ctx)
		var ran []int
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			ran = append(ran, i)
			cancel()
			return graphql.MarshalString(items[i].id)
		})
		if ret != nil || !slices.Equal(ran, []int{0}) {
			t.Errorf("list %v after elements %v, want nil after element 0", ret, ran)
		}
		errs := graphql.GetErrors(ctx)
		if len(errs) != 1 || errs[0].Path.String() != "products[1]" || !strings.Contains(errs[0].Message, "canceled") {
			t.Errorf("errors %v, want context canceled at products[1]", errs)
		}
	})
}

// operationContext is responseContext inside a gqlgen operation, whose
// error presenter prefixes each message with "presented: ", so that a test
// sees how often an error was presented.
func operationContext(ctx context.Context) context.Context {
	ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{RecoverFunc: graphql.DefaultRecover})
	ctx = graphql.WithResponseContext(ctx, func(ctx context.Context, err error) *gqlerror.Error {
		out := *graphql.DefaultErrorPresenter(ctx, err)
		out.Message = "presented: " + out.Message
		return &out
	}, graphql.DefaultRecover)
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: field("products")}})
}

// withProcs sets GOMAXPROCS to n for the test.
func withProcs(t *testing.T, n int) {
	prev := runtime.GOMAXPROCS(n)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

func TestMarshalListSplitsALongListAcrossCores(t *testing.T) {
	withProcs(t, 2)
	items := make([]*product, 2*batch.MinPart)
	for i := range items {
		items[i] = &product{fmt.Sprint("p", i)}
	}
	sel := ast.SelectionSet{field("id")}
	synctest.Test(t, func(t *testing.T) {
		ctx := operationContext(context.Background())
		secondPart := make(chan struct{})
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			switch i {
			case 0:
				<-secondPart // the second part runs beside the first, or the bubble deadlocks
			case batch.MinPart:
				close(secondPart)
			}
			return graphql.MarshalString(items[i].id)
		})
		if len(ret) != len(items) {
			t.Fatalf("got %d values, want %d", len(ret), len(items))
		}
		for i, v := range ret {
			var sb strings.Builder
			v.MarshalGQL(&sb)
			if want := fmt.Sprintf("%q", items[i].id); sb.String() != want {
				t.Errorf("element %d = %s, want %s", i, sb.String(), want)
			}
		}
	})
}

func TestMarshalListSplitKeepsTheSerialErrors(t *testing.T) {
	withProcs(t, 4)
	items := make([]*product, 4*batch.MinPart)
	for i := range items {
		items[i] = &product{fmt.Sprint("p", i)}
	}
	sel := ast.SelectionSet{field("id")}
	// Every third element fails, in every part; the part that reaches its
	// element first does not decide the order.
	failing := func(i int) bool { return i%3 == 1 }
	var want []string
	for i := range items {
		if failing(i) {
			want = append(want, fmt.Sprintf("presented: p%d failed products[%d]", i, i))
		}
	}
	for round := range 20 {
		ctx := operationContext(context.Background())
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			if failing(i) {
				graphql.AddError(ctx, fmt.Errorf("p%d failed", i))
				if fc := graphql.GetFieldContext(ctx); !graphql.HasFieldError(ctx, fc) {
					t.Errorf("element %d: HasFieldError does not see its error", i)
				}
				return graphql.Null
			}
			return graphql.MarshalString(items[i].id)
		})
		if len(ret) != len(items) {
			t.Fatalf("round %d: got %d values, want %d", round, len(ret), len(items))
		}
		var got []string
		for _, e := range graphql.GetErrors(ctx) {
			got = append(got, e.Message+" "+e.Path.String())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: errors\n%v\nwant, in the order of the elements, each presented once,\n%v", round, got, want)
		}
	}
}

func TestMarshalListSplitPanicAndDoneContext(t *testing.T) {
	withProcs(t, 2)
	items := make([]*product, 2*batch.MinPart)
	for i := range items {
		items[i] = &product{fmt.Sprint("p", i)}
	}
	sel := ast.SelectionSet{field("id")}
	t.Run("a panic in the second part is an error at the element's path and the list is null", func(t *testing.T) {
		ctx := operationContext(context.Background())
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			if i == batch.MinPart+1 {
				panic("boom")
			}
			return graphql.MarshalString(items[i].id)
		})
		if ret != nil {
			t.Errorf("list = %v, want nil", ret)
		}
		errs := graphql.GetErrors(ctx)
		if want := fmt.Sprintf("products[%d]", batch.MinPart+1); len(errs) != 1 || errs[0].Path.String() != want || !strings.HasPrefix(errs[0].Message, "presented: ") {
			t.Errorf("errors %v, want one presented at %s", errs, want)
		}
	})
	t.Run("a done context is reported once and the list is null", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			ctx = operationContext(ctx)
			ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
				cancel() // both parts stop after their first element
				return graphql.MarshalString(items[i].id)
			})
			if ret != nil {
				t.Errorf("list = %v, want nil", ret)
			}
			errs := graphql.GetErrors(ctx)
			if len(errs) != 1 || !strings.Contains(errs[0].Message, "canceled") {
				t.Errorf("errors %v, want one context canceled", errs)
			}
		})
	})
}

func TestMarshalListDoesNotSplit(t *testing.T) {
	items := make([]*product, 4*batch.MinPart)
	for i := range items {
		items[i] = &product{fmt.Sprint("p", i)}
	}
	sel := ast.SelectionSet{field("id")}
	serial := func(t *testing.T, ctx context.Context, items []*product) {
		t.Helper()
		var order []int
		ret := batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			order = append(order, i) // a data race, which -race reports, unless serial
			return graphql.MarshalString(items[i].id)
		})
		if len(ret) != len(items) || len(order) != len(items) || !slices.IsSorted(order) {
			t.Errorf("got %d values, order %v; want %d one after the other", len(ret), order, len(items))
		}
	}
	t.Run("with one core", func(t *testing.T) {
		withProcs(t, 1)
		serial(t, operationContext(context.Background()), items)
	})
	t.Run("a short list", func(t *testing.T) {
		withProcs(t, 4)
		serial(t, operationContext(context.Background()), items[:2*batch.MinPart-1])
	})
	t.Run("outside an operation", func(t *testing.T) {
		withProcs(t, 4)
		serial(t, responseContext(context.Background()), items)
	})
	t.Run("a list inside a split list", func(t *testing.T) {
		withProcs(t, 2)
		ctx := operationContext(context.Background())
		batch.MarshalList(ctx, sel, listFields, items[:2*batch.MinPart], 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			if i == 0 {
				serial(t, ctx, items)
			}
			return graphql.Null
		})
	})
}

// BenchmarkMarshalListSplit marshals a list of 20 elements that each take
// some CPU (a stand-in for an object with a dozen fields) with one core and
// with two: with two, MarshalList splits the list in two parts side by
// side, so ns/op shows what an idle core takes off a request's latency.
func BenchmarkMarshalListSplit(b *testing.B) {
	items := make([]*product, 20)
	for i := range items {
		items[i] = &product{fmt.Sprint("p", i)}
	}
	sel := ast.SelectionSet{field("id")}
	work := func(i int) graphql.Marshaler {
		var sb strings.Builder
		for range 200 {
			fmt.Fprintf(&sb, "%s:%d,", items[i].id, i)
		}
		return graphql.MarshalString(sb.String()[:len(items[i].id)])
	}
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			prev := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(prev)
			ctx := operationContext(context.Background())
			b.ReportAllocs()
			for b.Loop() {
				batch.MarshalList(ctx, sel, listFields, items, 0, false, func(ctx context.Context, i int) graphql.Marshaler { return work(i) })
			}
		})
	}
}
