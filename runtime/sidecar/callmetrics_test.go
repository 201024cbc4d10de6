package sidecar_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// metricsReader collects the metrics a set registered with a manual reader.
type metricsReader struct {
	t      *testing.T
	reader *sdkmetric.ManualReader
}

// registerMetrics registers the metrics of set with a meter provider read
// by hand.
func registerMetrics(t *testing.T, set *sidecar.Set) *metricsReader {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	if err := set.RegisterMetrics(mp); err != nil {
		t.Fatalf("RegisterMetrics: %v", err)
	}
	return &metricsReader{t: t, reader: reader}
}

// collect returns the metric called name, and whether there is one.
func (r *metricsReader) collect(name string) (metricdata.Metrics, bool) {
	r.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		r.t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// calls returns the count of rpc.client.call.duration by the attributes of
// each data point, written "k=v,k=v" sorted by key, and checks the unit.
func (r *metricsReader) calls() map[string]uint64 {
	r.t.Helper()
	out := map[string]uint64{}
	m, ok := r.collect("rpc.client.call.duration")
	if !ok {
		return out
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || m.Unit != "s" {
		r.t.Fatalf("rpc.client.call.duration is a %T in %q, want a float histogram in seconds", m.Data, m.Unit)
	}
	for _, dp := range h.DataPoints {
		var sum float64
		for _, c := range dp.BucketCounts {
			sum += float64(c)
		}
		if uint64(sum) != dp.Count || dp.Sum < 0 {
			r.t.Errorf("data point %s: buckets hold %v calls of %d, sum %v", attrs(dp.Attributes), sum, dp.Count, dp.Sum)
		}
		out[attrs(dp.Attributes)] += dp.Count
	}
	return out
}

// attempts returns bffgen.upstream.attempts by endpoint and outcome,
// written "<index>/<outcome>", leaving out zeros.
func (r *metricsReader) attempts(upstream string) map[string]int64 {
	r.t.Helper()
	out := map[string]int64{}
	m, ok := r.collect("bffgen.upstream.attempts")
	if !ok {
		r.t.Fatal("no bffgen.upstream.attempts")
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		up, _ := dp.Attributes.Value("bffgen.upstream")
		ep, _ := dp.Attributes.Value("bffgen.upstream.endpoint")
		o, _ := dp.Attributes.Value("bffgen.attempt.outcome")
		if up.AsString() == upstream && dp.Value != 0 {
			out[ep.AsString()+"/"+o.AsString()] = dp.Value
		}
	}
	return out
}

// attrs writes set as "k=v,k=v", sorted by key.
func attrs(set attribute.Set) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// callKey is the attributes of a call of upstream "catalog" with the Connect
// protocol, as attrs writes them.
func callKey(method, code string) string {
	k := "bffgen.upstream=catalog,"
	if code != "OK" {
		k += "error.type=" + code + ","
	}
	return k + "rpc.method=" + method + ",rpc.response.status_code=" + code + ",rpc.system.name=connectrpc"
}

const (
	echoMethod  = "test.v1.EchoService/Echo"
	countMethod = "test.v1.EchoService/Count"
)

// TestCallMetrics: rpc.client.call.duration counts every call by upstream,
// method and code, as the caller sees it, and bffgen.upstream.attempts
// counts the attempts behind the calls by endpoint and outcome.
func TestCallMetrics(t *testing.T) {
	t.Parallel()
	t.Run("unary calls by code, recorded from registration on", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}}})
		client := sidecar.Client(set, "catalog", newEchoClient)
		if _, err := client.Echo(t.Context(), "x"); err != nil {
			t.Fatal(err)
		}
		m := registerMetrics(t, set)
		for range 3 {
			if _, err := client.Echo(t.Context(), "x"); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := client.Echo(t.Context(), "not_found"); connect.CodeOf(err) != connect.CodeNotFound {
				t.Fatalf("got %v, want not_found", err)
			}
		}
		if _, err := client.Echo(t.Context(), "internal"); connect.CodeOf(err) != connect.CodeInternal {
			t.Fatalf("got %v, want internal", err)
		}
		want := map[string]uint64{
			callKey(echoMethod, "OK"):        3,
			callKey(echoMethod, "NOT_FOUND"): 2,
			callKey(echoMethod, "INTERNAL"):  1,
		}
		if got := m.calls(); !maps.Equal(got, want) {
			t.Errorf("calls:\n got %v\nwant %v", got, want)
		}
		// The first call, before registration, is an attempt too: the
		// counters are the upstream's, read at collection.
		if got, want := m.attempts("catalog"), map[string]int64{"1/success": 6, "1/failure": 1}; !maps.Equal(got, want) {
			t.Errorf("attempts = %v, want %v", got, want)
		}
	})
	t.Run("a retried call is one call and two attempts", func(t *testing.T) {
		t.Parallel()
		bad, good := newReplica(t, "bad"), newReplica(t, "good")
		bad.set(fail(connect.CodeUnavailable))
		set := newSet(t, map[string]config.Upstream{"catalog": {
			Endpoints:        []string{bad.url, good.url},
			LoadBalancing:    config.LoadBalancingRoundRobin,
			OutlierDetection: config.OutlierDetection{Disabled: true},
		}})
		m := registerMetrics(t, set)
		client := idempotentEcho(set, "catalog")
		for range 6 {
			if err := call(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := m.calls(), map[string]uint64{callKey(echoMethod, "OK"): 6}; !maps.Equal(got, want) {
			t.Errorf("calls = %v, want %v", got, want)
		}
		u, _ := set.Upstream("catalog")
		retried := bad.calls.Load()
		if retried == 0 || u.Stats().Retries != retried {
			t.Fatalf("the failing replica got %d calls and %d were retried: want every one retried, at least one", retried, u.Stats().Retries)
		}
		want := map[string]int64{"1/failure": retried, "2/success": 6}
		if got := m.attempts("catalog"); !maps.Equal(got, want) {
			t.Errorf("attempts = %v, want %v", got, want)
		}
		if st := u.Stats(); st.Endpoints[0].Attempts.Failure != retried || st.Endpoints[1].Attempts.Success != 6 {
			t.Errorf("Stats attempts = %+v, %+v", st.Endpoints[0].Attempts, st.Endpoints[1].Attempts)
		}
	})
	t.Run("a retry that fails again is one UNAVAILABLE call", func(t *testing.T) {
		t.Parallel()
		r1, r2 := newReplica(t, "r1"), newReplica(t, "r2")
		r1.set(fail(connect.CodeUnavailable))
		r2.set(fail(connect.CodeUnavailable))
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{r1.url, r2.url}}})
		m := registerMetrics(t, set)
		if err := call(t.Context(), idempotentEcho(set, "catalog")); connect.CodeOf(err) != connect.CodeUnavailable {
			t.Fatalf("got %v, want unavailable", err)
		}
		if got, want := m.calls(), map[string]uint64{callKey(echoMethod, "UNAVAILABLE"): 1}; !maps.Equal(got, want) {
			t.Errorf("calls = %v, want %v", got, want)
		}
		if got, want := m.attempts("catalog"), map[string]int64{"1/failure": 1, "2/failure": 1}; !maps.Equal(got, want) {
			t.Errorf("attempts = %v, want %v", got, want)
		}
	})
	t.Run("an injected fault is a call without attempts", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL},
			Fault: config.Fault{AbortCode: "resource_exhausted", AbortPercent: 100}}})
		m := registerMetrics(t, set)
		client := sidecar.Client(set, "catalog", newEchoClient)
		for range 2 {
			if _, err := client.Echo(t.Context(), "x"); connect.CodeOf(err) != connect.CodeResourceExhausted {
				t.Fatalf("got %v, want resource_exhausted", err)
			}
		}
		if got, want := m.calls(), map[string]uint64{callKey(echoMethod, "RESOURCE_EXHAUSTED"): 2}; !maps.Equal(got, want) {
			t.Errorf("calls = %v, want %v", got, want)
		}
		if got := m.attempts("catalog"); len(got) != 0 {
			t.Errorf("attempts = %v, want none", got)
		}
	})
	t.Run("streams: to their end, failed, closed early", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}}})
		m := registerMetrics(t, set)
		client := sidecar.Client(set, "catalog", newEchoClient)
		read := func(n int32, stopAfter int) {
			t.Helper()
			stream, err := client.count.CallServerStream(t.Context(), connect.NewRequest(wrapperspb.Int32(n)))
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for got != stopAfter && stream.Receive() {
				got++
			}
			if err := stream.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		read(3, -1)  // to the end: OK
		read(3, -1)  // OK
		read(-2, -1) // two messages, then NOT_FOUND
		read(50, 1)  // closed after the first message: CANCELED
		want := map[string]uint64{
			callKey(countMethod, "OK"):        2,
			callKey(countMethod, "NOT_FOUND"): 1,
			callKey(countMethod, "CANCELED"):  1,
		}
		if got := m.calls(); !maps.Equal(got, want) {
			t.Errorf("calls:\n got %v\nwant %v", got, want)
		}
	})
	t.Run("gRPC: rpc.system.name is grpc", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b", withH2C())
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: config.ProtocolGRPC}})
		m := registerMetrics(t, set)
		if _, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x"); err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(callKey(echoMethod, "OK"), "connectrpc", "grpc", 1)
		if got := m.calls(); !maps.Equal(got, map[string]uint64{want: 1}) {
			t.Errorf("calls = %v, want %s: 1", got, want)
		}
	})
	t.Run("the caller's deadline: DEADLINE_EXCEEDED", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t, "b")
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}}})
		m := registerMetrics(t, set)
		ctx, cancel := context.WithTimeout(t.Context(), 1)
		defer cancel()
		<-ctx.Done()
		_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(ctx, "x")
		if !errors.Is(err, context.DeadlineExceeded) && connect.CodeOf(err) != connect.CodeDeadlineExceeded {
			t.Fatalf("got %v, want deadline_exceeded", err)
		}
		if got, want := m.calls(), map[string]uint64{callKey(echoMethod, "DEADLINE_EXCEEDED"): 1}; !maps.Equal(got, want) {
			t.Errorf("calls = %v, want %v", got, want)
		}
	})
}
