package request

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// Request is the state of one inbound request that the layers of the
// runtime share. The edge creates it with [New]; its exported fields are
// set before the request reaches user code and must not be changed after
// that. The methods are safe for concurrent use: the resolvers of one
// GraphQL operation run concurrently.
type Request struct {
	// ID identifies the request in logs, traces and the response header
	// gateway.request_id.header.
	ID string
	// Header holds the inbound request headers, after the edge removed the
	// headers listed in gateway.strip_headers. It is read-only.
	Header http.Header
	// Principal is who sent the request; the zero Principal (an anonymous
	// caller) until an authentication phase sets it.
	Principal Principal

	mu       sync.Mutex
	values   map[string]any
	response http.Header
	executor string
}

// Principal is the authenticated caller of a request.
type Principal struct {
	// Subject identifies the caller (the JWT "sub" claim, an API key's
	// name); "" for an anonymous caller.
	Subject string
	// Scopes are the permissions granted to the caller.
	Scopes []string
	// Claims are the verified claims of the caller's credential, by name
	// (JSON numbers as json.Number); nil when there are none. Claims and
	// Scopes are read-only: requests that carry the same token may share
	// them.
	Claims map[string]any
}

// Anonymous reports whether no authentication phase identified the caller
// (Subject is empty).
func (p Principal) Anonymous() bool { return p.Subject == "" }

// HasScopes reports whether p holds every one of scopes (exact,
// case-sensitive matches against p.Scopes). With no scopes it reports true,
// even for an anonymous principal: a check that needs an authenticated
// caller tests [Principal.Anonymous] as well.
func (p Principal) HasScopes(scopes ...string) bool {
	for _, want := range scopes {
		found := false
		for _, have := range p.Scopes {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// PrincipalOf returns the principal of the Request in ctx: the zero
// (anonymous) Principal when ctx carries no Request or no authentication
// phase identified the caller. For a websocket, it is the principal that the
// connection_init payload (or the upgrade request) established; every
// operation of the connection sees it.
func PrincipalOf(ctx context.Context) Principal {
	if r := From(ctx); r != nil {
		return r.Principal
	}
	return Principal{}
}

// New returns a Request with the given identifier and inbound headers. A
// nil header is replaced by an empty one.
func New(id string, header http.Header) *Request {
	if header == nil {
		header = http.Header{}
	}
	return &Request{ID: id, Header: header}
}

type key struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, key{}, r)
}

// From returns the Request in ctx, or nil when ctx carries none (a call
// made outside an inbound request, such as a background job).
func From(ctx context.Context) *Request {
	r, _ := ctx.Value(key{}).(*Request)
	return r
}

// ID returns the identifier of the request in ctx, or "" when ctx carries
// no Request.
func ID(ctx context.Context) string {
	if r := From(ctx); r != nil {
		return r.ID
	}
	return ""
}

// Header returns the inbound headers of the Request in ctx, or an empty
// header when ctx carries no Request; it never returns nil. Generated code
// reads the $header.<name> sources of request mappings with it.
func Header(ctx context.Context) http.Header {
	if r := From(ctx); r != nil && r.Header != nil {
		return r.Header
	}
	return http.Header{}
}

// SetValue sets the value called name on the Request in ctx, for the
// $context.<name> sources of request mappings: a user middleware sets the
// values a backend call needs, such as a tenant resolved from the host
// name. A later value of the same name replaces the earlier one. It
// returns an error when ctx carries no Request (the middleware does not
// run inside the gateway pipeline).
func SetValue(ctx context.Context, name string, v any) error {
	r := From(ctx)
	if r == nil {
		return fmt.Errorf("set context value %q: the context carries no request (set values from a middleware of the gateway pipeline)", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]any{}
	}
	r.values[name] = v
	return nil
}

// Value returns the value called name of the Request in ctx as a T. A
// missing value, a missing Request or a value of another type is an error:
// the request mapping that needs it cannot be filled, and the field fails
// with INTERNAL (a server-side wiring mistake, not the client's).
func Value[T any](ctx context.Context, name string) (T, error) {
	var zero T
	r := From(ctx)
	if r == nil {
		return zero, fmt.Errorf("context value %q: the context carries no request", name)
	}
	r.mu.Lock()
	v, ok := r.values[name]
	r.mu.Unlock()
	if !ok {
		return zero, fmt.Errorf("context value %q is not set: a middleware must set it with request.SetValue", name)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("context value %q is a %T, want %T", name, v, zero)
	}
	return t, nil
}

// AddResponseHeaders adds every value of the headers names of h to the
// headers the client's response will carry (a backend's Set-Cookie, say).
// Values add up over calls; names are canonicalized.
func (r *Request) AddResponseHeaders(h http.Header, names []string) {
	if h == nil || len(names) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		vs := h.Values(name)
		if len(vs) == 0 {
			continue
		}
		if r.response == nil {
			r.response = http.Header{}
		}
		for _, v := range vs {
			r.response.Add(name, v)
		}
	}
}

// CopyResponseHeaders adds every header value collected with
// AddResponseHeaders to dst.
func (r *Request) CopyResponseHeaders(dst http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, vs := range r.response {
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

// SetExecutor records which execution path ran the request's GraphQL
// operation, such as "compiled" or "gqlgen" (see runtime/graphql); the
// access log and the request metrics report it. The dispatcher sets it
// just before execution; a request refused earlier has none.
func (r *Request) SetExecutor(path string) {
	r.mu.Lock()
	r.executor = path
	r.mu.Unlock()
}

// Executor returns what SetExecutor recorded, "" when the request ran no
// operation (refused before execution, or not a GraphQL request).
func (r *Request) Executor() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.executor
}
