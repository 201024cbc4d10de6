package sidecar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

func TestRequire(t *testing.T) {
	t.Parallel()
	set := newSet(t, map[string]config.Upstream{
		"catalog": {Endpoints: []string{"http://127.0.0.1:9001"}},
		"users":   {Endpoints: []string{"http://127.0.0.1:9002"}},
	})
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{"nothing required", nil, ""},
		{"all present", []string{"users", "catalog", "users"}, ""},
		{"one missing", []string{"catalog", "reviews"}, "upstream \"reviews\" is not configured: add it under `upstreams:` in bff.yaml, e.g. `reviews: {endpoints: [\"http://127.0.0.1:9001\"]}`"},
		{"several missing, sorted and once", []string{"search", "catalog", "reviews", "search"}, "upstreams \"reviews\", \"search\" are not configured: add them under `upstreams:` in bff.yaml, e.g. `reviews: {endpoints: [\"http://127.0.0.1:9001\"]}`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := set.Require(tt.names...)
			if got := errString(err); got != tt.want {
				t.Errorf("Require(%q) = %q, want %q", tt.names, got, tt.want)
			}
		})
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  map[string]config.Upstream
		want string
	}{
		{"empty set", nil, ""},
		{"every upstream has an endpoint", map[string]config.Upstream{"a": {Endpoints: []string{"http://127.0.0.1:1"}}}, ""},
		{"one without endpoint", map[string]config.Upstream{"a": {Endpoints: []string{"http://127.0.0.1:1"}}, "b": {}}, `upstream "b" has no endpoint`},
		{"several without endpoint, sorted", map[string]config.Upstream{"c": {}, "a": {Endpoints: []string{}}, "b": {Endpoints: []string{"http://127.0.0.1:1"}}}, `upstreams "a", "c" have no endpoint`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errString(newSet(t, tt.cfg).Ready()); got != tt.want {
				t.Errorf("Ready() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewSetReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := sidecar.NewSet(map[string]config.Upstream{
		"users":    {Endpoints: []string{"ftp://127.0.0.1:21", "http://:8080", "http://u:hunter2@127.0.0.1:1", "http://h/p?q=1", "http://h/#frag", "127.0.0.1:9001"}},
		"catalog":  {Endpoints: []string{"http://127.0.0.1:9001"}, Protocol: "http3", Timeout: -time.Second},
		"ok":       {Endpoints: []string{"http://127.0.0.1:9001"}},
		"bad name": {Endpoints: []string{"http://127.0.0.1:9001"}},
	})
	want := strings.Join([]string{
		`upstream name "bad name": want letters, digits, '-', '_' and '.' only`,
		`upstream "catalog": protocol "http3" is unknown: want "connect", "grpc" or "grpcweb"`,
		`upstream "catalog": timeout -1s is negative`,
		`upstream "users": endpoint #1 "ftp://127.0.0.1:21": want an absolute http:// or https:// URL`,
		`upstream "users": endpoint #2 "http://:8080" has no host`,
		`upstream "users": endpoint #3 has user info: credentials do not belong in endpoint URLs`,
		`upstream "users": endpoint #4 "http://h/p?q=1" has a query: want a base URL`,
		`upstream "users": endpoint #5 "http://h/#frag" has a fragment: want a base URL`,
		`upstream "users": endpoint #6 "127.0.0.1:9001": want an absolute http:// or https:// URL`,
	}, "\n")
	if got := errString(err); got != want {
		t.Errorf("NewSet error:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(errString(err), "hunter2") {
		t.Errorf("NewSet error shows a password")
	}
}

func TestNewUpstream(t *testing.T) {
	t.Parallel()
	u, err := sidecar.NewUpstream("catalog-v2.internal_1", config.Upstream{Endpoints: []string{"http://127.0.0.1:9001"}})
	if err != nil {
		t.Fatal(err)
	}
	u.CloseIdleConnections()
	if u.Name() != "catalog-v2.internal_1" || u.BaseURL() != "http://catalog-v2.internal_1" {
		t.Errorf("Name() = %q, BaseURL() = %q", u.Name(), u.BaseURL())
	}
	opts := u.ClientOptions()
	opts[0] = nil
	if u.ClientOptions()[0] == nil {
		t.Errorf("ClientOptions returns the upstream's own slice")
	}
	for _, name := range []string{"", "a/b", "a:1", "user@host", "ünicode"} {
		if _, err := sidecar.NewUpstream(name, config.Upstream{}); err == nil {
			t.Errorf("NewUpstream(%q) accepted the name", name)
		}
	}
}

func TestSetUpstreamAndClient(t *testing.T) {
	t.Parallel()
	b := newBackend(t, "b")
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}}})
	if u, ok := set.Upstream("catalog"); !ok || u.Name() != "catalog" {
		t.Errorf("Upstream(catalog) = %v, %v", u, ok)
	}
	if u, ok := set.Upstream("users"); ok || u != nil {
		t.Errorf("Upstream(users) = %v, %v; want nil, false", u, ok)
	}
	client := sidecar.Client(set, "catalog", newEchoClient)
	if got, err := client.Echo(t.Context(), "x"); err != nil || got != "b" {
		t.Fatalf("Echo = %q, %v", got, err)
	}
	// Close drops idle connections only: the set keeps working.
	if err := set.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if got, err := client.Echo(t.Context(), "x"); err != nil || got != "b" {
		t.Fatalf("Echo after Close = %q, %v", got, err)
	}

	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, `upstream "users" is not in the set`) {
			t.Errorf("Client of a missing upstream panicked with %q", msg)
		}
	}()
	sidecar.Client(set, "users", newEchoClient)
	t.Errorf("Client of a missing upstream did not panic")
}

// errString returns the message of err, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
