// Package request is the per-request seam of the runtime: one [Request]
// value per inbound HTTP request, set by the edge of the gateway pipeline
// and read by everything after it.
//
// The edge (github.com/bffgen/bffgen/runtime/gateway) creates the Request
// when a request arrives, with its identifier and its inbound headers (after
// the identity headers a client may not send are stripped), and puts it in
// the request context with [With]. Later phases fill it: authentication sets
// the [Principal], user middleware sets named values with [SetValue]. The
// GraphQL executor, generated resolvers ($header and $context sources of
// request mappings), the batcher and the sidecar read it with [From]; the
// sidecar adds the backend response headers that must reach the client
// with [Request.AddResponseHeaders], and the GraphQL endpoint copies them
// onto the response with [Request.CopyResponseHeaders].
//
// The package depends on nothing but the standard library, so that every
// layer of the runtime may import it without importing another layer: the
// sidecar does not know gqlgen, and the GraphQL endpoint does not know the
// sidecar.
package request
