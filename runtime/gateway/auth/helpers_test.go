package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway/auth"
)

// authConfig parses the YAML of gateway.auth (indented under "auth:").
func authConfig(t testing.TB, yaml string) config.Auth {
	t.Helper()
	src := "gateway:\n  auth:\n" + indent(yaml, "    ")
	cfg, err := config.Parse([]byte(src), "bff.yaml")
	if err != nil {
		t.Fatalf("config:\n%s\n%v", src, err)
	}
	return cfg.Gateway.Auth
}

func indent(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(prefix + line)
	}
	return b.String()
}

// newAuth builds an authenticator that is closed at the end of the test.
func newAuth(t testing.TB, cfg config.Auth, opts ...auth.Option) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(cfg, opts...)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// writeFile writes data to name in dir and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// jwksServer serves a key set it can change, counting the fetches.
type jwksServer struct {
	mu      sync.Mutex
	body    []byte
	status  int
	fetches atomic.Int32
}

func newJWKSServer(body []byte) *jwksServer { return &jwksServer{body: body, status: http.StatusOK} }

func (s *jwksServer) set(body []byte, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.status = body, status
}

func (s *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	body, status := s.body, s.status
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// inProcess is an http.Client whose requests h serves in the calling
// goroutine, so that a key set "server" runs inside a synctest bubble.
func inProcess(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// verify runs VerifyToken with a background context.
func verify(a *auth.Authenticator, token string) error {
	_, err := a.VerifyToken(context.Background(), token)
	return err
}

// reason returns the reason of a *auth.CredentialError, "" for nil, or
// the error text for another error.
func reason(err error) string {
	if err == nil {
		return ""
	}
	if ce, ok := err.(*auth.CredentialError); ok {
		return ce.Reason
	}
	return err.Error()
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
