package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
)

// profile is a BFF served from one of the example's config files.
type profile struct {
	// GraphQL is the URL of the GraphQL endpoint, Addr the public
	// listener's host:port, Admin the base URL of the admin listener.
	GraphQL, Addr, Admin string
	// Backends are the running example backends.
	Backends *backends.Running
}

// serveProfile serves the BFF as configured by file (bff.yaml or
// bff.production.yaml, read as they are: BFF_LISTEN, BFF_ADMIN and the
// backends' URLs come from a fake environment) with runtime.Server.Serve on
// real listeners of 127.0.0.1, the way `go run ./cmd/demo --config file`
// does, over fresh example backends. Only the shutdown drain delay is set to
// zero, so that the test ends at once. The server stops at the end of the
// test.
func serveProfile(t testing.TB, file string, o backends.Options) profile {
	t.Helper()
	run, err := backends.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	env := map[string]string{
		"BFF_LISTEN":  ln.Addr().String(),
		"BFF_ADMIN":   adminLn.Addr().String(),
		"CATALOG_URL": run.CatalogURL,
		"REVIEWS_URL": run.ReviewsURL,
		"USERS_URL":   run.UsersURL,
	}
	cfg, err := config.Load(file, config.WithLookupEnv(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}))
	if err != nil {
		ln.Close()
		adminLn.Close()
		t.Fatal(err)
	}
	if cfg.Listen != ln.Addr().String() || cfg.Admin != adminLn.Addr().String() {
		t.Fatalf("%s: listen %q and admin %q do not come from BFF_LISTEN and BFF_ADMIN", file, cfg.Listen, cfg.Admin)
	}
	cfg.Server.Shutdown.DrainDelay = 0
	srv, err := runtime.New(gen.Service(&resolvers.Resolver{}), cfg, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		ln.Close()
		adminLn.Close()
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, adminLn) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve %s: %v", file, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve %s: still running 30s after the shutdown began", file)
		}
	})
	p := profile{
		GraphQL:  "http://" + ln.Addr().String() + cfg.Gateway.GraphQL.Path,
		Addr:     ln.Addr().String(),
		Admin:    "http://" + adminLn.Addr().String(),
		Backends: run,
	}
	waitReady(t, p.Admin+"/readyz", 10*time.Second)
	return p
}

// waitReady polls url until it answers 200 or budget has passed.
func waitReady(t testing.TB, url string, budget time.Duration) {
	t.Helper()
	deadline := time.Now().Add(budget)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = errors.New(resp.Status)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s: %v", url, budget, last)
}

// TestProductionProfileProtections checks, black-box, the protections that
// bff.production.yaml turns on.
func TestProductionProfileProtections(t *testing.T) {
	p := serveProfile(t, "bff.production.yaml", backends.Options{})
	send := func(t *testing.T, method, url, body string, header http.Header) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name       string
		method     string
		url        string
		body       string
		header     http.Header
		wantStatus int
		wantBody   string // a substring
		notBody    string // must not appear
	}{
		{name: "a query is served", method: "POST", url: p.GraphQL, body: `{"query":"{ product(id: \"p-1003\") { name } }"}`,
			wantStatus: 200, wantBody: `"The Pragmatic Gardener"`},
		{name: "introspection is refused", method: "POST", url: p.GraphQL, body: `{"query":"{ __schema { types { name } } }"}`,
			wantBody: `"errors"`, notBody: `"types"`},
		{name: "no GraphiQL at /", method: "GET", url: "http://" + p.Addr + "/", wantStatus: 404, notBody: "graphiql"},
		{name: "a body over 1 MiB is 413 (IN-1)", method: "POST", url: p.GraphQL,
			body: `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`, wantStatus: 413},
		{name: "a header list over 16 KiB (+4 KiB of Go's slack) is 431 (IN-13)", method: "POST", url: p.GraphQL,
			body: `{"query":"{ __typename }"}`, header: http.Header{"X-Pad": {strings.Repeat("x", 21<<10)}}, wantStatus: 431},
		{name: "a 12 KiB header is still served", method: "POST", url: p.GraphQL,
			body: `{"query":"{ __typename }"}`, header: http.Header{"X-Pad": {strings.Repeat("x", 12<<10)}}, wantStatus: 200, wantBody: `"Query"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, tt.method, tt.url, tt.body, tt.header)
			if tt.wantStatus != 0 && status != tt.wantStatus {
				t.Errorf("status %d, want %d: %.300s", status, tt.wantStatus, body)
			}
			if !strings.Contains(body, tt.wantBody) || (tt.notBody != "" && strings.Contains(strings.ToLower(body), strings.ToLower(tt.notBody))) {
				t.Errorf("body %.300s: want %q in it and not %q", body, tt.wantBody, tt.notBody)
			}
		})
	}
}
