package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

// env returns a lookup function over vars, for WithLookupEnv.
func env(vars map[string]string) config.Option {
	return config.WithLookupEnv(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
}

func mustParse(t *testing.T, src string, opts ...config.Option) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "bff.yaml", opts...)
	if err != nil {
		t.Fatalf("Parse: unexpected error:\n%v", err)
	}
	return cfg
}

// problems returns the rendered problems of err, one per *config.Error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("Parse: want an error, got none")
	}
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		var ce *config.Error
		if !errors.As(e, &ce) {
			t.Fatalf("problem %d is a %T, not a *config.Error: %v", i, e, e)
		}
		out[i] = ce.Error()
	}
	return out
}

func TestParseAppliesDefaultsPerMode(t *testing.T) {
	t.Parallel()
	production := mustParse(t, "")
	development := mustParse(t, "mode: development\n")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"mode defaults to production", production.Mode, config.ModeProduction},
		{"listen", production.Listen, ":8080"},
		{"admin", production.Admin, ":9090"},
		{"read header timeout", production.Server.ReadHeaderTimeout, 5 * time.Second},
		{"read timeout", production.Server.ReadTimeout, 30 * time.Second},
		{"write timeout", production.Server.WriteTimeout, 60 * time.Second},
		{"idle timeout", production.Server.IdleTimeout, 120 * time.Second},
		{"max header bytes", production.Server.MaxHeaderBytes, 16384},
		{"max headers", production.Server.MaxHeaders, 100},
		{"request timeout", production.Server.RequestTimeout, 10 * time.Second},
		{"shutdown timeout", production.Server.Shutdown.Timeout, 25 * time.Second},
		{"production drains for 5s", production.Server.Shutdown.DrainDelay, 5 * time.Second},
		{"development does not drain", development.Server.Shutdown.DrainDelay, time.Duration(0)},
		{"cors methods", production.Gateway.CORS.AllowedMethods, []string{"GET", "POST"}},
		{"cors headers", production.Gateway.CORS.AllowedHeaders, []string{"Accept", "Authorization", "Content-Type", "X-Request-Id"}},
		{"cors max age", production.Gateway.CORS.MaxAge, 10 * time.Minute},
		{"cors is off", len(production.Gateway.CORS.AllowedOrigins), 0},
		{"max body bytes", production.Gateway.Limits.MaxBodyBytes, int64(1 << 20)},
		{"graphql path", production.Gateway.GraphQL.Path, "/graphql"},
		{"production hides introspection", production.Gateway.GraphQL.Introspection, false},
		{"development shows introspection", development.Gateway.GraphQL.Introspection, true},
		{"production has no graphiql", production.Gateway.GraphQL.GraphiQL, false},
		{"max tokens", production.Gateway.GraphQL.MaxTokens, 15000},
		{"max depth", production.Gateway.GraphQL.MaxDepth, 10},
		{"max aliases", production.Gateway.GraphQL.MaxAliases, 15},
		{"max root fields", production.Gateway.GraphQL.MaxRootFields, 20},
		{"max directives", production.Gateway.GraphQL.MaxDirectives, 50},
		{"max fields", production.Gateway.GraphQL.MaxFields, 3500},
		{"max validation work", production.Gateway.GraphQL.MaxValidationWork, 50000},
		{"max cost", production.Gateway.GraphQL.MaxCost, 5000},
		{"default list size", production.Gateway.GraphQL.DefaultListSize, 10},
		{"no cost report", production.Gateway.GraphQL.CostReport, false},
		{"development has the same limits", development.Gateway.GraphQL.MaxCost, 5000},
		{"development serves graphiql", development.Gateway.GraphQL.GraphiQL, true},
		{"variables depth", production.Gateway.GraphQL.Variables.MaxDepth, 32},
		{"variables list length", production.Gateway.GraphQL.Variables.MaxListLength, 10000},
		{"variables string length", production.Gateway.GraphQL.Variables.MaxStringLength, 262144},
		{"variables values", production.Gateway.GraphQL.Variables.MaxValues, 20000},
		{"max errors", production.Gateway.GraphQL.MaxErrors, 10},
		{"max response bytes", production.Gateway.GraphQL.MaxResponseBytes, 10 << 20},
		{"persisted operations are off", production.Gateway.GraphQL.Persisted.Mode, config.PersistedOff},
		{"production registers no apq", production.Gateway.GraphQL.Persisted.APQRegister, false},
		{"development registers apq", development.Gateway.GraphQL.Persisted.APQRegister, true},
		{"request id header", production.Gateway.RequestID.Header, "X-Request-Id"},
		{"csrf is on in production", production.Gateway.CSRF.Enabled, true},
		{"csrf is on in development", development.Gateway.CSRF.Enabled, true},
		{"csrf headers", production.Gateway.CSRF.RequiredHeaders, []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight"}},
		{"subscriptions per connection", production.Gateway.Subscriptions.MaxPerConnection, 100},
		{"websocket message size follows the body cap", production.Gateway.Subscriptions.MaxMessageBytes, int64(1 << 20)},
		{"connection_init timeout", production.Gateway.Subscriptions.InitTimeout, 3 * time.Second},
		{"keep-alive", production.Gateway.Subscriptions.KeepAlive, 15 * time.Second},
		{"no subscription time limit", production.Gateway.Subscriptions.MaxDuration, time.Duration(0)},
		{"log level", production.Telemetry.Log.Level, "info"},
		{"production logs json", production.Telemetry.Log.Format, config.LogFormatJSON},
		{"development logs text", development.Telemetry.Log.Format, config.LogFormatText},
		{"development flag", development.Development(), true},
		{"production flag", production.Development(), false},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestDefaultIsAnEmptyFile(t *testing.T) {
	t.Parallel()
	if got, want := config.Default(), mustParse(t, ""); !reflect.DeepEqual(got, want) {
		t.Errorf("Default() = %+v\nParse(\"\") = %+v", got, want)
	}
	var nilConfig *config.Config
	if nilConfig.Development() {
		t.Error("a nil Config reports development mode")
	}
}

func TestParseKeepsExplicitValuesOverModeDefaults(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
mode: development
server:
  shutdown: {drain_delay: 2s}
gateway:
  graphql: {introspection: false, graphiql: false}
telemetry:
  log: {format: json, level: debug}
`)
	if cfg.Server.Shutdown.DrainDelay != 2*time.Second || cfg.Gateway.GraphQL.Introspection ||
		cfg.Gateway.GraphQL.GraphiQL || cfg.Telemetry.Log.Format != "json" || cfg.Telemetry.Log.Level != "debug" {
		t.Errorf("explicit values were overridden: %+v", cfg)
	}
	prod := mustParse(t, "server: {shutdown: {drain_delay: 0s}}\ngateway: {graphql: {introspection: true}}\n")
	if prod.Server.Shutdown.DrainDelay != 0 || !prod.Gateway.GraphQL.Introspection {
		t.Errorf("explicit zero drain delay or introspection lost: %+v", prod)
	}
}

func TestParseDecodesEveryField(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
mode: production
listen: "127.0.0.1:8081"
admin: "127.0.0.1:9091"
server:
  read_header_timeout: 1s
  read_timeout: 2s
  write_timeout: 40s
  idle_timeout: 4s
  max_header_bytes: 4096
  max_headers: 50
  min_heap_bytes: 4194304
  request_timeout: 5s
  shutdown: {drain_delay: 6s, timeout: 7s}
upstreams:
  catalog:
    endpoints: ["http://127.0.0.1:9001", "https://catalog.internal"]
    protocol: grpc
    timeout: 800ms
    max_batch_size: 20
    forward_headers: [Accept-Language]
    response_headers: [Set-Cookie]
    max_message_bytes: 1048576
    forward_claims: {sub: X-User-Id, tenant: X-Tenant}
    forward_authorization: true
  reviews:
    endpoints: [http://127.0.0.1:9002]
gateway:
  auth:
    jwt:
      jwks_url: https://auth.example.com/jwks.json
      issuer: https://auth.example.com/
      audiences: [shop-bff]
      algorithms: [ES256]
      leeway: 10s
      required_claims: [tenant]
      refresh_interval: 1m
      unknown_kid_refresh_interval: 20s
      fetch_timeout: 2s
      max_token_bytes: 4096
      cache_size: 50
    api_keys: {header: X-Key, file: keys.yaml, reload_interval: 5s}
    allow_anonymous: false
  cors:
    allowed_origins: ["https://app.example.com", "https://*.example.org"]
    allowed_methods: [POST]
    allowed_headers: [Content-Type]
    allow_credentials: true
    max_age: 1m
  limits: {max_body_bytes: 2048}
  graphql:
    path: /api/graphql
    introspection: true
    max_tokens: 1000
    max_depth: 0
    max_aliases: 3
    max_root_fields: 4
    max_directives: 5
    max_fields: 600
    max_validation_work: 900
    max_cost: 700
    default_list_size: 8
    cost_report: true
    variables: {max_depth: 8, max_list_length: 100, max_string_length: 1000, max_values: 500}
    max_errors: 5
    max_response_bytes: 65536
    persisted: {mode: apq, manifest: ops.json, apq_register: true}
  request_id: {header: X-Correlation-Id}
  strip_headers: [X-User-Id]
  subscriptions: {max_duration: 1h, max_per_connection: 7, max_message_bytes: 4096, init_timeout: 2s, keep_alive: 30s}
  csrf: {enabled: false, required_headers: [X-Csrf]}
  rate_limit:
    redis: {url: "redis://127.0.0.1:6379/1", timeout: 20ms, on_error: fail_closed, instances_hint: 3, key_prefix: "shop:"}
    trusted_proxies: [10.0.0.0/8]
    max_keys: 1000
    rules:
      - {name: per_user, key: "$claims.sub", rate: 10/s, burst: 20, cost: true, scope: global}
telemetry:
  service_name: shop-bff
  log: {level: warn, format: text}
`)
	want := &config.Config{
		Mode:   "production",
		Listen: "127.0.0.1:8081",
		Admin:  "127.0.0.1:9091",
		Server: config.Server{
			ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 40 * time.Second,
			IdleTimeout: 4 * time.Second, MaxHeaderBytes: 4096, MaxHeaders: 50, RequestTimeout: 5 * time.Second, MinHeapBytes: 4 << 20,
			Shutdown: config.Shutdown{DrainDelay: 6 * time.Second, Timeout: 7 * time.Second},
		},
		Upstreams: map[string]config.Upstream{
			"catalog": {Endpoints: []string{"http://127.0.0.1:9001", "https://catalog.internal"}, Protocol: "grpc", Timeout: 800 * time.Millisecond, MaxBatchSize: 20, ForwardHeaders: []string{"Accept-Language"}, ResponseHeaders: []string{"Set-Cookie"}, MaxMessageBytes: 1 << 20,
				ForwardClaims: map[string]string{"sub": "X-User-Id", "tenant": "X-Tenant"}, ForwardAuthorization: true},
			"reviews": {Endpoints: []string{"http://127.0.0.1:9002"}, Protocol: "connect", Timeout: time.Second, MaxMessageBytes: config.DefaultMaxMessageBytes},
		},
		Gateway: config.Gateway{
			CORS: config.CORS{
				AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"},
				AllowedMethods: []string{"POST"}, AllowedHeaders: []string{"Content-Type"},
				AllowCredentials: true, MaxAge: time.Minute,
			},
			Limits: config.Limits{MaxBodyBytes: 2048},
			GraphQL: config.GraphQL{
				Path: "/api/graphql", Introspection: true,
				MaxTokens: 1000, MaxDepth: 0, MaxAliases: 3, MaxRootFields: 4, MaxDirectives: 5,
				MaxFields: 600, MaxValidationWork: 900, MaxCost: 700, DefaultListSize: 8, CostReport: true,
				Variables:        config.Variables{MaxDepth: 8, MaxListLength: 100, MaxStringLength: 1000, MaxValues: 500},
				MaxErrors:        5,
				MaxResponseBytes: 65536,
				Persisted:        config.Persisted{Mode: "apq", Manifest: "ops.json", APQRegister: true},
			},
			RequestID:     config.RequestID{Header: "X-Correlation-Id"},
			StripHeaders:  []string{"X-User-Id"},
			Subscriptions: config.Subscriptions{MaxDuration: time.Hour, MaxPerConnection: 7, MaxMessageBytes: 4096, InitTimeout: 2 * time.Second, KeepAlive: 30 * time.Second},
			CSRF:          config.CSRF{Enabled: false, RequiredHeaders: []string{"X-Csrf"}},
			RateLimit: config.RateLimit{
				Redis:          config.RateLimitRedis{URL: "redis://127.0.0.1:6379/1", Timeout: 20 * time.Millisecond, OnError: "fail_closed", InstancesHint: 3, KeyPrefix: "shop:"},
				TrustedProxies: []string{"10.0.0.0/8"},
				MaxKeys:        1000,
				Rules:          []config.RateLimitRule{{Name: "per_user", Key: "$claims.sub", Rate: "10/s", Burst: 20, Cost: true, Scope: "global"}},
			},
			Auth: config.Auth{
				JWT: config.JWT{
					JWKSURL: "https://auth.example.com/jwks.json", Issuer: "https://auth.example.com/",
					Audiences: []string{"shop-bff"}, Algorithms: []string{"ES256"}, Leeway: 10 * time.Second,
					RequiredClaims: []string{"tenant"}, RefreshInterval: time.Minute, UnknownKIDRefreshInterval: 20 * time.Second,
					FetchTimeout: 2 * time.Second, MaxTokenBytes: 4096, CacheSize: 50,
				},
				APIKeys: config.APIKeys{Header: "X-Key", File: "keys.yaml", ReloadInterval: 5 * time.Second},
			},
		},
		Telemetry: config.Telemetry{ServiceName: "shop-bff", Log: config.Log{Level: "warn", Format: "text"}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestParseReportsProblemsWithPositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown top-level key suggests the closest",
			src:  "listn: \":8080\"\n",
			want: []string{`bff.yaml:1:1: unknown key "listn" at the top level; did you mean "listen"? (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)`},
		},
		{
			name: "unknown nested key",
			src:  "gateway:\n  graphql:\n    introspect: true\n",
			want: []string{`bff.yaml:3:5: unknown key "introspect" in "gateway.graphql"; did you mean "introspection"? (allowed: cost_report, default_list_size, graphiql, introspection, max_aliases, max_cost, max_depth, max_directives, max_errors, max_fields, max_response_bytes, max_root_fields, max_tokens, max_validation_work, path, persisted, variables)`},
		},
		{
			name: "unknown key of an upstream",
			src:  "upstreams:\n  catalog:\n    endpoints: [http://a]\n    retries: 3\n",
			want: []string{`bff.yaml:4:5: unknown key "retries" in "upstreams.catalog" (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)`},
		},
		{
			name: "negative message cap of an upstream",
			src:  "upstreams:\n  catalog:\n    endpoints: [http://a]\n    max_message_bytes: -1\n",
			want: []string{`bff.yaml:4:24: max_message_bytes of upstream "catalog" must not be negative, got -1: leave it out for the default of 4 MiB`},
		},
		{
			name: "bad duration",
			src:  "server:\n  read_timeout: 8oo\n",
			want: []string{`bff.yaml:2:17: invalid duration "8oo" for "server.read_timeout": use a number with a unit: ns, us, ms, s, m or h, such as "800ms", "5s" or "1m30s"`},
		},
		{
			name: "duration without unit",
			src:  "upstreams:\n  a: {endpoints: [http://a], timeout: 5}\n",
			want: []string{`bff.yaml:2:39: invalid duration "5" for "upstreams.a.timeout": want a duration such as 2s, or off; add a unit, such as "5s"`},
		},
		{
			name: "bad compression",
			src:  "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n    compression: zstd\n",
			want: []string{`bff.yaml:4:18: unknown compression "zstd" for upstream "catalog": use "gzip" or "none"`},
		},
		{
			name: "bad protocol",
			src:  "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n    protocol: http2\n",
			want: []string{`bff.yaml:4:15: unknown protocol "http2" for upstream "catalog": use "connect", "grpc" or "grpcweb"`},
		},
		{
			name: "missing environment variable",
			src:  "listen: \":8080\"\nadmin: ${ADMIN_ADDR}\n",
			want: []string{`bff.yaml:2:8: environment variable "ADMIN_ADDR" is not set: set it, or give a default with ${ADMIN_ADDR:-default}`},
		},
		{
			name: "wrong type",
			src:  "gateway:\n  limits:\n    max_body_bytes: lots\n",
			want: []string{`bff.yaml:3:21: "gateway.limits.max_body_bytes" must be an integer, not a string`},
		},
		{
			name: "number for a string",
			src:  "telemetry:\n  service_name: 2024\n",
			want: []string{`bff.yaml:2:17: "telemetry.service_name" must be a string, not an integer; quote it: "2024"`},
		},
		{
			name: "scalar for a list",
			src:  "upstreams:\n  a:\n    endpoints: http://a\n",
			want: []string{`bff.yaml:3:16: "upstreams.a.endpoints" must be a list; write ["http://a"]`},
		},
		{
			name: "scalar for a section",
			src:  "server: fast\n",
			want: []string{`bff.yaml:1:9: "server" must be a mapping of keys, not a string`},
		},
		{
			name: "upstream without endpoints",
			src:  "upstreams:\n  catalog:\n    protocol: grpc\n",
			want: []string{`bff.yaml:2:3: upstream "catalog" has no endpoints: add upstreams.catalog.endpoints: ["http://host:port"], or upstreams.catalog.discovery to find them in DNS`},
		},
		{
			name: "relative and non-http endpoints",
			src:  "upstreams:\n  a:\n    endpoints: [\"127.0.0.1:9001\", \"ftp://b\", \"http://u:p@c\"]\n",
			want: []string{
				`bff.yaml:3:17: invalid endpoint "127.0.0.1:9001": use an absolute URL such as "http://127.0.0.1:9001"`,
				`bff.yaml:3:35: invalid endpoint "ftp://b": the scheme must be http or https, not "ftp"`,
				`bff.yaml:3:46: invalid endpoint "http://u:p@c": remove the credentials from the URL`,
			},
		},
		{
			name: "timeouts must be positive",
			src:  "server:\n  read_timeout: 0s\n  idle_timeout: -1s\n",
			want: []string{
				`bff.yaml:2:17: "server.read_timeout" must be greater than zero, got 0s`,
				`bff.yaml:3:17: "server.idle_timeout" must be greater than zero, got -1s`,
			},
		},
		{
			name: "request timeout must fit in the write timeout",
			src:  "server:\n  request_timeout: 90s\n",
			want: []string{`bff.yaml:2:20: "server.request_timeout" (1m30s) must be shorter than "server.write_timeout" (1m0s), or a request that runs out of time cannot be answered`},
		},
		{
			name: "the heap floor must not be negative",
			src:  "server:\n  min_heap_bytes: -1\n",
			want: []string{`bff.yaml:2:19: "server.min_heap_bytes" must not be negative, got -1: use 0 to turn the heap floor off`},
		},
		{
			name: "graphql limits must not be negative",
			src:  "gateway:\n  graphql:\n    max_depth: -1\n    max_cost: -5\n    default_list_size: 0\n",
			want: []string{
				`bff.yaml:3:16: "gateway.graphql.max_depth" must not be negative, got -1: use 0 to turn the limit off`,
				`bff.yaml:4:15: "gateway.graphql.max_cost" must not be negative, got -5: use 0 to turn the limit off`,
				`bff.yaml:5:24: "gateway.graphql.default_list_size" must be at least 1, got 0: it is the assumed length of a list field without @listSize`,
			},
		},
		{
			name: "graphiql forced in production",
			src:  "gateway:\n  graphql:\n    graphiql: true\n",
			want: []string{`bff.yaml:3:15: GraphiQL cannot be served in production mode: remove "graphiql: true", or set mode: development`},
		},
		{
			name: "bad mode, level, format and address",
			src:  "mode: staging\nlisten: \"8080\"\ntelemetry:\n  log: {level: loud, format: xml}\n",
			want: []string{
				`bff.yaml:1:7: invalid mode "staging": use "production" or "development"`,
				`bff.yaml:2:9: invalid address "8080" for "listen": use host:port or :port, such as ":8080" or "127.0.0.1:8080"`,
				`bff.yaml:4:16: invalid log level "loud": use one of debug, info, warn, error`,
				`bff.yaml:4:30: invalid log format "xml": use "json" or "text"`,
			},
		},
		{
			name: "listen and admin on the same port",
			src:  "listen: \":9000\"\nadmin: \":9000\"\n",
			want: []string{`bff.yaml:2:8: "admin" and "listen" are both ":9000": give the admin endpoints their own port`},
		},
		{
			name: "cors wildcard with credentials",
			src:  "gateway:\n  cors: {allowed_origins: [\"*\", \"app.example.com\"], allow_credentials: true}\n",
			want: []string{
				`bff.yaml:2:28: the origin "*" cannot be combined with allow_credentials: true; list the origins instead`,
				`bff.yaml:2:33: invalid origin "app.example.com": use scheme://host[:port], such as "https://app.example.com", or "*"`,
			},
		},
		{
			name: "csrf headers that do not force a preflight",
			src:  "gateway:\n  csrf: {required_headers: [Content-Type, \"bad header\"]}\n",
			want: []string{
				`bff.yaml:2:29: header "Content-Type" cannot force a CORS preflight: browsers send it freely (it is CORS-safelisted); use a custom header such as "Apollo-Require-Preflight"`,
				`bff.yaml:2:43: invalid header name "bad header"`,
			},
		},
		{
			name: "csrf on without headers",
			src:  "gateway:\n  csrf: {required_headers: []}\n",
			want: []string{`bff.yaml:2:10: "gateway.csrf.required_headers" is empty: list at least one header that forces a CORS preflight, such as "Apollo-Require-Preflight", or set "gateway.csrf.enabled: false"`},
		},
		{
			name: "subscription and header limits",
			src:  "server: {max_headers: 0}\ngateway:\n  subscriptions: {max_per_connection: 0, max_message_bytes: -1, init_timeout: 0s, keep_alive: 0s}\n",
			want: []string{
				`bff.yaml:1:23: "server.max_headers" must be greater than zero, got 0`,
				`bff.yaml:3:39: "gateway.subscriptions.max_per_connection" must be greater than zero, got 0`,
				`bff.yaml:3:61: "gateway.subscriptions.max_message_bytes" must be greater than zero, got -1`,
				`bff.yaml:3:79: "gateway.subscriptions.init_timeout" must be greater than zero, got 0s`,
				`bff.yaml:3:95: "gateway.subscriptions.keep_alive" must be greater than zero, got 0s`,
			},
		},
		{
			name: "negative variables cap",
			src:  "gateway: {graphql: {variables: {max_depth: -1}}}\n",
			want: []string{`bff.yaml:1:44: "gateway.graphql.variables.max_depth" must not be negative, got -1: use 0 for no cap`},
		},
		{
			name: "unknown persisted mode",
			src:  "gateway: {graphql: {persisted: {mode: always}}}\n",
			want: []string{`bff.yaml:1:39: invalid mode "always": use "off", "apq" or "allow_list"`},
		},
		{
			name: "allow list without a manifest",
			src:  "gateway: {graphql: {persisted: {mode: allow_list}}}\n",
			want: []string{`bff.yaml:1:39: mode "allow_list" needs a manifest of the allowed operations: set "gateway.graphql.persisted.manifest"`},
		},
		{
			name: "graphql path",
			src:  "gateway: {graphql: {path: graphql}}\n",
			want: []string{`bff.yaml:1:27: invalid path "graphql": it must start with "/", such as "/graphql"`},
		},
		{
			name: "graphql path that is not clean",
			src:  "gateway: {graphql: {path: /api/../graphql}}\n",
			want: []string{`bff.yaml:1:27: invalid path "/api/../graphql": write it without empty, "." or ".." segments, such as "/graphql"`},
		},
		{
			name: "graphql path taken by graphiql",
			src:  "mode: development\ngateway: {graphql: {path: /}}\n",
			want: []string{`bff.yaml:2:27: the path "/" is taken by GraphiQL: choose another path, such as "/graphql", or turn graphiql off`},
		},
		{
			name: "every decoding problem is reported",
			src:  "listn: x\nserver:\n  read_timout: 1s\n  write_timeout: soon\n",
			want: []string{
				`bff.yaml:1:1: unknown key "listn" at the top level; did you mean "listen"? (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)`,
				`bff.yaml:3:3: unknown key "read_timout" in "server"; did you mean "read_timeout"? (allowed: idle_timeout, max_header_bytes, max_headers, min_heap_bytes, read_header_timeout, read_timeout, request_timeout, shutdown, tls, write_timeout)`,
				`bff.yaml:4:18: invalid duration "soon" for "server.write_timeout": use a number with a unit: ns, us, ms, s, m or h, such as "800ms", "5s" or "1m30s"`,
			},
		},
		{
			name: "syntax error",
			src:  "upstreams: [\n",
			want: []string{`bff.yaml:1:12: invalid YAML: sequence end token ']' not found`},
		},
		{
			name: "duplicate key",
			src:  "listen: \":1\"\nlisten: \":2\"\n",
			want: []string{`bff.yaml:2:1: invalid YAML: mapping key "listen" already defined at [1:1]`},
		},
		{
			name: "top level is not a mapping",
			src:  "- listen\n",
			want: []string{`bff.yaml:1:1: the top level must be a mapping of keys such as "listen", "upstreams" and "gateway", not a list`},
		},
		{
			name: "several documents",
			src:  "listen: \":1\"\n---\nadmin: \":2\"\n",
			want: []string{`bff.yaml:3:6: the file holds more than one YAML document; keep only one (remove the "---" separator)`},
		},
		{
			name: "unknown alias",
			src:  "upstreams:\n  a: *base\n",
			want: []string{`bff.yaml:2:6: unknown alias "base": define the anchor &base before it is used`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.src), "bff.yaml", env(nil))
			got := problems(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestParseExpandsEnvironmentVariables(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HOST": "127.0.0.1", "PORT": "9001", "EMPTY": "", "LEVEL": "debug"}
	tests := []struct {
		name string
		src  string
		want string // the service name decoded
	}{
		{"plain reference", "telemetry: {service_name: \"${HOST}:${PORT}\"}\n", "127.0.0.1:9001"},
		{"default when unset", "telemetry: {service_name: ${NAME:-shop}}\n", "shop"},
		{"default when empty", "telemetry: {service_name: ${EMPTY:-shop}}\n", "shop"},
		{"value over default", "telemetry: {service_name: ${LEVEL:-info}}\n", "debug"},
		{"empty default", "telemetry: {service_name: \"a${NAME:-}b\"}\n", "ab"},
		{"escaped reference", "telemetry: {service_name: \"$${HOST}\"}\n", "${HOST}"},
		{"dollar alone", "telemetry: {service_name: \"$HOST $\"}\n", "$HOST $"},
		{"comments are not expanded", "# uses ${UNDEFINED}\ntelemetry: {service_name: x} # ${ALSO_UNDEFINED}\n", "x"},
		{"hash inside quotes is not a comment", "telemetry: {service_name: \"a #${PORT}\"}\n", "a #9001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, tt.src, env(vars))
			if got := cfg.Telemetry.ServiceName; got != tt.want {
				t.Errorf("service_name = %q, want %q", got, tt.want)
			}
		})
	}

	cfg := mustParse(t, "upstreams:\n  a: {endpoints: [\"http://${HOST}:${PORT}\"], timeout: ${T:-250ms}}\n", env(vars))
	if got := cfg.Upstreams["a"]; got.Endpoints[0] != "http://127.0.0.1:9001" || got.Timeout != 250*time.Millisecond {
		t.Errorf("upstream = %+v", got)
	}
}

func TestParseRejectsBadReferences(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"MULTI": "a\nb"}
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "every undefined variable with its line",
			src:  "listen: ${L}\n\nadmin: \"x${A}\"\n",
			want: []string{
				`bff.yaml:1:9: environment variable "L" is not set: set it, or give a default with ${L:-default}`,
				`bff.yaml:3:10: environment variable "A" is not set: set it, or give a default with ${A:-default}`,
			},
		},
		{
			name: "unterminated",
			src:  "listen: ${L\n",
			want: []string{`bff.yaml:1:9: unterminated variable reference: close it with "}", or write "$${" for a literal "${"`},
		},
		{
			name: "invalid name",
			src:  "listen: ${1X}\n",
			want: []string{`bff.yaml:1:9: invalid variable reference "${1X}": use ${NAME} or ${NAME:-default}, where NAME is letters, digits and underscores`},
		},
		{
			name: "line break in a value",
			src:  "listen: ${MULTI}\n",
			want: []string{`bff.yaml:1:9: environment variable "MULTI" contains a line break, which bff.yaml does not allow in a substituted value`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.src), "bff.yaml", env(vars))
			if got := problems(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestParseUsesTheProcessEnvironmentByDefault(t *testing.T) {
	t.Setenv("BFFGEN_TEST_SERVICE", "from-env")
	cfg := mustParse(t, "telemetry: {service_name: ${BFFGEN_TEST_SERVICE}}\n")
	if cfg.Telemetry.ServiceName != "from-env" {
		t.Errorf("service_name = %q, want %q", cfg.Telemetry.ServiceName, "from-env")
	}
}

func TestParseSupportsAnchorsMergeKeysAndExtensionKeys(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
x-defaults: &defaults
  protocol: grpc
  timeout: 2s
upstreams:
  catalog:
    <<: *defaults
    endpoints: [http://127.0.0.1:9001]
  reviews:
    <<: *defaults
    timeout: 3s
    endpoints: &eps [http://127.0.0.1:9002]
  users:
    endpoints: *eps
gateway:
  x-note: ignored at any level
`)
	want := map[string]config.Upstream{
		"catalog": {Endpoints: []string{"http://127.0.0.1:9001"}, Protocol: "grpc", Timeout: 2 * time.Second, MaxMessageBytes: config.DefaultMaxMessageBytes},
		"reviews": {Endpoints: []string{"http://127.0.0.1:9002"}, Protocol: "grpc", Timeout: 3 * time.Second, MaxMessageBytes: config.DefaultMaxMessageBytes},
		"users":   {Endpoints: []string{"http://127.0.0.1:9002"}, Protocol: "connect", Timeout: time.Second, MaxMessageBytes: config.DefaultMaxMessageBytes},
	}
	if !reflect.DeepEqual(cfg.Upstreams, want) {
		t.Errorf("upstreams:\n got %+v\nwant %+v", cfg.Upstreams, want)
	}
}

func TestParseTreatsNullAsUnset(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "listen: ~\nserver:\ngateway:\n  cors: null\n")
	if !reflect.DeepEqual(cfg, config.Default()) {
		t.Errorf("got %+v, want the defaults", cfg)
	}
}

func TestWithModeOverridesTheFile(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, "mode: production\n", config.WithMode(config.ModeDevelopment))
	if !cfg.Development() || !cfg.Gateway.GraphQL.GraphiQL || cfg.Telemetry.Log.Format != "text" || cfg.Server.Shutdown.DrainDelay != 0 {
		t.Errorf("mode-dependent defaults do not follow the override: %+v", cfg)
	}
	_, err := config.Parse(nil, "bff.yaml", config.WithMode("staging"))
	if got, want := problems(t, err), []string{`bff.yaml: invalid mode "staging": use "production" or "development"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "bff.yaml")
	if err := os.WriteFile(path, []byte("listen: \":8181\"\nupstreams:\n  a: {endpoints: [http://a], protocl: grpc}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	want := path + `:3:30: unknown key "protocl" in "upstreams.a"; did you mean "protocol"? (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)`
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems = %q, want %q", got, want)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err = config.Load(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error %v does not wrap fs.ErrNotExist", err)
	}
	if got, want := problems(t, err), []string{missing + ": configuration file not found; pass its path with --config"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestErrorRendering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *config.Error
		want string
	}{
		{"with position", &config.Error{File: "bff.yaml", Line: 3, Col: 5, Msg: "bad"}, "bff.yaml:3:5: bad"},
		{"without position", &config.Error{File: "bff.yaml", Msg: "bad"}, "bff.yaml: bad"},
		{"without file", &config.Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if strings.HasSuffix((&config.Error{Msg: "x"}).Error(), ".") {
		t.Error("messages must not end with a period")
	}
}

func TestLoadResolvesTheManifestAgainstTheConfigDirectory(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "abs.json")
	for _, tc := range []struct{ manifest, want string }{
		{"ops.json", filepath.Join(dir, "ops.json")},
		{"sub/ops.json", filepath.Join(dir, "sub", "ops.json")},
		{abs, abs},
	} {
		path := filepath.Join(dir, "bff.yaml")
		src := fmt.Sprintf("gateway: {graphql: {persisted: {mode: allow_list, manifest: %q}}}\n", tc.manifest)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Gateway.GraphQL.Persisted.Manifest; got != tc.want {
			t.Errorf("manifest %q: got %q, want %q", tc.manifest, got, tc.want)
		}
	}
}
