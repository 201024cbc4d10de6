package sidecar

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// callDurationBuckets are the bounds, in seconds, of the call duration
// histogram: from 0.5 ms (a backend on the same host) to 10 s, the
// semantic conventions' advice with finer steps below 5 ms.
var callDurationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// maxCode is the highest connect code; codes are 1 to maxCode, and 0
// stands for a call without error.
const maxCode = connect.CodeUnauthenticated

// codeNames are the values of rpc.response.status_code, indexed by code:
// gRPC's names ("OK", "UNAVAILABLE", ...), which connect's codes share in
// lower case.
var codeNames = func() [maxCode + 1]string {
	var names [maxCode + 1]string
	names[0] = "OK"
	for c := connect.Code(1); c <= maxCode; c++ {
		names[c] = strings.ToUpper(c.String())
	}
	return names
}()

// callMetrics records the duration and the outcome of every call of one
// upstream, in the histogram rpc.client.call.duration. Its attribute sets
// are built once per procedure and code, on the first call that needs them,
// so a call records with no allocation.
type callMetrics struct {
	duration metric.Float64Histogram
	// upstream and system are the attributes every call has.
	upstream, system attribute.KeyValue
	// procedures maps a procedure ("/pkg.Service/Method") to its
	// *procedureOptions.
	procedures sync.Map
}

// procedureOptions are the record options of one procedure, indexed by code
// (0 for a call without error), each built on first use.
type procedureOptions struct {
	method attribute.KeyValue
	codes  [maxCode + 1]atomic.Pointer[[]metric.RecordOption]
}

// newCallMetrics returns the call metrics of the upstream called name,
// speaking protocol, on the histogram h.
func newCallMetrics(h metric.Float64Histogram, name, protocol string) *callMetrics {
	system := semconv.RPCSystemNameConnectrpc
	if protocol == protocolGRPC || protocol == protocolGRPCWeb {
		system = semconv.RPCSystemNameGRPC
	}
	return &callMetrics{duration: h, upstream: attrUpstream.String(name), system: system}
}

// record records a call of procedure that took d and ended with code (0
// for a call without error).
func (m *callMetrics) record(ctx context.Context, procedure string, d time.Duration, code connect.Code) {
	m.duration.Record(ctx, d.Seconds(), m.options(procedure, code)...)
}

// codeOf returns the connect code of err, 0 for nil; an error that is not
// a *connect.Error is UNKNOWN, as connect reports it.
func codeOf(err error) connect.Code {
	if err == nil {
		return 0
	}
	code := connect.CodeOf(err)
	if code < 1 || code > maxCode {
		return connect.CodeUnknown
	}
	return code
}

// options returns the record options of procedure and code.
func (m *callMetrics) options(procedure string, code connect.Code) []metric.RecordOption {
	v, ok := m.procedures.Load(procedure)
	if !ok {
		v, _ = m.procedures.LoadOrStore(procedure, &procedureOptions{method: semconv.RPCMethod(strings.TrimPrefix(procedure, "/"))})
	}
	p := v.(*procedureOptions)
	if opts := p.codes[code].Load(); opts != nil {
		return *opts
	}
	attrs := []attribute.KeyValue{m.upstream, m.system, p.method, semconv.RPCResponseStatusCode(codeNames[code])}
	if code != 0 {
		attrs = append(attrs, semconv.ErrorTypeKey.String(codeNames[code]))
	}
	opts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
	p.codes[code].Store(&opts)
	return opts
}

// metricsInterceptor is the outermost connect interceptor of an upstream:
// it measures every call as its caller sees it (fault injection, timeout,
// retries and backoff included) once [Set.RegisterMetrics] gave the
// upstream its call metrics, and does nothing before.
type metricsInterceptor struct {
	u *Upstream
}

var _ connect.Interceptor = metricsInterceptor{}

// WrapUnary records the duration and code of every unary call.
func (i metricsInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		m := i.u.calls.Load()
		if m == nil {
			return next(ctx, req)
		}
		start := time.Now()
		res, err := next(ctx, req)
		m.record(ctx, req.Spec().Procedure, time.Since(start), codeOf(err))
		return res, err
	}
}

// WrapStreamingClient records the duration and code of every stream, from
// its start to its end (see meteredStream).
func (i metricsInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		m := i.u.calls.Load()
		if m == nil {
			return next(ctx, spec)
		}
		return &meteredStream{StreamingClientConn: next(ctx, spec), m: m, ctx: ctx, start: time.Now()}
	}
}

// WrapStreamingHandler returns next: the interceptor is for clients only.
func (metricsInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// meteredStream records a stream once, when it ends: when Receive returns
// io.EOF (code OK) or another error (its code), or, when the caller closes
// the response before either, with the code of the last error Send or
// CloseRequest returned, or CANCELED when there was none (the caller gave
// up). A stream the caller never receives to its end nor closes is not
// recorded.
type meteredStream struct {
	connect.StreamingClientConn
	m     *callMetrics
	ctx   context.Context
	start time.Time
	done  atomic.Bool
	// sendErr is the last error of Send or CloseRequest other than io.EOF.
	sendErr atomic.Pointer[error]
}

// end records the stream with code, once.
func (s *meteredStream) end(code connect.Code) {
	if s.done.CompareAndSwap(false, true) {
		s.m.record(s.ctx, s.Spec().Procedure, time.Since(s.start), code)
	}
}

// sent keeps err for the record when the stream is closed early.
func (s *meteredStream) sent(err error) error {
	if err != nil && !errors.Is(err, io.EOF) {
		s.sendErr.Store(&err)
	}
	return err
}

// Send sends msg.
func (s *meteredStream) Send(msg any) error { return s.sent(s.StreamingClientConn.Send(msg)) }

// CloseRequest closes the sending side.
func (s *meteredStream) CloseRequest() error { return s.sent(s.StreamingClientConn.CloseRequest()) }

// Receive receives into msg; the stream ends with its first error.
func (s *meteredStream) Receive(msg any) error {
	err := s.StreamingClientConn.Receive(msg)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		s.end(0)
	default:
		s.end(codeOf(err))
	}
	return err
}

// CloseResponse closes the receiving side, ending the stream if Receive
// did not.
func (s *meteredStream) CloseResponse() error {
	err := s.StreamingClientConn.CloseResponse()
	if !s.done.Load() {
		code := connect.CodeCanceled
		if p := s.sendErr.Load(); p != nil {
			code = codeOf(*p)
		}
		s.end(code)
	}
	return err
}
