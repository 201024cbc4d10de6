package sidecar

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/errcode"
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
	ce, ok := errors.AsType[*connect.Error](err)
	if !ok || ce.Code() != connect.CodeInvalidArgument || connect.IsWireError(ce) {
		return err
	}
	return connect.NewError(connect.CodeInternal, fmt.Errorf("%w: %w", errUndecodable, ce))
}

// ErrResponseTooLarge is the cause of the error of a call whose response
// message is over the upstream's max_message_bytes: errors.Is(err,
// ErrResponseTooLarge) tells it from a RESOURCE_EXHAUSTED the backend sent.
var ErrResponseTooLarge = errors.New("the backend's response is larger than max_message_bytes")

// tooLarge turns the error connect-go reports when a response message is
// over the read cap (connect.WithReadMaxBytes) into a *responseTooLarge:
// its connect code stays RESOURCE_EXHAUSTED, the code gRPC gives it, but
// its GraphQL code is INTERNAL, not the RATE_LIMITED of a backend's own
// RESOURCE_EXHAUSTED (a quota): waiting and retrying, which RATE_LIMITED
// tells a client, would not help, since the same data is as large on
// every replica. It counts as an answer of the endpoint (it answered),
// so it is neither retried nor blamed on the endpoint. A code that came
// over the wire is kept.
func tooLarge(err error) error {
	ce, ok := errors.AsType[*connect.Error](err)
	if !ok || ce.Code() != connect.CodeResourceExhausted || connect.IsWireError(ce) {
		return err
	}
	return &responseTooLarge{err: connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("%w: %w", ErrResponseTooLarge, ce))}
}

// responseTooLarge is the error of a response over the read cap; see
// tooLarge.
type responseTooLarge struct{ err error }

func (e *responseTooLarge) Error() string { return e.err.Error() }

func (e *responseTooLarge) Unwrap() error { return e.err }

// GraphQLCode implements errcode.Coder: INTERNAL.
func (e *responseTooLarge) GraphQLCode() string { return errcode.Internal }

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
