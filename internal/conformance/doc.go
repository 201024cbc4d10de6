// Package conformance is a client under test for the connect conformance
// suite (connectrpc.com/conformance, client mode): [Run] reads the
// runner's ClientCompatRequest messages, sends each RPC and writes a
// ClientCompatResponse for it. The RPCs go through connect-go's generic
// client ([connect.NewClient]) on one of two stacks:
//
//   - [StackSidecar] (the default): a [sidecar.Upstream] built for the case
//     is the connect.HTTPClient and its ClientOptions are the client's
//     options, as generated clients of a bffgen service get them: the
//     upstream's interceptor (per-call timeout of [SidecarTimeout], or
//     none with Options.TimeoutOff, retries of idempotent
//     calls within the budget, circuit breaker enabled, outlier detection,
//     error wrapping in *errcode.UpstreamError, header forwarding and
//     response-header collection), its transports (HTTP/1.1, h2c for gRPC,
//     TLS and mTLS from files) and its read cap.
//   - [StackPlain]: connect-go's client on a plain net/http transport, the
//     baseline.
//
// make conformance runs the sidecar stack with timeout: off (every case
// passes, no known-failing list) and with its 30s timeout (the cases that
// set no timeout see that deadline: the known-failing list), and the plain
// stack; docs/resilience.md (Conformance) has the figures.
package conformance
