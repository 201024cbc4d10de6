// Package sidecar is the outbound side of a bffgen service: what a service
// mesh sidecar does for a backend, done in process, one [Upstream] per
// backend named in bff.yaml.
//
// An [Upstream] is the connect.HTTPClient of the generated clients of one
// backend. Generated clients address it by a logical base URL,
// "http://<name>" ([Upstream.BaseURL]); [Upstream.Do] sends each request on:
//
//  1. Pick: the current picker chooses an endpoint, skipping ejected ones
//     and those the call already tried. A picker is immutable and safe for
//     concurrent use; a balancer replaces it whole when the set of
//     endpoints changes (grpc-go's balancer/picker split). The default
//     picker is p2c: of two random endpoints, the one with the lower
//     latency estimate times calls in flight, where a failure counts as a
//     latency of at least the call timeout; round robin is the other.
//     Every attempt reports its outcome and latency back (the feedback of
//     p2c and of outlier detection).
//  2. Rewrite: the scheme and host of the request URL become the endpoint's,
//     and the endpoint's path, if any, prefixes the procedure path.
//  3. Send: the request goes out on a transport shared by every upstream of
//     a [Set], pooled per host. Plain http:// endpoints speak HTTP/1.1, or
//     HTTP/2 without TLS (h2c) for gRPC, which needs HTTP/2; https://
//     endpoints negotiate HTTP/2 or HTTP/1.1 over TLS, HTTP/2 only for gRPC.
//  4. Errors: a transport failure becomes a *connect.Error whose message says
//     what failed ("endpoint #2: dial: connection refused") but never the
//     address of the endpoint; the address goes to the debug log.
//
// Around every call, the connect interceptor of the upstream
// ([Upstream.ClientOptions]) applies the per-call timeout and wraps every
// error in an *errcode.UpstreamError that names the upstream and the
// procedure, so that the GraphQL error can say which backend failed; a
// deadline reaches the backend in the protocol's timeout header. It also
// copies the inbound headers the upstream forwards (forward_headers, the
// W3C trace context, and Authorization only with forward_authorization)
// and sets the identity headers of forward_claims from the claims of the
// request's principal (request.Principal.Claims), so that a backend learns
// who calls from the gateway, never from the client: the edge strips
// client-sent copies of those headers.
//
// The resilience policies, described with their defaults and tests in
// docs/resilience.md: outlier detection (on by default), a transparent
// retry of a request that provably never reached its endpoint (any
// method), retries of idempotent unary calls on UNAVAILABLE within a retry
// budget, and an optional circuit breaker per upstream. [Upstream.Stats]
// reports their counters, the health of each endpoint and its attempts by
// outcome.
//
// [Set.RegisterMetrics] exports those counters as OpenTelemetry metrics,
// and from then on records every call, unary or stream, in the histogram
// rpc.client.call.duration (OpenTelemetry's RPC semantic conventions) by
// upstream, method and status code: the outermost interceptor of the
// upstream measures the call as its caller sees it, retries included, with
// attribute sets built once per procedure and code, so recording
// allocates nothing.
//
// A [Set] builds the upstreams of a configuration, checks that the ones the
// generated code needs exist ([Set.Require]) and binds generated clients to
// them ([Client]).
//
// An upstream with a tls: block (config.UpstreamTLS) has a pool of its own
// whose https:// connections trust its ca_file, check its server_name and
// present its client certificate (mTLS); the files are read again at the
// next handshake after they change, so certificates rotate without a
// failed call. A certificate that does not verify fails the call with
// connect.CodeUnavailable and a [*TLSError] whose reason the message
// states (see docs/resilience.md, Transport security).
package sidecar
