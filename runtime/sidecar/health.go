package sidecar

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// outcome is what an attempt says about the health of its endpoint.
type outcome int

const (
	// outcomeSuccess: the endpoint answered, with a response or an error
	// that is not its fault (NOT_FOUND, INVALID_ARGUMENT, ...).
	outcomeSuccess outcome = iota
	// outcomeFailure: a connection error, or UNAVAILABLE, INTERNAL,
	// UNKNOWN, DATA_LOSS or DEADLINE_EXCEEDED.
	outcomeFailure
	// outcomeIgnored: the caller gave up; nothing is learnt.
	outcomeIgnored
)

// classify returns the outcome of an attempt that ended with err (nil for
// a response) while ctx, the caller's context, was as it is now.
func classify(ctx context.Context, err error) outcome {
	if err == nil {
		return outcomeSuccess
	}
	switch connect.CodeOf(err) {
	case connect.CodeCanceled:
		return outcomeIgnored
	case connect.CodeUnavailable, connect.CodeInternal, connect.CodeUnknown, connect.CodeDataLoss:
		return outcomeFailure
	case connect.CodeDeadlineExceeded:
		if ctx.Err() == context.Canceled {
			return outcomeIgnored
		}
		return outcomeFailure
	}
	return outcomeSuccess
}

// outlierDetector ejects the endpoints of one upstream that fail several
// attempts in a row (see config.OutlierDetection).
type outlierDetector struct {
	upstream    string
	logger      *slog.Logger
	threshold   int
	base, limit time.Duration
	percent     int
	// mu serializes ejections, so that the cap on ejected endpoints holds.
	mu sync.Mutex
}

// newOutlierDetector returns the detector of cfg with its defaults, or nil
// when cfg disables it.
func newOutlierDetector(upstream string, cfg config.OutlierDetection, logger *slog.Logger) *outlierDetector {
	if cfg.Disabled {
		return nil
	}
	return &outlierDetector{
		upstream:  upstream,
		logger:    logger,
		threshold: orDefault(cfg.ConsecutiveFailures, config.DefaultConsecutiveFailures),
		base:      orDefault(cfg.BaseEjectionTime, config.DefaultBaseEjectionTime),
		limit:     orDefault(cfg.MaxEjectionTime, config.DefaultMaxEjectionTime),
		percent:   orDefault(cfg.MaxEjectionPercent, config.DefaultMaxEjectionPercent),
	}
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// maxEjected returns how many of n endpoints may be ejected at once: the
// percent of n rounded down, but at least one.
func (d *outlierDetector) maxEjected(n int) int {
	return max(1, n*d.percent/100)
}

// record counts the outcome of an attempt on ep, one of eps, and ejects ep
// when it reaches the threshold and the cap allows.
func (d *outlierDetector) record(ep *endpoint, eps []*endpoint, o outcome, now time.Time) {
	ep.mu.Lock()
	switch o {
	case outcomeSuccess:
		ep.consecutive = 0
		ep.mu.Unlock()
		return
	case outcomeIgnored:
		ep.mu.Unlock()
		return
	}
	ep.consecutive++
	trip := ep.consecutive >= d.threshold && !now.Before(ep.ejectedUntil)
	ep.mu.Unlock()
	if !trip {
		return
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	ejected := 0
	for _, e := range eps {
		if e.ejected(now) {
			ejected++
		}
	}
	if ejected >= d.maxEjected(len(eps)) {
		return // stays unhealthy for readiness, not ejected
	}
	ep.mu.Lock()
	if now.Before(ep.ejectedUntil) || ep.consecutive < d.threshold {
		ep.mu.Unlock()
		return // another attempt ejected it meanwhile
	}
	if !ep.ejectedUntil.IsZero() && d.base > 0 {
		// One step down for every base time since the last ejection ended.
		quiet := int(now.Sub(ep.ejectedUntil) / d.base)
		ep.ejections = max(0, ep.ejections-quiet)
	}
	ep.ejections++
	dur := min(d.base*time.Duration(ep.ejections), max(d.limit, d.base))
	ep.ejectedUntil = now.Add(dur)
	ep.consecutive = 0
	ep.ejectedTotal++
	ep.mu.Unlock()
	d.logger.Warn("upstream endpoint ejected",
		slog.String("upstream", d.upstream),
		slog.Int("endpoint", ep.index),
		slog.String("address", ep.addr),
		slog.Duration("for", dur))
}

// healthy reports whether ep counts as healthy at now: not ejected, and
// fewer failures in a row than the threshold (an endpoint the cap kept
// from being ejected is unhealthy too).
func (d *outlierDetector) healthy(ep *endpoint, now time.Time) bool {
	if d == nil {
		return true
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return !now.Before(ep.ejectedUntil) && ep.consecutive < d.threshold
}

// attempt is one exchange with an endpoint, from pick to outcome.
type attempt struct {
	u     *Upstream
	ep    *endpoint
	start time.Time
	ended atomic.Bool
}

// begin starts an attempt on ep.
func (u *Upstream) begin(ep *endpoint) *attempt {
	ep.outstanding.Add(1)
	return &attempt{u: u, ep: ep, start: time.Now()}
}

// finish ends the attempt with outcome o, once: later calls do nothing. It
// feeds the latency estimate (a failure counts as at least the failure
// penalty) and the outlier detector.
func (a *attempt) finish(o outcome) {
	if !a.ended.CompareAndSwap(false, true) {
		return
	}
	a.ep.outstanding.Add(-1)
	a.ep.attempts[o].Add(1)
	if o == outcomeIgnored {
		return
	}
	now := time.Now()
	latency := now.Sub(a.start)
	if o == outcomeFailure {
		latency = max(latency, a.u.failurePenalty)
	}
	a.ep.observe(latency, now)
	if a.u.outliers != nil {
		a.u.outliers.record(a.ep, (*a.u.picker.Load()).all(), o, now)
	}
}

// tracked is the response body of an attempt outside a unary call (a
// stream): the attempt ends when the body is read to its end, fails or is
// closed, with an outcome from the HTTP status (5xx is a failure).
type tracked struct {
	io.ReadCloser
	a      *attempt
	status int
	ctx    context.Context
}

// Read reads from the body and ends the attempt at the end or on an error.
func (t *tracked) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if err != nil {
		t.end(err)
	}
	return n, err
}

// Close closes the body and ends the attempt.
func (t *tracked) Close() error {
	err := t.ReadCloser.Close()
	t.end(nil)
	return err
}

// end finishes the attempt once.
func (t *tracked) end(err error) {
	switch {
	case t.status >= 500, err != nil && !errors.Is(err, io.EOF) && t.ctx.Err() == nil:
		t.a.finish(outcomeFailure)
	case err != nil && t.ctx.Err() != nil:
		t.a.finish(outcomeIgnored)
	default:
		t.a.finish(outcomeSuccess)
	}
}
