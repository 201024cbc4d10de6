package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Scopes of a rate-limit rule, the values of [RateLimitRule.Scope].
const (
	// ScopeLocal counts in the memory of each instance: with N instances
	// behind a load balancer a caller gets up to N times the rate. It is
	// the default.
	ScopeLocal = "local"
	// ScopeGlobal counts in Redis (or Valkey), shared by every instance
	// that uses the same gateway.rate_limit.redis.url and key_prefix.
	ScopeGlobal = "global"
)

// Behaviours of global rules while Redis is unreachable, the values of
// [RateLimitRedis.OnError].
const (
	// OnErrorLocal counts each global rule in a local bucket at 1/N of its
	// rate and burst (N = instances_hint) until Redis answers again. It is
	// the default.
	OnErrorLocal = "local"
	// OnErrorFailClosed rejects every request a global rule applies to with
	// 429 RATE_LIMITED and Retry-After: 1 until Redis answers again.
	OnErrorFailClosed = "fail_closed"
)

// Keys of a rate-limit rule, the values (or prefixes) of [RateLimitRule.Key].
const (
	// KeyClaimPrefix starts a key on a claim of the caller's credential:
	// "$claims.sub" counts per subject.
	KeyClaimPrefix = "$claims."
	// KeyAPIKey counts per API key (the name the authentication phase gives
	// the caller's key).
	KeyAPIKey = "$api_key"
	// KeyClientIP counts per client address (IPv6 per /64), read through
	// gateway.rate_limit.trusted_proxies.
	KeyClientIP = "$client_ip"
	// KeyOperation counts per GraphQL operation name, all callers together.
	KeyOperation = "$operation"
	// KeyHeaderPrefix starts a key on a request header: "$header.X-Tenant".
	KeyHeaderPrefix = "$header."
)

// RateLimit configures the quotas of the rate-limit phase
// (gateway.rate_limit). With no rules it is off and costs nothing. A
// request over a rule is answered with 429, a GraphQL error with code
// RATE_LIMITED and a Retry-After header in whole seconds, rounded up, and no
// backend is called.
type RateLimit struct {
	// Redis is the store of the global rules. Required (its url) when a
	// rule has scope "global".
	Redis RateLimitRedis `yaml:"redis"`
	// TrustedProxies lists the addresses (CIDRs such as "10.0.0.0/8", or
	// single addresses) of the proxies in front of the service. The client
	// address of "$client_ip" is the connection's peer, unless the peer is
	// one of these: then X-Forwarded-For is read from right to left and the
	// first address that is not a trusted proxy is the client. Default:
	// none, X-Forwarded-For is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxKeys bounds the keys each local bucket set (one per local rule,
	// and the fallback of each global rule) keeps in memory; beyond it the
	// least recently used key is forgotten (its next request starts with a
	// full bucket), and keys idle long enough to have a full bucket again
	// are dropped as requests pass. Default 100000.
	MaxKeys int `yaml:"max_keys"`
	// Rules are the quotas; a request must pass every rule that applies to
	// it. Default: none.
	Rules []RateLimitRule `yaml:"rules"`
}

// RateLimitRedis configures the Redis (or Valkey) store of the global
// rules.
type RateLimitRedis struct {
	// URL is the address of Redis: redis://[user:password@]host:port[/db],
	// rediss:// for TLS, or unix:///path/to/socket. Use ${REDIS_URL} to keep
	// the password out of the file. Default "": no Redis.
	URL string `yaml:"url"`
	// Timeout bounds one Redis call (connecting, sending and reading); a
	// call that takes longer counts as Redis being unreachable. Default
	// 50ms.
	Timeout time.Duration `yaml:"timeout"`
	// OnError is what global rules do while Redis is unreachable: "local"
	// (the default) counts in a local bucket at 1/InstancesHint of the rule;
	// "fail_closed" answers 429 RATE_LIMITED with Retry-After: 1. Requests
	// do not wait for a Redis that is down: a background probe tries it at
	// most once a second, and its first answer restores the global
	// counting.
	OnError string `yaml:"on_error"`
	// InstancesHint is the number of instances the global limit is shared
	// by, N: the local fallback grants each instance 1/N of the rate and of
	// the burst (at least 1), so that N instances together stay near the
	// global limit. Default 1.
	InstancesHint int `yaml:"instances_hint"`
	// KeyPrefix goes into every Redis key of the limiter, which is
	// "rate:<key_prefix><rule name>:<caller key>" ("rate:" is the GCRA
	// library's), so that several services or environments can share one
	// Redis; instances that share a global limit must share the prefix.
	// Default "bffgen:".
	KeyPrefix string `yaml:"key_prefix"`
}

// RateLimitRule is one quota.
type RateLimitRule struct {
	// Name identifies the rule in responses, logs and Redis keys: letters,
	// digits, "_" and "-", unique among the rules. Required.
	Name string `yaml:"name"`
	// Key says whose requests count together: "$claims.<name>" (a claim of
	// the caller's credential, such as "$claims.sub"), "$api_key" (the
	// caller's API key), "$client_ip" (the client address), "$operation"
	// (the GraphQL operation name, every caller together) or
	// "$header.<Name>" (a request header). A request whose caller is
	// anonymous, or that lacks the claim or the header, is counted by its
	// client address instead. Required.
	Key string `yaml:"key"`
	// Rate is the sustained rate: "<n>/s", "<n>/m" or "<n>/h", n a positive
	// integer, such as "100/s". Required.
	Rate string `yaml:"rate"`
	// Burst is how many requests (or cost units) may pass at once after an
	// idle period; at least 1. Default: n of Rate.
	Burst int `yaml:"burst"`
	// Cost counts the estimated cost of each GraphQL operation (as
	// gateway.graphql.max_cost estimates it; at least 1) instead of 1, so
	// that one expensive query uses as much of the quota as the cheap ones
	// it is worth. An operation whose cost is over Burst can never pass and
	// is refused with 400 COST_ESTIMATED_TOO_EXPENSIVE. Default false.
	Cost bool `yaml:"cost"`
	// Scope is "local" (the default: each instance counts on its own) or
	// "global" (counted in Redis across instances; needs redis.url).
	Scope string `yaml:"scope"`
}

// ParseRate parses a rule rate, "<n>/s", "<n>/m" or "<n>/h" with n a
// positive integer, into n and its period.
func ParseRate(s string) (n int, per time.Duration, err error) {
	count, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("invalid rate %q; write <n>/s, <n>/m or <n>/h, such as \"100/s\"", s)
	}
	switch strings.TrimSpace(unit) {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	default:
		return 0, 0, fmt.Errorf("invalid rate %q; the unit after \"/\" must be s, m or h, such as \"100/s\"", s)
	}
	n, perr := strconv.Atoi(strings.TrimSpace(count))
	if perr != nil || n <= 0 {
		return 0, 0, fmt.Errorf("invalid rate %q; the count before \"/\" must be a positive integer, such as \"100/s\"", s)
	}
	return n, per, nil
}

// rateLimitDefaults applies the defaults of gateway.rate_limit.
func rateLimitDefaults(r *RateLimit, def func(path string, apply func())) {
	const p = "gateway.rate_limit"
	def(p+".redis.timeout", func() { r.Redis.Timeout = 50 * time.Millisecond })
	def(p+".redis.on_error", func() { r.Redis.OnError = OnErrorLocal })
	def(p+".redis.instances_hint", func() { r.Redis.InstancesHint = 1 })
	def(p+".redis.key_prefix", func() { r.Redis.KeyPrefix = "bffgen:" })
	def(p+".max_keys", func() { r.MaxKeys = 100000 })
	for i := range r.Rules {
		rule := &r.Rules[i]
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		def(rp+".scope", func() { rule.Scope = ScopeLocal })
		def(rp+".burst", func() {
			if n, _, err := ParseRate(rule.Rate); err == nil {
				rule.Burst = n
			}
		})
	}
}

func (v *validator) rateLimit(r *RateLimit) {
	const p = "gateway.rate_limit"
	rd := &r.Redis
	v.positive(p+".redis.timeout", rd.Timeout)
	switch rd.OnError {
	case OnErrorLocal, OnErrorFailClosed:
	default:
		v.errorf(p+".redis.on_error", "invalid value %q for %q; use %q (count locally at 1/instances_hint of the limit) or %q (answer 429)", rd.OnError, p+".redis.on_error", OnErrorLocal, OnErrorFailClosed)
	}
	if rd.InstancesHint < 1 {
		v.errorf(p+".redis.instances_hint", "%q must be at least 1, got %d; it is the number of instances that share a global limit", p+".redis.instances_hint", rd.InstancesHint)
	}
	if rd.URL != "" {
		u, err := url.Parse(rd.URL)
		switch {
		case err != nil:
			v.errorf(p+".redis.url", "invalid Redis URL for %q; use redis://host:port, rediss://host:port or unix:///path", p+".redis.url")
		case u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix":
			v.errorf(p+".redis.url", "invalid Redis URL scheme %q for %q; use redis://host:port, rediss://host:port or unix:///path", u.Scheme, p+".redis.url")
		case u.Scheme != "unix" && u.Host == "":
			v.errorf(p+".redis.url", "the Redis URL of %q has no host; use redis://host:port", p+".redis.url")
		}
	}
	if r.MaxKeys < 1 {
		v.errorf(p+".max_keys", "%q must be at least 1, got %d", p+".max_keys", r.MaxKeys)
	}
	for i, s := range r.TrustedProxies {
		if _, err := ParseTrustedProxy(s); err != nil {
			v.errorf(fmt.Sprintf("%s.trusted_proxies[%d]", p, i), "invalid trusted proxy %q; use a CIDR such as \"10.0.0.0/8\" or an address such as \"192.0.2.1\"", s)
		}
	}
	names := map[string]bool{}
	for i := range r.Rules {
		rule := &r.Rules[i]
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		switch {
		case rule.Name == "":
			v.errorf(rp, "rule %d has no name; add %q, such as \"name: per_user\"", i, "name")
		case !isRuleName(rule.Name):
			v.errorf(rp+".name", "invalid rule name %q; use letters, digits, \"_\" and \"-\"", rule.Name)
		case names[rule.Name]:
			v.errorf(rp+".name", "duplicate rule name %q; give each rule its own name", rule.Name)
		}
		names[rule.Name] = true
		if msg := checkRuleKey(rule.Key); msg != "" {
			v.errorf(rp+".key", "%s", msg)
		}
		if _, _, err := ParseRate(rule.Rate); err != nil {
			if rule.Rate == "" {
				v.errorf(rp, "rule %q has no rate; add one such as \"rate: 100/s\"", rule.Name)
			} else {
				v.errorf(rp+".rate", "%s", err.Error())
			}
		} else if rule.Burst < 1 {
			v.errorf(rp+".burst", "%q must be at least 1, got %d", rp+".burst", rule.Burst)
		}
		switch rule.Scope {
		case ScopeLocal:
		case ScopeGlobal:
			if rd.URL == "" {
				v.errorf(rp+".scope", "rule %q has scope %q but %q is not set; give the Redis address, or use scope %q", rule.Name, ScopeGlobal, p+".redis.url", ScopeLocal)
			}
		default:
			v.errorf(rp+".scope", "invalid scope %q; use %q (per instance) or %q (shared in Redis)", rule.Scope, ScopeLocal, ScopeGlobal)
		}
	}
}

// checkRuleKey says what is wrong with a rule key, or "".
func checkRuleKey(k string) string {
	const hint = `use "$claims.<name>", "$api_key", "$client_ip", "$operation" or "$header.<Name>"`
	switch {
	case k == "":
		return "the rule has no key; " + hint
	case k == KeyAPIKey, k == KeyClientIP, k == KeyOperation:
		return ""
	case strings.HasPrefix(k, KeyClaimPrefix):
		if name := strings.TrimPrefix(k, KeyClaimPrefix); name == "" || strings.ContainsAny(name, " \t.") {
			return fmt.Sprintf("invalid key %q; name one top-level claim, such as \"$claims.sub\"", k)
		}
		return ""
	case strings.HasPrefix(k, KeyHeaderPrefix):
		if !isToken(strings.TrimPrefix(k, KeyHeaderPrefix)) {
			return fmt.Sprintf("invalid key %q; name a header, such as \"$header.X-Tenant\"", k)
		}
		return ""
	}
	return fmt.Sprintf("invalid key %q; %s", k, hint)
}

func isRuleName(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

// ParseTrustedProxy parses an entry of gateway.rate_limit.trusted_proxies:
// a CIDR, or a single address (a prefix of its full length).
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
