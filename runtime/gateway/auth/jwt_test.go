package auth_test

import (
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/gateway/auth"
	"github.com/bffgen/bffgen/runtime/internal/authtest"
)

// TestTokenMatrix is AU-1 at the verifier: every forgery and every claim
// out of bounds is refused, for the reason logged.
func TestTokenMatrix(t *testing.T) {
	t.Parallel()
	rsaKey := authtest.FixedRSA(t)
	ecKey := authtest.NewEC(t, "ec-1")
	dir := t.TempDir()
	jwks := writeFile(t, dir, "jwks.json", authtest.JWKS(t, rsaKey, ecKey))
	a := newAuth(t, authConfig(t, `jwt:
  jwks_file: `+jwks+`
  issuer: `+authtest.Issuer+`
  audiences: [`+authtest.Audience+`]
  required_claims: [tenant]
`))
	claims := func(extra map[string]any) map[string]any {
		c := authtest.Claims(map[string]any{"tenant": "acme"})
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	now := time.Now()
	wrong := authtest.NewRSA(t, rsaKey.KID) // same kid, another key
	tests := []struct {
		name  string
		token string
		want  string // the reason; "" for accepted
	}{
		{"valid RS256", authtest.Mint(t, rsaKey, claims(nil), nil), ""},
		{"valid ES256", authtest.Mint(t, ecKey, claims(nil), nil), ""},
		{"valid, no kid: every key is tried", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": nil}), ""},
		{"expired within the leeway", authtest.Mint(t, rsaKey, claims(map[string]any{"exp": now.Add(-10 * time.Second).Unix()}), nil), ""},
		{"alg none", authtest.Unsigned(t, claims(nil), rsaKey.KID), auth.ReasonAlgorithm},
		{"alg none, no signature segment", strings.TrimSuffix(authtest.Unsigned(t, claims(nil), rsaKey.KID), "."), auth.ReasonMalformed},
		{"HS256 with the RSA public key as secret", authtest.HS256(t, claims(nil), rsaKey.KID, authtest.PublicPEM(t, rsaKey)), auth.ReasonAlgorithm},
		{"wrong key, same kid", authtest.Mint(t, wrong, claims(nil), nil), auth.ReasonSignature},
		{"attacker key embedded in the jwk header", authtest.EmbeddedJWK(t, authtest.NewRSA(t, "x"), claims(nil)), auth.ReasonSignature},
		{"expired beyond the leeway", authtest.Mint(t, rsaKey, claims(map[string]any{"exp": now.Add(-31 * time.Second).Unix()}), nil), auth.ReasonExpired},
		{"nbf in the future", authtest.Mint(t, rsaKey, claims(map[string]any{"nbf": now.Add(5 * time.Minute).Unix()}), nil), auth.ReasonNotYetValid},
		{"iat in the future", authtest.Mint(t, rsaKey, claims(map[string]any{"iat": now.Add(5 * time.Minute).Unix()}), nil), auth.ReasonIssuedInFuture},
		{"wrong issuer", authtest.Mint(t, rsaKey, claims(map[string]any{"iss": "https://evil.test/"}), nil), auth.ReasonIssuer},
		{"wrong audience", authtest.Mint(t, rsaKey, claims(map[string]any{"aud": "other-service"}), nil), auth.ReasonAudience},
		{"no audience", authtest.Mint(t, rsaKey, claims(map[string]any{"aud": nil}), nil), auth.ReasonMissingClaim},
		{"missing exp", authtest.Mint(t, rsaKey, claims(map[string]any{"exp": nil}), nil), auth.ReasonMissingClaim},
		{"missing sub", authtest.Mint(t, rsaKey, claims(map[string]any{"sub": nil}), nil), auth.ReasonMissingClaim},
		{"missing a required claim", authtest.Mint(t, rsaKey, claims(map[string]any{"tenant": nil}), nil), auth.ReasonMissingClaim},
		{"sub not a string", authtest.Mint(t, rsaKey, claims(map[string]any{"sub": 42}), nil), auth.ReasonInvalidClaims},
		{"exp not a number", authtest.Mint(t, rsaKey, claims(map[string]any{"exp": "tomorrow"}), nil), auth.ReasonInvalidClaims},
		{"over 8 KiB", authtest.Mint(t, rsaKey, claims(map[string]any{"pad": strings.Repeat("x", 8<<10)}), nil), auth.ReasonTooLarge},
		{"kid path trick", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": "../../../../etc/passwd"}), auth.ReasonUnknownKey},
		{"kid of another key set", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": "unknown"}), auth.ReasonUnknownKey},
		{"kid not a string", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": 7}), auth.ReasonUnknownKey},
		{"kid too long", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": strings.Repeat("k", 300)}), auth.ReasonUnknownKey},
		{"RS256 header on the EC key's kid", authtest.Mint(t, rsaKey, claims(nil), map[string]any{"kid": "ec-1"}), auth.ReasonUnknownKey},
		{"not a token", "abc", auth.ReasonMalformed},
		{"empty", "", auth.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := reason(verify(a, tt.token)); got != tt.want {
				t.Errorf("reason = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPrincipalFromClaims(t *testing.T) {
	t.Parallel()
	k := authtest.FixedRSA(t)
	jwks := writeFile(t, t.TempDir(), "jwks.json", authtest.JWKS(t, k))
	a := newAuth(t, authConfig(t, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"]}\n"))
	for _, tt := range []struct {
		name   string
		extra  map[string]any
		scopes []string
	}{
		{"scope, space-separated", nil, []string{"reviews:read", "reviews:write"}},
		{"scp list", map[string]any{"scope": nil, "scp": []string{"a", "b"}}, []string{"a", "b"}},
		{"scopes list", map[string]any{"scope": nil, "scopes": []string{"c"}}, []string{"c"}},
		{"no scopes", map[string]any{"scope": nil}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.VerifyToken(t.Context(), authtest.Mint(t, k, authtest.Claims(tt.extra), nil))
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != "user-1" || !reflect.DeepEqual(p.Scopes, tt.scopes) {
				t.Errorf("principal = %+v, want subject user-1 and scopes %q", p, tt.scopes)
			}
			if p.Claims["iss"] != authtest.Issuer {
				t.Errorf("claims = %v", p.Claims)
			}
		})
	}
}

func TestHMACSecretVerifiesOnlyHMAC(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s3cret!", 6)
	a := newAuth(t, authConfig(t, "jwt: {hmac_secret: \""+secret+"\", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"]}\n"))
	if err := verify(a, authtest.HS256(t, authtest.Claims(nil), "", []byte(secret))); err != nil {
		t.Errorf("a token signed with the secret: %v", err)
	}
	if got := reason(verify(a, authtest.HS256(t, authtest.Claims(nil), "", []byte(secret+"x")))); got != auth.ReasonSignature {
		t.Errorf("another secret: reason %q, want %q", got, auth.ReasonSignature)
	}
	if got := reason(verify(a, authtest.Mint(t, authtest.FixedRSA(t), authtest.Claims(nil), nil))); got != auth.ReasonAlgorithm {
		t.Errorf("an RS256 token: reason %q, want %q", got, auth.ReasonAlgorithm)
	}
}

// TestCachedTokenStillExpires: a token remembered after it verified is
// refused once it expires (beyond the leeway), on synctest's clock.
func TestCachedTokenStillExpires(t *testing.T) {
	k := authtest.NewEC(t, "k1")
	jwks := writeFile(t, t.TempDir(), "jwks.json", authtest.JWKS(t, k))
	synctest.Test(t, func(t *testing.T) {
		a := newAuth(t, authConfig(t, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"], leeway: 5s}\n"))
		token := authtest.Mint(t, k, authtest.Claims(map[string]any{"exp": time.Now().Add(time.Minute).Unix()}), nil)
		for range 2 {
			if err := verify(a, token); err != nil {
				t.Fatalf("before it expires: %v", err)
			}
		}
		time.Sleep(time.Minute + 4*time.Second)
		if err := verify(a, token); err != nil {
			t.Errorf("within the leeway: %v", err)
		}
		time.Sleep(2 * time.Second)
		if got := reason(verify(a, token)); got != auth.ReasonExpired {
			t.Errorf("after exp + leeway: reason %q, want %q", got, auth.ReasonExpired)
		}
	})
}
