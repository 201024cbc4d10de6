package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
)

// counter counts the RPCs the backends receive, by procedure.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
	ids   []int // ids per BatchGetUsers call
}

func (c *counter) interceptor() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			c.mu.Lock()
			c.calls[req.Spec().Procedure[strings.LastIndex(req.Spec().Procedure, "/")+1:]]++
			if r, ok := req.Any().(*usersv1.BatchGetUsersRequest); ok {
				c.ids = append(c.ids, len(r.GetIds()))
			}
			c.mu.Unlock()
			return next(ctx, req)
		}
	})
}

func (c *counter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.calls
	c.calls, c.ids = map[string]int{}, nil
	return got
}

// countingBFF serves the BFF over backends with a catalog of 120 products
// whose calls are counted; usersYAML is appended to the users upstream.
func countingBFF(t testing.TB, usersYAML string) (string, *counter) {
	t.Helper()
	c := &counter{calls: map[string]int{}}
	endpoint := newBFFWith(t, bffOptions{usersYAML: usersYAML, backends: backends.Options{
		Products: 120, HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(c.interceptor())},
	}})
	return endpoint, c
}

func TestBatchingMakesOneCallPerBackendPerLevel(t *testing.T) {
	endpoint, c := countingBFF(t, "")
	tests := []struct {
		name  string
		query string
		want  map[string]int
	}{
		{"50 products with seller and reviews", `{ products(first: 50) { id seller { id } reviews { rating } } }`,
			map[string]int{"ListProducts": 1, "BatchGetUsers": 1, "ListReviewsByProducts": 1}},
		{"1 product with seller and reviews", `{ products(first: 1) { id seller { id } reviews { rating } } }`,
			map[string]int{"ListProducts": 1, "BatchGetUsers": 1, "ListReviewsByProducts": 1}},
		{"reviewers one level down: one call for all reviews of all products", `{ products(first: 50) { reviews { reviewer { displayName } } } }`,
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1, "BatchGetUsers": 1}},
		{"sellers and reviewers: one user call per level", `{ products(first: 50) { seller { id } reviews { reviewer { id } } } }`,
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1, "BatchGetUsers": 2}},
		{"through a plain message field (productPage.products)", `{ productPage(first: 50) { products { seller { id } } } }`,
			map[string]int{"ListProducts": 1, "BatchGetUsers": 1}},
		{"a single product", `{ product(id: "p-1002") { seller { id } reviews { reviewer { id } } } }`,
			map[string]int{"GetProduct": 1, "BatchGetUsers": 2, "ListReviewsByProducts": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.reset()
			if _, res := post(t, endpoint, tt.query, nil); len(res.Errors) > 0 {
				t.Fatalf("errors: %+v", res.Errors)
			}
			if got := c.reset(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("calls %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBatchingUnderConcurrencyCountsPerRequest(t *testing.T) {
	endpoint, c := countingBFF(t, "")
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Go(func() {
			if _, res := post(t, endpoint, `{ products(first: 50) { id seller { id } reviews { rating } } }`, nil); len(res.Errors) > 0 {
				errs <- fmt.Sprint(res.Errors)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	want := map[string]int{"ListProducts": n, "BatchGetUsers": n, "ListReviewsByProducts": n}
	if got := c.reset(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v (one per backend per request)", got, want)
	}
}

func TestBatchingChunksByMaxBatchSize(t *testing.T) {
	endpoint, c := countingBFF(t, ", max_batch_size: 20")
	// 50 products have 42 distinct sellers (the first ten share two).
	_, res := post(t, endpoint, `{ products(first: 50) { id seller { id displayName } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	c.mu.Lock()
	ids := slices.Sorted(slices.Values(c.ids))
	c.mu.Unlock()
	if got := c.reset()["BatchGetUsers"]; got != 3 || fmt.Sprint(ids) != "[2 20 20]" {
		t.Errorf("BatchGetUsers calls = %d with %v ids, want 3 calls of [2 20 20] (42 distinct keys, duplicates sent once)", got, ids)
	}
	products := res.Data["products"].([]any)
	first := products[0].(map[string]any)["seller"].(map[string]any)
	last := products[49].(map[string]any)["seller"].(map[string]any)
	if first["id"] != "u-11" || first["displayName"] != "Outdoor Depot" || last["id"] != "u-149" || last["displayName"] != "Seller 149" {
		t.Errorf("sellers matched to the wrong products: first %v, last %v", first, last)
	}
}

func TestBatchedResultsMatchTheirParents(t *testing.T) {
	endpoint, _ := countingBFF(t, "")
	_, res := post(t, endpoint, `{ products(first: 3) { id reviews(first: 2) { body reviewer { displayName } } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	got := fmt.Sprint(res.Data)
	want := "map[products:[" +
		"map[id:p-1001 reviews:[map[body:Great shoes, but order half a size up. reviewer:map[displayName:Jonas B.]] map[body:Took them up a wet ridge trail: no slipping at all. reviewer:map[displayName:Amira K.]]]] " +
		"map[id:p-1002 reviews:[map[body:Charged it once in a week of travel. reviewer:map[displayName:Noor H.]] map[body:Sound is superb; they press on my glasses after an hour. reviewer:map[displayName:Sam O.]]]] " +
		"map[id:p-1003 reviews:[map[body:Practical, and the pest chapter saved my basil. reviewer:map[displayName:Inès D.]]]]]]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestMissingBatchResults(t *testing.T) {
	endpoint, _ := countingBFF(t, "")
	t.Run("non-null field: NOT_FOUND at that parent (GraphQL then nulls up to a nullable parent)", func(t *testing.T) {
		// The 111th product's seller account is gone.
		_, res := post(t, endpoint, `{ product(id: "p-1111") { id seller { id } } }`, nil)
		if len(res.Errors) != 1 {
			t.Fatalf("errors = %+v, want one", res.Errors)
		}
		if e := res.Errors[0]; e.Extensions["code"] != "NOT_FOUND" || fmt.Sprint(e.Path) != "[product seller]" {
			t.Errorf("error = %+v, want NOT_FOUND at product.seller", e)
		}
	})
	t.Run("nullable field: null, and the siblings keep their data", func(t *testing.T) {
		// p-1008's only review was written by the deleted account; p-1009's
		// reviewer exists.
		_, res := post(t, endpoint, `{ a: product(id: "p-1008") { reviews { reviewer { displayName } } } b: product(id: "p-1009") { reviews { reviewer { displayName } } } }`, nil)
		if len(res.Errors) != 0 {
			t.Fatalf("errors = %+v, want none", res.Errors)
		}
		got := fmt.Sprint(res.Data)
		want := "map[a:map[reviews:[map[reviewer:<nil>]]] b:map[reviews:[map[reviewer:map[displayName:Amira K.]]]]]"
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

func TestRelatedProductsMakeOneCallPerLevel(t *testing.T) {
	// 50 products with related 3 levels deep, 5 each, is an estimated cost
	// of 50 + 250 + 1250 + 6250 = 7800, over the default max_cost of 5000
	// (as it should be: 6250 products at the last level); this test is
	// about batching, so the cost limit is off here.
	c := &counter{calls: map[string]int{}}
	endpoint := newBFFWith(t, bffOptions{extraYAML: "gateway: {graphql: {max_cost: 0}}\n", backends: backends.Options{
		Products: 120, HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(c.interceptor())},
	}})
	tests := []struct {
		name  string
		query string
		want  map[string]int
	}{
		{"1 product", `{ products(first: 1) { id related { id } } }`,
			map[string]int{"ListProducts": 1, "ListRelatedProducts": 1}},
		{"50 products", `{ products(first: 50) { id related { id name } } }`,
			map[string]int{"ListProducts": 1, "ListRelatedProducts": 1}},
		{"50 products, related nested 3 levels deep: one call per level", `{ products(first: 50) { related { related { related { id } } } } }`,
			map[string]int{"ListProducts": 1, "ListRelatedProducts": 3}},
		{"3 levels with a different first at each level", `{ products(first: 50) { related(first: 1) { related(first: 7) { related(first: 2) { id } } } } }`,
			map[string]int{"ListProducts": 1, "ListRelatedProducts": 3}},
		{"sellers at every level: one user call per level", `{ products(first: 50) { seller { id } related { seller { id } related { seller { id } } } } }`,
			map[string]int{"ListProducts": 1, "ListRelatedProducts": 2, "BatchGetUsers": 3}},
		{"a single product, 3 levels deep", `{ product(id: "p-1002") { related { related { related { id } } } } }`,
			map[string]int{"GetProduct": 1, "ListRelatedProducts": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.reset()
			if _, res := post(t, endpoint, tt.query, nil); len(res.Errors) > 0 {
				t.Fatalf("errors: %+v", res.Errors)
			}
			if got := c.reset(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("calls %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRelatedProductsMatchTheirParents(t *testing.T) {
	endpoint, _ := countingBFF(t, "")
	// In the 120-product catalog, product i has the category of product
	// i%10: p-1001, p-1005, p-1009, p-1011, ... are outdoor products, and
	// p-1003, p-1007, p-1013, ... are books.
	_, res := post(t, endpoint, `{
  products(first: 3) { id related(first: 2) { id related(first: 1) { id category } } }
}`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	got := fmt.Sprint(res.Data)
	want := "map[products:[" +
		"map[id:p-1001 related:[map[id:p-1005 related:[map[category:OUTDOOR id:p-1009]]] map[id:p-1009 related:[map[category:OUTDOOR id:p-1011]]]]] " +
		"map[id:p-1002 related:[map[id:p-1006 related:[map[category:ELECTRONICS id:p-1010]]] map[id:p-1010 related:[map[category:ELECTRONICS id:p-1012]]]]] " +
		"map[id:p-1003 related:[map[id:p-1007 related:[map[category:BOOKS id:p-1013]]] map[id:p-1013 related:[map[category:BOOKS id:p-1017]]]]]]]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	t.Run("a negative first is the backend's InvalidArgument", func(t *testing.T) {
		_, res := post(t, endpoint, `{ product(id: "p-1001") { related(first: -1) { id } } }`, nil)
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("errors = %+v, want one BAD_USER_INPUT", res.Errors)
		}
	})
}
