package auth_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/internal/authtest"
)

// FuzzVerifyToken is AU-1's fuzz target: whatever the input, a token is
// accepted only when it is signed, RS256, by the test key (checked here
// with crypto/rsa, independently of the JWT library). The seed corpus
// (testdata/fuzz/FuzzVerifyToken) holds a token valid until 2100, signed by
// the committed test key, and the forgeries of the matrix.
func FuzzVerifyToken(f *testing.F) {
	k := authtest.FixedRSA(f)
	jwks := writeFile(f, f.TempDir(), "jwks.json", authtest.JWKS(f, k))
	a := newAuth(f, authConfig(f, "jwt: {jwks_file: "+jwks+", issuer: \""+authtest.Issuer+"\", audiences: ["+authtest.Audience+"], algorithms: [RS256]}\n"))
	valid := authtest.Mint(f, k, authtest.Claims(nil), nil)
	f.Add(valid)
	f.Add(authtest.Unsigned(f, authtest.Claims(nil), k.KID))
	f.Add(authtest.HS256(f, authtest.Claims(nil), k.KID, authtest.PublicPEM(f, k)))
	f.Add(authtest.Mint(f, k, authtest.Claims(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}), nil))
	f.Add(strings.Replace(valid, ".", "=.", 1))
	pub := k.Signer.Public().(*rsa.PublicKey)
	f.Fuzz(func(t *testing.T, token string) {
		p, err := a.VerifyToken(t.Context(), token)
		if err != nil {
			return
		}
		if !signedBy(pub, token) {
			t.Fatalf("accepted a token that the test key did not sign: %q", token)
		}
		if p.Subject == "" {
			t.Fatalf("accepted a token without a subject: %q", token)
		}
	})
}

// signedBy reports whether token is a compact JWS with alg RS256 whose
// signature verifies with pub.
func signedBy(pub *rsa.PublicKey, token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(rawHeader, &header) != nil || header.Alg != "RS256" {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
}
