package batch_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/runtime/batch"
	"github.com/vektah/gqlparser/v2/ast"
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
