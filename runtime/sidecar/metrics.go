package sidecar

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Attribute keys of the upstream metrics.
const (
	attrUpstream = attribute.Key("bffgen.upstream")
	attrEndpoint = attribute.Key("bffgen.upstream.endpoint") // 1-based index, never the address
	attrKind     = attribute.Key("bffgen.retry.kind")        // "policy" or "transparent"
	attrState    = attribute.Key("bffgen.breaker.state")     // "closed", "open", "half-open"
)

// RegisterMetrics registers the resilience metrics of every upstream of s
// with mp, read from [Upstream.Stats] at each collection (nothing is added
// to the path of a call):
//
//   - bffgen.upstream.retries{bffgen.upstream, bffgen.retry.kind}: retries,
//     "policy" (retry of an idempotent call) or "transparent" (a request
//     that never reached its endpoint, sent again);
//   - bffgen.upstream.retry_budget.exhausted{bffgen.upstream}: retries the
//     budget refused;
//   - bffgen.upstream.breaker.rejections{bffgen.upstream}: calls failed at
//     once by an open breaker;
//   - bffgen.upstream.breaker.state{bffgen.upstream, bffgen.breaker.state}:
//     1 for the current state, 0 for the others (upstreams with a breaker);
//   - bffgen.upstream.ejections{bffgen.upstream, bffgen.upstream.endpoint}:
//     ejections by outlier detection;
//   - bffgen.upstream.endpoints.healthy{bffgen.upstream}: healthy
//     endpoints (see [EndpointStats.Healthy]).
//
// Endpoints are named by their 1-based index in bff.yaml, never by
// address. Call it once per meter provider.
func (s *Set) RegisterMetrics(mp metric.MeterProvider) error {
	meter := mp.Meter("github.com/bffgen/bffgen/runtime/sidecar")
	retries, err := meter.Int64ObservableCounter("bffgen.upstream.retries",
		metric.WithDescription("Retries of backend calls, by kind: policy (an idempotent call) or transparent (a request that never reached its endpoint)."),
		metric.WithUnit("{retry}"))
	if err != nil {
		return err
	}
	exhausted, err := meter.Int64ObservableCounter("bffgen.upstream.retry_budget.exhausted",
		metric.WithDescription("Retries refused by the retry budget."),
		metric.WithUnit("{retry}"))
	if err != nil {
		return err
	}
	rejections, err := meter.Int64ObservableCounter("bffgen.upstream.breaker.rejections",
		metric.WithDescription("Calls failed at once by an open circuit breaker."),
		metric.WithUnit("{call}"))
	if err != nil {
		return err
	}
	state, err := meter.Int64ObservableGauge("bffgen.upstream.breaker.state",
		metric.WithDescription("1 for the current state of the upstream's circuit breaker, 0 for the others."),
		metric.WithUnit("1"))
	if err != nil {
		return err
	}
	ejections, err := meter.Int64ObservableCounter("bffgen.upstream.ejections",
		metric.WithDescription("Ejections of an endpoint by outlier detection."),
		metric.WithUnit("{ejection}"))
	if err != nil {
		return err
	}
	healthy, err := meter.Int64ObservableGauge("bffgen.upstream.endpoints.healthy",
		metric.WithDescription("Endpoints neither ejected nor failing."),
		metric.WithUnit("{endpoint}"))
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(s.upstreams))
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, name := range names {
			st := s.upstreams[name].Stats()
			up := attrUpstream.String(name)
			o.ObserveInt64(retries, st.Retries, metric.WithAttributes(up, attrKind.String("policy")))
			o.ObserveInt64(retries, st.TransparentRetries, metric.WithAttributes(up, attrKind.String("transparent")))
			o.ObserveInt64(exhausted, st.BudgetExhausted, metric.WithAttributes(up))
			if st.BreakerState != "" {
				o.ObserveInt64(rejections, st.BreakerRejections, metric.WithAttributes(up))
				for _, s := range []string{"closed", "open", "half-open"} {
					v := int64(0)
					if s == st.BreakerState {
						v = 1
					}
					o.ObserveInt64(state, v, metric.WithAttributes(up, attrState.String(s)))
				}
			}
			n := int64(0)
			for _, ep := range st.Endpoints {
				o.ObserveInt64(ejections, int64(ep.Ejections), metric.WithAttributes(up, attrEndpoint.String(strconv.Itoa(ep.Index))))
				if ep.Healthy {
					n++
				}
			}
			o.ObserveInt64(healthy, n, metric.WithAttributes(up))
		}
		return nil
	}, retries, exhausted, rejections, state, ejections, healthy)
	if err != nil {
		return err
	}
	return s.registerTrafficMetrics(meter)
}
