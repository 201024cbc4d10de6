package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bffgen/bffgen/runtime/internal/authtest"
	"github.com/bffgen/bffgen/runtime/request"
)

// BenchmarkAuthnMiddleware measures the authn phase per request with the
// key already cached (no fetch). RS256 and ES256 send the same token again,
// as a client does until it expires: the verified-token cache answers
// after a SHA-256 of the token; with cache_off every request checks the
// signature, which dominates. Anonymous is the cost of looking for a
// credential and finding none.
func BenchmarkAuthnMiddleware(b *testing.B) {
	rsaKey, ecKey := authtest.FixedRSA(b), authtest.NewEC(b, "ec-1")
	dir := b.TempDir()
	jwks := writeFile(b, dir, "jwks.json", authtest.JWKS(b, rsaKey, ecKey))
	keys := writeFile(b, dir, "keys.yaml", keyFile([3]string{"app", hashOf("key-1"), "products:read"}))
	a := newAuth(b, authConfig(b, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"]}\napi_keys: {file: "+keys+"}\n"))
	uncached := newAuth(b, authConfig(b, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"], cache_size: 0}\n"))
	reached := 0
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached++ })
	h, hUncached := a.Middleware()(next), uncached.Middleware()(next)
	rs256 := []string{"Authorization", "Bearer " + authtest.Mint(b, rsaKey, authtest.Claims(nil), nil)}
	es256 := []string{"Authorization", "Bearer " + authtest.Mint(b, ecKey, authtest.Claims(nil), nil)}
	for _, bc := range []struct {
		name   string
		h      http.Handler
		header []string
	}{
		{"RS256", h, rs256},
		{"ES256", h, es256},
		{"RS256/cache_off", hUncached, rs256},
		{"ES256/cache_off", hUncached, es256},
		{"APIKey", h, []string{"X-Api-Key", "key-1"}},
		{"Anonymous", h, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := requestWith(bc.header...)
			r = r.WithContext(request.With(r.Context(), request.New("id", r.Header)))
			w := httptest.NewRecorder()
			reached = 0
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, r)
			}
			if reached == 0 || w.Code != http.StatusOK {
				b.Fatalf("the credential was refused: %d %s", w.Code, w.Body)
			}
		})
	}
}
