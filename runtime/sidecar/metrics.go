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
	attrOutcome  = attribute.Key("bffgen.attempt.outcome")     // "success", "failure", "canceled"
)

// RegisterMetrics registers the resilience metrics of every upstream of s
// with mp, read from [Upstream.Stats] at each collection (nothing is added
// to the path of a call for them):
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
//   - bffgen.upstream.attempts{bffgen.upstream, bffgen.upstream.endpoint,
//     bffgen.attempt.outcome}: attempts that ended, by outcome "success",
//     "failure" or "canceled" (see [AttemptCounts]).
//
// It also gives every upstream the histogram of its calls, recorded from
// then on, on the call path (the only metric that is):
//
//   - rpc.client.call.duration{bffgen.upstream, rpc.system.name,
//     rpc.method, rpc.response.status_code, error.type}, in seconds
//     (Prometheus: rpc_client_call_duration_seconds), following
//     OpenTelemetry's RPC semantic conventions: the duration of every call
//     as its caller sees it, retries, backoff and fault injection included;
//     rpc.system.name is "connectrpc" for the Connect protocol and "grpc"
//     for gRPC and gRPC-Web; rpc.method is the procedure without its
//     leading slash ("catalog.v1.CatalogService/GetProduct");
//     rpc.response.status_code is "OK" or the code in gRPC's spelling
//     ("UNAVAILABLE", "DEADLINE_EXCEEDED"), and error.type repeats it for
//     a failed call (absent on "OK"). Its count is the number of calls, by
//     code. A stream is recorded when it ends: at io.EOF ("OK"), at its
//     first error, or when the caller closes it early (the code of the
//     last error of Send or CloseRequest, else "CANCELED"); a stream
//     neither read to its end nor closed is not recorded.
//
// Endpoints are named by their id ([EndpointStats.Index]: the 1-based
// position in bff.yaml, or the order in which discovery found them),
// never by address. Call it once per meter provider: a second call
// registers the collected metrics again with its provider, and the call
// histogram of the upstreams moves to it.
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
	attempts, err := meter.Int64ObservableCounter("bffgen.upstream.attempts",
		metric.WithDescription("Attempts on an endpoint that ended, by outcome: success (the endpoint answered), failure (it failed or was unreachable), canceled (the call ended first)."),
		metric.WithUnit("{attempt}"))
	if err != nil {
		return err
	}
	duration, err := meter.Float64Histogram("rpc.client.call.duration",
		metric.WithDescription("Duration of backend calls as their callers see them, retries included, by upstream, method and status code."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(callDurationBuckets...))
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(s.upstreams))
	outcomes := [...]attribute.KeyValue{
		outcomeSuccess: attrOutcome.String("success"),
		outcomeFailure: attrOutcome.String("failure"),
		outcomeIgnored: attrOutcome.String("canceled"),
	}
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
				index := attrEndpoint.String(strconv.Itoa(ep.Index))
				o.ObserveInt64(ejections, int64(ep.Ejections), metric.WithAttributes(up, index))
				o.ObserveInt64(attempts, ep.Attempts.Success, metric.WithAttributes(up, index, outcomes[outcomeSuccess]))
				o.ObserveInt64(attempts, ep.Attempts.Failure, metric.WithAttributes(up, index, outcomes[outcomeFailure]))
				o.ObserveInt64(attempts, ep.Attempts.Canceled, metric.WithAttributes(up, index, outcomes[outcomeIgnored]))
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
	}, retries, exhausted, rejections, state, ejections, healthy, total, discoveryFailures, checks, attempts)
	if err != nil {
		return err
	}
	for _, name := range names {
		u := s.upstreams[name]
		u.calls.Store(newCallMetrics(duration, name, u.protocol))
	}
	return s.registerTrafficMetrics(meter)
}
