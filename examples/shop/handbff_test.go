package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/backends/users"
	"github.com/bffgen/bffgen/examples/shop/bench"
	"github.com/bffgen/bffgen/examples/shop/bench/handbff"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
)

// rawResponse is a GraphQL response whose data stays as the bytes the
// server wrote.
type rawResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

// postRaw posts query to endpoint and returns the response with its data
// undecoded.
func postRaw(t testing.TB, endpoint, query string) rawResponse {
	t.Helper()
	return postRawVars(t, endpoint, query, nil)
}

// postRawVars is postRaw with variables; it fails the test unless the
// status is 200.
func postRawVars(t testing.TB, endpoint, query string, vars map[string]any) rawResponse {
	t.Helper()
	status, out := postAs[rawResponse](t, endpoint, query, vars)
	if status != http.StatusOK {
		t.Fatalf("status %d: %+v", status, out)
	}
	return out
}

// newHandBFF serves the hand-written BFF over run on loopback and returns
// its GraphQL endpoint.
func newHandBFF(t testing.TB, run *backends.Running) string {
	t.Helper()
	ts := httptest.NewServer(handbff.NewHandler(run.CatalogURL, run.ReviewsURL, run.UsersURL))
	t.Cleanup(ts.Close)
	return ts.URL + "/graphql"
}

func TestHandWrittenBFFAnswersLikeTheGeneratedOne(t *testing.T) {
	var run *backends.Running
	generated := newBFFWith(t, bffOptions{
		backends: backends.Options{Products: bench.Products, ReviewsPerProduct: bench.Reviews},
		started:  func(r *backends.Running) { run = r },
	})
	hand := newHandBFF(t, run)

	want := postRaw(t, generated, bench.Query)
	got := postRaw(t, hand, bench.Query)
	if len(want.Errors) > 0 {
		t.Fatalf("generated BFF: errors %+v", want.Errors)
	}
	if len(got.Errors) > 0 {
		t.Fatalf("hand-written BFF: errors %+v", got.Errors)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("data differ\nhand-written: %s\ngenerated:    %s", got.Data, want.Data)
	}

	var data struct {
		Products []struct {
			ID     string
			Seller *struct{ ID string }
			// Reviews of the product, each with its reviewer.
			Reviews []struct {
				ID       string
				Reviewer *struct{ DisplayName string }
			}
		}
	}
	if err := json.Unmarshal(got.Data, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Products) != bench.First {
		t.Fatalf("%d products, want %d", len(data.Products), bench.First)
	}
	// The reviewer is null only where the review's author is unknown to the
	// users backend: the example data has one such review (by u-210, a
	// deleted account). Ask the reviews backend who wrote what.
	ids := make([]string, len(data.Products))
	for i, p := range data.Products {
		ids[i] = p.ID
	}
	rc := reviewsv1connect.NewReviewServiceClient(http.DefaultClient, run.ReviewsURL)
	resp, err := rc.ListReviewsByProducts(t.Context(), connect.NewRequest(&reviewsv1.ListReviewsByProductsRequest{ProductIds: ids, PerProduct: bench.PerProduct}))
	if err != nil {
		t.Fatal(err)
	}
	deleted := map[string]bool{} // review ids by a deleted account
	for _, res := range resp.Msg.GetResults() {
		for _, r := range res.GetReviews() {
			if r.GetAuthorId() == fmt.Sprintf("u-%d", users.DeletedSeller) {
				deleted[r.GetId()] = true
			}
		}
	}
	nulls := 0
	for _, p := range data.Products {
		if p.Seller == nil || p.Seller.ID == "" {
			t.Errorf("product %s: no seller", p.ID)
		}
		if len(p.Reviews) != bench.PerProduct {
			t.Errorf("product %s: %d reviews, want %d", p.ID, len(p.Reviews), bench.PerProduct)
		}
		for _, r := range p.Reviews {
			switch {
			case r.Reviewer == nil && deleted[r.ID]:
				nulls++
			case r.Reviewer == nil:
				t.Errorf("product %s, review %s: no reviewer", p.ID, r.ID)
			case r.Reviewer.DisplayName == "":
				t.Errorf("product %s, review %s: reviewer without a name", p.ID, r.ID)
			case deleted[r.ID]:
				t.Errorf("product %s, review %s: the reviewer of a deleted account is %+v, want null", p.ID, r.ID, *r.Reviewer)
			}
		}
	}
	t.Logf("%d of %d products compared; %d reviews by a deleted account, with a null reviewer", len(data.Products), bench.First, nulls)

	// Every field of the hand-written schema, over the whole catalog and
	// with other arguments, answers alike too.
	const all = `query All($first: Int, $category: Category, $reviews: Int) {
  products(first: $first, category: $category) {
    id name description priceCents currency category createdAt tags stock
    seller { id displayName country joinedAt }
    reviews(first: $reviews) { id productId rating title body author createdAt reviewer { id displayName country joinedAt } }
    defaultReviews: reviews { id }
  }
}`
	for _, vars := range []map[string]any{
		{"first": bench.Products, "reviews": 10},
		{"first": 7, "category": "OUTDOOR", "reviews": 2},
	} {
		want, got := postRawVars(t, generated, all, vars), postRawVars(t, hand, all, vars)
		if len(want.Errors) > 0 || len(got.Errors) > 0 {
			t.Fatalf("%v: errors: generated %+v, hand-written %+v", vars, want.Errors, got.Errors)
		}
		if !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%v: data differ\nhand-written: %s\ngenerated:    %s", vars, got.Data, want.Data)
		}
	}
}

func TestHandWrittenBFFBatchesBackendCalls(t *testing.T) {
	c := &counter{calls: map[string]int{}}
	run, err := backends.Start(backends.Options{
		Products: bench.Products, ReviewsPerProduct: bench.Reviews,
		HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(c.interceptor())},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	endpoint := newHandBFF(t, run)

	if res := postRaw(t, endpoint, bench.Query); len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	c.mu.Lock()
	ids := c.ids
	c.mu.Unlock()
	got := c.reset()
	t.Logf("backend calls for one bench.Query: %v (ids per BatchGetUsers call: %v)", got, ids)
	// A time-window dataloader batches by timing, not by level. On an idle
	// machine it makes one reviews call and two users calls (sellers, then
	// reviewers). On a busy one the first window can stay open until the
	// reviewers join it, or a window can close early and split a level.
	// Without batching the operation would make 20 reviews calls and 120
	// users calls, so a quarter of those is the bound.
	if got["ListProducts"] != 1 {
		t.Errorf("ListProducts calls = %d, want 1", got["ListProducts"])
	}
	if n := got["ListReviewsByProducts"]; n < 1 || n >= 5 {
		t.Errorf("ListReviewsByProducts calls = %d, want 1 to 4 (N+1 would make 20)", n)
	}
	if n := got["BatchGetUsers"]; n < 1 || n >= 30 {
		t.Errorf("BatchGetUsers calls = %d, want 1 to 29 (N+1 would make 120)", n)
	}
}
