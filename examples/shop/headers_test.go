package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
)

func TestHeadersForwardedToBackends(t *testing.T) {
	var mu sync.Mutex
	seen := http.Header{}
	record := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if strings.HasSuffix(req.Spec().Procedure, "/GetProduct") {
				mu.Lock()
				seen = req.Header().Clone()
				mu.Unlock()
			}
			return next(ctx, req)
		}
	})
	endpoint := newBFFWith(t, bffOptions{
		catalogYAML: ", forward_headers: [Accept-Language, X-User-Id], response_headers: [Set-Cookie]",
		backends:    backends.Options{HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(record)}},
	})
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"query":"{ product(id: \"p-1001\") { name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "fr-CH")
	req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("X-User-Id", "admin") // spoofed: stripped at the edge, listed or not
	req.Header.Set("X-Secret", "s3cr3t") // not listed: never forwarded
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Set-Cookie"); got != "recently_viewed=p-1001; Path=/; HttpOnly" {
		t.Errorf("client got Set-Cookie %q: the listed backend response header must reach it", got)
	}
	if got := resp.Header.Get("X-Catalog-Version"); got != "" {
		t.Errorf("client got X-Catalog-Version %q: an unlisted backend header must not", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range []struct{ header, want string }{
		{"Accept-Language", "fr-CH"},
		{"Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"X-User-Id", ""},
		{"X-Secret", ""},
	} {
		if got := seen.Get(c.header); got != c.want {
			t.Errorf("backend saw %s = %q, want %q", c.header, got, c.want)
		}
	}
}
