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
	cors := config.CORS{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "POST"}}
	csrf, err := gateway.CSRF(config.CSRF{Enabled: true, RequiredHeaders: []string{"Apollo-Require-Preflight"}}, cors)
	if err != nil {
		b.Fatal(err)
	}
	chain := gateway.Chain(ok,
		gateway.Recover(logger),
		gateway.HeaderLimit(16<<10, 100),
		gateway.StripHeaders("X-User-Id", "X-Forwarded-User"),
		gateway.RequestID("X-Request-Id"),
		gateway.AccessLog(logger),
		metrics,
		gateway.CORS(cors),
		csrf,
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

// BenchmarkBrowserRules measures the CSRF and header-cap middleware alone on
// the requests a browser app sends: a JSON POST and a GET with a preflight
// header from an allowed origin, a same-origin GET, and a refused GET from
// a foreign origin.
func BenchmarkBrowserRules(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	csrf, err := gateway.CSRF(config.CSRF{Enabled: true, RequiredHeaders: []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight"}},
		config.CORS{AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"}})
	if err != nil {
		b.Fatal(err)
	}
	rules := gateway.Chain(ok, gateway.HeaderLimit(16<<10, 100), csrf)
	for _, bc := range []struct {
		name, method string
		header       []string
	}{
		{"json-post-allowed-origin", "POST", []string{"Content-Type", "application/json", "Origin", "https://app.example.com", "Sec-Fetch-Site", "cross-site"}},
		{"get-same-origin", "GET", []string{"Sec-Fetch-Site", "same-origin"}},
		{"get-preflight-header-pattern-origin", "GET", []string{"Origin", "https://shop.example.org", "Sec-Fetch-Site", "cross-site", "Apollo-Require-Preflight", "1"}},
		{"get-foreign-refused", "GET", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(bc.method, "/graphql?query=%7Bx%7D", nil)
			for i := 0; i+1 < len(bc.header); i += 2 {
				req.Header.Set(bc.header[i], bc.header[i+1])
			}
			b.ReportAllocs()
			for b.Loop() {
				rules.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
