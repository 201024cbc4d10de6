// Command devtoken mints JSON Web Tokens for trying the shop BFF's
// authentication in development: they are signed with the development key
// in dev/ (ES256), whose public half is the JWKS of bff.yaml. Never use that
// key, or these tokens, anywhere but on your own machine.
//
//	go run ./cmd/devtoken -sub u-1 -scope reviews:write
//	go run ./cmd/devtoken -new-key   # writes a new dev key pair into dev/
//
// It prints the token on standard output, so that
//
//	curl -H "Authorization: Bearer $(go run ./cmd/devtoken -sub u-1)" ...
//
// works.
package main

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
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Defaults of the flags; they match the shop's bff.yaml.
const (
	defaultIssuer   = "https://dev.shop.example"
	defaultAudience = "shop-bff"
	keyFile         = "signing-key.pem"
	jwksFile        = "jwks.json"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("devtoken", flag.ContinueOnError)
	dir := fs.String("dir", "dev", "directory of the development key pair ("+keyFile+", "+jwksFile+")")
	sub := fs.String("sub", "u-1", "subject (the sub claim): a user id of the example backends")
	scope := fs.String("scope", "", "space-separated scopes (the scope claim), e.g. \"reviews:write pii:read\"")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
	iss := fs.String("iss", defaultIssuer, "issuer (the iss claim)")
	aud := fs.String("aud", defaultAudience, "audience (the aud claim)")
	newKey := fs.Bool("new-key", false, "write a new development key pair into -dir instead of minting a token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every option is a flag, see -h", fs.Args())
	}
	if *newKey {
		return writeKeyPair(*dir)
	}
	signed, err := mint(*dir, *iss, *aud, *sub, *scope, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(signed)
	return nil
}

// mint signs a token with the key in dir, valid from now for ttl.
func mint(dir, iss, aud, sub, scope string, ttl time.Duration, now time.Time) (string, error) {
	key, kid, err := readKey(filepath.Join(dir, keyFile))
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", fmt.Errorf("-ttl %s: want a positive duration such as 1h", ttl)
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
		return nil, "", fmt.Errorf("%w: run from examples/shop, or write a key pair with -new-key", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, "", fmt.Errorf("%s: no PEM block: write a new key pair with -new-key", path)
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

// writeKeyPair writes a new P-256 private key and the JWKS of its public
// key into dir.
func writeKeyPair(dir string) error {
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
		os.WriteFile(filepath.Join(dir, keyFile), keyPEM, 0o600),
		os.WriteFile(filepath.Join(dir, jwksFile), append(jwks, '\n'), 0o644),
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
