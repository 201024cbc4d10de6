package sidecar

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
)

// errUndecodable is the cause of the error of an attempt whose response
// could not be decoded.
var errUndecodable = errors.New("the backend's response could not be decoded")

// undecodable turns the error connect-go reports when a response cannot
// be decompressed or unmarshalled (a garbled or truncated message) into an
// INTERNAL error. connect-go gives such a client-side failure the code
// INVALID_ARGUMENT, the code of a bad request: the GraphQL client would be
// told to change its input (BAD_USER_INPUT), and the endpoint that sent
// garbage would count as healthy. gRPC's status code guide makes a
// response the client cannot parse INTERNAL on the client; so do we. A
// code that came over the wire (the backend's own INVALID_ARGUMENT) is
// kept: connect.IsWireError tells the two apart.
func undecodable(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument || connect.IsWireError(ce) {
		return err
	}
	return connect.NewError(connect.CodeInternal, fmt.Errorf("%w: %w", errUndecodable, ce))
}

// transportOutcome is the outcome of an attempt that got no response,
// ctx being the attempt's context: a failure of the endpoint, also when
// the attempt ran out of time (its per-try timeout, or the call's: an
// endpoint that never answers, a blackhole, must be ejected like one that
// refuses), and ignored only when the caller canceled it.
func transportOutcome(ctx context.Context) outcome {
	if errors.Is(ctx.Err(), context.Canceled) {
		return outcomeIgnored
	}
	return outcomeFailure
}
