package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway/auth"
	"github.com/bffgen/bffgen/runtime/internal/authtest"
)

// urlConfig is gateway.auth with a key set URL.
func urlConfig(t testing.TB, url, extra string) config.Auth {
	t.Helper()
	return authConfig(t, "jwt:\n  jwks_url: "+url+"\n  issuer: \""+authtest.Issuer+"\"\n  audiences: ["+authtest.Audience+"]\n"+indent(extra, "  "))
}

// TestKeyRotationIsPickedUpWithinTheRefreshInterval is AU-2's rotation, on
// synctest's clock: the issuer replaces key 1 by key 2; tokens of key 1
// keep verifying until the next refresh, after which they are refused and
// tokens of key 2 verify, without any token having caused a fetch.
func TestKeyRotationIsPickedUpWithinTheRefreshInterval(t *testing.T) {
	k1, k2 := authtest.NewEC(t, "k1"), authtest.NewEC(t, "k2")
	synctest.Test(t, func(t *testing.T) {
		srv := newJWKSServer(authtest.JWKS(t, k1))
		a := newAuth(t, urlConfig(t, "https://idp.test/jwks", "refresh_interval: 1m\n"), auth.WithHTTPClient(inProcess(srv)))
		old, next := authtest.Mint(t, k1, authtest.Claims(nil), nil), authtest.Mint(t, k2, authtest.Claims(nil), nil)
		if err := verify(a, old); err != nil {
			t.Fatalf("key 1 before the rotation: %v", err)
		}
		srv.set(authtest.JWKS(t, k2), http.StatusOK)
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if n := srv.fetches.Load(); n != 1 {
			t.Fatalf("%d fetches before the interval ended, want 1", n)
		}
		if err := verify(a, old); err != nil {
			t.Errorf("key 1 within the interval: %v (the cached set must serve)", err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := srv.fetches.Load(); n != 2 {
			t.Fatalf("%d fetches after the interval, want 2", n)
		}
		if err := verify(a, next); err != nil {
			t.Errorf("key 2 after the refresh: %v", err)
		}
		if got := reason(verify(a, old)); got != auth.ReasonUnknownKey {
			t.Errorf("key 1 after the refresh: reason %q, want %q", got, auth.ReasonUnknownKey)
		}
	})
}

// TestKeySetDownKeepsTheCachedKeys is AU-2's outage: refreshes fail (503,
// then a set without keys), the keys of the last good fetch keep
// verifying, and the service stays ready.
func TestKeySetDownKeepsTheCachedKeys(t *testing.T) {
	k := authtest.NewEC(t, "k1")
	synctest.Test(t, func(t *testing.T) {
		srv := newJWKSServer(authtest.JWKS(t, k))
		a := newAuth(t, urlConfig(t, "https://idp.test/jwks", "refresh_interval: 1m\n"), auth.WithHTTPClient(inProcess(srv)))
		token := authtest.Mint(t, k, authtest.Claims(nil), nil)
		srv.set([]byte("upstream connect error"), http.StatusServiceUnavailable)
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		srv.set([]byte(`{"keys":[]}`), http.StatusOK)
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := srv.fetches.Load(); n < 3 {
			t.Fatalf("%d fetches, want at least 3 (start, two failed refreshes)", n)
		}
		if err := verify(a, token); err != nil {
			t.Errorf("a token of the cached key while the key set is down: %v", err)
		}
		if err := a.Ready(); err != nil {
			t.Errorf("Ready while the key set is down: %v; want ready on the cached keys", err)
		}
	})
}

// TestKeySetDownAtStart: the service starts, is not ready and refuses
// tokens until a fetch succeeds, which is retried within 10 s, not after a
// whole refresh interval.
func TestKeySetDownAtStart(t *testing.T) {
	k := authtest.NewEC(t, "k1")
	synctest.Test(t, func(t *testing.T) {
		srv := newJWKSServer(nil)
		srv.set(nil, http.StatusBadGateway)
		a := newAuth(t, urlConfig(t, "https://idp.test/jwks", "refresh_interval: 5m\n"), auth.WithHTTPClient(inProcess(srv)))
		if a.Ready() == nil {
			t.Error("ready before the key set was fetched")
		}
		token := authtest.Mint(t, k, authtest.Claims(nil), nil)
		if got := reason(verify(a, token)); got != auth.ReasonUnknownKey {
			t.Errorf("reason = %q before the key set was fetched, want %q", got, auth.ReasonUnknownKey)
		}
		srv.set(authtest.JWKS(t, k), http.StatusOK)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if err := a.Ready(); err != nil {
			t.Errorf("not ready 10 s after the key set came back: %v", err)
		}
		if err := verify(a, token); err != nil {
			t.Errorf("token after the key set came back: %v", err)
		}
	})
}

// TestUnknownKIDFloodFetchesOncePerInterval is AU-2's flood, counted at the
// key set server on synctest's clock: 100 tokens with made-up key ids, at
// once and again 5 s later, cause one fetch; the next one is allowed 10 s
// after the first.
func TestUnknownKIDFloodFetchesOncePerInterval(t *testing.T) {
	k := authtest.NewEC(t, "k1")
	synctest.Test(t, func(t *testing.T) {
		srv := newJWKSServer(authtest.JWKS(t, k))
		a := newAuth(t, urlConfig(t, "https://idp.test/jwks", "refresh_interval: 1h\n"), auth.WithHTTPClient(inProcess(srv)))
		flood := func(round int) {
			var wg sync.WaitGroup
			for i := range 100 {
				token := authtest.Mint(t, k, authtest.Claims(nil), map[string]any{"kid": "made-up-" + strconv.Itoa(round) + "-" + strconv.Itoa(i)})
				wg.Go(func() {
					if got := reason(verify(a, token)); got != auth.ReasonUnknownKey {
						t.Errorf("reason = %q, want %q", got, auth.ReasonUnknownKey)
					}
				})
			}
			wg.Wait()
		}
		flood(1)
		if n := srv.fetches.Load(); n != 2 {
			t.Errorf("after a flood: %d fetches, want 2 (start + one)", n)
		}
		time.Sleep(5 * time.Second)
		flood(2)
		if n := srv.fetches.Load(); n != 2 {
			t.Errorf("after a second flood 5 s later: %d fetches, want still 2", n)
		}
		time.Sleep(5 * time.Second)
		flood(3)
		if n := srv.fetches.Load(); n != 3 {
			t.Errorf("after a third flood 10 s after the first: %d fetches, want 3", n)
		}
		if err := verify(a, authtest.Mint(t, k, authtest.Claims(nil), nil)); err != nil {
			t.Errorf("a known key during the flood: %v", err)
		}
	})
}

// TestKeySetOverTheNetwork runs the key set on a real server on 127.0.0.1:
// a new key is found by its unknown kid once (one fetch for a burst of
// requests); when the server is gone, the cached keys keep verifying and
// an unknown kid is refused without an error of another kind.
func TestKeySetOverTheNetwork(t *testing.T) {
	t.Parallel()
	k1, k2 := authtest.NewEC(t, "k1"), authtest.NewEC(t, "k2")
	srv := newJWKSServer(authtest.JWKS(t, k1))
	hs := httptest.NewServer(srv)
	a := newAuth(t, urlConfig(t, hs.URL+"/jwks", "refresh_interval: 1h\nunknown_kid_refresh_interval: 1h\n"))
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches at start, want 1", n)
	}
	srv.set(authtest.JWKS(t, k1, k2), http.StatusOK)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _ = verify(a, authtest.Mint(t, k2, authtest.Claims(nil), nil)) })
	}
	wg.Wait()
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after a burst of tokens of a new key, want 2", n)
	}
	if err := verify(a, authtest.Mint(t, k2, authtest.Claims(nil), nil)); err != nil {
		t.Errorf("the new key after its fetch: %v", err)
	}
	hs.Close()
	if err := verify(a, authtest.Mint(t, k1, authtest.Claims(nil), nil)); err != nil {
		t.Errorf("a cached key with the server gone: %v", err)
	}
	if got := reason(verify(a, authtest.Mint(t, k1, authtest.Claims(nil), map[string]any{"kid": "k3"}))); got != auth.ReasonUnknownKey {
		t.Errorf("an unknown kid with the server gone: %q, want %q", got, auth.ReasonUnknownKey)
	}
}

func TestKeySetFileProblemsStopTheStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sym := writeFile(t, dir, "oct.json", []byte(`{"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]}`))
	for _, tt := range []struct{ name, path, want string }{
		{"missing file", dir + "/nope.json", "no such file"},
		{"not a key set", writeFile(t, dir, "bad.json", []byte("{")), "not a JSON Web Key Set"},
		{"only a symmetric key", sym, "no usable public signing key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth.New(authConfig(t, "jwt: {jwks_file: "+tt.path+", issuer: i, audiences: [a]}\n"))
			if err == nil || !containsAll(err.Error(), "gateway.auth.jwt.jwks_file", tt.want) {
				t.Errorf("err = %v, want the key and %q", err, tt.want)
			}
		})
	}
}
