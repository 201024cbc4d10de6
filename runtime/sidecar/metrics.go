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
	attrOutcome  = attribute.Key("bffgen.attempt.outcome")   // "success", "failure", "canceled"
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
// Endpoints are named by their 1-based index in bff.yaml, never by
// address. Call it once per meter provider: a second call registers the
// collected metrics again with its provider, and the call histogram of
// the upstreams moves to it.
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
		}
		return nil
	}, retries, exhausted, rejections, state, ejections, healthy, attempts)
	if err != nil {
		return err
	}
	for _, name := range names {
		u := s.upstreams[name]
		u.calls.Store(newCallMetrics(duration, name, u.protocol))
	}
	return nil
}
