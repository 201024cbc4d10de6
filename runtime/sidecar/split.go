package sidecar

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/bffgen/bffgen/runtime/config"
)

// splitter is the weighted split of an upstream (upstreams.<name>.split):
// it chooses, once per call, the upstream whose endpoints and policies the
// call's attempts use. Immutable after the set is linked, but for its
// counters.
type splitter struct {
	self *Upstream
	// groups are the targets, in configuration order.
	groups []*splitGroup
	// selfCalls counts the calls that stayed on self, fallbacks included.
	selfCalls atomic.Int64
}

// splitGroup is one target of a split.
type splitGroup struct {
	u      *Upstream
	weight int // percent of the calls
	// calls counts the calls sent to the group; fallbacks the calls that
	// chose it while it had no healthy endpoint (or an open breaker), sent
	// to the splitting upstream instead.
	calls, fallbacks atomic.Int64
}

// choose returns the upstream of the next call: a target with the
// probability of its weight, else the splitting upstream itself. A chosen
// target with no healthy endpoint or an open breaker gives way to the
// splitting upstream (counted as a fallback): a canary that is down costs
// no call, and the splitting upstream, sized for all the traffic, takes
// it. The reverse never happens: a canary is not sized for all the
// traffic.
func (s *splitter) choose() *Upstream {
	n := rand.IntN(100)
	for _, g := range s.groups {
		if n >= g.weight {
			n -= g.weight
			continue
		}
		if g.u.unavailable() {
			g.fallbacks.Add(1)
			break
		}
		g.calls.Add(1)
		return g.u
	}
	s.selfCalls.Add(1)
	return s.self
}

// unavailable reports whether the upstream can take no call now: it has no
// healthy endpoint (see [EndpointStats.Healthy]) or its breaker is open.
func (u *Upstream) unavailable() bool {
	if u.healthyEndpoints() == 0 {
		return true
	}
	return u.breaker != nil && u.breaker.state() == "open"
}

// SplitStats is a snapshot of one group of an upstream's weighted split:
// the upstream itself (the rest of the weights) or a target.
type SplitStats struct {
	// Upstream names the group: the splitting upstream itself or a target.
	Upstream string `json:"upstream"`
	// Weight is the percent of the calls the group gets: its configured
	// weight, or for the splitting upstream 100 minus the targets'.
	Weight int `json:"weight"`
	// Calls counts the calls sent to the group, fallbacks included for
	// the splitting upstream.
	Calls int64 `json:"calls"`
	// Fallbacks counts the calls that chose the target while it had no
	// healthy endpoint or an open breaker, and went to the splitting
	// upstream instead; always 0 for the splitting upstream.
	Fallbacks int64 `json:"fallbacks"`
}

// stats returns the groups of the split, the splitting upstream first.
func (s *splitter) stats() []SplitStats {
	rest := 100
	out := make([]SplitStats, 1, len(s.groups)+1)
	for _, g := range s.groups {
		rest -= g.weight
		out = append(out, SplitStats{Upstream: g.u.name, Weight: g.weight, Calls: g.calls.Load(), Fallbacks: g.fallbacks.Load()})
	}
	out[0] = SplitStats{Upstream: s.self.name, Weight: rest, Calls: s.selfCalls.Load()}
	return out
}

// linkTraffic gives the upstreams of s their splits and mirrors, which
// name other upstreams of s, and reports every problem of cfg with them
// (the config package reports the same with positions).
func (s *Set) linkTraffic(cfg map[string]config.Upstream, o *options) []error {
	var errs []error
	target := func(from *Upstream, name, what string) *Upstream {
		t, ok := s.upstreams[name]
		switch {
		case name == from.name:
			errs = append(errs, fmt.Errorf("upstream %q: %s is the upstream itself", from.name, what))
		case !ok:
			errs = append(errs, fmt.Errorf("upstream %q: %s %q is not an upstream of the set", from.name, what, name))
		case t.protocol != from.protocol:
			errs = append(errs, fmt.Errorf("upstream %q: %s %q speaks %q, not %q", from.name, what, name, t.protocol, from.protocol))
		default:
			return t
		}
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(s.upstreams)) {
		u, c := s.upstreams[name], cfg[name]
		if len(c.Split) > 0 {
			sp := &splitter{self: u}
			sum := 0
			for _, st := range c.Split {
				if st.Weight < 0 || st.Weight > 100 {
					errs = append(errs, fmt.Errorf("upstream %q: split weight %d of %q: want 0 to 100", name, st.Weight, st.Upstream))
					continue
				}
				sum += st.Weight
				t := target(u, st.Upstream, "split target")
				if t == nil {
					continue
				}
				if len(cfg[st.Upstream].Split) > 0 {
					errs = append(errs, fmt.Errorf("upstream %q: split target %q has a split of its own: splits do not chain", name, st.Upstream))
					continue
				}
				sp.groups = append(sp.groups, &splitGroup{u: t, weight: st.Weight})
				t.secondary.Store(true)
			}
			if sum > 100 {
				errs = append(errs, fmt.Errorf("upstream %q: split weights add up to %d, over 100", name, sum))
			}
			u.split = sp
		}
		if m := c.Mirror; m != (config.Mirror{}) {
			if t := target(u, m.Upstream, "mirror upstream"); t != nil {
				t.secondary.Store(true)
				mm, err := newMirrorer(u, t, m, o.logger)
				if err != nil {
					errs = append(errs, fmt.Errorf("upstream %q: mirror: %w", name, err))
				}
				u.mirror = mm
			}
		}
	}
	return errs
}

// errNeedsSet is the error of a standalone upstream configured with a split
// or a mirror, which name other upstreams.
var errNeedsSet = errors.New("split and mirror name other upstreams: build the upstreams with NewSet")

// trafficStats fills the split, mirror and hedging parts of s.
func (u *Upstream) trafficStats(s *Stats) {
	if u.split != nil {
		s.Split = u.split.stats()
	}
	if u.mirror != nil {
		s.Mirror = u.mirror.stats()
	}
	if u.hedge != nil {
		s.Hedging = &HedgingStats{Hedges: u.hedges.Load(), Wins: u.hedgeWins.Load()}
	}
}

// readinessExempt reports whether [Set.Ready] leaves the upstream out: it
// is a split target or a shadow, and no generated client calls it
// directly.
func (u *Upstream) readinessExempt() bool {
	return u.secondary.Load() && !u.called.Load()
}
