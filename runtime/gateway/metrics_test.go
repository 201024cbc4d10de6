package gateway_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/bffgen/bffgen/runtime/gateway"
)

func TestMetricsCountsRequestsAndDurations(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	mw, err := gateway.Metrics(mp)
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			panic("x")
		}
		if r.URL.Query().Has("missing") {
			w.WriteHeader(http.StatusNotFound)
		}
	}), gateway.Recover(nil), mw))
	do(t, newRequest(t, http.MethodPost, srv.URL, nil))
	do(t, newRequest(t, http.MethodPost, srv.URL, nil))
	do(t, newRequest(t, http.MethodGet, srv.URL+"?missing", nil))
	do(t, newRequest(t, http.MethodPut, srv.URL, nil))

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	counts := map[[2]string]int64{}
	histograms := map[[2]string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				if m.Name != "bffgen.graphql.requests" || m.Unit != "{request}" || !data.IsMonotonic {
					t.Errorf("unexpected counter %s (%s)", m.Name, m.Unit)
				}
				for _, dp := range data.DataPoints {
					counts[key(dp.Attributes)] += dp.Value
				}
			case metricdata.Histogram[float64]:
				if m.Name != "bffgen.graphql.request.duration" || m.Unit != "s" {
					t.Errorf("unexpected histogram %s (%s)", m.Name, m.Unit)
				}
				for _, dp := range data.DataPoints {
					histograms[key(dp.Attributes)] += dp.Count
				}
			}
		}
	}
	want := map[[2]string]int64{{"POST", "200"}: 2, {"GET", "404"}: 1, {"_OTHER", "500"}: 1}
	for k, v := range want {
		if counts[k] != v || histograms[k] != uint64(v) {
			t.Errorf("%v: count %d, histogram count %d, want %d", k, counts[k], histograms[k], v)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
}

func key(set attribute.Set) [2]string {
	method, _ := set.Value(semconv.HTTPRequestMethodKey)
	status, _ := set.Value(semconv.HTTPResponseStatusCodeKey)
	return [2]string{method.Emit(), status.Emit()}
}
