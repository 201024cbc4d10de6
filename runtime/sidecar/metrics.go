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
	attrEndpoint = attribute.Key("bffgen.upstream.endpoint")   // the endpoint's id (EndpointStats.Index), never the address
	attrKind     = attribute.Key("bffgen.retry.kind")          // "policy" or "transparent"
	attrState    = attribute.Key("bffgen.breaker.state")       // "closed", "open", "half-open"
	attrResult   = attribute.Key("bffgen.health_check.result") // "passed" or "failed"
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
//     endpoints (see [EndpointStats.Healthy]);
//   - bffgen.upstream.endpoints{bffgen.upstream}: endpoints in the set,
//     healthy or not (discovery changes it);
//   - bffgen.upstream.discovery.failures{bffgen.upstream}: failed answers
//     of the endpoint source, each keeping the last set (upstreams with
//     discovery);
//   - bffgen.upstream.health_checks{bffgen.upstream,
//     bffgen.health_check.result}: active health checks, "passed" or
//     "failed" (upstreams with a health_check).
//
// Endpoints are named by their id ([EndpointStats.Index]: the 1-based
// position in bff.yaml, or the order in which discovery found them),
// never by address. Call it once per meter provider.
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
	total, err := meter.Int64ObservableGauge("bffgen.upstream.endpoints",
		metric.WithDescription("Endpoints in the upstream's set, healthy or not."),
		metric.WithUnit("{endpoint}"))
	if err != nil {
		return err
	}
	discoveryFailures, err := meter.Int64ObservableCounter("bffgen.upstream.discovery.failures",
		metric.WithDescription("Failed answers of the upstream's endpoint source (DNS): the last set of endpoints was kept."),
		metric.WithUnit("{failure}"))
	if err != nil {
		return err
	}
	checks, err := meter.Int64ObservableCounter("bffgen.upstream.health_checks",
		metric.WithDescription("Active health checks (grpc.health.v1.Health/Check) of the upstream's endpoints, by result: passed or failed."),
		metric.WithUnit("{check}"))
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
			o.ObserveInt64(total, int64(len(st.Endpoints)), metric.WithAttributes(up))
			if st.Discovery != "static" {
				o.ObserveInt64(discoveryFailures, st.DiscoveryFailures, metric.WithAttributes(up))
			}
			if s.upstreams[name].checker != nil {
				o.ObserveInt64(checks, st.HealthChecks-st.HealthCheckFailures, metric.WithAttributes(up, attrResult.String("passed")))
				o.ObserveInt64(checks, st.HealthCheckFailures, metric.WithAttributes(up, attrResult.String("failed")))
			}
		}
		return nil
	}, retries, exhausted, rejections, state, ejections, healthy, total, discoveryFailures, checks)
	if err != nil {
		return err
	}
	return s.registerTrafficMetrics(meter)
}
