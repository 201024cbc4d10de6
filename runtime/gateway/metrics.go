package gateway

import (
	"net/http"
	"sync"
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
	var sets attributeSets
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			observe(w, r, next, func(status int, _ int64, d time.Duration) {
				o := sets.get(methodAttr(r.Method), status, executorOf(r))
				requests.Add(r.Context(), 1, o.add...)
				duration.Record(r.Context(), d.Seconds(), o.record...)
			})
		})
	}, nil
}

// attributeSets keeps the options of each attribute set the request
// metrics have recorded, so that a request builds none (a set is sorted
// and allocated, and so are the options and their slices). The keys are
// bounded: four method values, the status codes net/http can send (three
// digits) and the dispatcher's execution paths.
type attributeSets struct{ m sync.Map } // attributeKey -> *attributeOptions

type attributeKey struct {
	method   attribute.KeyValue
	status   int
	executor string
}

type attributeOptions struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

func (s *attributeSets) get(method attribute.KeyValue, status int, executor string) *attributeOptions {
	k := attributeKey{method, status, executor}
	if o, ok := s.m.Load(k); ok {
		return o.(*attributeOptions)
	}
	set := attribute.NewSet(method, semconv.HTTPResponseStatusCode(status))
	if executor != "" {
		set = attribute.NewSet(method, semconv.HTTPResponseStatusCode(status), attribute.String(executorKey, executor))
	}
	opt := metric.WithAttributeSet(set)
	o, _ := s.m.LoadOrStore(k, &attributeOptions{add: []metric.AddOption{opt}, record: []metric.RecordOption{opt}})
	return o.(*attributeOptions)
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
