package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestAuthDefaults(t *testing.T) {
	t.Parallel()
	off := mustParse(t, "")
	if off.Gateway.Auth.Enabled() || !off.Gateway.Auth.AllowAnonymous {
		t.Errorf("an empty file: auth enabled %v, anonymous %v; want off and allowed", off.Gateway.Auth.Enabled(), off.Gateway.Auth.AllowAnonymous)
	}
	jwks := mustParse(t, "gateway: {auth: {jwt: {jwks_url: \"https://idp.example.com/jwks\", issuer: \"https://idp.example.com/\", audiences: [bff]}}}\n").Gateway.Auth.JWT
	want := config.JWT{
		JWKSURL: "https://idp.example.com/jwks", Issuer: "https://idp.example.com/", Audiences: []string{"bff"},
		Algorithms: []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"},
		Leeway:     30 * time.Second, RefreshInterval: 5 * time.Minute, UnknownKIDRefreshInterval: 10 * time.Second,
		FetchTimeout: 5 * time.Second, MaxTokenBytes: 8192, CacheSize: 10000,
	}
	if !reflect.DeepEqual(jwks, want) {
		t.Errorf("jwt defaults:\n got  %+v\n want %+v", jwks, want)
	}
	secret := strings.Repeat("s", 32)
	hs := mustParse(t, "gateway: {auth: {jwt: {hmac_secret: \""+secret+"\", issuer: i, audiences: [a]}}}\n").Gateway.Auth.JWT
	if !reflect.DeepEqual(hs.Algorithms, []string{"HS256"}) {
		t.Errorf("with hmac_secret the default algorithms are %q, want [HS256]", hs.Algorithms)
	}
	keys := mustParse(t, "gateway: {auth: {api_keys: {file: keys.yaml}}}\n").Gateway.Auth.APIKeys
	if keys.Header != "X-Api-Key" || keys.ReloadInterval != 10*time.Second {
		t.Errorf("api key defaults: %+v", keys)
	}
}

func TestIdentityHeadersAreTheForwardedClaimHeaders(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
upstreams:
  a: {endpoints: [http://a], forward_claims: {sub: x-user-id, tenant: X-Tenant}}
  b: {endpoints: [http://b], forward_claims: {sub: X-User-Id}}
  c: {endpoints: [http://c]}
`)
	if got, want := cfg.IdentityHeaders(), []string{"X-Tenant", "X-User-Id"}; !reflect.DeepEqual(got, want) {
		t.Errorf("IdentityHeaders = %q, want %q", got, want)
	}
}

func TestAuthProblemsArePositioned(t *testing.T) {
	t.Parallel()
	const jwt = "gateway:\n  auth:\n    jwt:\n"
	tests := []struct {
		name string
		src  string
		want string // the rendered problem starts with it
	}{
		{"alg none", jwt + "      jwks_file: k.json\n      issuer: i\n      audiences: [a]\n      algorithms: [RS256, none]\n",
			`bff.yaml:7:27: the algorithm "none" is never accepted`},
		{"HS without a secret", jwt + "      jwks_file: k.json\n      issuer: i\n      audiences: [a]\n      algorithms: [HS256]\n",
			`bff.yaml:7:20: HS256 needs a shared secret`},
		{"RS with a secret", jwt + "      hmac_secret: " + strings.Repeat("x", 32) + "\n      issuer: i\n      audiences: [a]\n      algorithms: [RS256]\n",
			`bff.yaml:7:20: RS256 needs a public key`},
		{"short secret", jwt + "      hmac_secret: short\n      issuer: i\n      audiences: [a]\n",
			`bff.yaml:4:20: the HMAC secret is 5 bytes long, it must be at least 32`},
		{"two key sources", jwt + "      jwks_file: k.json\n      jwks_url: https://idp/jwks\n      issuer: i\n      audiences: [a]\n",
			`bff.yaml:4:18: jwks_url and jwks_file are both set`},
		{"no issuer", jwt + "      jwks_file: k.json\n      audiences: [a]\n",
			`bff.yaml:3:5: "gateway.auth.jwt.issuer" is required`},
		{"no audience", jwt + "      jwks_file: k.json\n      issuer: i\n",
			`bff.yaml:3:5: "gateway.auth.jwt.audiences" is required`},
		{"leeway over a minute", jwt + "      jwks_file: k.json\n      issuer: i\n      audiences: [a]\n      leeway: 2m\n",
			`bff.yaml:7:15: "gateway.auth.jwt.leeway" must be from 0s to 1m0s, got 2m0s`},
		{"plain http key set", jwt + "      jwks_url: http://idp.example.com/jwks\n      issuer: i\n      audiences: [a]\n",
			`bff.yaml:4:17: the key set URL "http://idp.example.com/jwks" is plain http`},
		{"settings without a key source", jwt + "      issuer: i\n",
			`bff.yaml:4:15: "gateway.auth.jwt.issuer" is set but gateway.auth.jwt has no key source`},
		{"unknown kid interval under a second", jwt + "      jwks_file: k.json\n      issuer: i\n      audiences: [a]\n      unknown_kid_refresh_interval: 10ms\n",
			`bff.yaml:7:37: "gateway.auth.jwt.unknown_kid_refresh_interval" must be at least 1s`},
		{"cookie without CSRF", "gateway:\n  csrf: {enabled: false}\n  auth:\n    jwt: {jwks_file: k.json, issuer: i, audiences: [a], cookie: session}\n",
			`bff.yaml:4:65: a token in a cookie is sent by browsers on cross-site requests too`},
		{"API key header is Authorization", "gateway:\n  auth:\n    api_keys: {file: k.yaml, header: Authorization}\n",
			`bff.yaml:3:38: the API key header cannot be "Authorization"`},
		{"nobody can call", "gateway:\n  auth:\n    allow_anonymous: false\n",
			`bff.yaml:3:22: allow_anonymous is false but no credential can be verified`},
		{"Authorization in forward_headers", "upstreams:\n  a:\n    endpoints: [http://a]\n    forward_headers: [Authorization]\n",
			`bff.yaml:4:23: Authorization is not forwarded through forward_headers: set upstreams.a.forward_authorization: true`},
		{"claim sent as Authorization", "upstreams:\n  a:\n    endpoints: [http://a]\n    forward_claims: {sub: Authorization}\n",
			`bff.yaml:4:27: claim "sub" cannot be sent as "Authorization"`},
		{"claim header also forwarded", "upstreams:\n  a:\n    endpoints: [http://a]\n    forward_headers: [X-User-Id]\n    forward_claims: {sub: X-User-Id}\n",
			`bff.yaml:5:27: header "X-User-Id" carries claim "sub" and is also in forward_headers`},
		{"two claims, one header", "upstreams:\n  a:\n    endpoints: [http://a]\n    forward_claims: {sub: X-Id, uid: x-id}\n",
			`bff.yaml:4:38: claims "sub" and "uid" are both sent as "X-Id"`},
		{"claim header is not a string", "upstreams:\n  a:\n    endpoints: [http://a]\n    forward_claims: {sub: 12}\n",
			`bff.yaml:4:27: "upstreams.a.forward_claims.sub" must be a string, not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.src), "bff.yaml")
			got := problems(t, err)
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Errorf("problems:\n got: %q\nwant: one starting with %q", got, tt.want)
			}
		})
	}
}

func TestSecretIsNeverInAProblem(t *testing.T) {
	t.Parallel()
	_, err := config.Parse([]byte("gateway: {auth: {jwt: {hmac_secret: ${SECRET}, issuer: i, audiences: [a]}}}\n"), "bff.yaml",
		env(map[string]string{"SECRET": "tiny-secret-value"}))
	if err == nil || strings.Contains(err.Error(), "tiny-secret-value") {
		t.Errorf("err = %v; want a problem that does not quote the secret", err)
	}
}
