package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestTrafficKeysDecode(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
upstreams:
  catalog:
    endpoints: ["http://127.0.0.1:9001"]
    split: [{upstream: catalog-canary, weight: 10}, {upstream: catalog-next, weight: 0}]
    mirror: {upstream: catalog-shadow, percent: 5, max_in_flight: 8, non_idempotent: true}
    hedging: {enabled: true, delay: 40ms, max_attempts: 3}
  catalog-canary: {endpoints: ["http://127.0.0.1:9002"]}
  catalog-next: {endpoints: ["http://127.0.0.1:9003"]}
  catalog-shadow: {endpoints: ["http://127.0.0.1:9004"]}
`)
	got := cfg.Upstreams["catalog"]
	if want := []config.SplitTarget{{Upstream: "catalog-canary", Weight: 10}, {Upstream: "catalog-next"}}; !reflect.DeepEqual(got.Split, want) {
		t.Errorf("split = %+v, want %+v", got.Split, want)
	}
	if want := (config.Mirror{Upstream: "catalog-shadow", Percent: 5, MaxInFlight: 8, NonIdempotent: true}); got.Mirror != want {
		t.Errorf("mirror = %+v, want %+v", got.Mirror, want)
	}
	if want := (config.Hedging{Enabled: true, Delay: 40 * time.Millisecond, MaxAttempts: 3}); got.Hedging != want {
		t.Errorf("hedging = %+v, want %+v", got.Hedging, want)
	}
	if u := cfg.Upstreams["catalog-shadow"]; u.Split != nil || u.Mirror != (config.Mirror{}) || u.Hedging != (config.Hedging{}) {
		t.Errorf("catalog-shadow = %+v, want no traffic policy", u)
	}
}

func TestTrafficKeysProblems(t *testing.T) {
	t.Parallel()
	const others = "  canary: {endpoints: [\"http://127.0.0.1:9002\"]}\n" +
		"  shadow: {endpoints: [\"http://127.0.0.1:9003\"], protocol: grpc}\n" +
		"  next: {endpoints: [\"http://127.0.0.1:9004\"], split: [{upstream: canary, weight: 5}]}\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"weight over 100", "split: [{upstream: canary, weight: 150}]",
			[]string{`bff.yaml:5:40: weight of split target "canary" of upstream "catalog" must be from 0 to 100 (percent of the calls), got 150`}},
		{"negative weight", "split: [{upstream: canary, weight: -1}]",
			[]string{`bff.yaml:5:40: weight of split target "canary" of upstream "catalog" must be from 0 to 100 (percent of the calls), got -1`}},
		{"weights over 100 in all", "split: [{upstream: canary, weight: 60}, {upstream: next2, weight: 50}]\n  next2: {endpoints: [\"http://127.0.0.1:9005\"]}",
			[]string{`bff.yaml:5:5: the weights of the split of upstream "catalog" add up to 110: at most 100 (percent of the calls; the rest stays on "catalog")`}},
		{"unknown target, close to a name", "split: [{upstream: canari, weight: 10}]",
			[]string{`bff.yaml:5:24: split target "canari" of upstream "catalog" is not an upstream of bff.yaml; did you mean "canary"?`}},
		{"unknown target", "split: [{upstream: catalog-v2, weight: 10}]",
			[]string{"bff.yaml:5:24: split target \"catalog-v2\" of upstream \"catalog\" is not an upstream of bff.yaml; add it under upstreams: with its own endpoints, e.g. `catalog-v2: {endpoints: [\"http://127.0.0.1:9001\"]}`"}},
		{"target missing", "split: [{weight: 10}]",
			[]string{`bff.yaml:5:13: split target of upstream "catalog" names no upstream: set upstreams.catalog.split[0].upstream to another upstream of bff.yaml`}},
		{"split to itself", "split: [{upstream: catalog, weight: 10}]",
			[]string{`bff.yaml:5:24: upstream "catalog" splits to itself: list only the other groups, the calls the weights leave go to "catalog"`}},
		{"listed twice", "split: [{upstream: canary, weight: 10}, {upstream: canary, weight: 5}]",
			[]string{`bff.yaml:5:56: split target "canary" of upstream "catalog" is listed twice: give it one entry with the sum of the weights`}},
		{"target of another protocol", "split: [{upstream: shadow, weight: 10}]",
			[]string{`bff.yaml:5:24: split target "shadow" of upstream "catalog" speaks "grpc", not "connect": the calls are encoded once, for "catalog"; give both the same protocol`}},
		{"chained split", "split: [{upstream: next, weight: 10}]",
			[]string{`bff.yaml:5:24: split target "next" of upstream "catalog" has a split of its own: splits do not chain; list every group in "catalog"'s split`}},
		{"cycle", "split: [{upstream: back, weight: 10}]\n  back: {endpoints: [\"http://127.0.0.1:9005\"], split: [{upstream: catalog, weight: 10}]}",
			[]string{
				`bff.yaml:5:24: upstreams "catalog" and "back" split to each other, a cycle: splits do not chain; keep the split on the upstream the clients call`,
				`bff.yaml:6:67: upstreams "back" and "catalog" split to each other, a cycle: splits do not chain; keep the split on the upstream the clients call`,
			}},
		{"mirror without upstream", "mirror: {percent: 5}",
			[]string{`bff.yaml:5:5: mirror upstream of upstream "catalog" names no upstream: set upstreams.catalog.mirror.upstream to another upstream of bff.yaml`}},
		{"mirror to itself", "mirror: {upstream: catalog}",
			[]string{`bff.yaml:5:24: upstream "catalog" mirrors to itself: name a shadow upstream, such as "catalog-shadow"`}},
		{"mirror to another protocol", "mirror: {upstream: shadow}",
			[]string{`bff.yaml:5:24: mirror upstream "shadow" of upstream "catalog" speaks "grpc", not "connect": the calls are encoded once, for "catalog"; give both the same protocol`}},
		{"mirror percent over 100", "mirror: {upstream: canary, percent: 101}",
			[]string{`bff.yaml:5:41: percent of the mirror of upstream "catalog" must be from 1 to 100, got 101: leave it out to mirror every call`}},
		{"mirror negative cap", "mirror: {upstream: canary, max_in_flight: -1}",
			[]string{`bff.yaml:5:47: max_in_flight of the mirror of upstream "catalog" must not be negative, got -1: leave it out for 64`}},
		{"hedging without a delay", "hedging: {enabled: true}",
			[]string{`bff.yaml:5:24: hedging of upstream "catalog" needs a delay: add upstreams.catalog.hedging.delay, the wait before the next attempt, such as the backend's 95th percentile latency (e.g. 50ms)`}},
		{"hedging with one attempt", "hedging: {enabled: true, delay: 20ms, max_attempts: 1}",
			[]string{`bff.yaml:5:57: hedging.max_attempts of upstream "catalog" must be from 2 to 5 (the first attempt included), got 1: leave it out for 2`}},
		{"hedging with too many attempts", "hedging: {enabled: true, delay: 20ms, max_attempts: 6}",
			[]string{`bff.yaml:5:57: hedging.max_attempts of upstream "catalog" must be from 2 to 5 (the first attempt included), got 6: leave it out for 2`}},
		{"hedging negative delay", "hedging: {enabled: true, delay: -1s}",
			[]string{`bff.yaml:5:37: hedging.delay of upstream "catalog" must not be negative, got -1s`}},
		{"hedging keys while off", "hedging: {delay: 20ms}",
			[]string{`bff.yaml:5:22: hedging.delay of upstream "catalog" is set but hedging is off: add upstreams.catalog.hedging.enabled: true, or remove delay`}},
		{"typo in mirror", "mirror: {upstream: canary, pecent: 5}",
			[]string{`bff.yaml:5:32: unknown key "pecent" in "upstreams.catalog.mirror"; did you mean "percent"? (allowed: max_in_flight, non_idempotent, percent, upstream)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n\n    " + tc.src + "\n" + others
			_, err := config.Parse([]byte(src), "bff.yaml")
			got := problems(t, err)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}
