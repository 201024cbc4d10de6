package sidecar

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/request"
)

// responseMeta returns the headers of a unary call's outcome: the response's,
// or the metadata of the backend's error.
func responseMeta(res connect.AnyResponse, err error) http.Header {
	if err == nil {
		return res.Header()
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Meta()
	}
	return nil
}

// traceHeaders are the W3C trace context headers, forwarded on every call
// so a backend's spans join the request's trace.
var traceHeaders = []string{"Traceparent", "Tracestate", "Baggage"}

// forwardList is the canonical list of headers an upstream forwards: its
// configured ones and the trace context.
func forwardList(configured []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range append(append([]string{}, traceHeaders...), configured...) {
		c := http.CanonicalHeaderKey(h)
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// copyHeaders copies the forwarded headers of the inbound request (the
// request seam holds them) onto an outgoing call. Outside an inbound
// request there is nothing to copy.
func (i *interceptor) copyHeaders(ctx context.Context, out http.Header) {
	req := request.From(ctx)
	if req == nil {
		return
	}
	for _, h := range i.forward {
		for _, v := range req.Header.Values(h) {
			out.Add(h, v)
		}
	}
}

// collect records the allow-listed headers of a backend response (or of an
// error's metadata) on the inbound request, whose client receives them.
func (i *interceptor) collect(ctx context.Context, h http.Header) {
	if len(i.response) == 0 || h == nil {
		return
	}
	if req := request.From(ctx); req != nil {
		req.AddResponseHeaders(h, i.response)
	}
}

// canonical returns the canonical forms of header names.
func canonical(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, http.CanonicalHeaderKey(n))
	}
	return out
}
