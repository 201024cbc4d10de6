package ratelimit_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore"
)

// counts returns the sums of the counter called name, by the attributes
// rule and reason joined with "/".
func counts(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				rule, _ := dp.Attributes.Value("bffgen.ratelimit.rule")
				key := rule.AsString()
				if reason, ok := dp.Attributes.Value("bffgen.ratelimit.reason"); ok {
					key += "/" + reason.AsString()
				}
				out[key] += dp.Value
			}
		}
	}
	return out
}

// closedPort returns a redis:// URL on which nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "redis://" + addr
}

func TestMetricsCountRejectionsAndFallbackDecisions(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	gw := gatewayConfig(t, `
redis: {url: "`+closedPort(t)+`"}
rules:
  - {name: per_ip, key: $client_ip, rate: 1/h, burst: 2}
  - {name: global, key: $client_ip, rate: 1/h, burst: 10, scope: global}
  - {name: cost, key: $client_ip, rate: 1/h, burst: 5, cost: true}
`)
	l, err := ratelimit.New(gw.RateLimit, ratelimit.WithMeterProvider(mp), ratelimit.WithStore(redisstore.Open))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var products atomic.Int64
	h := graphqlEdge(t, l, &products)
	for range 3 {
		query(h, "192.0.2.1:1", `{ products(first: 1) { id } }`)
	}
	if r := query(h, "192.0.2.2:1", `{ products(first: 6) { id } }`); r.status != http.StatusBadRequest {
		t.Errorf("cost over the burst: status %d", r.status)
	}
	got := counts(t, reader, "bffgen.ratelimit.rejections")
	want := map[string]int64{"per_ip/exceeded": 1, "cost/too_expensive": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rejections %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	// Redis is unreachable: the 3 requests that passed per_ip were decided
	// by the global rule's local fallback.
	if fb := counts(t, reader, "bffgen.ratelimit.fallback.decisions"); fb["global"] != 3 {
		t.Errorf("fallback decisions = %v, want global: 3", fb)
	}
}

func TestFailClosedIs429RedisUnavailable(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	gw := gatewayConfig(t, `
redis: {url: "`+closedPort(t)+`", on_error: fail_closed}
rules:
  - {name: global, key: $client_ip, rate: 100/s, scope: global}
`)
	l, err := ratelimit.New(gw.RateLimit, ratelimit.WithMeterProvider(mp), ratelimit.WithStore(redisstore.Open))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	backend := &counter{}
	h := edge(l, backend)
	for range 3 {
		r := call(h, "192.0.2.1:1")
		if r.status != http.StatusTooManyRequests || r.code != "RATE_LIMITED" || r.retryAfter != "1" {
			t.Errorf("Redis unreachable, fail_closed: %+v, want 429 RATE_LIMITED, Retry-After 1", r)
		}
	}
	if backend.n.Load() != 0 {
		t.Error("the backend was called")
	}
	if got := counts(t, reader, "bffgen.ratelimit.rejections"); got["global/redis_unavailable"] != 3 {
		t.Errorf("rejections = %v, want global/redis_unavailable: 3", got)
	}
}
