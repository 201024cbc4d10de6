package config

import (
	"net/http"
	"slices"
	"time"
)

// Modes of a service, the values of [Config.Mode].
const (
	// ModeProduction hides internal error messages, turns introspection and
	// GraphiQL off by default and logs JSON. It is the default mode.
	ModeProduction = "production"
	// ModeDevelopment shows internal error messages, turns introspection and
	// GraphiQL on by default, logs text and drains without delay on shutdown.
	ModeDevelopment = "development"
)

// Wire protocols of an upstream, the values of [Upstream.Protocol].
const (
	// ProtocolConnect is the Connect protocol; it is the default.
	ProtocolConnect = "connect"
	// ProtocolGRPC is gRPC (HTTP/2).
	ProtocolGRPC = "grpc"
	// ProtocolGRPCWeb is gRPC-Web.
	ProtocolGRPCWeb = "grpcweb"
)

// Compression of an upstream's responses, the values of
// [Upstream.Compression].
const (
	// CompressionGzip lets the backend gzip its responses: the calls
	// advertise gzip (Connect's Accept-Encoding, gRPC's
	// grpc-accept-encoding). It is the default, connect-go's.
	CompressionGzip = "gzip"
	// CompressionNone advertises no compression, so the backend sends its
	// responses as they are: no gzip CPU on either side, more bytes on the
	// wire.
	CompressionNone = "none"
)

// DefaultMaxMessageBytes is the default of [Upstream.MaxMessageBytes]:
// 4 MiB, gRPC's default limit on a received message.
const DefaultMaxMessageBytes = 4 << 20

// Log formats, the values of [Log.Format].
const (
	// LogFormatJSON writes one JSON object per line; it is the default in
	// production mode.
	LogFormatJSON = "json"
	// LogFormatText writes logfmt-style key=value lines; it is the default in
	// development mode.
	LogFormatText = "text"
)

// Config is the runtime configuration of a service (bff.yaml). The zero value
// is not usable: get one from [Load], [Parse] or [Default], which apply the
// defaults documented on each field.
type Config struct {
	// Mode is "production" (the default) or "development". It sets the
	// defaults of the mode-dependent fields (see [ModeProduction] and
	// [ModeDevelopment]).
	Mode string `yaml:"mode"`
	// Listen is the address of the public listener (GraphQL and, in
	// development, GraphiQL). Default ":8080".
	Listen string `yaml:"listen"`
	// Admin is the address of the admin listener (/livez, /healthz, /readyz,
	// /metrics). It must differ from Listen. Default ":9090".
	Admin string `yaml:"admin"`
	// Server holds the HTTP server limits and the shutdown behaviour.
	Server Server `yaml:"server"`
	// Upstreams maps an upstream name (the name generated code uses) to the
	// backend that serves it. Default: none. Every upstream the service calls
	// must be listed.
	Upstreams map[string]Upstream `yaml:"upstreams"`
	// Gateway holds the settings of the inbound pipeline and of the GraphQL
	// endpoint.
	Gateway Gateway `yaml:"gateway"`
	// Telemetry holds the logging settings and the service name.
	Telemetry Telemetry `yaml:"telemetry"`
}

// Development reports whether c is in development mode. A nil Config is in
// production mode.
func (c *Config) Development() bool {
	return c != nil && c.Mode == ModeDevelopment
}

// Server holds the limits of the public HTTP server and its shutdown
// behaviour. Every duration must be greater than zero, except
// Shutdown.DrainDelay, which may be zero.
type Server struct {
	// ReadHeaderTimeout bounds the time to read the request headers.
	// Default 5s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds the time to read a whole request, body included.
	// Subscription streams (SSE, websockets) are exempt once their request
	// is read. Default 30s.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds the time from the end of the request headers to the
	// end of the response. It must be longer than RequestTimeout so that a
	// request that runs out of time can still be answered. Subscription
	// streams (SSE, websockets) are exempt. Default 60s.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout bounds how long a keep-alive connection waits for the next
	// request. Default 120s.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds the size of the request headers (names, values
	// and their separators). A request over it is answered with 431 and the
	// code HEADERS_TOO_LARGE; one so large that Go's HTTP server gives up
	// reading it (more than MaxHeaderBytes + 4096 bytes, request line
	// included) gets Go's own plain-text 431. Default 16384 (16 KiB, the
	// HTTP/2 header list size of Apollo Router).
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxHeaders bounds the number of header fields of a request (each value
	// of a repeated field counts); a request over it is answered with 431 and
	// the code HEADERS_TOO_LARGE. Default 100.
	MaxHeaders int `yaml:"max_headers"`
	// RequestTimeout is the deadline of one GraphQL query or mutation; it
	// propagates to the backend calls the request makes. Subscriptions are
	// exempt (see Subscriptions.MaxDuration), but a query or mutation sent
	// over a subscription transport (websocket, SSE) gets it too. It must be
	// shorter than WriteTimeout. Default 10s (the OWASP example).
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// Shutdown sets how the server stops.
	Shutdown Shutdown `yaml:"shutdown"`
	// TLS serves the public listener over TLS (and mTLS with a client CA);
	// off when CertFile is empty. See [ServerTLS].
	TLS ServerTLS `yaml:"tls"`
	// MinHeapBytes is a floor under the Go garbage collector's heap goal:
	// while twice the live heap is below it, the heap may grow to it
	// between collections, so a BFF whose live heap is a few MiB does not
	// collect tens of times a second under load (the collections land in
	// the tail latency). Above it the collector runs as with GOGC=100.
	// runtime.Main applies it, unless the GOGC environment variable is
	// set, which then decides alone; a memory limit (GOMEMLIMIT) still
	// caps the goal. 0 turns the floor off. Default 8388608 (8 MiB).
	MinHeapBytes int `yaml:"min_heap_bytes"`
}

// Shutdown sets how the server stops when it is asked to (SIGTERM).
type Shutdown struct {
	// DrainDelay is how long the server keeps serving while /readyz already
	// answers 503, so that load balancers stop sending new requests before
	// the listener closes. Zero means no delay. Default 5s in production
	// mode, 0s in development mode.
	DrainDelay time.Duration `yaml:"drain_delay"`
	// Timeout bounds the wait for in-flight requests once the listener is
	// closed; requests still running after it are cut. Default 25s.
	Timeout time.Duration `yaml:"timeout"`
}

// Upstream is one backend the generated clients call.
type Upstream struct {
	// Endpoints are the absolute http:// or https:// base URLs of the
	// backend. Required: at least one, unless Discovery finds them.
	Endpoints []string `yaml:"endpoints"`
	// Protocol is the wire protocol: "connect" (the default), "grpc" or
	// "grpcweb".
	Protocol string `yaml:"protocol"`
	// Compression is what the calls let the backend do to its responses:
	// "gzip" ("" means it; connect-go's default) advertises gzip, and a
	// backend that honours it (connect-go's handlers do, for every
	// response) compresses; "none" advertises nothing, so responses come
	// as they are. Requests are never compressed. On loopback or a fast
	// network "none" saves the CPU of compressing and decompressing every
	// response (docs/benchmarks.md measures it); on a slow or metered
	// network gzip saves bytes. A backend that compresses a response
	// anyway, against the protocol, fails the call (INTERNAL).
	Compression string `yaml:"compression"`
	// TLS configures the TLS of https:// endpoints: the CAs that sign the
	// backend's certificate, the name checked in it, and a client
	// certificate for mTLS. See [UpstreamTLS]. Default: none, the system
	// CAs and the endpoint's host name.
	TLS UpstreamTLS `yaml:"tls"`
	// Timeout is the deadline of one unary call to the backend, retries
	// and hedges included, shortened by the deadline of the inbound request
	// when that one is earlier; the backend gets it in the protocol's
	// timeout header. Default 1s: a zero Timeout in Go, or the key left
	// out of bff.yaml (where 0 is an error). In bff.yaml the word off sets
	// [Upstream.TimeoutOff] instead (no deadline of the sidecar's own);
	// any other value must be a positive duration such as 2s.
	Timeout time.Duration `yaml:"timeout" off:"TimeoutOff"`
	// MaxBatchSize bounds the keys of one @batch call to this upstream; more
	// keys are split into parallel calls. Set it to the backend's own limit.
	// Default 0: the spec's maxBatchSize (100 unless the spec says).
	MaxBatchSize int `yaml:"max_batch_size"`
	// ForwardHeaders lists the inbound request headers copied onto every
	// call to this upstream, such as Accept-Language. W3C trace context
	// (traceparent, tracestate, baggage) is always forwarded when it is
	// well-formed and within the W3C size limits, and dropped otherwise
	// (docs/security.md, PII-3). Hop-by-hop, framing and protocol headers
	// cannot be listed. Default: none.
	ForwardHeaders []string `yaml:"forward_headers"`
	// ResponseHeaders lists the backend response headers copied onto the
	// client's HTTP response, such as Set-Cookie; every value of every call
	// is kept. Hop-by-hop, framing and protocol headers cannot be listed.
	// Default: none.
	ResponseHeaders []string `yaml:"response_headers"`
	// MaxMessageBytes caps the size of one message the backend sends,
	// after decompression: a larger one fails the call with
	// RESOURCE_EXHAUSTED (GraphQL code INTERNAL) before it is decoded, so a backend cannot make
	// the BFF hold more than this per call. Default 4 MiB (gRPC's default
	// receive limit); it must not be negative.
	MaxMessageBytes int64 `yaml:"max_message_bytes"`
	// ForwardClaims maps a claim of the caller's principal to the header
	// that carries it on every call to this upstream, such as {sub:
	// X-User-Id}. A string claim is sent as is, a number or boolean in its
	// JSON form, a list of strings joined with ","; a claim the principal
	// lacks (an anonymous caller has none) sends no header. These headers
	// are stripped from inbound requests, so only the gateway sets them.
	// Default: none.
	ForwardClaims map[string]string `yaml:"forward_claims"`
	// ForwardAuthorization copies the inbound Authorization header onto
	// every call to this upstream. Default false: the caller's credential
	// stays at the edge (use ForwardClaims to tell the backend who calls);
	// Authorization cannot be listed in ForwardHeaders.
	ForwardAuthorization bool `yaml:"forward_authorization"`
	// LoadBalancing chooses how a call picks an endpoint: "p2c" (the
	// default; "" means it) compares two random endpoints by outstanding
	// calls times a latency estimate that failures inflate, so a slow or
	// fast-failing endpoint loses its traffic; "round_robin" takes the
	// endpoints in turn, whatever their health (ejected endpoints are still
	// skipped). See docs/resilience.md.
	LoadBalancing string `yaml:"load_balancing"`
	// OutlierDetection ejects an endpoint that fails several calls in a
	// row. On by default.
	OutlierDetection OutlierDetection `yaml:"outlier_detection"`
	// Retry configures the retries of failed calls. A call that never
	// reached a backend is retried once on another endpoint whatever this
	// says (transparent retry).
	Retry Retry `yaml:"retry"`
	// CircuitBreaker makes every call to the upstream fail fast while most
	// recent calls fail. Off by default.
	CircuitBreaker CircuitBreaker `yaml:"circuit_breaker"`
	// Fault injects delays and failures into the calls to the upstream,
	// for tests and game days. Off by default.
	Fault Fault `yaml:"fault"`

	// Traffic policies (docs/resilience.md: Canary splits, Shadowing,
	// Hedging).

	// Split sends a share of the calls made through this upstream's
	// clients to other upstreams of bff.yaml (a canary), each with its own
	// endpoints, load balancing, outlier detection, retry, hedging and
	// breaker; the rest stays on this upstream. See [SplitTarget]. Default:
	// none, every call stays here.
	Split []SplitTarget `yaml:"split"`
	// Mirror sends a copy of a share of the unary calls to a shadow
	// upstream, fire and forget. See [Mirror]. Off by default.
	Mirror Mirror `yaml:"mirror"`
	// Hedging sends more attempts of an idempotent unary call to other
	// endpoints when the first is slow. See [Hedging]. Off by default.
	Hedging Hedging `yaml:"hedging"`

	// Discovery finds the endpoints at run time instead of listing them in
	// Endpoints: in DNS (A/AAAA or SRV records, such as those of a
	// Kubernetes headless Service), or from an endpoint source the program
	// registers (sidecar.WithEndpointSource). Endpoints and Discovery are
	// mutually exclusive: set one. Default: none, Endpoints is the set.
	Discovery Discovery `yaml:"discovery"`
	// HealthCheck calls grpc.health.v1.Health/Check on every endpoint on an
	// interval and stops picking the endpoints that fail it. Off by
	// default.
	HealthCheck HealthCheck `yaml:"health_check"`

	// Timeout off (docs/resilience.md: No timeout of the sidecar's own).

	// TimeoutOff means the sidecar adds no deadline of its own to unary
	// calls (Envoy's route "timeout: 0s"): `timeout: off` in bff.yaml sets
	// it, and Go code sets it with Timeout left 0 (both set is an error).
	// A call then ends at the caller's deadline, which still reaches the
	// backend in the protocol's timeout header; with no caller deadline the
	// backend gets no timeout header. Behind the GraphQL server every
	// query and mutation has one: server.request_timeout (default 10s)
	// bounds the calls it makes. retry.per_try_timeout, retries, hedging,
	// the breaker and outlier detection work as with a timeout. Where the
	// timeout also served as a bound of its own, [OffTimeoutBound] (10s)
	// takes its place: the least latency a failed attempt counts for in
	// p2c's estimate, and the bound of a mirrored copy when this upstream
	// is a shadow. Default false.
	TimeoutOff bool `yaml:"-"`
}

// Defaults of [Discovery] and [HealthCheck] (docs/resilience.md). A zero
// field means these values, in a loaded file and in a Config built in Go.
const (
	// DefaultDiscoveryInterval is how often DNS is asked again: gRPC's
	// minimum time between two resolutions, and the time the default
	// Kubernetes Corefile caches an answer (cache 30).
	DefaultDiscoveryInterval = 30 * time.Second
	// MinDiscoveryInterval is the shortest interval a file may set.
	MinDiscoveryInterval = time.Second
	// The active health check's defaults are those Contour gives Envoy,
	// whose own fields have no default.
	DefaultHealthCheckInterval           = 10 * time.Second
	DefaultHealthCheckTimeout            = 2 * time.Second
	DefaultHealthCheckUnhealthyThreshold = 3
	DefaultHealthCheckHealthyThreshold   = 2
)

// Discovery is where the endpoints of an upstream come from when they are
// not listed. Exactly one of DNS, SRV and Source is set:
//
//   - DNS with Port: every A and AAAA record of the name is an endpoint
//     scheme://address:port;
//   - SRV: every target host:port of the SRV records, each target
//     resolved to its A and AAAA records (priority and weight are
//     ignored, as gRPC ignores them);
//   - Source with Target: the endpoint source registered under that name
//     by the program (sidecar.WithEndpointSource), given Target.
//
// DNS and SRV are asked again every Interval. A failed lookup keeps the
// last set; an answer of no address (NXDOMAIN, no record) empties it, so
// that /readyz reports the upstream (see docs/resilience.md, Discovery).
type Discovery struct {
	// DNS is the host name whose A and AAAA records are the endpoints'
	// addresses, such as "catalog.shop.svc.cluster.local". Needs Port.
	DNS string `yaml:"dns"`
	// Port is the port of the endpoints found with DNS, 1 to 65535.
	// Required with DNS; SRV records carry their own.
	Port int `yaml:"port"`
	// SRV is the name of SRV records, such as
	// "_grpc._tcp.catalog.shop.svc.cluster.local".
	SRV string `yaml:"srv"`
	// Scheme is the scheme of the endpoints found in DNS: "http" (the
	// default) or "https". With https the endpoint's host is an IP
	// address: the backend's certificate must hold it as an IP SAN, or
	// tls.server_name must name the host its certificate holds.
	Scheme string `yaml:"scheme"`
	// Interval is the time between two DNS lookups. Default 30s; at least
	// 1s in a file.
	Interval time.Duration `yaml:"interval"`
	// Source names an endpoint source the program registers with
	// sidecar.WithEndpointSource, such as a Kubernetes EndpointSlice
	// source from a module of its own. Default: none.
	Source string `yaml:"source"`
	// Target is what Source is given to find the endpoints, in the form it
	// documents (such as "catalog.shop:grpc"). Only with Source.
	Target string `yaml:"target"`
}

// Enabled reports whether d sets a way to find endpoints.
func (d Discovery) Enabled() bool { return d.DNS != "" || d.SRV != "" || d.Source != "" }

// HealthCheck is the active health check of an upstream's endpoints: every
// Interval, each endpoint gets a grpc.health.v1.Health/Check call for
// Service, over the upstream's protocol and TLS. An endpoint that fails
// UnhealthyThreshold checks in a row (NOT_SERVING, UNKNOWN,
// SERVICE_UNKNOWN, an error or no answer within Timeout) is picked by no
// call until it passes HealthyThreshold checks in a row; an endpoint's
// first check decides alone. A zero field takes its default.
type HealthCheck struct {
	// Enabled turns the checks on. Default false; the other keys need it.
	Enabled bool `yaml:"enabled"`
	// Interval is the time between two checks of an endpoint. Default 10s.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one check; no answer within it is a failure. At most
	// Interval. Default 2s.
	Timeout time.Duration `yaml:"timeout"`
	// Service is the service name sent in the check, such as
	// "catalog.v1.CatalogService". Default "": the server as a whole.
	Service string `yaml:"service"`
	// UnhealthyThreshold is the number of failed checks in a row that
	// takes an endpoint out. Default 3.
	UnhealthyThreshold int `yaml:"unhealthy_threshold"`
	// HealthyThreshold is the number of passed checks in a row that brings
	// it back. Default 2.
	HealthyThreshold int `yaml:"healthy_threshold"`
}

// OffTimeoutBound stands for the timeout of an upstream with
// [Upstream.TimeoutOff] where the sidecar needs a duration: the failure
// penalty of p2c load balancing and the bound of a copy sent to it as a
// shadow (copies are detached from the caller's deadline, so they need a
// bound of their own). It is 10s, server.request_timeout's default, the
// longest a call made for a GraphQL request lasts unless that key is
// raised.
const OffTimeoutBound = 10 * time.Second

// SplitTarget is one group of a weighted split (Envoy's weighted
// clusters): Weight percent of the calls made through the upstream that
// lists it go to Upstream instead. The weights of a split add up to at
// most 100; the rest of the calls stay on the upstream itself. The choice
// is made once per call: its retries and hedges stay in the chosen group,
// except that a call whose chosen group has no healthy endpoint (or an
// open breaker) when the call starts goes to the upstream itself.
type SplitTarget struct {
	// Upstream names another upstream of bff.yaml, of the same protocol,
	// that has no split of its own (splits do not chain). Required.
	Upstream string `yaml:"upstream"`
	// Weight is the percent of the calls sent to Upstream, 0 to 100; 0
	// keeps the group listed but sends it nothing. Default 0.
	Weight int `yaml:"weight"`
}

// Mirror is the shadowing of an upstream (Envoy's request mirroring): a
// copy of Percent percent of the unary calls made through the upstream
// is sent to the Upstream named here, with the same bytes and headers
// plus the header Bffgen-Shadow, and its answer is read and dropped. The
// copy never changes the response nor delays it; it is sent once, never
// retried, within the shadow upstream's timeout; at most MaxInFlight
// copies are in flight and more are dropped (counted). By default only
// idempotent procedures are mirrored. The zero Mirror mirrors nothing.
type Mirror struct {
	// Upstream names the shadow, another upstream of bff.yaml of the same
	// protocol. Required for any other key.
	Upstream string `yaml:"upstream"`
	// Percent is the share of calls copied, 1 to 100. Default 100 (every
	// call, as Envoy mirrors without runtime_fraction).
	Percent int `yaml:"percent"`
	// MaxInFlight caps the copies in flight at once; a call that would
	// exceed it is not mirrored (counted as dropped). Default 64.
	MaxInFlight int `yaml:"max_in_flight"`
	// NonIdempotent mirrors procedures that are not idempotent as well
	// (mutations): the shadow then runs their side effects a second time.
	// Default false: only procedures with idempotency_level
	// NO_SIDE_EFFECTS or IDEMPOTENT, or listed in retry.methods.
	NonIdempotent bool `yaml:"non_idempotent"`
}

// Hedging sends a call's request again to another endpoint when no answer
// came within Delay, up to MaxAttempts attempts in all (gRPC A6's hedging
// policy): the first answer wins and the other attempts are cancelled,
// which does not count against their endpoints. An attempt that fails
// with UNAVAILABLE starts the next one at once (or after the backend's
// pushback). Only idempotent procedures are hedged (as retry decides);
// for them hedging replaces retries, and retry.per_try_timeout bounds the
// hedged attempts together. Every attempt after the first is taken from
// the retry budget. The zero Hedging is off.
type Hedging struct {
	// Enabled turns hedging on. Default false.
	Enabled bool `yaml:"enabled"`
	// Delay is the wait for an answer before the next attempt, such as
	// the backend's 95th percentile latency. Required when Enabled.
	Delay time.Duration `yaml:"delay"`
	// MaxAttempts bounds the attempts of one call, the first included, 2
	// to 5. Default 2.
	MaxAttempts int `yaml:"max_attempts"`
}

// Fault is the fault injection of an upstream: before a unary call is
// sent, it is delayed by Delay with probability DelayPercent/100, then
// failed with AbortCode (no backend sees it) with probability
// AbortPercent/100. Injected failures do not count against the endpoints
// (outlier detection, load balancing) nor the circuit breaker, and are not
// retried: they stand for what a caller sees, as Envoy's fault filter
// does. The zero Fault injects nothing.
type Fault struct {
	// Delay is the injected delay; the call's deadline still applies.
	Delay time.Duration `yaml:"delay"`
	// DelayPercent is the share of calls delayed, 0 to 100.
	DelayPercent int `yaml:"delay_percent"`
	// AbortCode is the code of an injected failure, in connect's snake
	// case ("unavailable", "internal", ...). Required when AbortPercent
	// is above 0.
	AbortCode string `yaml:"abort_code"`
	// AbortPercent is the share of calls failed, 0 to 100.
	AbortPercent int `yaml:"abort_percent"`
}

// Load-balancing policies, the values of [Upstream.LoadBalancing].
const (
	LoadBalancingP2C        = "p2c"
	LoadBalancingRoundRobin = "round_robin"
)

// OutlierDetection is the passive health check of an upstream's endpoints:
// an endpoint whose calls fail ConsecutiveFailures times in a row (a
// connection error, or the codes UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS
// or DEADLINE_EXCEEDED) is ejected, picked by no call, for
// BaseEjectionTime times the number of its ejections, at most
// MaxEjectionTime; it is then readmitted. A zero field takes its default.
type OutlierDetection struct {
	// Disabled turns outlier detection off. Default false: it is on.
	Disabled bool `yaml:"disabled"`
	// ConsecutiveFailures is the number of failures in a row that ejects
	// an endpoint. Default 5 (Envoy, gRPC A50).
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// BaseEjectionTime is the first ejection's duration; the n-th lasts n
	// times as long. The count goes down by one for every
	// BaseEjectionTime without an ejection. Default 30s (Envoy).
	BaseEjectionTime time.Duration `yaml:"base_ejection_time"`
	// MaxEjectionTime caps one ejection. Default 300s (Envoy).
	MaxEjectionTime time.Duration `yaml:"max_ejection_time"`
	// MaxEjectionPercent caps the share of an upstream's endpoints that are
	// ejected at once, rounded down but never below one endpoint: with the
	// default 50, one of two or three endpoints, two of four. From 1 to
	// 100. Default 50.
	MaxEjectionPercent int `yaml:"max_ejection_percent"`
}

// Retry configures the retries of an upstream's calls. Only idempotent
// procedures are retried (a proto method with idempotency_level
// NO_SIDE_EFFECTS or IDEMPOTENT, or one listed in Methods), only after
// UNAVAILABLE, on another endpoint when there is one, within the retry
// budget. A zero field takes its default.
type Retry struct {
	// MaxAttempts bounds the attempts of one call, the first included: 1
	// turns retries off. Default 2; at most 5 (gRPC A6).
	MaxAttempts int `yaml:"max_attempts"`
	// Methods lists procedures to treat as idempotent although their proto
	// does not say so, as "package.Service/Method". Default: none.
	Methods []string `yaml:"methods"`
	// InitialBackoff is the wait before the first retry; the n-th waits
	// InitialBackoff*2^(n-1), at most MaxBackoff, times a random factor in
	// [0.8, 1.2). Default 25ms (Envoy).
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	// MaxBackoff caps the wait before a retry. Default 250ms (Envoy).
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// BudgetPercent bounds the retries to this percent of the calls of the
	// last 10 seconds, besides MinRetriesPerSecond. Default 20 (Linkerd).
	BudgetPercent int `yaml:"budget_percent"`
	// MinRetriesPerSecond is a rate of retries always allowed, whatever
	// the budget percent (burst of the same size). Default 10 (Linkerd).
	MinRetriesPerSecond int `yaml:"min_retries_per_second"`
	// PerTryTimeout bounds each attempt within the call's timeout: an
	// attempt that runs out of it fails with DEADLINE_EXCEEDED and, for an
	// idempotent procedure, is retried like UNAVAILABLE. Default 0: no
	// bound of its own, the call's timeout bounds all attempts together.
	PerTryTimeout time.Duration `yaml:"per_try_timeout"`
}

// CircuitBreaker is the breaker of one upstream: when at least MinRequests
// attempts ended within Window and FailurePercent of them failed (the
// failures of OutlierDetection), it opens: every call fails at once with
// UNAVAILABLE for OpenTime; then one probe call goes through (half-open),
// and its success closes the breaker, its failure opens it again. A zero
// field takes its default.
type CircuitBreaker struct {
	// Enabled turns the breaker on. Default false.
	Enabled bool `yaml:"enabled"`
	// FailurePercent is the share of failed attempts that opens the
	// breaker, from 1 to 100. Default 50.
	FailurePercent int `yaml:"failure_percent"`
	// MinRequests is the number of attempts within Window below which the
	// breaker never opens. Default 20.
	MinRequests int `yaml:"min_requests"`
	// Window is the period over which attempts are counted. Default 10s.
	Window time.Duration `yaml:"window"`
	// OpenTime is how long the breaker stays open before a probe. Default
	// 5s.
	OpenTime time.Duration `yaml:"open_time"`
}

// Gateway holds the settings of the inbound pipeline.
type Gateway struct {
	// CORS configures cross-origin requests; off when AllowedOrigins is
	// empty.
	CORS CORS `yaml:"cors"`
	// Limits bounds the size of requests.
	Limits Limits `yaml:"limits"`
	// GraphQL configures the GraphQL endpoint.
	GraphQL GraphQL `yaml:"graphql"`
	// RequestID configures request identifiers.
	RequestID RequestID `yaml:"request_id"`
	// Subscriptions configures GraphQL subscriptions.
	Subscriptions Subscriptions `yaml:"subscriptions"`
	// CSRF configures the cross-site request forgery protection of the
	// GraphQL endpoint; it is on by default.
	CSRF CSRF `yaml:"csrf"`
	// StripHeaders are removed from every inbound request before anything
	// else sees it, so a client cannot claim an identity the gateway did not
	// establish. Default: X-Forwarded-User, X-User-Id, X-Auth-Request-User,
	// X-Auth-Request-Email, X-Remote-User, Remote-User. The header names of
	// every upstreams.<name>.forward_claims are stripped as well, whatever
	// this list holds (see [Config.IdentityHeaders]).
	StripHeaders []string `yaml:"strip_headers"`
	// RateLimit holds the quotas of the rate-limit phase; off when it has
	// no rules. See [RateLimit].
	RateLimit RateLimit `yaml:"rate_limit"`
	// Auth configures authentication (who calls); off when neither a JWT
	// key source nor an API key file is set.
	Auth Auth `yaml:"auth"`
}

// Auth configures the authentication phase of the gateway pipeline. A
// request may carry one credential, looked for in this order: an
// "Authorization: Bearer <JWT>" header, the JWT cookie, the API key header.
// The first one found is verified; the others are ignored. A credential that
// does not verify is answered with 401 and the code UNAUTHENTICATED, and no
// backend is called. A request without a credential is anonymous: allowed
// when AllowAnonymous is true (field-level @auth then decides what it may
// see), answered with 401 otherwise.
type Auth struct {
	// JWT configures bearer tokens; off when none of JWKSURL, JWKSFile and
	// HMACSecret is set.
	JWT JWT `yaml:"jwt"`
	// APIKeys configures API keys; off when File is empty.
	APIKeys APIKeys `yaml:"api_keys"`
	// AllowAnonymous lets requests without any credential through, with an
	// anonymous principal. Default true: the fields that need a caller say
	// so with @auth, which answers FORBIDDEN or UNAUTHENTICATED per field,
	// while public fields stay public. Set it to false for a service that
	// serves nobody anonymously; websockets then need a credential in the
	// upgrade request or in connection_init (else close 4403).
	AllowAnonymous bool `yaml:"allow_anonymous"`
}

// Enabled reports whether a credential can be verified: a JWT key source
// or an API key file is configured.
func (a Auth) Enabled() bool { return a.JWT.Enabled() || a.APIKeys.Enabled() }

// JWT configures the verification of JSON Web Tokens. Exactly one key
// source is set: JWKSURL, JWKSFile, or HMACSecret.
type JWT struct {
	// JWKSURL is the URL of the JSON Web Key Set of the issuer. It must be
	// https, except for a loopback host (127.0.0.1, ::1, localhost) or in
	// development mode. The keys are fetched at start (a failure there is
	// logged and /readyz answers 503 until a fetch succeeds), then every
	// RefreshInterval, and, at most once per UnknownKIDRefreshInterval,
	// when a token names a key id the set does not hold. A failed fetch
	// keeps the keys of the last successful one.
	JWKSURL string `yaml:"jwks_url"`
	// JWKSFile is the path of a JSON Web Key Set file; a relative path is
	// relative to the directory of the configuration file. It is read at
	// start (an unreadable file, or one without a usable key, stops the
	// service) and again every RefreshInterval.
	JWKSFile string `yaml:"jwks_file"`
	// HMACSecret is a shared secret for HS256, HS384 or HS512 tokens, at
	// least 32 bytes; write it as ${VAR}, never in the file. It cannot be
	// combined with a key set: a service verifies either asymmetric
	// signatures or one shared secret.
	HMACSecret string `yaml:"hmac_secret"`
	// Issuer is the required value of the "iss" claim. Required.
	Issuer string `yaml:"issuer"`
	// Audiences lists the accepted values of the "aud" claim: a token must
	// name at least one of them. Required: at least one.
	Audiences []string `yaml:"audiences"`
	// Algorithms lists the accepted signature algorithms ("alg" header).
	// Default: with a key set, the asymmetric ones (RS256, RS384, RS512,
	// PS256, PS384, PS512, ES256, ES384, ES512, EdDSA); with HMACSecret,
	// HS256. "none" is never accepted, HS* only with HMACSecret, asymmetric
	// ones only with a key set.
	Algorithms []string `yaml:"algorithms"`
	// Leeway is the clock skew tolerated on "exp", "nbf" and "iat".
	// Default 30s; at most 60s.
	Leeway time.Duration `yaml:"leeway"`
	// RequiredClaims lists claims every token must carry, besides "exp",
	// "sub", "iss" and "aud", which are always required. Default: none.
	RequiredClaims []string `yaml:"required_claims"`
	// RefreshInterval is how often the key set is fetched again (read again
	// for JWKSFile). Default 5m; at least 1s.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// UnknownKIDRefreshInterval is the least time between two fetches of
	// the key set caused by tokens naming an unknown key id; a token that
	// finds the limit spent is refused at once, without waiting. Default
	// 10s; at least 1s.
	UnknownKIDRefreshInterval time.Duration `yaml:"unknown_kid_refresh_interval"`
	// FetchTimeout bounds one fetch of JWKSURL; the response is read up to
	// 1 MiB. Default 5s.
	FetchTimeout time.Duration `yaml:"fetch_timeout"`
	// Cookie is the name of a cookie that may carry the token, for browser
	// clients; it is read when no Authorization header carries one. It
	// relies on gateway.csrf, which must stay enabled. Default "": no
	// cookie.
	Cookie string `yaml:"cookie"`
	// MaxTokenBytes bounds the size of a token; a larger one is refused
	// before it is decoded. Default 8192 (8 KiB).
	MaxTokenBytes int `yaml:"max_token_bytes"`
	// CacheSize bounds the tokens remembered after they verified (by their
	// SHA-256, least recently used out first): the same token again skips
	// the signature check (about 100 µs for RS256) until it expires or the
	// key set changes; every other check is the same. 0 turns the cache
	// off. Default 10000.
	CacheSize int `yaml:"cache_size"`
}

// Enabled reports whether a key source is configured.
func (j JWT) Enabled() bool { return j.JWKSURL != "" || j.JWKSFile != "" || j.HMACSecret != "" }

// APIKeys configures API keys: a header carries the key, a file lists the
// SHA-256 hashes of the valid keys with a name and scopes each:
//
//	keys:
//	  - name: mobile-app
//	    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//	    scopes: [products:read]
//
// The principal of a key has the key's name as Subject and its scopes.
type APIKeys struct {
	// Header is the request header that carries the key. Default
	// "X-Api-Key".
	Header string `yaml:"header"`
	// File is the path of the key file; a relative path is relative to the
	// directory of the configuration file. It is read at start (an
	// unreadable or invalid file stops the service) and every
	// ReloadInterval: a changed file replaces the keys (a revoked key is
	// refused from then on), an unreadable or invalid one is logged and the
	// keys already loaded stay. Default "": no API keys.
	File string `yaml:"file"`
	// ReloadInterval is how often File is read again. Default 10s; at
	// least 1s.
	ReloadInterval time.Duration `yaml:"reload_interval"`
}

// Enabled reports whether a key file is configured.
func (a APIKeys) Enabled() bool { return a.File != "" }

// IdentityHeaders returns the canonical names of the headers that carry
// identity to backends (the values of every upstreams.<name>.forward_claims),
// sorted and without duplicates. The gateway strips them from inbound
// requests, so a client cannot send them itself.
func (c *Config) IdentityHeaders() []string {
	if c == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range c.Upstreams {
		for _, h := range u.ForwardClaims {
			h = http.CanonicalHeaderKey(h)
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CORS configures Cross-Origin Resource Sharing for the GraphQL endpoint.
type CORS struct {
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed to call
	// the endpoint from a browser; one "*" in the host stands for any
	// subdomain part ("https://*.example.com"), and "*" alone allows every
	// origin. Default: none, which turns CORS off.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedMethods lists the methods allowed in cross-origin requests.
	// Default [GET, POST].
	AllowedMethods []string `yaml:"allowed_methods"`
	// AllowedHeaders lists the request headers allowed in cross-origin
	// requests. Default [Accept, Authorization, Content-Type, X-Request-Id].
	AllowedHeaders []string `yaml:"allowed_headers"`
	// AllowCredentials lets browsers send cookies and HTTP authentication.
	// It cannot be combined with the origin "*". Default false.
	AllowCredentials bool `yaml:"allow_credentials"`
	// MaxAge is how long browsers may cache a preflight response; it is sent
	// in whole seconds. Default 10m.
	MaxAge time.Duration `yaml:"max_age"`
}

// CSRF configures the cross-site request forgery protection of the GraphQL
// endpoint. A request from a browser on a foreign origin (judged by the
// Sec-Fetch-Site and Origin headers as net/http's CrossOriginProtection
// judges them; the CORS allowed origins are trusted, except "*") is refused
// with 403 and the code CSRF_REJECTED when it uses an unsafe method (POST),
// or when it is a GET, or a POST whose Content-Type is missing or one of
// text/plain, application/x-www-form-urlencoded and multipart/form-data,
// that carries none of RequiredHeaders: a browser sends those without a
// CORS preflight. Requests without Origin and Sec-Fetch-Site (curl, other
// servers) and websocket upgrades (whose origin the websocket handshake
// checks) are not concerned.
type CSRF struct {
	// Enabled turns the protection on. Default true, in both modes.
	Enabled bool `yaml:"enabled"`
	// RequiredHeaders are the headers that force a browser to send a CORS
	// preflight, so that a cross-origin GET or simple POST carrying one of
	// them is let through (the preflight decided). Names of CORS-safelisted
	// headers (Accept, Accept-Language, Content-Language, Content-Type,
	// Range) cannot be listed. Default [X-Apollo-Operation-Name,
	// Apollo-Require-Preflight], the headers of Apollo Router, which Apollo
	// clients send.
	RequiredHeaders []string `yaml:"required_headers"`
	// Strict applies Apollo Router's rule to every request, not only to
	// browser requests from foreign origins: a GET or HEAD, or a POST with
	// no or a simple content type, must carry one of RequiredHeaders,
	// whatever its Origin. It also covers browsers too old to send
	// Sec-Fetch-Site or Origin, at the price of that header on every GET
	// (Apollo clients send it; curl and server-to-server GETs must add
	// it). Default false.
	Strict bool `yaml:"strict"`
}

// Limits bounds the size of requests.
type Limits struct {
	// MaxBodyBytes bounds the size of a request body; a larger body is
	// answered with 413. Default 1048576 (1 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// GraphQL configures the GraphQL endpoint.
type GraphQL struct {
	// Path is the URL path of the endpoint; it starts with "/". Default
	// "/graphql".
	Path string `yaml:"path"`
	// Introspection allows introspection queries (__schema, __type).
	// Default true in development mode, false in production mode.
	Introspection bool `yaml:"introspection"`
	// GraphiQL serves the GraphiQL IDE at "/". It is a development tool:
	// setting it to true in production mode is an error. Default true in
	// development mode, false in production mode.
	GraphiQL bool `yaml:"graphiql"`

	// The limits below are checked on every new document before it is
	// validated or executed; over one, the request is answered 400 with the
	// code named in each field, and no backend is called. 0 turns a limit
	// off; a negative value is a config error. The defaults are the same in
	// both modes.

	// MaxTokens bounds the lexical tokens of a document, counted while
	// lexing, so a huge document stops early (code MAX_TOKENS_LIMIT).
	// Default 15000 (Apollo Router's parser_max_tokens).
	MaxTokens int `yaml:"max_tokens"`
	// MaxDepth bounds how deep fields nest, fragments expanded;
	// introspection fields and __typename do not count (code
	// MAX_DEPTH_LIMIT). Default 10.
	MaxDepth int `yaml:"max_depth"`
	// MaxAliases bounds the aliased fields of an operation, fragments
	// expanded; an aliased __typename is free (code MAX_ALIASES_LIMIT).
	// Default 15 (graphql-armor).
	MaxAliases int `yaml:"max_aliases"`
	// MaxRootFields bounds the root fields of an operation (code
	// MAX_ROOT_FIELDS_LIMIT). Default 20.
	MaxRootFields int `yaml:"max_root_fields"`
	// MaxDirectives bounds the directive uses of a document (code
	// MAX_DIRECTIVES_LIMIT). Default 50 (graphql-armor).
	MaxDirectives int `yaml:"max_directives"`
	// MaxFields bounds the field selections of an operation, fragments
	// expanded, and of the document as written (code MAX_FIELDS_LIMIT).
	// Default 3500 (Cosmo's total_fields_limit).
	MaxFields int `yaml:"max_fields"`
	// MaxValidationWork bounds the estimated work of validating a document,
	// in units of about 200 ns of the validator: pairs of fields with the
	// same response name in one selection set, fragments spread at the same
	// level (pairs, weighted 10, and times the fields), and the fragments
	// each fragment reaches (weighted 4). gqlparser's validator is
	// quadratic in these: 3500 `id` in one selection set, within every
	// other limit, take it 1.4 s (code MAX_VALIDATION_WORK_LIMIT). Default
	// 50000, about 10 ms at worst.
	MaxValidationWork int `yaml:"max_validation_work"`
	// MaxCost bounds the estimated cost of an operation, read from the
	// schema's @cost and @listSize directives as in the IBM cost
	// specification: object fields 1, scalar and enum fields 0, lists
	// multiply, mutation root fields 10 (code COST_ESTIMATED_TOO_EXPENSIVE).
	// Default 5000 (graphql-armor's maxCost).
	MaxCost int `yaml:"max_cost"`
	// DefaultListSize is the length assumed, for the cost, of a list field
	// with no @listSize and no slicing argument value. It must be at least
	// 1. Default 10.
	DefaultListSize int `yaml:"default_list_size"`
	// CostReport adds to every executed response the estimated and the
	// actual cost of its operation, as "extensions": {"cost": {"estimated":
	// N, "actual": M}} (the measure mode of Apollo Router's demand
	// control): the actual cost is counted while the operation runs, by the
	// rules of the estimate (each object returned counts its weight, so a
	// list of 3 counts 3 where the estimate assumed its first: argument).
	// MaxCost keeps refusing on the estimate either way. Counting takes a
	// field middleware on every resolved field. Default false, in both
	// modes.
	CostReport bool `yaml:"cost_report"`
	// Variables caps the JSON of a request's variables, checked on the raw
	// bytes before they are decoded.
	Variables Variables `yaml:"variables"`
	// MaxErrors caps the errors of one response: beyond it, the first
	// max_errors-1 errors are kept and a last one (code ERRORS_TRUNCATED)
	// says how many were left out. 0 means no cap. Default 10.
	MaxErrors int `yaml:"max_errors"`
	// MaxResponseBytes caps the size of the data of one response: larger
	// data is replaced by null and an error with code RESPONSE_TOO_LARGE.
	// 0 means no cap. Default 10485760 (10 MiB).
	MaxResponseBytes int `yaml:"max_response_bytes"`
	// Persisted configures persisted operations (APQ and trusted
	// documents).
	Persisted Persisted `yaml:"persisted"`
}

// Variables caps the variables of a GraphQL request; each cap is checked
// before the variables are decoded and answered with 400 and its own code.
// 0 means no cap.
type Variables struct {
	// MaxDepth caps how deep objects and lists nest in the variables (the
	// variables object is level 1). Code MAX_VARIABLES_DEPTH_LIMIT.
	// Default 32.
	MaxDepth int `yaml:"max_depth"`
	// MaxListLength caps the elements of one list. Code
	// MAX_VARIABLES_LIST_LIMIT. Default 10000.
	MaxListLength int `yaml:"max_list_length"`
	// MaxStringLength caps the bytes of one string, as sent. Code
	// MAX_VARIABLES_STRING_LIMIT. Default 262144 (256 KiB).
	MaxStringLength int `yaml:"max_string_length"`
	// MaxValues caps the JSON values (scalars, objects, lists) of the
	// variables and extensions together, which bounds the memory their
	// decoding takes. Code MAX_VARIABLES_VALUES_LIMIT. Default 20000.
	MaxValues int `yaml:"max_values"`
}

// Persisted modes.
const (
	PersistedOff       = "off"
	PersistedAPQ       = "apq"
	PersistedAllowList = "allow_list"
)

// Persisted configures persisted operations.
type Persisted struct {
	// Mode is "off" (the default: documents are sent in full, a request
	// with a hash only is refused with PERSISTED_QUERY_NOT_SUPPORTED),
	// "apq" (automatic persisted queries: a known document may be sent by
	// its SHA-256 hash) or "allow_list" (trusted documents: only the
	// operations of the manifest run, by hash or in full; any other
	// document is refused with PERSISTED_QUERY_REQUIRED, an unknown hash
	// with PERSISTED_QUERY_NOT_FOUND).
	Mode string `yaml:"mode"`
	// Manifest is the path of the manifest of known operations; a relative
	// path is relative to the directory of the configuration file (to the
	// working directory for a configuration that Parse read from memory):
	// an Apollo persisted-query manifest or a
	// JSON object {"<sha256>": "<document>"}. Required with "allow_list";
	// with "apq" its operations are known from the start. Default "".
	Manifest string `yaml:"manifest"`
	// APQRegister lets an "apq" request that sends a hash with its document
	// register the document for later requests by hash; ignored in the
	// other modes. Default true in development mode, false in production
	// mode.
	APQRegister bool `yaml:"apq_register"`
}

// RequestID configures request identifiers.
type RequestID struct {
	// Header is the request and response header that carries the request
	// identifier: an inbound value is reused when it is a sane token of at
	// most 128 characters, otherwise a new one is generated. Default
	// "X-Request-Id".
	Header string `yaml:"header"`
}

// Telemetry holds the logging settings and the service name.
type Telemetry struct {
	// ServiceName names the service in logs and metrics. Default "", which
	// means the name of the service given by generated code.
	ServiceName string `yaml:"service_name"`
	// Log configures logging.
	Log Log `yaml:"log"`
}

// Log configures logging.
type Log struct {
	// Level is the minimum level logged: "debug", "info" (the default),
	// "warn" or "error".
	Level string `yaml:"level"`
	// Format is "json" or "text". Default "json" in production mode, "text"
	// in development mode.
	Format string `yaml:"format"`
}

// Subscriptions configures GraphQL subscriptions (over SSE and websockets,
// graphql-transport-ws).
type Subscriptions struct {
	// MaxDuration ends a subscription after this long: the client receives
	// "complete" and the backend stream is cancelled. Default 0: no limit
	// (neither server.request_timeout nor the server's read and write
	// timeouts end a subscription).
	MaxDuration time.Duration `yaml:"max_duration"`
	// MaxPerConnection bounds the operations active at once on one
	// websocket; one more subscribe is answered with an error message (code
	// TOO_MANY_SUBSCRIPTIONS) and the connection stays open. Default 100.
	MaxPerConnection int `yaml:"max_per_connection"`
	// MaxMessageBytes bounds one websocket message from the client; a larger
	// one closes the connection with 1009 (message too big). Default: the
	// value of gateway.limits.max_body_bytes.
	MaxMessageBytes int64 `yaml:"max_message_bytes"`
	// InitTimeout is how long a websocket may wait before connection_init;
	// then it is closed with 4408. Default 3s (graphql-ws's
	// connectionInitWaitTimeout).
	InitTimeout time.Duration `yaml:"init_timeout"`
	// KeepAlive is the interval of keep-alive messages on idle streams: a
	// comment line on SSE, a ping on websockets (the client answers with a
	// pong; a missing pong does not close the connection). Default 15s.
	KeepAlive time.Duration `yaml:"keep_alive"`
}
