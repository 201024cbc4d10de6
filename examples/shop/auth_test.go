package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/dev/devkey"
	"github.com/bffgen/bffgen/runtime/config"
)

// bearer returns the header pair of a development token for sub with the
// space-separated scopes, as `go run ./cmd/devtoken -sub sub -scope scope`
// mints it.
func bearer(t testing.TB, sub, scope string) []string {
	t.Helper()
	tok, err := devkey.Mint("dev", devkey.Issuer, devkey.Audience, sub, scope, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", "Bearer " + tok}
}

// trustDevKey makes cfg verify the development tokens, as bff.yaml does.
func trustDevKey(t testing.TB, cfg *config.Config) {
	t.Helper()
	jwks, err := filepath.Abs(filepath.Join("dev", devkey.JWKSFile))
	if err != nil {
		t.Fatal(err)
	}
	j := &cfg.Gateway.Auth.JWT
	j.JWKSFile, j.Issuer, j.Audiences = jwks, devkey.Issuer, []string{devkey.Audience}
}

// withDevAuth serves a profile that verifies the development tokens.
func withDevAuth(t testing.TB) profileOption {
	return withConfig(func(c *config.Config) { trustDevKey(t, c) })
}

// TestTryAuthenticationAsTheREADMESays runs the README's "Try
// authentication" steps against bff.yaml as it is: the development key set
// of dev/, tokens minted like cmd/devtoken, me and addReview guarded by
// @auth, email by @redact.
func TestTryAuthenticationAsTheREADMESays(t *testing.T) {
	p := serveProfile(t, "bff.yaml", backends.Options{})
	const me = `{"query":"{ me { id displayName email } }"}`
	const review = `{"query":"mutation { addReview(input: {productId: \"p-1001\", rating: 5, title: \"t\", body: \"b\", author: \"u-2\"}) { id } }"}`
	tests := []struct {
		name   string
		body   string
		header []string
		status int
		want   string // the answer, exactly
	}{
		{"anonymous me: UNAUTHENTICATED, the field null", me, nil, 200,
			`{"errors":[{"message":"authentication required","path":["me"],"locations":[{"line":1,"column":3}],"extensions":{"code":"UNAUTHENTICATED"}}],"data":{"me":null}}`},
		{"me with a token: the user of its sub, email redacted", me, bearer(t, "u-2", ""), 200,
			`{"data":{"me":{"id":"u-2","displayName":"Jonas B.","email":null}}}`},
		{"me with pii:read: the email too", me, bearer(t, "u-2", "pii:read"), 200,
			`{"data":{"me":{"id":"u-2","displayName":"Jonas B.","email":"jonas@u-2.example"}}}`},
		{"addReview without reviews:write: FORBIDDEN", review, bearer(t, "u-2", "pii:read"), 200,
			`{"errors":[{"message":"forbidden: this field needs the scope reviews:write","path":["addReview"],"locations":[{"line":1,"column":12}],"extensions":{"code":"FORBIDDEN"}}],"data":{"addReview":null}}`},
		{"a token that does not verify: 401 before anything runs", me, []string{"Authorization", "Bearer e30.e30.AAAA"}, 401,
			`{"errors":[{"message":"the token is not valid","extensions":{"code":"UNAUTHENTICATED"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, "POST", p.GraphQL, "application/json", tt.body, tt.header...)
			if a.status != tt.status || a.body != tt.want {
				t.Errorf("got %d %s\nwant %d %s", a.status, a.body, tt.status, tt.want)
			}
		})
	}
	t.Run("addReview with reviews:write: stored", func(t *testing.T) {
		a := do(t, "POST", p.GraphQL, "application/json", review, bearer(t, "u-2", "reviews:write")...)
		if a.status != 200 || a.errorCount() != 0 || !strings.Contains(a.data(), `"id":"r-`) {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
}

// TestProductionProfileRefusesTheDevelopmentKey: bff.production.yaml
// trusts no key set, so a development token is not a credential there:
// me is UNAUTHENTICATED, as for anyone.
func TestProductionProfileRefusesTheDevelopmentKey(t *testing.T) {
	p := serveProfile(t, "bff.production.yaml", backends.Options{}, withEnv("BFF_PERSISTED_MODE", "off"))
	a := do(t, "POST", p.GraphQL, "application/json", `{"query":"{ me { id } }"}`, bearer(t, "u-1", "reviews:write pii:read")...)
	if a.status != 200 || a.code() != "UNAUTHENTICATED" || a.data() != `{"me":null}` {
		t.Errorf("got %d %s", a.status, a.body)
	}
}

// TestProductionProfileLimitsEachClient: the production profile's
// per-client rule (200/s, bursts of 400) answers 429 RATE_LIMITED with
// Retry-After once a client has spent its burst, before any backend call.
func TestProductionProfileLimitsEachClient(t *testing.T) {
	p := serveProfile(t, "bff.production.yaml", backends.Options{}, withEnv("BFF_PERSISTED_MODE", "off"))
	body := `{"query":"{ __typename }"}`
	var limited *answer
	sent := 0
	for ; sent < 2000 && limited == nil; sent++ {
		if a := do(t, "POST", p.GraphQL, "application/json", body); a.status == http.StatusTooManyRequests {
			limited = &a
		} else if a.status != 200 {
			t.Fatalf("request %d: %d %s", sent, a.status, a.body)
		}
	}
	if limited == nil {
		t.Fatalf("%d requests from one client, none limited", sent)
	}
	t.Logf("the first 429 came at request %d", sent)
	if sent <= 400 {
		t.Errorf("limited at request %d, within the burst of 400", sent)
	}
	var r struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if json.Unmarshal([]byte(limited.body), &r) != nil || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "RATE_LIMITED" || limited.header.Get("Retry-After") == "" {
		t.Errorf("429 answer: %v %s", limited.header, limited.body)
	}
}
