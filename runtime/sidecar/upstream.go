package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// The protocols of an upstream, as config spells them.
const (
	protocolConnect = config.ProtocolConnect
	protocolGRPC    = config.ProtocolGRPC
	protocolGRPCWeb = config.ProtocolGRPCWeb
)

// defaultTimeout is the per-call timeout of an upstream whose configuration
// leaves it zero.
const defaultTimeout = time.Second

// Upstream is one backend: the connect.HTTPClient its generated clients use.
// It is safe for concurrent use.
type Upstream struct {
	name      string
	baseURL   string
	transport http.RoundTripper
	options   []connect.ClientOption
	logger    *slog.Logger
	// picker is the current picker. It is replaced whole, never changed.
	picker atomic.Pointer[picker]
	// own holds the transports of an upstream built outside a Set.
	own *transports
	// maxBatchSize is config.Upstream.MaxBatchSize.
	maxBatchSize int

	// outliers is the outlier detector, nil when it is disabled.
	outliers *outlierDetector
	// failurePenalty is the least latency a failed attempt counts for in
	// the p2c estimate: the per-call timeout.
	failurePenalty time.Duration
	// retry is the retry policy of unary calls.
	retry *retryPolicy
	// breaker is the circuit breaker, nil when it is disabled.
	breaker *breaker
	// counters of Stats.
	retries, transparentRetries, budgetExhausted, breakerRejections atomic.Int64

	// protocol is the upstream's protocol, as config spells it.
	protocol string
	// calls records the duration and code of every call once
	// Set.RegisterMetrics set it; nil records nothing.
	calls atomic.Pointer[callMetrics]
}

var _ connect.HTTPClient = (*Upstream)(nil)

// NewUpstream returns the upstream called name, configured by cfg. An empty
// cfg.Protocol means "connect" and a zero cfg.Timeout means one second, the
// defaults of bff.yaml; cfg.Endpoints may be empty, in which case every call
// fails with connect.CodeUnavailable and [Set.Ready] reports the upstream.
// name must be usable as a host name: letters, digits, '-', '_' and '.'.
//
// A standalone upstream has transports of its own; its idle connections
// close after 90s, or at once with [Upstream.CloseIdleConnections]. Use a
// [Set] to share one pool among upstreams.
func NewUpstream(name string, cfg config.Upstream, opts ...Option) (*Upstream, error) {
	o := newOptions(opts)
	t, err := newTransports(o.transport).withTLS(name, cfg.TLS, o.logger)
	if err != nil {
		return nil, err
	}
	u, err := newUpstream(name, cfg, o, t)
	if err != nil {
		return nil, err
	}
	u.own = t
	return u, nil
}

// newUpstream builds an upstream on shared transports, reporting every
// problem of cfg.
func newUpstream(name string, cfg config.Upstream, o *options, t *transports) (*Upstream, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var errs []error
	protocol := cfg.Protocol
	var protocolOption connect.ClientOption
	switch protocol {
	case "", protocolConnect:
		protocol = protocolConnect
	case protocolGRPC:
		protocolOption = connect.WithGRPC()
	case protocolGRPCWeb:
		protocolOption = connect.WithGRPCWeb()
	default:
		errs = append(errs, fmt.Errorf("protocol %q is unknown: want %q, %q or %q", protocol, protocolConnect, protocolGRPC, protocolGRPCWeb))
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		errs = append(errs, fmt.Errorf("timeout %s is negative", timeout))
	}
	readMax := cfg.MaxMessageBytes
	switch {
	case readMax == 0:
		readMax = config.DefaultMaxMessageBytes
	case readMax < 0:
		errs = append(errs, fmt.Errorf("max_message_bytes %d is negative", readMax))
	}
	switch cfg.LoadBalancing {
	case "", config.LoadBalancingP2C, config.LoadBalancingRoundRobin:
	default:
		errs = append(errs, fmt.Errorf("load_balancing %q is unknown: want %q or %q", cfg.LoadBalancing, config.LoadBalancingP2C, config.LoadBalancingRoundRobin))
	}
	if n := cfg.Retry.MaxAttempts; n < 0 || n > config.MaxMaxAttempts {
		errs = append(errs, fmt.Errorf("retry.max_attempts %d: want 1 to %d", n, config.MaxMaxAttempts))
	}
	endpoints := make([]*endpoint, 0, len(cfg.Endpoints))
	for i, raw := range cfg.Endpoints {
		ep, err := parseEndpoint(i+1, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		endpoints = append(endpoints, ep)
	}
	if len(errs) > 0 {
		for i, err := range errs {
			errs[i] = fmt.Errorf("upstream %q: %w", name, err)
		}
		return nil, errors.Join(errs...)
	}

	u := &Upstream{
		name:      name,
		baseURL:   "http://" + name,
		transport: t.forProtocol(protocol),
		logger:    o.logger,

		maxBatchSize: cfg.MaxBatchSize,

		outliers:       newOutlierDetector(name, cfg.OutlierDetection, o.logger),
		failurePenalty: timeout,
		retry:          newRetryPolicy(cfg.Retry),
		breaker:        newBreaker(cfg.CircuitBreaker),
		protocol:       protocol,
	}
	now := time.Now()
	for _, ep := range endpoints {
		ep.ewma, ep.stamp = defaultRTT, now
	}
	if protocolOption != nil {
		u.options = append(u.options, protocolOption)
	}
	u.options = append(u.options, connect.WithReadMaxBytes(int(readMax)))
	fault, err := newFaultInjector(cfg.Fault)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: fault.abort_code: %w", name, err)
	}
	interceptors := append([]connect.Interceptor{metricsInterceptor{u}, &interceptor{u: u, upstream: name, timeout: timeout, forward: forwardList(cfg.ForwardHeaders, cfg.ForwardAuthorization), response: canonical(cfg.ResponseHeaders), claims: claimHeaders(cfg.ForwardClaims), fault: fault}}, o.interceptors...)
	u.options = append(u.options, connect.WithInterceptors(interceptors...))
	var p picker = newP2C(endpoints)
	if cfg.LoadBalancing == config.LoadBalancingRoundRobin {
		p = newRoundRobin(endpoints)
	}
	u.picker.Store(&p)
	return u, nil
}

// checkName reports whether name can be the host of the logical base URL.
func checkName(name string) error {
	if name == "" {
		return errors.New("upstream name is empty")
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("upstream name %q: want letters, digits, '-', '_' and '.' only", name)
		}
	}
	return nil
}

// Name returns the name of the upstream, its key under upstreams: in
// bff.yaml.
func (u *Upstream) Name() string { return u.name }

// BaseURL returns the logical base URL that generated clients are built
// with, "http://<name>"; [Upstream.Do] replaces its scheme and host with
// an endpoint's.
func (u *Upstream) BaseURL() string { return u.baseURL }

// ClientOptions returns the options of every generated client of the
// upstream: the protocol (connect.WithGRPC, connect.WithGRPCWeb, or none for
// Connect), the read cap (connect.WithReadMaxBytes of the upstream's
// max_message_bytes, 4 MiB when it is 0) and the interceptors, the upstream's own first (call
// metrics, per-call timeout, error wrapping), then those of [WithInterceptors]. The slice is new at
// each call.
func (u *Upstream) ClientOptions() []connect.ClientOption {
	return slices.Clone(u.options)
}

// Do sends req to an endpoint of the upstream. It picks the endpoint
// (p2c or round robin, skipping ejected endpoints and those the call
// already tried), replaces the scheme and host of req.URL with the
// endpoint's and prefixes the endpoint's path, if any, to the path, and
// sends the request on the transport of the upstream's protocol. req is not
// modified. The Host header becomes the endpoint's host.
//
// When the request provably never reached the endpoint (see neverSent) and
// its body can be sent again (none, or req.GetBody), Do sends it once more
// to another endpoint, whatever the method (gRPC A6's transparent retry).
//
// On failure the request body is closed and the error never holds the
// endpoint's address (see the package documentation); with no endpoint the
// error is a connect.CodeUnavailable *connect.Error.
func (u *Upstream) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := callStateFrom(ctx)
	var exclude []*endpoint
	if st != nil {
		exclude = st.tried
	}
	reqBody := req.Body
	for try := 0; ; try++ {
		ep, err := (*u.picker.Load()).pick(exclude, time.Now())
		if err != nil {
			if reqBody != nil {
				_ = reqBody.Close()
			}
			return nil, connect.NewError(connect.CodeUnavailable, err)
		}
		exclude = append(exclude, ep)
		if st != nil {
			st.tried = exclude
		}
		out := *req
		out.URL = ep.rewrite(req.URL)
		out.Host = ""
		out.Body = reqBody
		a := u.begin(ep)
		res, err := u.transport.RoundTrip(&out)
		if err != nil {
			u.logFailure(ctx, ep, err)
			if ctx.Err() != nil {
				a.finish(outcomeIgnored)
			} else {
				a.finish(outcomeFailure)
			}
			if try == 0 && ctx.Err() == nil && neverSent(err) && len((*u.picker.Load()).all()) > 1 {
				if next, ok := rewind(req); ok {
					u.transparentRetries.Add(1)
					reqBody = next
					continue
				}
			}
			return nil, sanitize(ctx, ep, err)
		}
		res.Body = &body{ReadCloser: res.Body, ctx: ctx, ep: ep, u: u}
		if st != nil {
			st.pending = a
		} else {
			res.Body = &tracked{ReadCloser: res.Body, a: a, status: res.StatusCode, ctx: ctx}
		}
		return res, nil
	}
}

// rewind returns a fresh body for sending req again, and whether there is
// one: a request without a body has one, a request with a body needs
// GetBody.
func rewind(req *http.Request) (io.ReadCloser, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	return b, true
}

// CloseIdleConnections closes the idle connections of a standalone
// upstream's transports; on an upstream of a [Set] it does nothing, use
// [Set.Close].
func (u *Upstream) CloseIdleConnections() {
	if u.own != nil {
		u.own.closeIdleConnections()
	}
}

// endpoints returns the number of endpoints the upstream picks from.
func (u *Upstream) endpoints() int {
	return len((*u.picker.Load()).all())
}

// logFailure logs a transport failure with the endpoint's address at debug
// level.
func (u *Upstream) logFailure(ctx context.Context, ep *endpoint, err error) {
	u.logger.DebugContext(ctx, "upstream transport failure",
		slog.String("upstream", u.name),
		slog.Int("endpoint", ep.index),
		slog.String("address", ep.addr),
		slog.Any("error", err))
}
