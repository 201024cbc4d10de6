package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/99designs/gqlgen/graphql"
	coderws "github.com/coder/websocket"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/authtest"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/request"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// identityBackend is a connect backend on 127.0.0.1 that counts its calls
// and records the headers of the last one.
type identityBackend struct {
	URL   string
	calls atomic.Int32
	mu    sync.Mutex
	last  http.Header
}

func newIdentityBackend(t *testing.T) *identityBackend {
	t.Helper()
	b := &identityBackend{}
	mux := http.NewServeMux()
	mux.Handle(getProduct, connect.NewUnaryHandler(getProduct,
		func(_ context.Context, req *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
			b.calls.Add(1)
			b.mu.Lock()
			b.last = req.Header().Clone()
			b.mu.Unlock()
			return connect.NewResponse(&emptypb.Empty{}), nil
		}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

func (b *identityBackend) header() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// productService resolves Query.product(id) with a call to the upstream
// named by id ("a" or "b").
func productService() runtime.Service {
	return runtime.Service{
		Name:      "shop",
		Upstreams: []string{"a", "b"},
		NewSchema: func(up *sidecar.Set) (graphql.ExecutableSchema, error) {
			clients := map[string]*connect.Client[emptypb.Empty, emptypb.Empty]{}
			for _, name := range []string{"a", "b"} {
				clients[name] = sidecar.Client(up, name, func(hc connect.HTTPClient, base string, opts ...connect.ClientOption) *connect.Client[emptypb.Empty, emptypb.Empty] {
					return connect.NewClient[emptypb.Empty, emptypb.Empty](hc, base+getProduct, opts...)
				})
			}
			return testschema.New(&testschema.Resolver{
				Product: func(ctx context.Context, id string) (*testschema.Product, error) {
					if _, err := clients[id].CallUnary(ctx, connect.NewRequest(&emptypb.Empty{})); err != nil {
						return nil, err
					}
					return &testschema.Product{ID: id, Name: "Product " + id}, nil
				},
			}), nil
		},
	}
}

// authServer starts the product service on 127.0.0.1 with a JWKS file of
// keys and the given extra configuration under gateway.auth.
func authServer(t *testing.T, a, b *identityBackend, authExtra string, keys []authtest.Key, opts ...runtime.Option) string {
	t.Helper()
	dir := t.TempDir()
	jwks := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwks, authtest.JWKS(t, keys...), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, `
upstreams:
  a: {endpoints: ["`+a.URL+`"], forward_claims: {sub: X-User-Id, tenant: X-Tenant}, forward_headers: [Accept-Language]}
  b: {endpoints: ["`+b.URL+`"], forward_authorization: true}
gateway:
  auth:
    jwt: {jwks_file: "`+jwks+`", issuer: "`+authtest.Issuer+`", audiences: [`+authtest.Audience+`]}
`+authExtra)
	srv := httptest.NewServer(newServer(t, productService(), cfg, opts...).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAU1TokenMatrixMakesNoBackendCall is AU-1 end to end: each forged or
// out-of-bounds token is answered 401 UNAUTHENTICATED with a Bearer
// invalid_token challenge, and the backend counts no call; a valid token
// makes exactly one.
func TestAU1TokenMatrixMakesNoBackendCall(t *testing.T) {
	t.Parallel()
	key, other := authtest.FixedRSA(t), authtest.NewRSA(t, "test-rsa")
	backend, unused := newIdentityBackend(t), newIdentityBackend(t)
	url := authServer(t, backend, unused, "", []authtest.Key{key})
	now := time.Now()
	forged := []struct{ name, token string }{
		{"alg none", authtest.Unsigned(t, authtest.Claims(nil), key.KID)},
		{"HS256 signed with the RSA public key", authtest.HS256(t, authtest.Claims(nil), key.KID, authtest.PublicPEM(t, key))},
		{"wrong key", authtest.Mint(t, other, authtest.Claims(nil), nil)},
		{"expired beyond the leeway", authtest.Mint(t, key, authtest.Claims(map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil)},
		{"nbf in the future", authtest.Mint(t, key, authtest.Claims(map[string]any{"nbf": now.Add(time.Hour).Unix()}), nil)},
		{"wrong issuer", authtest.Mint(t, key, authtest.Claims(map[string]any{"iss": "https://evil.test/"}), nil)},
		{"wrong audience", authtest.Mint(t, key, authtest.Claims(map[string]any{"aud": "another-bff"}), nil)},
		{"missing exp", authtest.Mint(t, key, authtest.Claims(map[string]any{"exp": nil}), nil)},
		{"over 8 KiB", authtest.Mint(t, key, authtest.Claims(map[string]any{"pad": strings.Repeat("p", 8<<10)}), nil)},
		{"kid path trick", authtest.Mint(t, key, authtest.Claims(nil), map[string]any{"kid": "../../x"})},
		{"unknown kid", authtest.Mint(t, key, authtest.Claims(nil), map[string]any{"kid": "rotated-away"})},
		{"embedded jwk", authtest.EmbeddedJWK(t, other, authtest.Claims(nil))},
		{"garbage", "not.a.token"},
	}
	const query = `{"query":"{product(id: \"a\"){name}}"}`
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, http.DefaultClient, "POST", url+"/graphql", query, "Authorization", "Bearer "+tt.token)
			if got.status != http.StatusUnauthorized || !strings.Contains(got.body, `"code":"UNAUTHENTICATED"`) {
				t.Errorf("got %d %s, want 401 UNAUTHENTICATED", got.status, got.body)
			}
			if c := got.header.Get("WWW-Authenticate"); c != `Bearer error="invalid_token"` {
				t.Errorf("WWW-Authenticate = %q", c)
			}
		})
	}
	if n := backend.calls.Load(); n != 0 {
		t.Fatalf("the backend was called %d times by refused requests, want 0", n)
	}
	got := send(t, http.DefaultClient, "POST", url+"/graphql", query, "Authorization", "Bearer "+authtest.Mint(t, key, authtest.Claims(nil), nil))
	if got.status != http.StatusOK || !strings.Contains(got.body, `"name":"Product a"`) {
		t.Errorf("a valid token: got %d %s", got.status, got.body)
	}
	if n := backend.calls.Load(); n != 1 {
		t.Errorf("a valid token made %d backend calls, want 1", n)
	}
}

// TestAU5IdentityHeaders: the backend receives the configured claims as
// headers and never a client's copy of them; Authorization reaches only the
// upstream that forwards it.
func TestAU5IdentityHeaders(t *testing.T) {
	t.Parallel()
	key := authtest.FixedRSA(t)
	a, b := newIdentityBackend(t), newIdentityBackend(t)
	var inbound atomic.Value // the X-Tenant values the service's middleware saw
	url := authServer(t, a, b, "", []authtest.Key{key}, runtime.WithMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inbound.Store(strings.Join(request.Header(r.Context()).Values("X-Tenant"), ","))
			next.ServeHTTP(w, r)
		})
	}))
	token := authtest.Mint(t, key, authtest.Claims(map[string]any{"tenant": "acme"}), nil)
	spoof := []string{"X-User-Id", "admin", "X-Tenant", "evil", "Accept-Language", "fr"}

	for _, tt := range []struct {
		name               string
		header             []string
		user, tenant, auth string
	}{
		{"authenticated, with spoofed copies", append([]string{"Authorization", "Bearer " + token}, spoof...), "user-1", "acme", ""},
		{"anonymous, with spoofed copies", spoof, "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := send(t, http.DefaultClient, "POST", url+"/graphql", `{"query":"{product(id: \"a\"){name}}"}`, tt.header...)
			if got.status != http.StatusOK {
				t.Fatalf("got %d %s", got.status, got.body)
			}
			h := a.header()
			if h.Get("X-User-Id") != tt.user || h.Get("X-Tenant") != tt.tenant || h.Get("Authorization") != tt.auth {
				t.Errorf("backend a saw X-User-Id %q, X-Tenant %q, Authorization %q; want %q, %q, %q",
					h.Values("X-User-Id"), h.Values("X-Tenant"), h.Get("Authorization"), tt.user, tt.tenant, tt.auth)
			}
			if got := inbound.Load(); got != "" {
				t.Errorf("the client's X-Tenant reached the request seam: %q (a forward_claims header must be stripped)", got)
			}
			if h.Get("Accept-Language") != "fr" {
				t.Errorf("a forwarded header was lost: %v", h)
			}
		})
	}
	got := send(t, http.DefaultClient, "POST", url+"/graphql", `{"query":"{product(id: \"b\"){name}}"}`, append([]string{"Authorization", "Bearer " + token}, spoof...)...)
	if got.status != http.StatusOK {
		t.Fatalf("got %d %s", got.status, got.body)
	}
	h := b.header()
	if h.Get("Authorization") != "Bearer "+token {
		t.Errorf("upstream b (forward_authorization: true) did not get the Authorization header")
	}
	if h.Get("X-User-Id") != "" || h.Get("X-Tenant") != "" {
		t.Errorf("upstream b, which forwards no claims, saw %v", h)
	}
}

func TestAnonymousRefusedWhenNotAllowed(t *testing.T) {
	t.Parallel()
	backend := newIdentityBackend(t)
	url := authServer(t, backend, backend, "    allow_anonymous: false\n", []authtest.Key{authtest.FixedRSA(t)})
	got := send(t, http.DefaultClient, "POST", url+"/graphql", `{"query":"{product(id: \"a\"){name}}"}`)
	if got.status != http.StatusUnauthorized || !strings.Contains(got.body, `"code":"UNAUTHENTICATED"`) || got.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("got %d %v %s, want 401 UNAUTHENTICATED with a Bearer challenge", got.status, got.header, got.body)
	}
	if backend.calls.Load() != 0 {
		t.Error("the backend was called")
	}
}

func TestAPIKeyAtTheServer(t *testing.T) {
	t.Parallel()
	backend := newIdentityBackend(t)
	sum := sha256.Sum256([]byte("the-key"))
	keys := filepath.Join(t.TempDir(), "keys.yaml")
	if err := os.WriteFile(keys, []byte("keys:\n  - {name: partner, sha256: "+hex.EncodeToString(sum[:])+", scopes: [\"products:read\"]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := authServer(t, backend, backend, "    api_keys: {file: \""+keys+"\"}\n", []authtest.Key{authtest.FixedRSA(t)})
	got := send(t, http.DefaultClient, "POST", url+"/graphql", `{"query":"{product(id: \"a\"){name}}"}`, "X-Api-Key", "the-key")
	if got.status != http.StatusOK || backend.header().Get("X-User-Id") != "partner" {
		t.Errorf("valid key: got %d %s, backend saw X-User-Id %q", got.status, got.body, backend.header().Get("X-User-Id"))
	}
	got = send(t, http.DefaultClient, "POST", url+"/graphql", `{"query":"{product(id: \"a\"){name}}"}`, "X-Api-Key", "another-key")
	if got.status != http.StatusUnauthorized || backend.calls.Load() != 1 {
		t.Errorf("unknown key: got %d %s, %d backend calls (want 401, 1)", got.status, got.body, backend.calls.Load())
	}
}

// TestWebsocketConnectionInitAuthenticates is CS-4's auth rule with
// gateway.auth: the token of connection_init is verified, its principal is
// the one the subscription's resolver sees through the request seam, and a
// bad or missing token closes the socket with 4403.
func TestWebsocketConnectionInitAuthenticates(t *testing.T) {
	t.Parallel()
	key := authtest.FixedRSA(t)
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(jwks, authtest.JWKS(t, key), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := make(chan request.Principal, 4)
	svc := service(&testschema.Resolver{Ticks: func(ctx context.Context) error {
		seen <- request.PrincipalOf(ctx)
		return nil
	}})
	cfg := parse(t, `
gateway:
  auth:
    jwt: {jwks_file: "`+jwks+`", issuer: "`+authtest.Issuer+`", audiences: [`+authtest.Audience+`]}
    allow_anonymous: false
`)
	var userInit atomic.Int32
	srv := httptest.NewServer(newServer(t, svc, cfg, runtime.WithSubscriptionInit(func(ctx context.Context, _ map[string]any) (context.Context, error) {
		if request.PrincipalOf(ctx).Subject == "user-1" {
			userInit.Add(1) // the service's own check runs after authentication
		}
		return ctx, nil
	})).Handler())
	t.Cleanup(srv.Close)

	dial := func(t *testing.T, init string) *coderws.Conn {
		t.Helper()
		conn, _, err := coderws.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.CloseNow() })
		if err := conn.Write(t.Context(), coderws.MessageText, []byte(init)); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	t.Run("valid token", func(t *testing.T) {
		token := authtest.Mint(t, key, authtest.Claims(nil), nil)
		conn := dial(t, `{"type":"connection_init","payload":{"Authorization":"Bearer `+token+`"}}`)
		if _, data, err := readWithin(conn, 10*time.Second); err != nil || !strings.Contains(string(data), "connection_ack") {
			t.Fatalf("want connection_ack, got %s %v", data, err)
		}
		if err := conn.Write(t.Context(), coderws.MessageText, []byte(`{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks }"}}`)); err != nil {
			t.Fatal(err)
		}
		if _, data, err := readWithin(conn, 10*time.Second); err != nil || !strings.Contains(string(data), `"ticks":1`) {
			t.Fatalf("want the first event, got %s %v", data, err)
		}
		select {
		case p := <-seen:
			if p.Subject != "user-1" || !p.HasScopes("reviews:write") {
				t.Errorf("the subscription's resolver saw %+v, want user-1 with reviews:write", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the resolver did not run")
		}
		if userInit.Load() != 1 {
			t.Errorf("the service's connection_init check saw the principal %d times, want 1", userInit.Load())
		}
	})
	for _, tt := range []struct{ name, init string }{
		{"expired token", `{"type":"connection_init","payload":{"token":"` + authtest.Mint(t, key, authtest.Claims(map[string]any{"exp": 1}), nil) + `"}}`},
		{"no token", `{"type":"connection_init"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, tt.init)
			_, data, err := readWithin(conn, 10*time.Second)
			if got := coderws.CloseStatus(err); got != 4403 {
				t.Errorf("closed with %d (%s %v), want 4403", got, data, err)
			}
		})
	}
}

func TestReadyWaitsForTheKeySet(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL + "/jwks"
	down.Close() // nothing answers there any more
	cfg := parse(t, `
gateway:
  auth:
    jwt: {jwks_url: "`+url+`", issuer: i, audiences: [a], fetch_timeout: 1s}
`)
	srv := newServer(t, service(nil), cfg)
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "authentication not ready") {
		t.Errorf("/readyz = %d %q, want 503 naming authentication", rec.Code, rec.Body)
	}
}

func TestUnreadableKeyFilesStopTheStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ name, auth, want string }{
		{"key set file", `jwt: {jwks_file: "` + dir + `/none.json", issuer: i, audiences: [a]}`, "gateway.auth.jwt.jwks_file"},
		{"API key file", `api_keys: {file: "` + dir + `/none.yaml"}`, "gateway.auth.api_keys.file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.New(service(nil), parse(t, "gateway:\n  auth:\n    "+tt.auth+"\n"), runtime.WithLogger(discard))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}
