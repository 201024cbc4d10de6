package config

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// The algorithms gateway.auth.jwt.algorithms accepts.
var (
	asymmetricAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	hmacAlgorithms       = []string{"HS256", "HS384", "HS512"}
)

// maxLeeway bounds gateway.auth.jwt.leeway (AU-1: expired beyond 60 s is
// refused).
const maxLeeway = 60 * time.Second

// minHMACSecret is the least length of gateway.auth.jwt.hmac_secret: 256
// bits, the size of HS256's hash (RFC 7518 section 3.2).
const minHMACSecret = 32

// auth checks gateway.auth.
func (v *validator) auth(a *Auth, mode string, csrf CSRF) {
	v.jwt(&a.JWT, mode, csrf)
	k := &a.APIKeys
	if !k.Enabled() {
		if set := v.setUnder("gateway.auth.api_keys."); set != "" {
			v.errorf(set, "%q is set but gateway.auth.api_keys has no file: add %q, the file of hashed keys", set, "gateway.auth.api_keys.file")
		}
	} else {
		if !isToken(k.Header) {
			v.errorf("gateway.auth.api_keys.header", "invalid header name %q for %q", k.Header, "gateway.auth.api_keys.header")
		} else if c := http.CanonicalHeaderKey(k.Header); c == "Authorization" || c == "Cookie" {
			v.errorf("gateway.auth.api_keys.header", "the API key header cannot be %q, which carries other credentials; use a header of its own, such as %q", k.Header, "X-Api-Key")
		}
		if k.ReloadInterval < time.Second {
			v.errorf("gateway.auth.api_keys.reload_interval", "%q must be at least 1s, got %s", "gateway.auth.api_keys.reload_interval", k.ReloadInterval)
		}
	}
	if !a.AllowAnonymous && !a.Enabled() {
		v.errorf("gateway.auth.allow_anonymous", "allow_anonymous is false but no credential can be verified, so every request would be refused; configure gateway.auth.jwt or gateway.auth.api_keys")
	}
}

// setUnder returns the first path under prefix (sorted) that the file
// sets, or "".
func (v *validator) setUnder(prefix string) string {
	var paths []string
	for p := range v.d.at {
		if strings.HasPrefix(p, prefix) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return ""
	}
	return paths[0]
}

func (v *validator) jwt(j *JWT, mode string, csrf CSRF) {
	const p = "gateway.auth.jwt"
	if !j.Enabled() {
		if set := v.setUnder(p + "."); set != "" {
			v.errorf(set, "%q is set but gateway.auth.jwt has no key source: set one of %q, %q or %q", set, p+".jwks_url", p+".jwks_file", p+".hmac_secret")
		}
		return
	}
	var sources []string
	for _, s := range []struct{ key, val string }{{"jwks_url", j.JWKSURL}, {"jwks_file", j.JWKSFile}, {"hmac_secret", j.HMACSecret}} {
		if s.val != "" {
			sources = append(sources, s.key)
		}
	}
	if len(sources) > 1 {
		v.errorf(p+"."+sources[1], "%s and %s are both set: a service verifies tokens with one key source; keep one", sources[0], sources[1])
	}
	if j.JWKSURL != "" {
		v.jwksURL(p+".jwks_url", j.JWKSURL, mode)
	}
	if j.HMACSecret != "" && len(j.HMACSecret) < minHMACSecret {
		// Never print the secret.
		v.errorf(p+".hmac_secret", "the HMAC secret is %d bytes long, it must be at least %d; generate one with `openssl rand -base64 48` and pass it as ${VAR}", len(j.HMACSecret), minHMACSecret)
	}
	if j.Issuer == "" {
		v.errorf(p, "%q is required: the issuer whose tokens are accepted (the \"iss\" claim), such as %q", p+".issuer", "https://auth.example.com/")
	}
	if len(j.Audiences) == 0 {
		v.errorf(p, "%q is required: the audiences (\"aud\" claim) that name this service, such as [%q], so that a token minted for another service is refused", p+".audiences", "shop-bff")
	}
	for i, a := range j.Audiences {
		if a == "" {
			v.errorf(fmt.Sprintf("%s.audiences[%d]", p, i), "an audience cannot be empty")
		}
	}
	if len(j.Algorithms) == 0 {
		v.errorf(p+".algorithms", "%q is empty: list the accepted algorithms, or leave it out for the default", p+".algorithms")
	}
	for i, alg := range j.Algorithms {
		at := fmt.Sprintf("%s.algorithms[%d]", p, i)
		switch {
		case strings.EqualFold(alg, "none"):
			v.errorf(at, "the algorithm \"none\" is never accepted: an unsigned token proves nothing")
		case slices.Contains(hmacAlgorithms, alg):
			if j.HMACSecret == "" {
				v.errorf(at, "%s needs a shared secret (%s), and a key set cannot verify it: mixing them allows algorithm confusion; remove it, or verify with hmac_secret alone", alg, p+".hmac_secret")
			}
		case slices.Contains(asymmetricAlgorithms, alg):
			if j.HMACSecret != "" {
				v.errorf(at, "%s needs a public key, but the key source is hmac_secret; use %s, or a key set (jwks_url or jwks_file)", alg, strings.Join(hmacAlgorithms, ", "))
			}
		default:
			v.errorf(at, "unknown algorithm %q: use %s, or with hmac_secret %s", alg, strings.Join(asymmetricAlgorithms, ", "), strings.Join(hmacAlgorithms, ", "))
		}
	}
	if j.Leeway < 0 || j.Leeway > maxLeeway {
		v.errorf(p+".leeway", "%q must be from 0s to %s, got %s: a longer leeway accepts expired tokens", p+".leeway", maxLeeway, j.Leeway)
	}
	for i, c := range j.RequiredClaims {
		if c == "" {
			v.errorf(fmt.Sprintf("%s.required_claims[%d]", p, i), "a required claim cannot be empty")
		}
	}
	if j.RefreshInterval < time.Second {
		v.errorf(p+".refresh_interval", "%q must be at least 1s, got %s", p+".refresh_interval", j.RefreshInterval)
	}
	if j.UnknownKIDRefreshInterval < time.Second {
		v.errorf(p+".unknown_kid_refresh_interval", "%q must be at least 1s, got %s: it bounds the key set fetches that tokens with unknown key ids cause", p+".unknown_kid_refresh_interval", j.UnknownKIDRefreshInterval)
	}
	v.positive(p+".fetch_timeout", j.FetchTimeout)
	if j.MaxTokenBytes <= 0 {
		v.errorf(p+".max_token_bytes", "%q must be greater than zero, got %d", p+".max_token_bytes", j.MaxTokenBytes)
	}
	if j.CacheSize < 0 {
		v.errorf(p+".cache_size", "%q must not be negative, got %d: use 0 to turn the cache off", p+".cache_size", j.CacheSize)
	}
	if j.Cookie != "" {
		if !isToken(j.Cookie) {
			v.errorf(p+".cookie", "invalid cookie name %q", j.Cookie)
		}
		if !csrf.Enabled {
			v.errorf(p+".cookie", "a token in a cookie is sent by browsers on cross-site requests too, so it needs gateway.csrf.enabled: true; turn CSRF protection on or remove the cookie")
		}
	}
}

// jwksURL checks a key set URL: absolute, http(s), https unless the host is
// a loopback address or the mode is development.
func (v *validator) jwksURL(path, raw, mode string) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		v.errorf(path, "invalid key set URL %q: use an absolute https URL, such as %q", raw, "https://auth.example.com/.well-known/jwks.json")
		return
	}
	if u.User != nil {
		v.errorf(path, "invalid key set URL %q: remove the credentials from the URL", raw)
	}
	if u.Scheme == "http" && mode != ModeDevelopment && !loopbackHost(u.Hostname()) {
		v.errorf(path, "the key set URL %q is plain http: whoever sits on the path could serve their own keys; use https (http is allowed for a loopback host or in development mode)", raw)
	}
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// identity checks the identity headers of an upstream: forward_claims and
// forward_authorization.
func (v *validator) identity(name string, u Upstream) {
	p := "upstreams." + name
	headers := map[string]string{}
	claims := make([]string, 0, len(u.ForwardClaims))
	for c := range u.ForwardClaims {
		claims = append(claims, c)
	}
	sort.Strings(claims)
	for _, claim := range claims {
		h := u.ForwardClaims[claim]
		at := p + ".forward_claims." + claim
		if claim == "" {
			v.errorf(at, "a claim name cannot be empty")
		}
		c := http.CanonicalHeaderKey(h)
		switch {
		case !isToken(h):
			v.errorf(at, "invalid header name %q for claim %q", h, claim)
			continue
		case c == "Authorization" || c == "Cookie":
			v.errorf(at, "claim %q cannot be sent as %q, which carries credentials; choose a header such as %q", claim, h, "X-User-Id")
			continue
		}
		if reason := unforwardable(h); reason != "" {
			v.errorf(at, "claim %q cannot be sent as %q: %s", claim, h, reason)
			continue
		}
		if other, dup := headers[c]; dup {
			v.errorf(at, "claims %q and %q are both sent as %q: give each its own header", other, claim, c)
		}
		headers[c] = claim
		for _, f := range u.ForwardHeaders {
			if http.CanonicalHeaderKey(f) == c {
				v.errorf(at, "header %q carries claim %q and is also in forward_headers, which would pass on the client's value: remove it from forward_headers", h, claim)
			}
		}
	}
	for i, h := range u.ForwardHeaders {
		if http.CanonicalHeaderKey(h) == "Authorization" {
			v.errorf(fmt.Sprintf("%s.forward_headers[%d]", p, i), "Authorization is not forwarded through forward_headers: set %s.forward_authorization: true to pass the caller's credential to upstream %q", p, name)
		}
	}
}
