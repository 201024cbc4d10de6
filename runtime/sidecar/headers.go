package sidecar

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"connectrpc.com/connect"

	"github.com/99designs/gqlgen/graphql"
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

// copyHeaders copies the forwarded headers of the inbound GraphQL request
// (gqlgen's operation context holds them) onto an outgoing call. Outside a
// GraphQL operation there is nothing to copy.
func (i *interceptor) copyHeaders(ctx context.Context, out http.Header) {
	if !graphql.HasOperationContext(ctx) {
		return
	}
	in := graphql.GetOperationContext(ctx).Headers
	for _, h := range i.forward {
		for _, v := range in.Values(h) {
			out.Add(h, v)
		}
	}
}

// ResponseHeaders collects backend response headers for the client's
// response during one GraphQL request; safe for concurrent calls.
type ResponseHeaders struct {
	mu sync.Mutex
	h  http.Header
}

type responseHeadersKey struct{}

// WithResponseHeaders returns ctx with a new, empty collector, which the
// calls made with ctx fill with their upstreams' response_headers.
func WithResponseHeaders(ctx context.Context) (context.Context, *ResponseHeaders) {
	rh := &ResponseHeaders{h: http.Header{}}
	return context.WithValue(ctx, responseHeadersKey{}, rh), rh
}

// CopyTo adds every collected header value to dst.
func (rh *ResponseHeaders) CopyTo(dst http.Header) {
	rh.mu.Lock()
	defer rh.mu.Unlock()
	for k, vs := range rh.h {
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

// collect records the allow-listed headers of a backend response (or of an
// error's metadata) in the request's collector, if it has one.
func (i *interceptor) collect(ctx context.Context, h http.Header) {
	rh, ok := ctx.Value(responseHeadersKey{}).(*ResponseHeaders)
	if !ok || len(i.response) == 0 || h == nil {
		return
	}
	rh.mu.Lock()
	defer rh.mu.Unlock()
	for _, name := range i.response {
		for _, v := range h.Values(name) {
			rh.h.Add(name, v)
		}
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
