// Package ratelimit is the rate-limit phase of the gateway pipeline: the
// quotas of gateway.rate_limit (see config.RateLimit), built once by [New].
//
// A rule counts requests (or, with cost: true, the estimated cost of each
// GraphQL operation, at least 1) per key: a claim of the caller, its API key, its
// client address, the operation name or a request header. A request whose
// caller is anonymous, or lacks the claim or header a rule keys on, is
// counted by its client address. Rules with scope "local" count in token
// buckets in memory (golang.org/x/time/rate), bounded to
// gateway.rate_limit.max_keys keys per rule; rules with scope "global"
// count in a [Store] shared by the instances, atomic across them: Redis or
// Valkey with package redisstore, which the BFF's main.go passes to the
// runtime (runtime.WithRateLimitStore(redisstore.Open)). The Redis client
// is a separate package so that a BFF without global rules does not carry
// it; a global rule without a store stops the BFF at start, saying so.
//
// Where a rule is checked depends on what it needs:
//
//   - rules keyed by caller, API key, client address or header, without
//     cost, are checked by [Limiter.Middleware] in the rate-limit phase,
//     before the body is read: one count per HTTP request (a websocket or
//     SSE connection counts once, when it opens);
//   - rules with cost: true, and rules keyed by "$operation", need the
//     parsed operation: they are checked by [Limiter.Admission], which the
//     GraphQL dispatcher calls after the document limits and validation,
//     before execution, once per operation (also for each operation over a
//     websocket or SSE connection).
//
// A request over a rule is answered with 429, a GraphQL error with code
// RATE_LIMITED and a Retry-After header in whole seconds, rounded up; no
// backend is called. A request rejected by one rule still counts in the
// rules checked before it, in the order of the configuration.
//
// While Redis is unreachable (a call failed or took longer than
// redis.timeout), the global rules follow redis.on_error at once: "local"
// counts in a local bucket at 1/instances_hint of the rule, "fail_closed"
// answers 429 with Retry-After: 1. Neither answers 5xx. Redis is then
// left alone by requests: at most once a second a background probe (a
// PING within the timeout) tries it, and its first answer restores global
// counting.
package ratelimit
