// Package authz is the field authorization of generated BFFs: the runtime
// side of the @auth and @redact directives and of $claims sources in request
// mappings. Generated code imports it; it reads who calls only from
// github.com/bffgen/bffgen/runtime/request (the Principal an authentication
// phase set), never from headers or tokens itself.
//
// In the order a request meets them:
//
//  1. [Auth] implements @auth(scopes:) as a gqlgen field directive: an
//     anonymous caller gets null and an error with code UNAUTHENTICATED, a
//     caller without every scope null and FORBIDDEN; the field's resolver
//     (and so its backend call) does not run. [Check] is the same decision
//     for generated code, such as the batch lookahead, which must not fetch
//     a field the caller may not see.
//  2. [Claim] reads a claim of the caller's credential for a $claims source,
//     converting the JSON-decoded value to the Go type of the request field
//     with range checks; a missing claim, an anonymous caller or a value of
//     another type is UNAUTHENTICATED, before any backend call.
//  3. [Redact] implements @redact(unless:): without the scope the field is
//     null (no error), and its resolver does not run.
//  4. [Scrub] keeps the values of @redact fields out of error messages: the
//     generated resolvers of a type with @redact fields pass their errors
//     through it, so that a backend that echoes such a value in an error of
//     another field (logged, and shown to the client) does not leak it.
//
// Every error of the package implements errcode.Coder, so the gateway's error
// presenter gives it its extensions.code; messages never hold claim values.
package authz
