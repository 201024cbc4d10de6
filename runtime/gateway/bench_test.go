package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"go.opentelemetry.io/otel/metric/noop"
)

// BenchmarkChain measures what the gateway's built-in pipeline costs per
// request over a handler that does nothing, side by side with the bare
// handler (compare with benchstat; the difference is the chain's cost).
func BenchmarkChain(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"data":{}}`) })
	metrics, err := gateway.Metrics(noop.NewMeterProvider())
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	chain := gateway.Chain(ok,
		gateway.Recover(logger),
		gateway.StripHeaders("X-User-Id", "X-Forwarded-User"),
		gateway.RequestID("X-Request-Id"),
		gateway.AccessLog(logger),
		metrics,
		gateway.CORS(config.CORS{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "POST"}}),
		gateway.BodyLimit(1<<20),
		gateway.Timeout(30*time.Second),
	)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", ok}, {"chain", chain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ x }"}`))
				req.Header.Set("Origin", "https://app.example.com")
				bc.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
