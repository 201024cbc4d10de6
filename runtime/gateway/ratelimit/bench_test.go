package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	"github.com/bffgen/bffgen/runtime/request"
)

// BenchmarkMiddleware measures the rate-limit middleware per request with
// one local rule, side by side with no middleware: an admitted request
// from one client, admitted requests spread over 10 000 clients (the LRU
// of keys at work), and a rejected one (the 429 written).
func BenchmarkMiddleware(b *testing.B) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	build := func(rule string) http.Handler {
		cfg, err := config.Parse([]byte("gateway:\n  rate_limit:\n    rules:\n      - "+rule+"\n"), "bff.yaml")
		if err != nil {
			b.Fatal(err)
		}
		l, err := ratelimit.New(cfg.Gateway.RateLimit)
		if err != nil {
			b.Fatal(err)
		}
		return l.Middleware()(ok)
	}
	admit := build("{name: per_ip, key: $client_ip, rate: 1000000000/s}")
	reject := build("{name: per_ip, key: $client_ip, rate: 1/h, burst: 1}")
	perUser := build("{name: per_user, key: $claims.sub, rate: 1000000000/s}")
	remotes := make([]string, 10000)
	for i := range remotes {
		remotes[i] = fmt.Sprintf("10.%d.%d.%d:4711", i>>16&255, i>>8&255, i&255)
	}
	for _, bc := range []struct {
		name    string
		h       http.Handler
		remotes []string
		subject string
	}{
		{"none", ok, remotes[:1], ""},
		{"client_ip-admitted", admit, remotes[:1], ""},
		{"client_ip-admitted-10000-clients", admit, remotes, ""},
		{"claims_sub-admitted", perUser, remotes[:1], "alice"},
		{"client_ip-rejected", reject, remotes[:1], ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ x }"}`))
			seam := request.New("id", req.Header)
			seam.Principal = request.Principal{Subject: bc.subject, Claims: map[string]any{"sub": bc.subject}}
			req = req.WithContext(request.With(context.Background(), seam))
			w := httptest.NewRecorder()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req.RemoteAddr = bc.remotes[i%len(bc.remotes)]
				i++
				clear(w.Header())
				bc.h.ServeHTTP(w, req)
			}
		})
	}
}
