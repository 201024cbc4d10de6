// Package graphql is the GraphQL endpoint of a bffgen service over HTTP:
// the dispatcher that takes a GET or POST request to the executor, and
// every check that must happen before an executor sees the request.
//
// A request goes through these phases, in order, and each may end it:
//
//  1. Decode ([Decoder]): the GraphQL-over-HTTP POST body (application/json
//     only) or GET query string becomes an [Operation]: the document, or the
//     hash of a persisted one, the operation name, the variables and the
//     extensions. The variables caps ([VariablesLimits]: depth, list length,
//     string length, number of values) are checked on the raw JSON bytes
//     before anything is decoded.
//  2. Resolve a persisted operation ([Persisted]): with automatic persisted
//     queries (APQ) a known hash stands for its document; with an allow
//     list (trusted documents) only the operations of a manifest run, and an
//     unknown hash or document is refused before anything is parsed.
//  3. Prepare ([Dispatcher.Prepare]): a document seen before comes from a
//     cache of prepared documents (bounded, least recently used out; the
//     manifest's operations are prepared at startup and kept). A new one is
//     lexed and parsed within the token, directive and field limits (limits.Config.Parse), measured
//     against the other limits (limits.Config.Check: depth, aliases, root
//     fields, directives, fields, estimated cost) and then validated with
//     gqlgen's validation rules. The limits that depend on the variables
//     run for every request. Unless suggestions are on ([WithSuggestions]:
//     the gateway turns them on in development mode with introspection
//     on), no error suggests a name of
//     the schema ("Did you mean ...?").
//  4. Execute: the operation compiled to Go for the document, when there
//     is one ([Compiled], [WithCompiled]: the dispatcher coerces the
//     variables as gqlgen does and the compiled code writes the JSON of
//     the data into a [Result]); else the [Executor] registered for the
//     document's SHA-256 ([WithExecutorFor]); else the default one:
//     gqlgen's, in package gqlgenexec, which runs the prepared document
//     without parsing or validating it again. Which one runs is decided
//     when the document is prepared, not per request. With the cost
//     report on ([WithCostReport]) the executor counts the actual cost
//     into a [CostMeter]. The request seam records the path that ran the
//     operation ([PathCompiled] or [PathGQLGen]) for the access log and
//     the metrics.
//  5. Write: the error list is cut at a cap ([CapErrors]), data over the
//     response-size cap is replaced by an error, the cost report (estimated
//     and actual cost) goes into extensions.cost, and the response media
//     type follows the Accept header ([Negotiate]).
//
// Status codes follow the GraphQL-over-HTTP specification: with
// application/json every well-formed request that reaches GraphQL is
// answered with 200, with application/graphql-response+json a request error
// (parse, validation) with 400. A request refused by a limit, a variables
// cap or a persisted-operation rule is answered with 400 and a specific
// extensions.code (see runtime/errcode) whatever the media type, in a
// response that never quotes the request. The request deadline covers
// every phase: when it passes before execution the answer is 504 with code
// TIMEOUT, and when the client leaves, the context of the execution ends
// and with it every backend call it started.
//
// Compiled operations are the frontend's operations compiled ahead of
// time: their documents are prepared when [New] runs (a document over a
// limit or invalid makes New fail, naming the operation), they are
// trusted documents in allow-list mode and known by hash in every mode,
// and every phase above applies to them as to any document, so both paths
// answer the same request with the same bytes.
//
// Subscriptions (SSE, websockets) are served by gqlgen's transports through
// gqlgenexec, which prepares their operations with the same dispatcher, so
// the limits hold on every transport.
package graphql
