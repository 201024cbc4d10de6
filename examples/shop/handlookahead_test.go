package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/bench"
	"github.com/bffgen/bffgen/examples/shop/bench/handlookahead"
)

// newLookaheadBFF serves the lookahead BFF over run on loopback and
// returns its GraphQL endpoint.
func newLookaheadBFF(t testing.TB, run *backends.Running) string {
	t.Helper()
	ts := httptest.NewServer(handlookahead.NewHandler(run.CatalogURL, run.ReviewsURL, run.UsersURL))
	t.Cleanup(ts.Close)
	return ts.URL + "/graphql"
}

// allFieldsQuery selects every field of the hand-written schema, reviews
// twice with different firsts (the lookahead merges them into one call).
const allFieldsQuery = `query All($first: Int, $category: Category, $reviews: Int) {
  products(first: $first, category: $category) {
    id name description priceCents currency category createdAt tags stock
    seller { id displayName country joinedAt }
    reviews(first: $reviews) { id productId rating title body author createdAt reviewer { id displayName country joinedAt } }
    defaultReviews: reviews { id }
  }
}`

// fragmentsQuery hides the selections the lookahead must find behind
// fragments and directives: seller is skipped, reviewer is in a fragment
// spread inside an inline fragment, and reviews has a literal first.
const fragmentsQuery = `query Frag($noSeller: Boolean!) {
  products(first: 12) {
    id
    seller @skip(if: $noSeller) { id }
    ... on Product { reviews(first: 3) { ...R } }
  }
}
fragment R on Review { id reviewer { displayName } }`

func TestLookaheadBFFAnswersLikeTheGeneratedOne(t *testing.T) {
	var run *backends.Running
	generated := newBFFWith(t, bffOptions{
		backends: backends.Options{Products: bench.Products, ReviewsPerProduct: bench.Reviews},
		started:  func(r *backends.Running) { run = r },
	})
	look := newLookaheadBFF(t, run)

	tests := []struct {
		name, query string
		vars        map[string]any
	}{
		{"bench.Query", bench.Query, nil},
		{"every field over the whole catalog", allFieldsQuery, map[string]any{"first": bench.Products, "reviews": 10}},
		{"every field of one category", allFieldsQuery, map[string]any{"first": 7, "category": "OUTDOOR", "reviews": 2}},
		{"every field, reviews null and default", allFieldsQuery, map[string]any{"first": 30, "reviews": nil}},
		{"fragments, seller skipped", fragmentsQuery, map[string]any{"noSeller": true}},
		{"fragments, seller kept", fragmentsQuery, map[string]any{"noSeller": false}},
		{"no nested field", `{ products(first: 3) { id name } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, got := postRawVars(t, generated, tt.query, tt.vars), postRawVars(t, look, tt.query, tt.vars)
			if len(want.Errors) > 0 || len(got.Errors) > 0 {
				t.Fatalf("errors: generated %+v, lookahead %+v", want.Errors, got.Errors)
			}
			if len(want.Data) < 50 {
				t.Fatalf("the generated BFF answered little data: %s", want.Data)
			}
			if !bytes.Equal(got.Data, want.Data) {
				t.Errorf("data differ\nlookahead: %s\ngenerated: %s", got.Data, want.Data)
			}
		})
	}
}

func TestLookaheadBFFMakesOneCallPerBackendPerLevel(t *testing.T) {
	c := &counter{calls: map[string]int{}}
	run, err := backends.Start(backends.Options{
		Products: bench.Products, ReviewsPerProduct: bench.Reviews,
		HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(c.interceptor())},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	endpoint := newLookaheadBFF(t, run)

	// Calls per request: one per backend per level that the selection
	// needs. BatchGetUsers is on two levels (sellers, then reviewers).
	tests := []struct {
		name, query string
		vars        map[string]any
		want        map[string]int
	}{
		{"bench.Query", bench.Query, nil,
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1, "BatchGetUsers": 2}},
		{"every field, two firsts merged", allFieldsQuery, map[string]any{"first": 20, "reviews": 10},
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1, "BatchGetUsers": 2}},
		{"seller skipped, reviewer in a fragment", fragmentsQuery, map[string]any{"noSeller": true},
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1, "BatchGetUsers": 1}},
		{"seller only", `{ products(first: 20) { id seller { id } } }`, nil,
			map[string]int{"ListProducts": 1, "BatchGetUsers": 1}},
		{"reviews without reviewer", `{ products(first: 20) { id reviews { id } } }`, nil,
			map[string]int{"ListProducts": 1, "ListReviewsByProducts": 1}},
		{"no nested field", `{ products(first: 20) { id } }`, nil,
			map[string]int{"ListProducts": 1}},
	}
	const clients, perClient = 16, 6
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.reset()
			body, _ := json.Marshal(map[string]any{"query": tt.query, "variables": tt.vars})
			var wg sync.WaitGroup
			errs := make(chan error, clients*perClient)
			for range clients {
				wg.Go(func() {
					for range perClient {
						if err := postExpectData(endpoint, body); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			c.mu.Lock()
			ids := slices.Clone(c.ids)
			c.mu.Unlock()
			got := c.reset()
			want := map[string]int{}
			for k, n := range tt.want {
				want[k] = n * clients * perClient
			}
			if !maps.Equal(got, want) {
				t.Errorf("backend calls for %d requests from %d parallel clients = %v, want %v", clients*perClient, clients, got, want)
			}
			if slices.Contains(ids, 0) || slices.Max(append(ids, 0)) > 100 {
				t.Errorf("ids per BatchGetUsers call = %v, want 1 to 100", ids)
			}
		})
	}
}

// postExpectData posts a JSON body to endpoint and fails unless the
// answer is 200 with data and without errors. It does not use testing.T,
// so that parallel clients may call it.
func postExpectData(endpoint string, body []byte) error {
	resp, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out rawResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || len(out.Errors) > 0 || len(out.Data) < 20 {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	return nil
}
