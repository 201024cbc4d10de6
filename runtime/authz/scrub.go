package authz

import (
	"bytes"
	"errors"
	"strings"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/errcode"
)

// Mask replaces the value of a @redact field wherever [Scrub] finds it.
const Mask = "[redacted]"

// Scrub returns err with every non-empty one of values (the values of
// @redact fields) replaced by [Mask] in its message; err itself when no
// value occurs in it (nil for nil). The error keeps what the gateway's error
// presenter reads: its extensions.code, the upstream and procedure of an
// errcode.UpstreamError, whether a connect error came from the backend, and
// the connect error details that hold none of the values (the others are
// dropped). Any other wrapped error is flattened into the scrubbed message.
func Scrub(err error, values ...string) error {
	if err == nil || !leaks(err, values) {
		return err
	}
	return scrub(err, values)
}

// leaks reports whether err's message or a connect detail holds a value.
func leaks(err error, values []string) bool {
	msg := err.Error()
	var ce *connect.Error
	hasCE := errors.As(err, &ce)
	for _, v := range values {
		if v == "" {
			continue
		}
		if strings.Contains(msg, v) {
			return true
		}
		if hasCE {
			for _, d := range ce.Details() {
				if bytes.Contains(d.Bytes(), []byte(v)) {
					return true
				}
			}
		}
	}
	return false
}

func replace(s string, values []string) string {
	for _, v := range values {
		if v != "" {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

func scrub(err error, values []string) error {
	if up, ok := err.(*errcode.UpstreamError); ok {
		return &errcode.UpstreamError{Upstream: up.Upstream, Procedure: replace(up.Procedure, values), Err: scrub(up.Err, values)}
	}
	if ce, ok := err.(*connect.Error); ok {
		inner := errors.New(replace(ce.Message(), values))
		out := connect.NewError(ce.Code(), inner)
		if connect.IsWireError(ce) {
			out = connect.NewWireError(ce.Code(), inner)
		}
		for _, d := range ce.Details() {
			keep := true
			for _, v := range values {
				if v != "" && bytes.Contains(d.Bytes(), []byte(v)) {
					keep = false
				}
			}
			if keep {
				out.AddDetail(d)
			}
		}
		return out
	}
	return &scrubbed{code: errcode.Code(err), message: replace(err.Error(), values)}
}

// scrubbed is an error whose message was scrubbed; it keeps the code of the
// error it replaces.
type scrubbed struct{ code, message string }

func (e *scrubbed) Error() string       { return e.message }
func (e *scrubbed) GraphQLCode() string { return e.code }
