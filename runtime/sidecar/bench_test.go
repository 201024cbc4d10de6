package sidecar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// BenchmarkCall measures one unary call through the sidecar (endpoint pick,
// URL rewrite, timeout, header forwarding, error wrapping) against the same
// call with a bare connect client, to a real server on 127.0.0.1.
func BenchmarkCall(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("/bench.v1.Echo/Echo", connect.NewUnaryHandler("/bench.v1.Echo/Echo",
		func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(req.Msg), nil
		}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	set, err := sidecar.NewSet(map[string]config.Upstream{"echo": {Endpoints: []string{srv.URL}}})
	if err != nil {
		b.Fatal(err)
	}
	defer set.Close()
	newClient := func(h connect.HTTPClient, base string, opts ...connect.ClientOption) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
		return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](h, base+"/bench.v1.Echo/Echo", opts...)
	}
	clients := []struct {
		name string
		c    *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue]
	}{
		{"bare-connect", newClient(srv.Client(), srv.URL)},
		{"sidecar", sidecar.Client(set, "echo", newClient)},
	}
	for _, cl := range clients {
		b.Run(cl.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := cl.c.CallUnary(ctx, connect.NewRequest(wrapperspb.String("ping"))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
