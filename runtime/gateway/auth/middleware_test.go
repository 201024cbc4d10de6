package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bffgen/bffgen/runtime/gateway/auth"
	"github.com/bffgen/bffgen/runtime/internal/authtest"
	"github.com/bffgen/bffgen/runtime/request"
)

func requestWith(header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{hello}"}`))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// serve runs r through the middleware of a in front of a handler that
// records the principal it sees; reached is false when the middleware
// answered itself.
func serve(a *auth.Authenticator, r *http.Request) (res *httptest.ResponseRecorder, p request.Principal, reached bool) {
	res = httptest.NewRecorder()
	r = r.WithContext(request.With(r.Context(), request.New("req-1", r.Header)))
	a.Middleware()(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		reached = true
		p = request.PrincipalOf(r.Context())
	})).ServeHTTP(res, r)
	return res, p, reached
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	k := authtest.FixedRSA(t)
	dir := t.TempDir()
	jwks := writeFile(t, dir, "jwks.json", authtest.JWKS(t, k))
	keys := writeFile(t, dir, "keys.yaml", keyFile([3]string{"app", hashOf("key-1"), "products:read"}))
	base := "jwt: {jwks_file: " + jwks + ", issuer: \"" + authtest.Issuer + "\", audiences: [" + authtest.Audience + "], cookie: session}\napi_keys: {file: " + keys + "}\n"
	open := newAuth(t, authConfig(t, base))
	closed := newAuth(t, authConfig(t, base+"allow_anonymous: false\n"))
	valid := authtest.Mint(t, k, authtest.Claims(nil), nil)
	expired := authtest.Mint(t, k, authtest.Claims(map[string]any{"exp": 1}), nil)
	upgrade := []string{"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13"}
	tests := []struct {
		name      string
		a         *auth.Authenticator
		method    string
		header    []string
		status    int    // 0: the request reached the handler
		subject   string // the principal's subject there
		challenge string
	}{
		{name: "bearer token", a: open, header: []string{"Authorization", "Bearer " + valid}, subject: "user-1"},
		{name: "bearer scheme in lower case", a: open, header: []string{"Authorization", "bearer " + valid}, subject: "user-1"},
		{name: "cookie", a: open, header: []string{"Cookie", "session=" + valid}, subject: "user-1"},
		{name: "API key", a: open, header: []string{"X-Api-Key", "key-1"}, subject: "app"},
		{name: "the bearer token wins over an API key", a: open, header: []string{"Authorization", "Bearer " + valid, "X-Api-Key", "nope"}, subject: "user-1"},
		{name: "anonymous allowed", a: open},
		{name: "Basic is not a credential here", a: open, header: []string{"Authorization", "Basic dTpw"}},
		{name: "expired token", a: open, header: []string{"Authorization", "Bearer " + expired}, status: 401, challenge: `Bearer error="invalid_token"`},
		{name: "expired token in the cookie", a: open, header: []string{"Cookie", "session=" + expired}, status: 401, challenge: `Bearer error="invalid_token"`},
		{name: "empty bearer token", a: open, header: []string{"Authorization", "Bearer "}, status: 401, challenge: `Bearer error="invalid_token"`},
		{name: "unknown API key", a: open, header: []string{"X-Api-Key", "key-2"}, status: 401, challenge: `ApiKey header="X-Api-Key", error="invalid_key"`},
		{name: "anonymous refused", a: closed, status: 401, challenge: "Bearer"},
		{name: "websocket upgrade without a credential waits for connection_init", a: closed, method: http.MethodGet, header: upgrade},
		{name: "an Upgrade header alone is no websocket", a: closed, method: http.MethodGet, header: []string{"Upgrade", "websocket"}, status: 401, challenge: "Bearer"},
		{name: "websocket upgrade with a bad token", a: closed, method: http.MethodGet, header: append([]string{"Authorization", "Bearer " + expired}, upgrade...), status: 401, challenge: `Bearer error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := requestWith(tt.header...)
			if tt.method != "" {
				r.Method = tt.method
			}
			res, p, reached := serve(tt.a, r)
			if tt.status == 0 {
				if !reached || p.Subject != tt.subject {
					t.Fatalf("reached %v with principal %+v (status %d %s), want subject %q", reached, p, res.Code, res.Body, tt.subject)
				}
				return
			}
			if reached {
				t.Fatal("the request went past authentication")
			}
			if res.Code != tt.status || !strings.Contains(res.Body.String(), `"code":"UNAUTHENTICATED"`) {
				t.Errorf("got %d %s, want %d UNAUTHENTICATED", res.Code, res.Body, tt.status)
			}
			if got := res.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if strings.Contains(res.Body.String(), valid[:20]) || strings.Contains(res.Body.String(), expired[:20]) {
				t.Error("the response quotes the token")
			}
		})
	}
}

func TestSubscriptionInit(t *testing.T) {
	t.Parallel()
	k := authtest.FixedRSA(t)
	dir := t.TempDir()
	jwks := writeFile(t, dir, "jwks.json", authtest.JWKS(t, k))
	keys := writeFile(t, dir, "keys.yaml", keyFile([3]string{"app", hashOf("key-1"), "products:read"}))
	base := "jwt: {jwks_file: " + jwks + ", issuer: \"" + authtest.Issuer + "\", audiences: [" + authtest.Audience + "]}\napi_keys: {file: " + keys + "}\n"
	open := newAuth(t, authConfig(t, base)).SubscriptionInit()
	closed := newAuth(t, authConfig(t, base+"allow_anonymous: false\n")).SubscriptionInit()
	valid := authtest.Mint(t, k, authtest.Claims(nil), nil)
	for _, tt := range []struct {
		name     string
		init     func(context.Context, map[string]any) (context.Context, error)
		payload  map[string]any
		upgraded string // the subject the upgrade request established
		subject  string
		refused  bool
	}{
		{name: "Authorization member", init: open, payload: map[string]any{"Authorization": "Bearer " + valid}, subject: "user-1"},
		{name: "authorization member in lower case", init: open, payload: map[string]any{"authorization": "Bearer " + valid}, subject: "user-1"},
		{name: "token member", init: open, payload: map[string]any{"token": valid}, subject: "user-1"},
		{name: "API key member", init: open, payload: map[string]any{"X-Api-Key": "key-1"}, subject: "app"},
		{name: "anonymous allowed", init: open, payload: map[string]any{}},
		{name: "anonymous refused", init: closed, payload: nil, refused: true},
		{name: "the upgrade request's principal stays", init: closed, payload: map[string]any{}, upgraded: "cookie-user", subject: "cookie-user"},
		{name: "bad token", init: open, payload: map[string]any{"token": valid + "x"}, refused: true},
		{name: "token not a string", init: open, payload: map[string]any{"token": 12}, refused: true},
		{name: "Authorization without Bearer", init: open, payload: map[string]any{"Authorization": valid}, refused: true},
		{name: "unknown API key", init: open, payload: map[string]any{"X-Api-Key": "key-2"}, refused: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := request.New("ws-1", nil)
			req.Principal.Subject = tt.upgraded
			ctx, err := tt.init(request.With(t.Context(), req), tt.payload)
			if tt.refused {
				if err == nil || !strings.HasPrefix(err.Error(), "forbidden") {
					t.Errorf("err = %v, want a refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := request.PrincipalOf(ctx).Subject; got != tt.subject {
				t.Errorf("subject = %q, want %q", got, tt.subject)
			}
		})
	}
}

// TestRefusalsAreLoggedWithoutTheCredential is PII-1 for credentials: the
// debug log names the request, the kind of credential and the reason, and
// no byte of the token or the key.
func TestRefusalsAreLoggedWithoutTheCredential(t *testing.T) {
	t.Parallel()
	k := authtest.FixedRSA(t)
	dir := t.TempDir()
	jwks := writeFile(t, dir, "jwks.json", authtest.JWKS(t, k))
	keys := writeFile(t, dir, "keys.yaml", keyFile([3]string{"app", hashOf("key-1"), "x"}))
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newAuth(t, authConfig(t, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"]}\napi_keys: {file: "+keys+"}\n"), auth.WithLogger(logger))
	expired := authtest.Mint(t, k, authtest.Claims(map[string]any{"exp": 1, "email": "jane@example.com"}), nil)
	secretKey := "sk_live_4242424242424242"
	serve(a, requestWith("Authorization", "Bearer "+expired))
	serve(a, requestWith("X-Api-Key", secretKey))
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	for _, want := range []string{`"reason":"expired"`, `"reason":"unknown_api_key"`, `"request_id":"req-1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range append(strings.Split(expired, "."), secretKey, "jane@example.com") {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a piece of a credential %q:\n%s", secret, out)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestAnonymousHandshakeCarriesNoOperation: with anonymous callers refused,
// a websocket handshake without a credential goes on (connection_init may
// bring one) but without its query string, so that a GET operation cannot
// ride on it.
func TestAnonymousHandshakeCarriesNoOperation(t *testing.T) {
	t.Parallel()
	keys := writeFile(t, t.TempDir(), "keys.yaml", keyFile([3]string{"app", hashOf("key-1"), "x"}))
	a := newAuth(t, authConfig(t, "api_keys: {file: "+keys+"}\nallow_anonymous: false\n"))
	r := httptest.NewRequest(http.MethodGet, "/graphql?query=%7Bhello%7D", nil)
	for _, h := range [][2]string{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "13"}} {
		r.Header.Set(h[0], h[1])
	}
	var query string
	reached := false
	a.Middleware()(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		reached, query = true, r.URL.RawQuery
	})).ServeHTTP(httptest.NewRecorder(), r)
	if !reached || query != "" {
		t.Errorf("reached %v with query %q, want the handshake through without its query", reached, query)
	}
}
