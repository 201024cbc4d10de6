package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bffgen/bffgen/examples/shop/dev/devkey"
)

// TestMintedTokensVerifyWithTheCommittedJWKS: a token minted with the
// committed development key verifies against the committed JWKS (the key
// id, the ES256 signature, the claims bff.yaml checks), so the two files
// cannot drift apart.
func TestMintedTokensVerifyWithTheCommittedJWKS(t *testing.T) {
	signed, err := devkey.Mint("../../dev", devkey.Issuer, devkey.Audience, "u-1", " reviews:write  pii:read ", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys := readJWKS(t, "../../dev/"+devkey.JWKSFile)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(signed, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k, ok := keys[kid]; ok {
			return k, nil
		}
		t.Fatalf("kid %q is not in the JWKS", kid)
		return nil, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(devkey.Issuer), jwt.WithAudience(devkey.Audience), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != "u-1" || claims["scope"] != "reviews:write pii:read" {
		t.Errorf("claims = %v", claims)
	}
}

func TestNewKeyPairsMintVerifiableTokens(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-new-key", "-dir", dir}); err != nil {
		t.Fatal(err)
	}
	signed, err := devkey.Mint(dir, "i", "a", "s", "", time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys := readJWKS(t, filepath.Join(dir, devkey.JWKSFile))
	if _, err := jwt.Parse(signed, func(tok *jwt.Token) (any, error) { return keys[tok.Header["kid"].(string)], nil }, jwt.WithValidMethods([]string{"ES256"})); err != nil {
		t.Fatal(err)
	}
	if _, err := devkey.Mint(dir, "i", "a", "s", "", 0, time.Now()); err == nil {
		t.Error("a ttl of 0 minted a token")
	}
}

// readJWKS reads the EC keys of a JWKS file by key id.
func readJWKS(t *testing.T, path string) map[string]*ecdsa.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct{ Kid, Crv, X, Y string }
	}
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		x, _ := base64.RawURLEncoding.DecodeString(k.X)
		y, _ := base64.RawURLEncoding.DecodeString(k.Y)
		out[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
	}
	return out
}
