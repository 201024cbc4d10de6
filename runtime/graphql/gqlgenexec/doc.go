// Package gqlgenexec puts gqlgen's executor for one ExecutableSchema behind
// the Executor interface of runtime/graphql.
//
// The dispatcher hands it prepared documents: parsed within the limits and
// validated. gqlgen's executor looks every document up in its query cache
// before parsing it; the executor installs a cache that returns the
// document prepared for the request at hand, so gqlgen neither parses nor
// validates it again, and coerces the variables and runs the operation as
// usual. Errors of variable coercion lose their "Did you mean ...?" in
// production mode.
//
// The executor also serves gqlgen's streaming transports (SSE, websockets)
// added with [Executor.AddTransport]: [Executor.StreamHandler] wraps
// gqlgen's executor so that each subscription is prepared by the dispatcher
// (persisted operations, variables caps, limits, validation) before gqlgen
// creates its operation context. The error-list and response-size caps
// ([WithMaxErrors], [WithMaxResponseBytes]) are response middleware, so they
// hold on every transport too.
package gqlgenexec
