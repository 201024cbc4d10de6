package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
)

// TestCostReportFollowsTheConfig: gateway.graphql.cost_report adds the
// estimated and the actual cost to a response; introspection costs
// nothing in either.
func TestCostReportFollowsTheConfig(t *testing.T) {
	t.Parallel()
	// Two products with two related products each (the test schema's
	// default resolver); related has @listSize(assumedSize: 2).
	const query = `{"query":"{ __schema { queryType { name } } products(first: 2) { id related { id } } }"}`
	for _, tt := range []struct {
		name   string
		report bool
		want   string
	}{
		{"on: estimated and actual", true, `{"estimated":6,"actual":6}`},
		{"off by default: no cost", false, ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphqlServer(t, true, nil, func(g *config.Gateway) { g.GraphQL.CostReport = tt.report })
			res, body := post(t, srv.URL, "application/json", "", query)
			var r struct {
				Data       json.RawMessage
				Extensions struct{ Cost json.RawMessage }
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil || res.StatusCode != 200 || len(r.Data) == 0 {
				t.Fatalf("got %d %s (%v)", res.StatusCode, body, err)
			}
			if string(r.Extensions.Cost) != tt.want {
				t.Errorf("extensions.cost %s, want %q in %s", r.Extensions.Cost, tt.want, body)
			}
		})
	}
}
