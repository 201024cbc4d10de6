// Package devkey holds the shop's development signing key: Mint signs
// tokens with the key pair in examples/shop/dev, which bff.yaml
// (development) trusts through dev/jwks.json; WriteKeyPair makes a new
// pair. Development only: the private key is committed on purpose.
package devkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Files of a key pair, and the issuer and audience of the shop's bff.yaml.
const (
	KeyFile  = "signing-key.pem"
	JWKSFile = "jwks.json"
	Issuer   = "https://dev.shop.example"
	Audience = "shop-bff"
)

// Mint signs a token with the key in dir (KeyFile), valid from now for
// ttl, with the claims iss, aud, sub, iat, nbf, exp, and scope when scope
// has any scope in it (space-separated; extra spaces are dropped). The
// header's kid is the key's RFC 7638 thumbprint, as in the JWKS. A ttl of
// zero or less is an error.
func Mint(dir, iss, aud, sub, scope string, ttl time.Duration, now time.Time) (string, error) {
	key, kid, err := readKey(filepath.Join(dir, KeyFile))
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", fmt.Errorf("ttl %s: want a positive duration such as 1h", ttl)
	}
	claims := jwt.MapClaims{
		"iss": iss,
		"aud": aud,
		"sub": sub,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	if s := strings.TrimSpace(scope); s != "" {
		claims["scope"] = strings.Join(strings.Fields(s), " ")
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = kid
	return tok.SignedString(key)
}

// readKey reads the PEM private key and derives its key id, the RFC 7638
// thumbprint of the public key, as in the JWKS.
func readKey(path string) (*ecdsa.PrivateKey, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("%w: run from examples/shop, or write a key pair with devtoken -new-key", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, "", fmt.Errorf("%s: no PEM block: write a new key pair with devtoken -new-key", path)
	}
	k, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if k.Curve != elliptic.P256() {
		return nil, "", fmt.Errorf("%s: the key is not on P-256, which ES256 needs", path)
	}
	return k, thumbprint(&k.PublicKey), nil
}

// WriteKeyPair writes a new P-256 private key (KeyFile) and the JWKS of
// its public key (JWKSFile) into dir, creating dir when needed.
func WriteKeyPair(dir string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return err
	}
	jwks, err := json.MarshalIndent(map[string]any{"keys": []any{jwk(&k.PublicKey)}}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	return errors.Join(
		os.WriteFile(filepath.Join(dir, KeyFile), keyPEM, 0o600),
		os.WriteFile(filepath.Join(dir, JWKSFile), append(jwks, '\n'), 0o644),
	)
}

// jwk is the public JWK of k, with its thumbprint as key id.
func jwk(k *ecdsa.PublicKey) map[string]string {
	x, y := coordinates(k)
	return map[string]string{"kty": "EC", "crv": "P-256", "x": x, "y": y, "alg": "ES256", "use": "sig", "kid": thumbprint(k)}
}

// thumbprint is the RFC 7638 JWK thumbprint of k (SHA-256, base64url).
func thumbprint(k *ecdsa.PublicKey) string {
	x, y := coordinates(k)
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// coordinates are the base64url coordinates of k, 32 bytes each.
func coordinates(k *ecdsa.PublicKey) (x, y string) {
	pad := func(n *big.Int) string { return base64.RawURLEncoding.EncodeToString(n.FillBytes(make([]byte, 32))) }
	return pad(k.X), pad(k.Y)
}
