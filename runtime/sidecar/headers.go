package sidecar

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

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

// Limits of forwarded trace context (PII-3), from the W3C Trace Context
// and Baggage recommendations: a tracestate of more than 512 characters
// may be dropped whole, and a baggage must fit in 8192 bytes and 64
// members.
const (
	maxTracestateBytes = 512
	maxBaggageBytes    = 8192
	maxBaggageMembers  = 64
)

// isTraceHeader reports whether h (canonical) is a trace context header.
func isTraceHeader(h string) bool { return slices.Contains(traceHeaders, h) }

// validTraceContext returns the values of the trace context header h of
// the inbound header in to forward, or none: a traceparent only when it is
// exactly one well-formed value (W3C Trace Context: version, a non-zero
// trace id and parent id in lowercase hex, flags); a tracestate only with
// such a traceparent and within 512 bytes; a baggage only within 8192
// bytes and 64 members. What fails is dropped without an error, so a
// malformed or oversized header from a client never reaches a backend
// and never fails a call.
func validTraceContext(h string, in http.Header) []string {
	switch h {
	case "Traceparent":
		if vs := in.Values(h); len(vs) == 1 && validTraceparent(vs[0]) {
			return vs
		}
	case "Tracestate":
		if vs := in.Values("Traceparent"); len(vs) != 1 || !validTraceparent(vs[0]) {
			return nil
		}
		vs := in.Values(h)
		if headerBytes(vs) <= maxTracestateBytes {
			return vs
		}
	case "Baggage":
		vs := in.Values(h)
		members := 0
		for _, v := range vs {
			members += strings.Count(v, ",") + 1
		}
		if headerBytes(vs) <= maxBaggageBytes && members <= maxBaggageMembers {
			return vs
		}
	}
	return nil
}

// headerBytes is the size of the values joined with ",".
func headerBytes(vs []string) int {
	n := max(len(vs)-1, 0)
	for _, v := range vs {
		n += len(v)
	}
	return n
}

// validTraceparent reports whether v is a W3C traceparent: "vv-" then 32
// and 16 lowercase hex digits, neither all zeros, then "-ff"; version ff
// is invalid, and only version 00 may not carry more after the flags.
func validTraceparent(v string) bool {
	if len(v) < 55 || (len(v) > 55 && (v[:2] == "00" || v[55] != '-')) {
		return false
	}
	if v[2] != '-' || v[35] != '-' || v[52] != '-' || v[:2] == "ff" {
		return false
	}
	hex := func(s string) bool {
		for i := range len(s) {
			if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
		return true
	}
	zero := func(s string) bool { return strings.Trim(s, "0") == "" }
	return hex(v[:2]) && hex(v[3:35]) && hex(v[36:52]) && hex(v[53:55]) && !zero(v[3:35]) && !zero(v[36:52])
}

// forwardList is the canonical list of headers an upstream forwards: its
// configured ones, the trace context and, with forward_authorization,
// Authorization.
func forwardList(configured []string, authorization bool) []string {
	seen := map[string]bool{}
	var out []string
	all := append(append([]string{}, traceHeaders...), configured...)
	if authorization {
		all = append(all, "Authorization")
	}
	for _, h := range all {
		c := http.CanonicalHeaderKey(h)
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// copyHeaders copies the forwarded headers of the inbound request (the
// request seam holds them) onto an outgoing call, and sets the identity
// headers from the claims of the request's principal. Outside an inbound
// request there is nothing to copy.
func (i *interceptor) copyHeaders(ctx context.Context, out http.Header) {
	req := request.From(ctx)
	if req == nil {
		return
	}
	for _, h := range i.forward {
		vs := req.Header.Values(h)
		if len(vs) > 0 && isTraceHeader(h) {
			vs = validTraceContext(h, req.Header)
		}
		for _, v := range vs {
			out.Add(h, v)
		}
	}
	if len(i.claims) == 0 || req.Principal.Claims == nil {
		return
	}
	for _, c := range i.claims {
		if v, ok := claimHeaderValue(req.Principal.Claims[c.claim]); ok {
			out.Set(c.header, v)
		}
	}
}

// claimHeader is one entry of forward_claims.
type claimHeader struct {
	claim  string
	header string // canonical
}

// claimHeaders returns the entries of forward_claims, sorted by claim.
func claimHeaders(m map[string]string) []claimHeader {
	out := make([]claimHeader, 0, len(m))
	for claim, h := range m {
		out = append(out, claimHeader{claim: claim, header: http.CanonicalHeaderKey(h)})
	}
	slices.SortFunc(out, func(a, b claimHeader) int { return strings.Compare(a.claim, b.claim) })
	return out
}

// claimHeaderValue renders a claim as a header value: a string as is, a
// number or a boolean in its JSON form, a list of strings joined with ",".
// A missing claim, one of another shape (an object, a list of non-strings)
// or one that holds a control character gives no header.
func claimHeaderValue(v any) (string, bool) {
	var s string
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		s = t
	case json.Number:
		s = t.String()
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		s = strconv.Itoa(t)
	case int64:
		s = strconv.FormatInt(t, 10)
	case bool:
		s = strconv.FormatBool(t)
	case []string:
		s = strings.Join(t, ",")
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			str, ok := e.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, str)
		}
		s = strings.Join(parts, ",")
	default:
		return "", false
	}
	for i := range len(s) {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return "", false
		}
	}
	return s, true
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
