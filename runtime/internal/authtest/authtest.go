// Package authtest is the test kit of authentication: signing keys (one of
// them fixed, so that committed fuzz seeds stay signed by it), JSON Web Key
// Sets, and tokens, valid or forged in every way the AU-1 matrix needs. It
// is for tests only: its fixed key is public.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// The issuer and audience of the tokens Claims makes.
const (
	Issuer   = "https://issuer.test/"
	Audience = "test-bff"
)

// Key is a signing key with the kid and alg its tokens carry.
type Key struct {
	KID    string
	Alg    string
	Signer crypto.Signer
}

//go:embed testdata/test-rsa-key.pem
var fixedPEM []byte

var fixed = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(fixedPEM)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	return k.(*rsa.PrivateKey), nil
})

// FixedRSA returns the committed RSA key (kid "test-rsa", RS256), the one
// the fuzz seeds are signed with.
func FixedRSA(t testing.TB) Key {
	t.Helper()
	k, err := fixed()
	if err != nil {
		t.Fatal(err)
	}
	return Key{KID: "test-rsa", Alg: "RS256", Signer: k}
}

// NewRSA returns a fresh 2048-bit RSA key (RS256).
func NewRSA(t testing.TB, kid string) Key {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return Key{KID: kid, Alg: "RS256", Signer: k}
}

// NewEC returns a fresh P-256 key (ES256).
func NewEC(t testing.TB, kid string) Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{KID: kid, Alg: "ES256", Signer: k}
}

// JWKS returns the JSON Web Key Set of the public halves of keys.
func JWKS(t testing.TB, keys ...Key) []byte {
	t.Helper()
	set := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{}}
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.Signer.Public(), jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.KID, ALG: jwkset.ALG(k.Alg), USE: jwkset.UseSig},
		})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Claims returns the claims of a valid token for subject "user-1" (issuer
// Issuer, audience Audience, issued now, expiring in an hour, scopes
// "reviews:read reviews:write"), with extra set over them; a nil value in
// extra deletes the claim.
func Claims(extra map[string]any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss":   Issuer,
		"aud":   Audience,
		"sub":   "user-1",
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"scope": "reviews:read reviews:write",
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// Mint signs claims with k; header entries are set over the token's
// header (kid and alg come from k; a nil value deletes the entry).
func Mint(t testing.TB, k Key, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(k.Alg), claims)
	tok.Header["kid"] = k.KID
	for name, v := range header {
		if v == nil {
			delete(tok.Header, name)
			continue
		}
		tok.Header[name] = v
	}
	s, err := tok.SignedString(k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unsigned returns a token with "alg": "none" and an empty signature.
func Unsigned(t testing.TB, claims jwt.MapClaims, kid string) string {
	t.Helper()
	return segment(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + segment(t, claims) + "."
}

// HS256 returns a token signed with HMAC-SHA256 under secret: with the
// PEM of an RSA public key as the secret, the algorithm-confusion forgery.
func HS256(t testing.TB, claims jwt.MapClaims, kid string, secret []byte) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// PublicPEM returns the PEM (PKIX) of the public half of k.
func PublicPEM(t testing.TB, k Key) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// EmbeddedJWK signs claims with k and puts k's public key in the token's
// own "jwk" header, the forgery of a verifier that trusts it.
func EmbeddedJWK(t testing.TB, k Key, claims jwt.MapClaims) string {
	t.Helper()
	var jwk map[string]any
	raw := JWKS(t, k)
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	jwk = maps.Clone(set.Keys[0])
	return Mint(t, k, claims, map[string]any{"jwk": jwk, "kid": nil})
}

func segment(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}
