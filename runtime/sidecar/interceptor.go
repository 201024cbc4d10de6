package sidecar

import (
	"context"
	"errors"
	"io"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// interceptor is the connect interceptor of one upstream: it bounds every
// unary call by the upstream's timeout and wraps every error in an
// *errcode.UpstreamError. It is built once per upstream.
type interceptor struct {
	// u is the upstream, whose policies (retry, breaker, outlier
	// detection) the interceptor applies.
	u        *Upstream
	upstream string
	// timeout bounds every unary call; 0 (TimeoutOff) adds no deadline
	// to the caller's.
	timeout time.Duration
	// forward are the inbound headers copied onto every call, trace
	// context included.
	forward []string
	// response are the backend response headers kept for the client.
	response []string
	// claims are the principal's claims sent as headers (forward_claims).
	claims []claimHeader
	// fault injects delays and failures (upstreams.<name>.fault); nil
	// injects nothing.
	fault *faultInjector
}

var _ connect.Interceptor = (*interceptor)(nil)

// WrapUnary bounds the call by the timeout: the deadline becomes the earlier
// of the caller's and now+timeout, and connect sends it to the backend in
// the protocol's timeout header; with TimeoutOff the caller's deadline, if
// any, is the call's. Within it, the upstream's fault injection
// (when configured) may delay the call or fail it before anything is sent;
// then the call's attempts go through
// the upstream's policies: the circuit breaker (when enabled) refuses an
// attempt while open; an attempt that fails with UNAVAILABLE is retried on
// another endpoint when the procedure is idempotent, the attempts are fewer
// than retry.max_attempts, the backend's pushback allows and the retry
// budget has room, after a backoff; the outcome of every attempt feeds the
// endpoint's latency estimate and outlier detection.
func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if i.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, i.timeout)
			defer cancel()
		}
		i.copyHeaders(ctx, req.Header())
		if err := i.fault.inject(ctx); err != nil {
			return nil, i.wrap(req.Spec().Procedure, err)
		}
		res, err := i.attempts(ctx, req, next)
		i.collect(ctx, responseMeta(res, err))
		if err != nil {
			return nil, i.wrap(req.Spec().Procedure, err)
		}
		return res, nil
	}
}

// attempts runs the attempts of one unary call.
func (i *interceptor) attempts(ctx context.Context, req connect.AnyRequest, next connect.UnaryFunc) (connect.AnyResponse, error) {
	u := i.u
	st := &callState{}
	if i.u.split != nil {
		if u = i.u.split.choose(); u != i.u {
			st.group = u
		}
	}
	if i.u.mirror != nil {
		st.mirror = i.u.mirror.take(req.Spec(), i.u.retry)
	}
	ctx = withCallState(ctx, st)
	policy := u.retry
	policy.budget.call(time.Now())
	maxAttempts := policy.maxAttempts
	if u.hedge != nil && policy.idempotent(req.Spec()) {
		st.hedged, maxAttempts = true, 1 // hedging replaces retries (gRPC A6)
	}
	for n := 1; ; n++ {
		if u.breaker != nil && !u.breaker.allow() {
			u.breakerRejections.Add(1)
			return nil, connect.NewError(connect.CodeUnavailable, ErrBreakerOpen)
		}
		st.pending = nil
		res, tryTimedOut, err := i.try(ctx, u, req, next)
		err = tooLarge(undecodable(err))
		o := classify(ctx, err)
		if st.pending != nil {
			st.pending.finish(o)
		}
		if u.breaker != nil {
			u.breaker.record(o)
		}
		if err == nil || n >= maxAttempts || ctx.Err() != nil || !(tryTimedOut || retryable(err)) || !policy.idempotent(req.Spec()) {
			return res, err
		}
		now := time.Now()
		wait, ok := pushback(err, now)
		if !ok {
			return res, err
		}
		if wait == 0 {
			wait = policy.backoff(n)
		}
		if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
			return res, err
		}
		if !policy.budget.withdraw(now) {
			u.budgetExhausted.Add(1)
			return res, err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return res, err
		case <-timer.C:
		}
		u.retries.Add(1)
	}
}

// try runs one attempt on u (the upstream or its split group), within the
// per-try timeout when there is one, and
// reports whether that timeout (not the call's) ended it: the attempt
// failed with DEADLINE_EXCEEDED while the call has time left. The backend,
// which gets the attempt's deadline in the protocol's timeout header, often
// answers so a little before the client's own timer fires.
func (i *interceptor) try(ctx context.Context, u *Upstream, req connect.AnyRequest, next connect.UnaryFunc) (connect.AnyResponse, bool, error) {
	perTry := u.retry.perTry
	if perTry <= 0 {
		res, err := next(ctx, req)
		return res, false, err
	}
	tctx, cancel := context.WithTimeout(ctx, perTry)
	defer cancel()
	res, err := next(tctx, req)
	return res, connect.CodeOf(err) == connect.CodeDeadlineExceeded && ctx.Err() == nil, err
}

// WrapStreamingClient wraps the errors of a stream. It does not apply the
// timeout: a stream (a GraphQL subscription) lives as long as the caller's
// context, which the caller bounds.
func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		i.copyHeaders(ctx, conn.RequestHeader())
		return &streamConn{StreamingClientConn: conn, i: i}
	}
}

// WrapStreamingHandler returns next: the interceptor is for clients only.
func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// wrap names the upstream and the procedure in err, once.
func (i *interceptor) wrap(procedure string, err error) error {
	var ue *errcode.UpstreamError
	if errors.As(err, &ue) && ue.Upstream == i.upstream {
		return err
	}
	return &errcode.UpstreamError{Upstream: i.upstream, Procedure: procedure, Err: err}
}

// streamConn wraps the errors of a client stream, except io.EOF, which
// marks the end of a stream and must stay recognizable.
type streamConn struct {
	connect.StreamingClientConn
	i *interceptor
}

// wrap wraps err unless it is nil or io.EOF.
func (c *streamConn) wrap(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return c.i.wrap(c.Spec().Procedure, tooLarge(err))
}

// Send sends msg, wrapping the error.
func (c *streamConn) Send(msg any) error { return c.wrap(c.StreamingClientConn.Send(msg)) }

// Receive receives into msg, wrapping the error.
func (c *streamConn) Receive(msg any) error { return c.wrap(c.StreamingClientConn.Receive(msg)) }

// CloseRequest closes the sending side, wrapping the error.
func (c *streamConn) CloseRequest() error { return c.wrap(c.StreamingClientConn.CloseRequest()) }

// CloseResponse closes the receiving side, wrapping the error.
func (c *streamConn) CloseResponse() error { return c.wrap(c.StreamingClientConn.CloseResponse()) }
