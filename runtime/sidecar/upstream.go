package sidecar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
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
	// the p2c estimate: the per-call timeout, or config.OffTimeoutBound
	// (10s) with TimeoutOff. It also bounds the copies sent to the
	// upstream as a shadow (mirror.go).
	failurePenalty time.Duration
	// retry is the retry policy of unary calls.
	retry *retryPolicy
	// breaker is the circuit breaker, nil when it is disabled.
	breaker *breaker
	// counters of Stats.
	retries, transparentRetries, budgetExhausted, breakerRejections atomic.Int64

	// Traffic policies (split.go, mirror.go, hedge.go); nil when off.
	// protocol is the upstream's wire protocol, which split targets and
	// shadows must share.
	protocol string
	split    *splitter
	mirror   *mirrorer
	hedge    *hedgePolicy
	// counters of Stats.Hedging.
	hedges, hedgeWins atomic.Int64
	// secondary: a split target or a shadow of another upstream; called:
	// named by Set.Require. See readinessExempt.
	secondary, called atomic.Bool

	// roundRobin is true when the picker is round robin, false for p2c.
	roundRobin bool
	// discovery is Stats.Discovery.
	discovery string
	// source finds the endpoints at run time; nil for the endpoints of
	// bff.yaml, applied when the upstream is built.
	source EndpointSource
	// checker is the active health check, nil when it is off.
	checker *healthChecker
	// known is closed once the endpoints are known: at once for static
	// endpoints, at the source's first answer otherwise.
	known     chan struct{}
	knownOnce sync.Once
	// setMu serializes the changes of the endpoint set (update) and
	// guards the fields below.
	setMu sync.Mutex
	// nextID is the id of the last endpoint added (see endpoint.index).
	nextID int
	// lastWarn is when a failure of the source was last logged; failing
	// is true while its last answer was a failure.
	lastWarn time.Time
	failing  bool
	// discoveryFailures counts the failed answers of the source;
	// discoveryErr holds the text of the last answer's error, or "".
	discoveryFailures atomic.Int64
	discoveryErr      atomic.Value
	// stop ends the goroutines of the source and the health checker, and
	// done waits for them.
	stopOnce sync.Once
	stop     context.CancelFunc
	done     sync.WaitGroup
	// calls records the duration and code of every call once
	// Set.RegisterMetrics set it; nil records nothing.
	calls atomic.Pointer[callMetrics]
}

var _ connect.HTTPClient = (*Upstream)(nil)

// NewUpstream returns the upstream called name, configured by cfg. An empty
// cfg.Protocol means "connect" and a zero cfg.Timeout means one second, the
// defaults of bff.yaml; cfg.TimeoutOff (with a zero cfg.Timeout) adds no
// deadline to unary calls but the caller's; cfg.Endpoints may be empty, in which case every call
// fails with connect.CodeUnavailable and [Set.Ready] reports the upstream.
// name must be usable as a host name: letters, digits, '-', '_' and '.'.
//
// With cfg.Discovery the endpoints come from DNS or a registered
// [EndpointSource], watched on a goroutine from now until
// [Upstream.Close]; calls made before the source's first answer wait for it
// (within their deadline). With cfg.HealthCheck enabled, a goroutine checks
// the endpoints until Close too.
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
	if len(cfg.Split) > 0 || cfg.Mirror != (config.Mirror{}) {
		return nil, fmt.Errorf("upstream %q: %w", name, errNeedsSet)
	}
	u, err := newUpstream(name, cfg, o, t)
	if err != nil {
		return nil, err
	}
	u.own = t
	u.start()
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
	switch cfg.Compression {
	case "", config.CompressionGzip, config.CompressionNone:
	default:
		errs = append(errs, fmt.Errorf("compression %q is unknown: want %q or %q", cfg.Compression, config.CompressionGzip, config.CompressionNone))
	}
	// timeout is the interceptor's bound of a unary call, 0 for none
	// (TimeoutOff); penalty stands for it where a duration is needed.
	timeout := cfg.Timeout
	switch {
	case cfg.TimeoutOff && timeout != 0:
		errs = append(errs, fmt.Errorf("timeout %s and TimeoutOff are both set: keep one", timeout))
	case cfg.TimeoutOff:
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		errs = append(errs, fmt.Errorf("timeout %s is negative", timeout))
	}
	penalty := timeout
	if cfg.TimeoutOff {
		penalty = config.OffTimeoutBound
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
	var source EndpointSource
	if cfg.Discovery.Enabled() {
		if len(cfg.Endpoints) > 0 {
			errs = append(errs, errors.New("endpoints and discovery are both set: set one"))
		}
		src, err := discoverySource(name, cfg.Discovery, o)
		if err != nil {
			errs = append(errs, err)
		}
		source = src
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
		failurePenalty: penalty,
		retry:          newRetryPolicy(cfg.Retry),
		breaker:        newBreaker(cfg.CircuitBreaker),

		protocol: protocol,
		hedge:    newHedgePolicy(cfg.Hedging),

		roundRobin: cfg.LoadBalancing == config.LoadBalancingRoundRobin,
		discovery:  discoveryKind(cfg.Discovery),
		source:     source,
		nextID:     len(endpoints),
		known:      make(chan struct{}),
	}
	checker, err := newHealthChecker(cfg.HealthCheck, protocolOption, u.transport)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", name, err)
	}
	if checker != nil {
		checker.u = u
		u.checker = checker
	}
	if source == nil {
		u.markKnown()
	}
	u.discoveryErr.Store("")
	now := time.Now()
	for _, ep := range endpoints {
		ep.ewma, ep.stamp = defaultRTT, now
	}
	if protocolOption != nil {
		u.options = append(u.options, protocolOption)
	}
	u.options = append(u.options, connect.WithReadMaxBytes(int(readMax)))
	if cfg.Compression == config.CompressionNone {
		// Removes connect-go's default gzip: the calls advertise no
		// compression.
		u.options = append(u.options, connect.WithAcceptCompression("gzip", nil, nil))
	} else {
		u.options = append(u.options, gzipOption())
	}
	fault, err := newFaultInjector(cfg.Fault)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: fault.abort_code: %w", name, err)
	}
	interceptors := append([]connect.Interceptor{metricsInterceptor{u}, &interceptor{u: u, upstream: name, timeout: timeout, forward: forwardList(cfg.ForwardHeaders, cfg.ForwardAuthorization), response: canonical(cfg.ResponseHeaders), claims: claimHeaders(cfg.ForwardClaims), fault: fault}}, o.interceptors...)
	u.options = append(u.options, connect.WithInterceptors(interceptors...))
	u.setPicker(endpoints)
	return u, nil
}

// start starts the goroutines of the upstream's source and health checker,
// if any; [Upstream.Close] stops them.
func (u *Upstream) start() {
	if u.source == nil && u.checker == nil {
		u.stop = func() {}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.stop = cancel
	if u.source != nil {
		u.done.Go(func() {
			defer u.markKnown()
			u.source.Watch(ctx, u.update)
		})
	}
	if u.checker != nil {
		u.done.Go(func() { u.checker.run(ctx) })
	}
}

// Close stops the upstream's endpoint source and health checks and waits
// until their goroutines have returned, then closes the idle connections of
// a standalone upstream (see [Upstream.CloseIdleConnections]). Calls in
// flight finish normally; the upstream stays usable with its last
// endpoints, which no longer change and are no longer checked. Close is
// safe to call more than once and always returns nil. An upstream of a
// [Set] is closed by [Set.Close].
func (u *Upstream) Close() error {
	u.stopOnce.Do(func() {
		if u.stop != nil {
			u.stop()
		}
	})
	u.done.Wait()
	u.CloseIdleConnections()
	return nil
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
// max_message_bytes, 4 MiB when it is 0), the compression (gzip, with
// decompressors that are cheaper to pool than connect-go's, or none) and
// the interceptors, the upstream's own first (call
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
	reqBody := req.Body
	if st != nil {
		if st.group != nil && st.group != u {
			return st.group.Do(req) // the call's split group
		}
		exclude = st.tried
		if m := st.mirror; m != nil {
			st.mirror = nil // the first attempt only
			reqBody = m.start(ctx, req)
		}
		if st.hedged {
			return u.doHedged(ctx, req, reqBody, st)
		}
	}
	for try := 0; ; try++ {
		ep, err := (*u.picker.Load()).pick(exclude, time.Now())
		if err != nil && u.awaitKnown(ctx) {
			ep, err = (*u.picker.Load()).pick(exclude, time.Now())
		}
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
		out.Body = inMemory(reqBody, req.ContentLength)
		a := u.begin(ep)
		res, err := u.transport.RoundTrip(&out)
		if err != nil {
			u.logFailure(ctx, ep, err)
			a.finish(transportOutcome(ctx))
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

// maxInMemoryBody is the largest request body [inMemory] copies: it and
// the request headers fit the transport's 4 KiB write buffer.
const maxInMemoryBody = 3 << 10

// inMemory returns a small request body of n bytes as an in-memory reader
// (io.NopCloser of a *bytes.Reader) with the same bytes, after reading and
// closing body: net/http writes the headers of a request with such a body
// and the body in one write, where it flushes the headers on their own
// before any other body (which might not be readable yet). connect-go's
// unary request bodies are in memory but of a type net/http does not
// know, so every call took two writes (two syscalls, two TCP segments for
// the backend to read) instead of one. A larger body, one of unknown
// length, or one net/http knows already, is returned as it is. A body that
// fails to read gives its error to the transport, which fails the call as
// it would have.
func inMemory(body io.ReadCloser, n int64) io.ReadCloser {
	if body == nil || body == http.NoBody || n <= 0 || n > maxInMemoryBody {
		return body
	}
	buf := make([]byte, n+1)
	k, err := io.ReadFull(body, buf)
	_ = body.Close()
	switch {
	case err == nil:
		// What net/http says of a body longer than its ContentLength.
		return errBody{fmt.Errorf("http: ContentLength=%d with Body length > %d", n, n)}
	case int64(k) == n:
		return io.NopCloser(bytes.NewReader(buf[:n]))
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return errBody{fmt.Errorf("http: ContentLength=%d with Body length %d", n, k)}
	default:
		return errBody{err}
	}
}

// errBody is a request body that fails to read with err.
type errBody struct{ err error }

func (b errBody) Read([]byte) (int, error) { return 0, b.err }
func (errBody) Close() error               { return nil }

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
