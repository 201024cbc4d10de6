// Package conformancev1 holds the Go types of the connect conformance
// suite's protos (package connectrpc.conformance.v1 of
// connectrpc.com/conformance v1.0.7): the ClientCompatRequest and
// ClientCompatResponse messages the runner exchanges with a client under
// test, and the messages of its ConformanceService. The module's own
// generated package is internal to it, so bffgen generates these from the
// module's .proto files; regenerate with `go generate
// ./internal/conformance/...`.
package conformancev1

//go:generate go run ../genproto -out .
