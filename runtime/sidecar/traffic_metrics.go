package sidecar

import (
	"context"
	"maps"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// attrGroup names the group of a split: the splitting upstream itself or a
// target upstream.
const attrGroup = attribute.Key("bffgen.split.group")

// registerTrafficMetrics registers the metrics of the traffic policies,
// read from [Upstream.Stats] at each collection, for the upstreams that
// have them:
//
//   - bffgen.upstream.split.calls{bffgen.upstream, bffgen.split.group}:
//     calls the split sent to each group;
//   - bffgen.upstream.split.fallbacks{bffgen.upstream, bffgen.split.group}:
//     calls that chose a target without a healthy endpoint (or with an
//     open breaker) and stayed on the upstream;
//   - bffgen.upstream.mirror.sent, .failed, .dropped{bffgen.upstream}:
//     copies sent to the shadow, those that got no successful answer, and
//     calls not mirrored because the cap of copies in flight was reached;
//     bffgen.upstream.mirror.in_flight{bffgen.upstream}: copies in flight;
//   - bffgen.upstream.hedges{bffgen.upstream}: attempts after the first of
//     hedged calls; bffgen.upstream.hedge.wins{bffgen.upstream}: hedged
//     calls answered by one of them.
func (s *Set) registerTrafficMetrics(meter metric.Meter) error {
	counter := func(name, desc, unit string) (metric.Int64ObservableCounter, error) {
		return meter.Int64ObservableCounter(name, metric.WithDescription(desc), metric.WithUnit(unit))
	}
	splitCalls, err := counter("bffgen.upstream.split.calls", "Calls a weighted split sent to each of its groups.", "{call}")
	if err != nil {
		return err
	}
	fallbacks, err := counter("bffgen.upstream.split.fallbacks", "Calls that chose a split target with no healthy endpoint or an open breaker, and stayed on the upstream.", "{call}")
	if err != nil {
		return err
	}
	sent, err := counter("bffgen.upstream.mirror.sent", "Copies of calls sent to the shadow upstream.", "{call}")
	if err != nil {
		return err
	}
	failed, err := counter("bffgen.upstream.mirror.failed", "Copies sent to the shadow upstream that got no successful answer.", "{call}")
	if err != nil {
		return err
	}
	dropped, err := counter("bffgen.upstream.mirror.dropped", "Calls not mirrored because the cap on copies in flight was reached.", "{call}")
	if err != nil {
		return err
	}
	inFlight, err := meter.Int64ObservableGauge("bffgen.upstream.mirror.in_flight", metric.WithDescription("Copies in flight to the shadow upstream."), metric.WithUnit("{call}"))
	if err != nil {
		return err
	}
	hedges, err := counter("bffgen.upstream.hedges", "Attempts sent after the first of hedged calls.", "{attempt}")
	if err != nil {
		return err
	}
	wins, err := counter("bffgen.upstream.hedge.wins", "Hedged calls answered by an attempt other than the first.", "{call}")
	if err != nil {
		return err
	}
	var names []string
	for _, name := range slices.Sorted(maps.Keys(s.upstreams)) {
		if u := s.upstreams[name]; u.split != nil || u.mirror != nil || u.hedge != nil {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, name := range names {
			u := s.upstreams[name]
			var st Stats
			u.trafficStats(&st)
			up := attrUpstream.String(name)
			for _, g := range st.Split {
				attrs := metric.WithAttributes(up, attrGroup.String(g.Upstream))
				o.ObserveInt64(splitCalls, g.Calls, attrs)
				o.ObserveInt64(fallbacks, g.Fallbacks, attrs)
			}
			if m := st.Mirror; m != nil {
				o.ObserveInt64(sent, m.Sent, metric.WithAttributes(up))
				o.ObserveInt64(failed, m.Failed, metric.WithAttributes(up))
				o.ObserveInt64(dropped, m.Dropped, metric.WithAttributes(up))
				o.ObserveInt64(inFlight, m.InFlight, metric.WithAttributes(up))
			}
			if h := st.Hedging; h != nil {
				o.ObserveInt64(hedges, h.Hedges, metric.WithAttributes(up))
				o.ObserveInt64(wins, h.Wins, metric.WithAttributes(up))
			}
		}
		return nil
	}, splitCalls, fallbacks, sent, failed, dropped, inFlight, hedges, wins)
	return err
}
