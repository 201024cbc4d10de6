// Package errcode gives every error a resolver returns the extensions.code
// the GraphQL response carries, and names the backend that failed.
//
// The mapping is fixed, from the connect (gRPC) code of the error to a
// GraphQL code (see [Code] for the table). An error that carries its own code
// implements [Coder]; the gateway's rejections and the scalar parsers use
// that. An error from a backend call arrives wrapped in an [*UpstreamError],
// which names the upstream and the procedure but never an endpoint address,
// so that its message is fit for logs and, when [Safe] allows it, for
// clients.
//
// The package also names the codes of documents rejected by a limit before
// validation (MaxTokens to CostEstimatedTooExpensive) and of the GraphQL
// endpoint's own rejections (variables caps, persisted operations, the
// error-list and response-size caps), so that the list of
// codes a client can see from a resolver or a limit is closed and
// documented in one place.
//
// Production mode shows clients the message of an error only when [Safe]
// reports true for its code: every code but [Internal], whose message may
// describe the internals of a backend.
package errcode
