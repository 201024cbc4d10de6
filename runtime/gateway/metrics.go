package gateway

import (
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/bffgen/bffgen/runtime/request"
)

// meterName is the instrumentation scope of the gateway's metrics.
const meterName = "github.com/bffgen/bffgen/runtime/gateway"

// durationBuckets are the bounds, in seconds, of the request duration
// histogram: from 1ms to 10s, finer where a BFF usually answers.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics records two instruments for every request that reaches it:
//
//   - bffgen.graphql.requests, a counter of requests (Prometheus:
//     bffgen_graphql_requests_total);
//   - bffgen.graphql.request.duration, a histogram of durations in seconds
//     (Prometheus: bffgen_graphql_request_duration_seconds);
//
// both with the attributes http.request.method (methods other than GET,
// POST and OPTIONS are recorded as "_OTHER"), http.response.status_code
// and, for a request that ran a GraphQL operation over GET or POST,
// bffgen.graphql.executor: "compiled" or "gqlgen", the execution path that
// ran it (Prometheus label bffgen_graphql_executor; absent for a request
// refused before execution). A nil provider records nothing. The error is
// that of the provider when it cannot create an instrument.
func Metrics(mp metric.MeterProvider) (Middleware, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	meter := mp.Meter(meterName)
	requests, err := meter.Int64Counter("bffgen.graphql.requests",
		metric.WithDescription("GraphQL HTTP requests served."),
		metric.WithUnit("{request}"))
	if err != nil {
		return nil, err
	}
	duration, err := meter.Float64Histogram("bffgen.graphql.request.duration",
		metric.WithDescription("Duration of GraphQL HTTP requests."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			observe(w, r, next, func(status int, _ int64, d time.Duration) {
				set := attribute.NewSet(methodAttr(r.Method), semconv.HTTPResponseStatusCode(status))
				if path := executorOf(r); path != "" {
					set = attribute.NewSet(methodAttr(r.Method), semconv.HTTPResponseStatusCode(status), attribute.String(executorKey, path))
				}
				attrs := metric.WithAttributeSet(set)
				requests.Add(r.Context(), 1, attrs)
				duration.Record(r.Context(), d.Seconds(), attrs)
			})
		})
	}, nil
}

func methodAttr(method string) attribute.KeyValue {
	switch method {
	case http.MethodGet:
		return semconv.HTTPRequestMethodGet
	case http.MethodPost:
		return semconv.HTTPRequestMethodPost
	case http.MethodOptions:
		return semconv.HTTPRequestMethodOptions
	default:
		return semconv.HTTPRequestMethodOther
	}
}

// executorKey is the attribute of the request metrics that names the
// execution path, and the field of the access log.
const executorKey = "bffgen.graphql.executor"

// executorOf returns the execution path that ran the operation of r (see
// request.Request.SetExecutor), "" for none.
func executorOf(r *http.Request) string {
	if req := request.From(r.Context()); req != nil {
		return req.Executor()
	}
	return ""
}
