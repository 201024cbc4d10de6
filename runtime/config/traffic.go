package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Defaults of the traffic policies of an upstream (docs/resilience.md). A
// zero field of [Mirror] or [Hedging] means these values.
const (
	DefaultMirrorPercent      = 100
	DefaultMirrorMaxInFlight  = 64
	DefaultHedgingMaxAttempts = 2
	MaxHedgingMaxAttempts     = 5
)

// traffic checks the splits, mirrors and hedging of every upstream; the
// splits and mirrors name other upstreams, so it needs all of them.
func (v *validator) traffic(c *Config) {
	names := slices.Sorted(maps.Keys(c.Upstreams))
	for _, name := range names {
		u := c.Upstreams[name]
		v.split(c, name, u)
		v.mirror(c, name, u)
		v.hedging(name, u.Hedging)
	}
}

// target checks that the upstream named to by the key at path exists, is
// not from itself and speaks its protocol; it reports whether it does.
func (v *validator) target(c *Config, path, from, to, what string) bool {
	if to == "" {
		v.errorf(path, "%s of upstream %q names no upstream: set %s to another upstream of bff.yaml", what, from, path)
		return false
	}
	if to == from {
		if what == "split target" {
			v.errorf(path, "upstream %q splits to itself: list only the other groups, the calls the weights leave go to %q", from, from)
		} else {
			v.errorf(path, "upstream %q mirrors to itself: name a shadow upstream, such as %q", from, from+"-shadow")
		}
		return false
	}
	t, ok := c.Upstreams[to]
	if !ok {
		known := slices.Sorted(maps.Keys(c.Upstreams))
		msg := fmt.Sprintf("%s %q of upstream %q is not an upstream of bff.yaml", what, to, from)
		if s := closest(to, known); s != "" && s != from {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += fmt.Sprintf("; add it under upstreams: with its own endpoints, e.g. `%s: {endpoints: [\"http://127.0.0.1:9001\"]}`", to)
		}
		v.errorf(path, "%s", msg)
		return false
	}
	if p := c.Upstreams[from].Protocol; t.Protocol != p {
		v.errorf(path, "%s %q of upstream %q speaks %q, not %q: the calls are encoded once, for %q; give both the same protocol", what, to, from, t.Protocol, p, from)
		return false
	}
	return true
}

// split checks the split of upstream name.
func (v *validator) split(c *Config, name string, u Upstream) {
	p := "upstreams." + name + ".split"
	sum := 0
	seen := map[string]bool{}
	for i, s := range u.Split {
		at := fmt.Sprintf("%s[%d]", p, i)
		if s.Weight < 0 || s.Weight > 100 {
			v.errorf(at+".weight", "weight of split target %q of upstream %q must be from 0 to 100 (percent of the calls), got %d", s.Upstream, name, s.Weight)
		} else {
			sum += s.Weight
		}
		if seen[s.Upstream] && s.Upstream != "" {
			v.errorf(at+".upstream", "split target %q of upstream %q is listed twice: give it one entry with the sum of the weights", s.Upstream, name)
			continue
		}
		seen[s.Upstream] = true
		if !v.target(c, at+".upstream", name, s.Upstream, "split target") {
			continue
		}
		if next := c.Upstreams[s.Upstream].Split; len(next) > 0 {
			if slices.ContainsFunc(next, func(t SplitTarget) bool { return t.Upstream == name }) {
				v.errorf(at+".upstream", "upstreams %q and %q split to each other, a cycle: splits do not chain; keep the split on the upstream the clients call", name, s.Upstream)
			} else {
				v.errorf(at+".upstream", "split target %q of upstream %q has a split of its own: splits do not chain; list every group in %q's split", s.Upstream, name, name)
			}
		}
	}
	if sum > 100 {
		v.errorf(p, "the weights of the split of upstream %q add up to %d: at most 100 (percent of the calls; the rest stays on %q)", name, sum, name)
	}
}

// mirror checks the mirror of upstream name.
func (v *validator) mirror(c *Config, name string, u Upstream) {
	p := "upstreams." + name + ".mirror"
	m := u.Mirror
	if m == (Mirror{}) {
		return
	}
	v.target(c, p+".upstream", name, m.Upstream, "mirror upstream")
	if m.Percent < 0 || m.Percent > 100 {
		v.errorf(p+".percent", "percent of the mirror of upstream %q must be from 1 to 100, got %d: leave it out to mirror every call", name, m.Percent)
	}
	if m.MaxInFlight < 0 {
		v.errorf(p+".max_in_flight", "max_in_flight of the mirror of upstream %q must not be negative, got %d: leave it out for %d", name, m.MaxInFlight, DefaultMirrorMaxInFlight)
	}
}

// hedging checks the hedging of upstream name.
func (v *validator) hedging(name string, h Hedging) {
	p := "upstreams." + name + ".hedging"
	if !h.Enabled {
		var set []string
		for _, k := range []string{"delay", "max_attempts"} {
			if v.d.isSet(p + "." + k) {
				set = append(set, k)
			}
		}
		if len(set) > 0 {
			v.errorf(p+"."+set[0], "hedging.%s of upstream %q is set but hedging is off: add %s.enabled: true, or remove %s", strings.Join(set, " and "), name, p, strings.Join(set, " and "))
		}
		return
	}
	switch {
	case h.Delay < 0:
		v.errorf(p+".delay", "hedging.delay of upstream %q must not be negative, got %s", name, h.Delay)
	case h.Delay == 0:
		v.errorf(p+".enabled", "hedging of upstream %q needs a delay: add %s.delay, the wait before the next attempt, such as the backend's 95th percentile latency (e.g. 50ms)", name, p)
	}
	if n := h.MaxAttempts; n < 0 || n == 1 || n > MaxHedgingMaxAttempts {
		v.errorf(p+".max_attempts", "hedging.max_attempts of upstream %q must be from 2 to %d (the first attempt included), got %d: leave it out for %d", name, MaxHedgingMaxAttempts, n, DefaultHedgingMaxAttempts)
	}
}
