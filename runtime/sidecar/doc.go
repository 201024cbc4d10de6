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
//     latency of at least the call timeout (config.OffTimeoutBound, 10s,
//     with timeout: off); round robin is the other.
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
// deadline reaches the backend in the protocol's timeout header. With
// timeout: off (config.Upstream.TimeoutOff) it adds no deadline: the
// caller's, if any, is the call's and reaches the backend. It also
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
// Traffic policies, all off by default (docs/resilience.md), each with a
// nil check only on the path of a call when off:
//
//   - A weighted split (split.go, upstreams.<name>.split) draws, once per
//     unary call, the upstream whose endpoints, balancer, outlier
//     detection, retry, hedging and breaker the call uses: a target
//     upstream with the probability of its weight, else the upstream
//     itself; a target with no healthy endpoint or an open breaker gives
//     the call back. The interceptor puts the choice in the call state
//     and [Upstream.Do] hands the request to the chosen upstream.
//   - A mirror (mirror.go, upstreams.<name>.mirror) copies the first
//     attempt of a share of the unary calls, idempotent ones by default,
//     to a shadow upstream, from [Upstream.Do], on the encoded request:
//     the body is read once and both requests get a reader of the same
//     bytes; the copy carries [ShadowHeader], runs in a goroutine within
//     the shadow's timeout (config.OffTimeoutBound when that is off), at
//     most max_in_flight at once, never retried.
//   - Hedging (hedge.go, upstreams.<name>.hedging) replaces retries for
//     idempotent unary calls: [Upstream.Do] sends the request to another
//     endpoint whenever the delay passes without an answer, or at once
//     after a retryable failure, up to max_attempts, each hedge taken from
//     the retry budget; the first answer wins and the others are
//     cancelled, their outcome ignored.
//
// Discovery: an upstream's endpoints are the endpoints: list of bff.yaml
// (a [StaticSource]), or come from an [EndpointSource] while the upstream
// lives: DNS A/AAAA or SRV records asked again every 30s
// (upstreams.<name>.discovery, a Kubernetes headless Service), or a source
// the program registers with [WithEndpointSource] (the seam for a
// Kubernetes EndpointSlice source in a module of its own). Each new set
// becomes a new picker; an endpoint that stays keeps its state (latency
// estimate, ejection, health, calls in flight) and its id, a removed one
// finishes its calls in flight. A failed lookup keeps the last set; an
// answer of no address empties it. Endpoints are named in messages,
// metrics and [Stats] by an id, never by address: the 1-based position in
// bff.yaml, or the order in which discovery found them.
//
// Active health checks (upstreams.<name>.health_check, off by default)
// call grpc.health.v1.Health/Check on every endpoint over the upstream's
// protocol and transport; an endpoint that fails them is not picked and
// counts as unhealthy ([EndpointStats.Reason]).
//
// A [Set] builds the upstreams of a configuration, checks that the ones the
// generated code needs exist ([Set.Require]) and binds generated clients to
// them ([Client]). [Set.Close] stops the goroutines of discovery and
// health checks.
//
// An upstream with a tls: block (config.UpstreamTLS) has a pool of its own
// whose https:// connections trust its ca_file, check its server_name and
// present its client certificate (mTLS); the files are read again at the
// next handshake after they change, so certificates rotate without a
// failed call. A certificate that does not verify fails the call with
// connect.CodeUnavailable and a [*TLSError] whose reason the message
// states (see docs/resilience.md, Transport security).
package sidecar
