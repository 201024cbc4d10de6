package sidecar

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
)

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
