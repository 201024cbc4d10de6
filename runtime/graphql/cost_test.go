package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// costServer serves the test schema with the cost report on or off.
// Product ids starting with "none" resolve to null. Query.products lists
// at most 4 products p-1 to p-4: those with an even number have a rating;
// p-1 has 3 related products (one more than the schema's assumedSize),
// the others 1; the related products have none.
func costServer(t *testing.T, report bool) *httptest.Server {
	t.Helper()
	es := testschema.New(&testschema.Resolver{
		Product: func(_ context.Context, id string) (*testschema.Product, error) {
			if strings.HasPrefix(id, "none") {
				return nil, nil
			}
			return &testschema.Product{ID: id, Name: "Product " + id}, nil
		},
		Products: func(_ context.Context, first int) ([]*testschema.Product, error) {
			var out []*testschema.Product
			for i := 1; i <= min(first, 4); i++ {
				p := &testschema.Product{ID: fmt.Sprintf("p-%d", i)}
				if i%2 == 0 {
					p.Rating = &i
				}
				related := 1
				if i == 1 {
					related = 3
				}
				for j := range related {
					p.Related = append(p.Related, &testschema.Product{ID: fmt.Sprintf("%s-%d", p.ID, j)})
				}
				out = append(out, p)
			}
			return out, nil
		},
	})
	d, err := rgraphql.New(es.Schema(), gqlgenexec.New(es, gqlgenexec.WithCostMeter(report)), rgraphql.WithCostReport(report))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return srv
}

type costAnswer struct {
	Data       json.RawMessage `json:"data"`
	Extensions struct {
		Cost *struct {
			Estimated *int `json:"estimated"`
			Actual    *int `json:"actual"`
		} `json:"cost"`
	} `json:"extensions"`
}

func postCost(t *testing.T, url, query string) costAnswer {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"query": query})
	res, err := http.Post(url, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a costAnswer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCostReportGivesTheEstimateAndTheActualCost runs operations whose
// actual cost differs from their estimate in known ways.
func TestCostReportGivesTheEstimateAndTheActualCost(t *testing.T) {
	t.Parallel()
	srv := costServer(t, true)
	tests := []struct {
		name              string
		query             string
		estimated, actual int
		// over marks an actual cost over the estimate: what the measure
		// mode is there to show.
		over bool
	}{
		{"a scalar root field costs 0", `{ hello }`, 0, 0, false},
		{"an object costs 1", `{ product(id: "p-1") { id name } }`, 1, 1, false},
		{"a null object costs 0 though estimated 1", `{ product(id: "none-1") { id } }`, 1, 0, false},
		{"two objects, one null", `{ a: product(id: "p-1") { id } b: product(id: "none-2") { id } }`, 2, 1, false},
		{"__typename costs 0", `{ __typename product(id: "p-1") { __typename id } }`, 1, 1, false},
		{"a mutation root field adds 10", `mutation { echo(text: "x") }`, 10, 10, false},
		{"two mutation root fields add 20", `mutation { a: echo(text: "x") b: echo(text: "y") }`, 20, 20, false},
		{"a list shorter than first counts its elements", `{ products(first: 10) { id } }`, 10, 4, false},
		{"a weighted scalar counts its weight when not null", `{ products(first: 10) { rating } }`, 10 * (1 + 3), 4 + 2*3, false},
		{"a nested list counts every element", `{ products(first: 3) { id related { id } } }`, 3 * (1 + 2), 3 + 3 + 1 + 1, false},
		{"an empty nested list counts 0", `{ products(first: 2) { related { related { id } } } }`, 2 * (1 + 2*(1+2)), 2 + 3 + 1, false},
		{"a weighted argument adds its weight once", `{ products(first: 2, expensive: true) { id } }`, 2 + 5, 2 + 5, false},
		{"a list longer than its assumedSize costs more than estimated", `{ products(first: 1) { related { id } } }`, 1 * (1 + 2), 1 + 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := postCost(t, srv.URL, tt.query)
			c := a.Extensions.Cost
			if c == nil || c.Estimated == nil || c.Actual == nil {
				t.Fatalf("no extensions.cost in the response (data %s)", a.Data)
			}
			if *c.Estimated != tt.estimated || *c.Actual != tt.actual {
				t.Errorf("cost estimated %d actual %d, want %d and %d", *c.Estimated, *c.Actual, tt.estimated, tt.actual)
			}
			if over := *c.Actual > *c.Estimated; over != tt.over {
				t.Errorf("actual %d, estimate %d: over %v, want %v", *c.Actual, *c.Estimated, over, tt.over)
			}
		})
	}
}

func TestCostReportIsOffByDefault(t *testing.T) {
	t.Parallel()
	srv := costServer(t, false)
	if a := postCost(t, srv.URL, `{ product(id: "p-1") { id } }`); a.Extensions.Cost != nil || len(a.Data) == 0 {
		t.Errorf("got data %s and a cost extension %v, want data and no cost", a.Data, a.Extensions.Cost)
	}
}

// TestCostReportIsOnlyOnExecutedResponses: a request refused before
// execution carries no cost.
func TestCostReportIsOnlyOnExecutedResponses(t *testing.T) {
	t.Parallel()
	srv := costServer(t, true)
	if a := postCost(t, srv.URL, `{ nosuchfield }`); a.Extensions.Cost != nil {
		t.Errorf("a validation error carries a cost: %+v", *a.Extensions.Cost)
	}
}
