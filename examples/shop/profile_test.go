package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
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
// test. Options set more variables of the environment, change the loaded
// configuration or add runtime options.
func serveProfile(t testing.TB, file string, o backends.Options, opts ...profileOption) profile {
	t.Helper()
	var setup profileSetup
	for _, opt := range opts {
		opt(&setup)
	}
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
	maps.Copy(env, setup.env)
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
	for _, f := range setup.mutate {
		f(cfg)
	}
	logger := slog.New(slog.DiscardHandler)
	if setup.logs != nil {
		logger = slog.New(slog.NewJSONHandler(setup.logs, nil))
	}
	srv, err := runtime.New(gen.Service(&resolvers.Resolver{}), cfg, runtime.WithLogger(logger))
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

// profileSetup is what profile options change.
type profileSetup struct {
	env    map[string]string
	mutate []func(*config.Config)
	logs   io.Writer
}

// profileOption changes how serveProfile serves a profile.
type profileOption func(*profileSetup)

// withEnv sets a variable of the environment the file is read with.
func withEnv(name, value string) profileOption {
	return func(s *profileSetup) {
		if s.env == nil {
			s.env = map[string]string{}
		}
		s.env[name] = value
	}
}

// withConfig changes the configuration after it is loaded.
func withConfig(f func(*config.Config)) profileOption {
	return func(s *profileSetup) { s.mutate = append(s.mutate, f) }
}

// withLogs writes the server's logs, as JSON lines, to w.
func withLogs(w io.Writer) profileOption {
	return func(s *profileSetup) { s.logs = w }
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
