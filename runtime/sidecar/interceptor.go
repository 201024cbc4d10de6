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
	upstream string
	timeout  time.Duration
	// forward are the inbound headers copied onto every call, trace
	// context included.
	forward []string
	// response are the backend response headers kept for the client.
	response []string
	// claims are the principal's claims sent as headers (forward_claims).
	claims []claimHeader
}

var _ connect.Interceptor = (*interceptor)(nil)

// WrapUnary bounds the call by the timeout: the deadline becomes the earlier
// of the caller's and now+timeout, and connect sends it to the backend in
// the protocol's timeout header.
func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, cancel := context.WithTimeout(ctx, i.timeout)
		defer cancel()
		i.copyHeaders(ctx, req.Header())
		res, err := next(ctx, req)
		i.collect(ctx, responseMeta(res, err))
		if err != nil {
			return nil, i.wrap(req.Spec().Procedure, err)
		}
		return res, nil
	}
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
	return c.i.wrap(c.Spec().Procedure, err)
}

// Send sends msg, wrapping the error.
func (c *streamConn) Send(msg any) error { return c.wrap(c.StreamingClientConn.Send(msg)) }

// Receive receives into msg, wrapping the error.
func (c *streamConn) Receive(msg any) error { return c.wrap(c.StreamingClientConn.Receive(msg)) }

// CloseRequest closes the sending side, wrapping the error.
func (c *streamConn) CloseRequest() error { return c.wrap(c.StreamingClientConn.CloseRequest()) }

// CloseResponse closes the receiving side, wrapping the error.
func (c *streamConn) CloseResponse() error { return c.wrap(c.StreamingClientConn.CloseResponse()) }
