package config_test

import (
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestUpstreamTimeoutOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		timeout   time.Duration
		off       bool
	}{
		{"left out: the default", "", time.Second, false},
		{"a duration", "timeout: 2s", 2 * time.Second, false},
		{"off", "timeout: off", 0, true},
		{"off quoted", `timeout: "off"`, 0, true},
		{"null: the default", "timeout: ~", time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n    "+tc.src+"\n")
			u := cfg.Upstreams["catalog"]
			if u.Timeout != tc.timeout || u.TimeoutOff != tc.off {
				t.Errorf("timeout = %v, off = %v; want %v, %v", u.Timeout, u.TimeoutOff, tc.timeout, tc.off)
			}
		})
	}
}

func TestUpstreamTimeoutOffLastValueWinsInMerges(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
x-off: &off {endpoints: ["http://127.0.0.1:9001"], timeout: off}
x-2s: &two {endpoints: ["http://127.0.0.1:9001"], timeout: 2s}
upstreams:
  timed:
    <<: *off
    timeout: 2s
  untimed:
    <<: *two
    timeout: off
  inherits:
    <<: *off
`)
	for name, want := range map[string]config.Upstream{
		"timed":    {Timeout: 2 * time.Second},
		"untimed":  {TimeoutOff: true},
		"inherits": {TimeoutOff: true},
	} {
		if got := cfg.Upstreams[name]; got.Timeout != want.Timeout || got.TimeoutOff != want.TimeoutOff {
			t.Errorf("%s: timeout = %v, off = %v; want %v, %v", name, got.Timeout, got.TimeoutOff, want.Timeout, want.TimeoutOff)
		}
	}
}

func TestUpstreamTimeoutProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"a misspelt off", "timeout: of", `bff.yaml:4:14: invalid duration "of" for "upstreams.catalog.timeout": want a duration such as 2s, or off`},
		{"off in capitals", "timeout: OFF", `bff.yaml:4:14: invalid duration "OFF" for "upstreams.catalog.timeout": want a duration such as 2s, or off`},
		{"a number without a unit", "timeout: 5", `bff.yaml:4:14: invalid duration "5" for "upstreams.catalog.timeout": want a duration such as 2s, or off; add a unit, such as "5s"`},
		{"a boolean", "timeout: false", `bff.yaml:4:14: "upstreams.catalog.timeout" must be a duration such as 2s, or off, not a boolean`},
		{"a list", "timeout: [off]", `bff.yaml:4:14: "upstreams.catalog.timeout" must be a duration such as 2s, or off, not a list`},
		{"zero stays an error", "timeout: 0s", `bff.yaml:4:14: "upstreams.catalog.timeout" must be greater than zero, got 0s: leave it out for the default of 1s, or write off for no timeout of the sidecar's own`},
		{"negative", "timeout: -1s", `bff.yaml:4:14: "upstreams.catalog.timeout" must be greater than zero, got -1s: leave it out for the default of 1s, or write off for no timeout of the sidecar's own`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n    " + tc.src + "\n"
			_, err := config.Parse([]byte(src), "bff.yaml")
			got := problems(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("problems:\n got: %q\nwant: [%q]", got, tc.want)
			}
		})
	}
}
