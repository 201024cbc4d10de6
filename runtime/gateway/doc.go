// Package gateway is the inbound side of a bffgen service: the HTTP
// middleware every request to the GraphQL endpoint crosses, and the GraphQL
// HTTP handler itself.
//
// # Middleware and the pipeline
//
// A [Middleware] is a func(next http.Handler) http.Handler. [Chain] composes
// a list of them once, the first listed running first (outermost).
// [NewPipeline] builds the inbound pipeline from the configuration, once, as
// named phases that run in order, each phase's built-in middleware before
// the ones the service adds to it ([WithPhase]):
//
//	edge:       Recover -> HeaderLimit -> StripHeaders -> RequestID -> AccessLog -> Metrics -> CORS -> CSRF -> BodyLimit -> Timeout
//	authn:      (who calls: sets request.Principal)
//	rate_limit: (how much the caller may ask)
//	user:       the service's own middleware (runtime.WithMiddleware)
//	-> GraphQL
//
// [RequestID] opens the per-request seam: it puts a request.Request (the
// id, the inbound headers, the principal, values set by middleware, the
// response headers backends send back) in the context, which everything
// after it reads with request.From (package
// github.com/bffgen/bffgen/runtime/request). This package does not import
// the sidecar: the two meet only on that value.
//
// Rejections (a panic, too many or too large headers, a possible cross-site
// request forgery, an oversized body, a method that is not allowed) are
// answered with [WriteError] in the shape of a GraphQL response, so that a
// client handles every failure the same way:
//
//	{"errors":[{"message":"...","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}
//
// # GraphQL over HTTP
//
// [NewGraphQLHandler] serves GET and POST with the dispatcher of
// github.com/bffgen/bffgen/runtime/graphql (decoding, persisted operations,
// variables caps, document limits, validation, then gqlgen's executor), and
// subscriptions with gqlgen's SSE and websocket transports, prepared by the
// same dispatcher. It follows the GraphQL-over-HTTP specification: POST
// takes application/json only (no form encodings, which would reopen CSRF),
// GET takes query, operationName, variables and extensions from the URL and
// refuses mutations with 405, and the response media type follows the
// Accept header:
//
//   - application/graphql-response+json: a request error (the document does
//     not parse or validate) is answered with 400 and no "data" entry;
//   - application/json, or no Accept header: every well-formed request is
//     answered with 200, whatever its GraphQL errors.
//
// A request over a limit of gateway.graphql is answered with 400 and the
// limit's code whatever the media type. A body that is not valid JSON is
// answered with 400 and a message that gives the byte offset of the
// problem, never the body itself.
//
// # Subscriptions
//
// With a Subscription type in the schema, the handler also serves GraphQL
// over SSE and over websockets (graphql-transport-ws only, with the
// protocol's rules and close codes enforced; see [WithSubscriptionInit]).
// Subscriptions escape the request timeout and the server's write timeout;
// [Streams] tracks them so that a shutdown closes websockets with 1001 and
// ends SSE streams with "complete".
//
// Every resolver error is given an extensions.code (see
// github.com/bffgen/bffgen/runtime/errcode) and, when it comes from a backend
// call, extensions.upstream = {"name", "procedure"}. In production mode the
// message of an error whose code is not safe to show is replaced by
// "internal error"; the real one is logged with the request id.
package gateway
