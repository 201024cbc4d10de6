package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// A canary split and a mirror configured in bff.yaml: GraphQL queries
// reach the canary's backend and a copy reaches the shadow; /upstreams
// and /metrics count them per group.
func TestSplitAndMirrorFromBffYAML(t *testing.T) {
	t.Parallel()
	backend := func(n *atomic.Int64) string {
		mux := http.NewServeMux()
		mux.Handle(getProduct, connect.NewUnaryHandler(getProduct, func(context.Context, *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
			n.Add(1)
			return connect.NewResponse(&emptypb.Empty{}), nil
		}))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	var stable, canary, shadow atomic.Int64
	svc := runtime.Service{
		Name:      "shop",
		Upstreams: []string{"catalog"},
		NewSchema: func(up *sidecar.Set) (graphql.ExecutableSchema, error) {
			client := sidecar.Client(up, "catalog", func(hc connect.HTTPClient, base string, opts ...connect.ClientOption) *connect.Client[emptypb.Empty, emptypb.Empty] {
				return connect.NewClient[emptypb.Empty, emptypb.Empty](hc, base+getProduct, append(opts, connect.WithIdempotency(connect.IdempotencyNoSideEffects))...)
			})
			return testschema.New(&testschema.Resolver{
				Product: func(ctx context.Context, _ string) (*testschema.Product, error) {
					_, err := client.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
					return &testschema.Product{ID: "7", Name: "x"}, err
				},
			}), nil
		},
	}
	cfg := parse(t, fmt.Sprintf(`upstreams:
  catalog:
    endpoints: [%q]
    split: [{upstream: catalog-canary, weight: 100}]
    mirror: {upstream: catalog-shadow}
  catalog-canary: {endpoints: [%q]}
  catalog-shadow: {endpoints: [%q]}
`, backend(&stable), backend(&canary), backend(&shadow)))
	srv := newServer(t, svc, cfg)
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)
	for range 3 {
		got := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{product(id: \"7\"){name}}"}`)
		if got.status != 200 || strings.Contains(got.body, "errors") {
			t.Fatalf("%d %s", got.status, got.body)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); shadow.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // the copies are fire and forget
	}
	if stable.Load() != 0 || canary.Load() != 3 || shadow.Load() != 3 {
		t.Errorf("stable %d, canary %d, shadow %d: want 0, 3, 3", stable.Load(), canary.Load(), shadow.Load())
	}

	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/upstreams", nil))
	var page struct {
		Upstreams []sidecar.Stats `json:"upstreams"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Upstreams) != 3 {
		t.Fatalf("/upstreams = %s (%v)", rec.Body, err)
	}
	st := page.Upstreams[0]
	if want := "[{catalog 0 0 0} {catalog-canary 100 3 0}]"; st.Name != "catalog" || fmt.Sprint(st.Split) != want || st.Mirror == nil || st.Mirror.Sent != 3 {
		t.Errorf("/upstreams catalog: split %v, mirror %+v; want split %s and 3 copies sent", st.Split, st.Mirror, want)
	}

	rec = httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []struct{ series, value string }{
		{`bffgen_upstream_split_calls_total{bffgen_split_group="catalog-canary",bffgen_upstream="catalog",`, "3"},
		{`bffgen_upstream_split_calls_total{bffgen_split_group="catalog",bffgen_upstream="catalog",`, "0"},
		{`bffgen_upstream_mirror_sent_total{bffgen_upstream="catalog",`, "3"},
	} {
		i := strings.Index(rec.Body.String(), want.series)
		if i < 0 {
			t.Errorf("/metrics lacks %s", want.series)
			continue
		}
		line, _, _ := strings.Cut(rec.Body.String()[i:], "\n")
		if !strings.HasSuffix(line, "} "+want.value) {
			t.Errorf("/metrics: %s, want the value %s", line, want.value)
		}
	}
}
