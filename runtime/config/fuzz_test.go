package config_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bffgen/bffgen/runtime/config"
)

// FuzzParse checks that Parse never panics, that every problem it reports
// is a *config.Error with a sane position (its token within its source
// line) that Render prints, and that every configuration it
// accepts satisfies the validation rules. The seed corpus is in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("mode: development\nupstreams:\n  a: {endpoints: [\"http://127.0.0.1:1\"], timeout: 1s}\n"))
	f.Add([]byte("gateway:\n  rate_limit:\n    redis: {url: \"redis://r:6379\"}\n    trusted_proxies: [10.0.0.0/8]\n    rules:\n      - {name: a, key: $claims.sub, rate: 10/s, cost: true, scope: global}\n      - name: b\n        key: $header.X-T\n        rate: 5/m\n"))
	lookup := config.WithLookupEnv(func(name string) (string, bool) {
		if name == "SET" {
			return "value", true
		}
		return "", false
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, "fuzz.yaml", lookup)
		if err != nil {
			if cfg != nil {
				t.Fatal("Parse returned a config and an error")
			}
			var errs []error
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				errs = joined.Unwrap()
			} else {
				errs = []error{err}
			}
			lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + strings.Count(string(data), "\r") + 1
			for _, e := range errs {
				var ce *config.Error
				if !errors.As(e, &ce) {
					t.Fatalf("problem %T is not a *config.Error: %v", e, e)
				}
				if ce.Line < 0 || ce.Col < 0 || ce.Line > lines+1 || ce.Msg == "" {
					t.Fatalf("problem with a bad position or no message: %#v", ce)
				}
				if strings.Contains(ce.Msg, "internal error") {
					t.Fatalf("invariant violated: %v", ce)
				}
				if ce.Len < 0 || ce.Len > 0 && ce.Col-1+ce.Len > utf8.RuneCountInString(ce.Source) || strings.ContainsAny(ce.Source, "\r\n") {
					t.Fatalf("token of %d characters at column %d past its line %q: %v", ce.Len, ce.Col, ce.Source, ce)
				}
			}
			var b strings.Builder
			if err := config.Render(&b, err); err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(b.String(), "\n"); !strings.Contains(first, ": error: ") {
				t.Fatalf("rendering starts with %q, not file:line:col: error: msg", first)
			}
			return
		}
		if cfg.Mode != config.ModeProduction && cfg.Mode != config.ModeDevelopment {
			t.Fatalf("accepted mode %q", cfg.Mode)
		}
		if cfg.Gateway.GraphQL.GraphiQL && !cfg.Development() {
			t.Fatal("accepted GraphiQL in production mode")
		}
		if !strings.HasPrefix(cfg.Gateway.GraphQL.Path, "/") {
			t.Fatalf("accepted path %q", cfg.Gateway.GraphQL.Path)
		}
		for name, u := range cfg.Upstreams {
			if len(u.Endpoints) == 0 || u.Timeout <= 0 {
				t.Fatalf("accepted upstream %q: %+v", name, u)
			}
			for _, ep := range u.Endpoints {
				if parsed, err := url.Parse(ep); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") {
					t.Fatalf("accepted endpoint %q", ep)
				}
			}
		}
		rl := cfg.Gateway.RateLimit
		for _, r := range rl.Rules {
			if _, _, err := config.ParseRate(r.Rate); err != nil || r.Burst < 1 || r.Name == "" || (r.Scope == config.ScopeGlobal && rl.Redis.URL == "") {
				t.Fatalf("accepted rule %+v (redis %q)", r, rl.Redis.URL)
			}
		}
		if rl.Redis.Timeout <= 0 || rl.Redis.InstancesHint < 1 || rl.MaxKeys < 1 {
			t.Fatalf("accepted rate_limit %+v", rl)
		}
		if cfg.Server.RequestTimeout <= 0 || cfg.Server.RequestTimeout >= cfg.Server.WriteTimeout {
			t.Fatalf("accepted timeouts %+v", cfg.Server)
		}
	})
}
