package main

import (
	"fmt"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
)

// The three response shapes of @batch besides "one result per key, matched
// by a field" (see batch_test.go), each bound in schema/shop.graphql:
//   - Product.latestReviews: a flat list of reviews for all the products,
//     grouped by each review's product_id (one-to-many, order kept);
//   - Product.sellerProfile: Cosmo's lookup, one key message per product and
//     one user per key, in key order;
//   - Review.product: a map<string, Product> keyed by id.
// Each is checked for correct matching against an independent path through
// the schema (reviews, seller, productId), and for one call per level at 1
// and 50 parents and under 16 concurrent requests.

// shapesBFF serves the BFF over a catalog of 120 products with three
// reviews each, counting the backend calls.
func shapesBFF(t *testing.T) (string, *counter) {
	t.Helper()
	c := &counter{calls: map[string]int{}}
	endpoint := newBFFWith(t, bffOptions{backends: backends.Options{
		Products: 120, ReviewsPerProduct: 3, HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(c.interceptor())},
	}})
	return endpoint, c
}

const shapesQuery = `query($n: Int!) { products(first: $n) {
  id
  seller { id displayName }
  sellerProfile { id displayName }
  reviews(first: 10) { id }
  latestReviews(first: 10) { id productId product { id name } }
} }`

// checkShapes checks that every product's batched fields hold its own data.
func checkShapes(t *testing.T, res response, n int) {
	t.Helper()
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	products, _ := res.Data["products"].([]any)
	if len(products) != n {
		t.Fatalf("%d products, want %d", len(products), n)
	}
	for _, raw := range products {
		p := raw.(map[string]any)
		id := p["id"]
		// Cosmo lookup: the same user as the by-id batch.
		if fmt.Sprint(p["sellerProfile"]) != fmt.Sprint(p["seller"]) || p["seller"] == nil {
			t.Errorf("%s: sellerProfile %v, want the seller %v", id, p["sellerProfile"], p["seller"])
		}
		// Grouped: the same reviews, in the same order, as the per-key
		// batch, each of this product.
		var want, got []any
		for _, r := range p["reviews"].([]any) {
			want = append(want, r.(map[string]any)["id"])
		}
		latest := p["latestReviews"].([]any)
		if len(latest) == 0 {
			t.Errorf("%s: no latestReviews, want %d", id, len(want))
		}
		for _, raw := range latest {
			r := raw.(map[string]any)
			got = append(got, r["id"])
			if r["productId"] != id {
				t.Errorf("%s: latestReviews holds review %v of product %v", id, r["id"], r["productId"])
			}
			// Map: the review's product, looked up by its product_id.
			if prod, _ := r["product"].(map[string]any); prod == nil || prod["id"] != id {
				t.Errorf("%s: review %v has product %v", id, r["id"], r["product"])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: latestReviews %v, want %v (the per-key batch's, same order)", id, got, want)
		}
	}
}

// Each level makes one call per backend method, whatever the number of
// parents: products, then seller/sellerProfile/reviews/latestReviews for all
// products, then product for all the reviews.
var shapesCalls = map[string]int{"ListProducts": 1, "BatchGetUsers": 1, "LookupUserById": 1, "ListReviewsByProducts": 1, "ListReviewsByProductIds": 1, "BatchGetProducts": 1}

func TestBatchShapesMatchTheirParents(t *testing.T) {
	endpoint, c := shapesBFF(t)
	for _, n := range []int{1, 50} {
		t.Run(fmt.Sprintf("%d products", n), func(t *testing.T) {
			c.reset()
			_, res := post(t, endpoint, shapesQuery, map[string]any{"n": n})
			checkShapes(t, res, n)
			if got := c.reset(); fmt.Sprint(got) != fmt.Sprint(shapesCalls) {
				t.Errorf("calls %v, want %v (one per method per level)", got, shapesCalls)
			}
		})
	}
}

func TestBatchShapesUnderConcurrency(t *testing.T) {
	endpoint, c := shapesBFF(t)
	const n = 16
	var wg sync.WaitGroup
	results := make([]response, n)
	for i := range n {
		wg.Go(func() { _, results[i] = post(t, endpoint, shapesQuery, map[string]any{"n": 50}) })
	}
	wg.Wait()
	for _, res := range results {
		checkShapes(t, res, 50)
	}
	want := map[string]int{}
	for k, v := range shapesCalls {
		want[k] = v * n
	}
	if got := c.reset(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v (one per method per level per request)", got, want)
	}
}

func TestBatchShapesEdgeCases(t *testing.T) {
	endpoint, _ := countingBFF(t, "") // the example reviews: p-1005 has none
	t.Run("a key without items has an empty list, not null or an error", func(t *testing.T) {
		_, res := post(t, endpoint, `{ a: product(id: "p-1005") { latestReviews { id } } b: product(id: "p-1003") { latestReviews { id } } }`, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		if got, want := fmt.Sprint(res.Data), "map[a:map[latestReviews:[]] b:map[latestReviews:[map[id:r-0006]]]]"; got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("a missing map entry is null on a nullable field", func(t *testing.T) {
		// A review whose product is not in the catalog: create one.
		_, res := post(t, endpoint, `mutation { addReview(input: {productId: "p-0000", rating: 5, title: "t", body: "b", author: "a"}) { id product { id } } }`, nil, bearer(t, "u-1", "reviews:write")...)
		if len(res.Errors) > 0 {
			t.Fatalf("errors: %+v", res.Errors)
		}
		if got := fmt.Sprint(res.Data["addReview"].(map[string]any)["product"]); got != "<nil>" {
			t.Errorf("product of a review of an unknown product = %s, want null", got)
		}
	})
}
