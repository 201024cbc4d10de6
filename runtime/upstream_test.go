package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

const getProduct = "/catalog.v1.CatalogService/GetProduct"

// TestBackendErrorsReachTheClientAsGraphQLErrors runs a request through the
// whole path: gateway, GraphQL, a resolver calling a connect backend through
// the upstream set, and back.
func TestBackendErrorsReachTheClientAsGraphQLErrors(t *testing.T) {
	t.Parallel()
	var sawDeadline atomic.Bool
	mux := http.NewServeMux()
	mux.Handle(getProduct, connect.NewUnaryHandler(getProduct,
		func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
			_, ok := ctx.Deadline()
			sawDeadline.Store(ok)
			return nil, connect.NewError(connect.CodeNotFound, errors.New("product 7 not found"))
		}))
	backend := httptest.NewServer(mux)
	t.Cleanup(backend.Close)

	var intercepted atomic.Int32
	count := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			intercepted.Add(1)
			return next(ctx, req)
		}
	})
	svc := emptyCatalogService()
	cfg := parse(t, "upstreams:\n  catalog: {endpoints: [\""+backend.URL+"\"]}\n")
	srv := newServer(t, svc, cfg, runtime.WithUpstreamOptions(sidecar.WithInterceptors(count)))
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)

	got := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{product(id: \"7\"){name} hello}"}`)
	want := `{"errors":[{"message":"product 7 not found","path":["product"],"locations":[{"line":1,"column":2}],` +
		`"extensions":{"code":"NOT_FOUND","upstream":{"name":"catalog","procedure":"` + getProduct + `"}}}],` +
		`"data":{"product":null,"hello":"hello, world"}}`
	if got.status != 200 || got.body != want {
		t.Errorf("got %d %s\nwant 200 %s", got.status, got.body, want)
	}
	if !sawDeadline.Load() {
		t.Error("the backend call had no deadline")
	}
	if intercepted.Load() != 1 {
		t.Errorf("the interceptor given with WithUpstreamOptions ran %d times, want 1", intercepted.Load())
	}
}
