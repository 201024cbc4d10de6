package graphql_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// admissions records the calls of an admission check and refuses the
// operations named "refused".
type admissions struct {
	mu    sync.Mutex
	calls []string
	costs []int
}

func (a *admissions) check(_ context.Context, cost int, name string) *rgraphql.Failure {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, name)
	a.costs = append(a.costs, cost)
	if name != "refused" {
		return nil
	}
	return &rgraphql.Failure{
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"3"}},
		Errors: gqlerror.List{{Message: "slow down", Extensions: map[string]any{"code": "RATE_LIMITED"}}},
	}
}

func TestAdmissionSeesTheCostAndNameAndCanRefuse(t *testing.T) {
	t.Parallel()
	a := &admissions{}
	s := newServer(t, rgraphql.WithLimits(limits.Config{MaxCost: 1000, DefaultListSize: 10}), rgraphql.WithAdmission(a.check))

	ok := s.post(t, body(`query cheap { product(id: "1") { id } }`, nil, nil))
	if ok.status != http.StatusOK || ok.code() != "" {
		t.Fatalf("admitted operation: status %d, %s", ok.status, ok.body)
	}
	// products(first: 4) { related } costs 4 * (1 + 2) = 12.
	s.post(t, body(`{ products(first: 4) { related { id } } }`, nil, nil))

	before := s.products.Load()
	refused := s.post(t, body(`query refused { product(id: "1") { id } }`, nil, nil))
	if refused.status != http.StatusTooManyRequests || refused.code() != "RATE_LIMITED" {
		t.Errorf("refused operation: status %d, %s", refused.status, refused.body)
	}
	if n := s.products.Load() - before; n != 0 {
		t.Errorf("a refused operation called the backend %d times", n)
	}
	res, err := http.Post(s.URL, "application/json", strings.NewReader(body(`query refused { product(id: "1") { id } }`, nil, nil)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want the failure's header \"3\"", got)
	}

	// A GET mutation is refused (405) before admission: it is not counted.
	if g := s.get(t, url.Values{"query": {`mutation m { echo(text: "x") }`}}); g.status != http.StatusMethodNotAllowed {
		t.Errorf("GET mutation: status %d", g.status)
	}
	// An invalid document never reaches admission.
	s.post(t, body(`{ nope }`, nil, nil))

	a.mu.Lock()
	defer a.mu.Unlock()
	wantCalls := []string{"cheap", "", "refused", "refused"}
	wantCosts := []int{1, 12, 1, 1}
	if len(a.calls) != len(wantCalls) {
		t.Fatalf("admission calls = %q (costs %v), want %q", a.calls, a.costs, wantCalls)
	}
	for i := range wantCalls {
		if a.calls[i] != wantCalls[i] || a.costs[i] != wantCosts[i] {
			t.Errorf("call %d = (%q, cost %d), want (%q, cost %d)", i, a.calls[i], a.costs[i], wantCalls[i], wantCosts[i])
		}
	}
}
