package sidecar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
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

// BenchmarkPolicies compares the resilience policies all on (p2c, outlier
// detection, retry with budget, circuit breaker) with all off (round
// robin, no outlier detection, one attempt, no breaker), side by side in
// one run: 3 healthy replicas on 127.0.0.1, idempotent calls from
// GOMAXPROCS goroutines. "on+metrics" is "on" with the metrics registered
// (Set.RegisterMetrics) on an SDK meter provider, as the server does:
// every call is recorded in rpc.client.call.duration.
func BenchmarkPolicies(b *testing.B) {
	var urls []string
	for range 3 {
		r := &replica{name: "r"}
		srv := httptest.NewServer(r.handler())
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	on := config.Upstream{
		Endpoints:      urls,
		CircuitBreaker: config.CircuitBreaker{Enabled: true},
	}
	configs := []struct {
		name    string
		cfg     config.Upstream
		metrics bool
	}{
		{"off", config.Upstream{
			Endpoints:        urls,
			LoadBalancing:    config.LoadBalancingRoundRobin,
			OutlierDetection: config.OutlierDetection{Disabled: true},
			Retry:            config.Retry{MaxAttempts: 1},
		}, false},
		{"on", on, false},
		{"on+metrics", on, true},
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			set, err := sidecar.NewSet(map[string]config.Upstream{"echo": c.cfg})
			if err != nil {
				b.Fatal(err)
			}
			defer set.Close()
			if c.metrics {
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				defer func() { _ = mp.Shutdown(context.Background()) }()
				if err := set.RegisterMetrics(mp); err != nil {
					b.Fatal(err)
				}
			}
			client := idempotentEcho(set, "echo")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if err := call(ctx, client); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
