package sidecar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/request"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// TestTraceContextIsForwardedOnlyWhenWellFormed is PII-3: a malformed
// traceparent (and the tracestate that comes with it) and an oversized
// baggage from a client are dropped, never forwarded and never an error;
// well-formed trace context reaches the backend as it came.
func TestTraceContextIsForwardedOnlyWhenWellFormed(t *testing.T) {
	t.Parallel()
	const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	seen := make(chan http.Header, 1)
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		seen <- req.Header().Clone()
		return connect.NewResponse(wrapperspb.String("ok")), nil
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{srv.URL}}})
	client := sidecar.Client(set, "catalog", newEchoClient)

	manyMembers := strings.TrimSuffix(strings.Repeat("k=v,", 65), ",")
	tests := []struct {
		name    string
		in      http.Header
		forward map[string]string // header -> value the backend gets; "" = absent
	}{
		{"well-formed context is forwarded",
			http.Header{"Traceparent": {valid}, "Tracestate": {"congo=t61rcWkgMzE"}, "Baggage": {"userId=alice"}},
			map[string]string{"Traceparent": valid, "Tracestate": "congo=t61rcWkgMzE", "Baggage": "userId=alice"}},
		{"uppercase hex: dropped with its tracestate",
			http.Header{"Traceparent": {strings.ToUpper(valid)}, "Tracestate": {"congo=t61rcWkgMzE"}},
			map[string]string{"Traceparent": "", "Tracestate": ""}},
		{"an all-zero trace id: dropped",
			http.Header{"Traceparent": {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}},
			map[string]string{"Traceparent": ""}},
		{"version ff: dropped", http.Header{"Traceparent": {"ff" + valid[2:]}}, map[string]string{"Traceparent": ""}},
		{"version 00 with more after the flags: dropped", http.Header{"Traceparent": {valid + "-x"}}, map[string]string{"Traceparent": ""}},
		{"a later version may carry more", http.Header{"Traceparent": {"01" + valid[2:] + "-more"}}, map[string]string{"Traceparent": "01" + valid[2:] + "-more"}},
		{"two traceparents: dropped", http.Header{"Traceparent": {valid, valid}}, map[string]string{"Traceparent": ""}},
		{"garbage: dropped", http.Header{"Traceparent": {"x\x7fy"}}, map[string]string{"Traceparent": ""}},
		{"a tracestate over 512 bytes: dropped, the traceparent kept",
			http.Header{"Traceparent": {valid}, "Tracestate": {"a=" + strings.Repeat("b", 511)}},
			map[string]string{"Traceparent": valid, "Tracestate": ""}},
		{"a baggage over 8192 bytes: dropped", http.Header{"Baggage": {"k=" + strings.Repeat("v", 8191)}}, map[string]string{"Baggage": ""}},
		{"a baggage of 65 members: dropped", http.Header{"Baggage": {manyMembers}}, map[string]string{"Baggage": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := request.With(t.Context(), request.New("r-1", tt.in))
			if _, err := client.Echo(ctx, "x"); err != nil {
				t.Fatalf("the call failed: %v", err)
			}
			got := <-seen
			for h, want := range tt.forward {
				if v := strings.Join(got.Values(h), ","); v != want {
					t.Errorf("%s = %q, want %q", h, v, want)
				}
			}
		})
	}
}
