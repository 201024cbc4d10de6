package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestRateLimitDefaults(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
gateway:
  rate_limit:
    redis: {url: "redis://127.0.0.1:6379/0"}
    rules:
      - {name: per_user, key: "$claims.sub", rate: "100/s"}
      - name: global_cost
        key: $operation
        rate: 6000/m
        burst: 500
        cost: true
        scope: global
`)
	rl := cfg.Gateway.RateLimit
	if rl.Redis.Timeout != 50*time.Millisecond || rl.Redis.OnError != config.OnErrorLocal ||
		rl.Redis.InstancesHint != 1 || rl.Redis.KeyPrefix != "bffgen:" || rl.MaxKeys != 100000 {
		t.Errorf("redis defaults = %+v, max_keys %d", rl.Redis, rl.MaxKeys)
	}
	want := []config.RateLimitRule{
		{Name: "per_user", Key: "$claims.sub", Rate: "100/s", Burst: 100, Scope: config.ScopeLocal},
		{Name: "global_cost", Key: "$operation", Rate: "6000/m", Burst: 500, Cost: true, Scope: config.ScopeGlobal},
	}
	if !reflect.DeepEqual(rl.Rules, want) {
		t.Errorf("rules = %+v, want %+v", rl.Rules, want)
	}
	if off := mustParse(t, "").Gateway.RateLimit; len(off.Rules) != 0 {
		t.Errorf("default rules = %+v, want none", off.Rules)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		n   int
		per time.Duration
	}{
		{"100/s", 100, time.Second}, {"5/m", 5, time.Minute}, {"1 / h", 1, time.Hour},
	} {
		n, per, err := config.ParseRate(tc.in)
		if err != nil || n != tc.n || per != tc.per {
			t.Errorf("ParseRate(%q) = %d, %s, %v; want %d, %s", tc.in, n, per, err, tc.n, tc.per)
		}
	}
	for _, bad := range []string{"", "100", "100/d", "0/s", "-1/s", "x/s", "1.5/s"} {
		if _, _, err := config.ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q): want an error", bad)
		}
	}
}

func TestRateLimitErrorsHavePositions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown rule key", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: $client_ip, rate: 1/s, brust: 3}
`, `bff.yaml:5:47: unknown key "brust" in "gateway.rate_limit.rules[0]"; did you mean "burst"? (allowed: burst, cost, key, name, rate, scope)`},
		{"rules not a list", `
gateway:
  rate_limit:
    rules: {name: a}
`, `bff.yaml:4:12: "gateway.rate_limit.rules" must be a list of mappings, not a mapping`},
		{"bad rate", `
gateway:
  rate_limit:
    rules:
      - name: a
        key: $client_ip
        rate: 10/d
`, `bff.yaml:7:15: invalid rate "10/d"; the unit after "/" must be s, m or h, such as "100/s"`},
		{"missing rate", `
gateway:
  rate_limit:
    rules:
      - name: a
        key: $client_ip
`, `bff.yaml:5:9: rule "a" has no rate; add one such as "rate: 100/s"`},
		{"bad key", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: "$user", rate: 1/s}
`, `bff.yaml:5:24: invalid key "$user"; use "$claims.<name>", "$api_key", "$client_ip", "$operation" or "$header.<Name>"`},
		{"bad header key", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: "$header.X Y", rate: 1/s}
`, `bff.yaml:5:24: invalid key "$header.X Y"; name a header, such as "$header.X-Tenant"`},
		{"zero burst", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: $client_ip, rate: 1/s, burst: 0}
`, `bff.yaml:5:54: "gateway.rate_limit.rules[0].burst" must be at least 1, got 0`},
		{"duplicate name", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: $client_ip, rate: 1/s}
      - {name: a, key: $api_key, rate: 1/s}
`, `bff.yaml:6:16: duplicate rule name "a"; give each rule its own name`},
		{"global without redis", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: $client_ip, rate: 1/s, scope: global}
`, `bff.yaml:5:54: rule "a" has scope "global" but "gateway.rate_limit.redis.url" is not set; give the Redis address, or use scope "local"`},
		{"bad scope", `
gateway:
  rate_limit:
    rules:
      - {name: a, key: $client_ip, rate: 1/s, scope: cluster}
`, `bff.yaml:5:54: invalid scope "cluster"; use "local" (per instance) or "global" (shared in Redis)`},
		{"bad on_error", `
gateway:
  rate_limit:
    redis: {url: "redis://r:6379", on_error: open}
`, `bff.yaml:4:46: invalid value "open" for "gateway.rate_limit.redis.on_error"; use "local" (count locally at 1/instances_hint of the limit) or "fail_closed" (answer 429)`},
		{"bad url", `
gateway:
  rate_limit:
    redis: {url: "http://r:6379"}
`, `bff.yaml:4:18: invalid Redis URL scheme "http" for "gateway.rate_limit.redis.url"; use redis://host:port, rediss://host:port or unix:///path`},
		{"bad proxy", `
gateway:
  rate_limit:
    trusted_proxies: ["10.0.0.0/8", "10.0.0.300"]
`, `bff.yaml:4:37: invalid trusted proxy "10.0.0.300"; use a CIDR such as "10.0.0.0/8" or an address such as "192.0.2.1"`},
		{"bad instances_hint", `
gateway:
  rate_limit:
    redis: {instances_hint: 0}
`, `bff.yaml:4:29: "gateway.rate_limit.redis.instances_hint" must be at least 1, got 0; it is the number of instances that share a global limit`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tc.src), "bff.yaml")
			got := problems(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}
