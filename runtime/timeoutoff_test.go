package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"
)

// TestTimeoutOffLeavesTheRequestTimeoutToTheBackend goes from bff.yaml to
// the backend: with upstreams.<name>.timeout: off, the backend call of a
// GraphQL query carries what is left of server.request_timeout (9s here),
// not the upstream's 1s default, which a left-out timeout keeps.
func TestTimeoutOffLeavesTheRequestTimeoutToTheBackend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, timeout string
		min, max      time.Duration // of the deadline the backend saw
	}{
		{"left out: 1s", "", 0, time.Second},
		{"off: the request timeout", ", timeout: off", time.Second, 9 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var remaining atomic.Int64 // ns; -1: no deadline
			mux := http.NewServeMux()
			mux.Handle(getProduct, connect.NewUnaryHandler(getProduct,
				func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
					remaining.Store(-1)
					if d, ok := ctx.Deadline(); ok {
						remaining.Store(int64(time.Until(d)))
					}
					return nil, connect.NewError(connect.CodeNotFound, errors.New("no product"))
				}))
			backend := httptest.NewServer(mux)
			t.Cleanup(backend.Close)
			svc := emptyCatalogService()
			cfg := parse(t, "server: {request_timeout: 9s}\nupstreams:\n  catalog: {endpoints: [\""+backend.URL+"\"]"+tc.timeout+"}\n")
			public := httptest.NewServer(newServer(t, svc, cfg).Handler())
			t.Cleanup(public.Close)

			if got := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{product(id: \"7\"){name}}"}`); got.status != 200 {
				t.Fatalf("got %d %s", got.status, got.body)
			}
			got := time.Duration(remaining.Load())
			if got <= tc.min || got > tc.max {
				t.Errorf("the backend saw a deadline %s away (-1ns: none), want more than %s and at most %s", got, tc.min, tc.max)
			}
		})
	}
}
