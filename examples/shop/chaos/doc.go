// Package chaos runs the shop BFF against replicated backends behind
// fault proxies, for the backend-fault scenarios of issue 11 (ANCHORS
// BF-1..BF-14) and `make chaos`.
//
// [Start] serves, on 127.0.0.1 only, Options.Replicas copies (3 by
// default) of each of the shop's three backends (catalog, reviews, users),
// each behind its own [faultproxy.Proxy], and the generated shop BFF whose
// upstreams list the proxies as endpoints. Every backend replica counts
// the calls that reach its handlers, by procedure ([Replica.Calls]): the
// counts of the scenarios are taken at the backends, after the proxy.
//
// [Shop.Query] sends one GraphQL request and checks that the answer is
// well-formed GraphQL JSON ([Answer.Malformed]); [Shop.Load] runs a
// bounded load (fixed workers, fixed duration) of a [Request] mix and
// tallies requests sent, answers received, HTTP statuses and GraphQL
// error codes ([Result]).
//
// The scenarios themselves are the tests of this package
// (docs/resilience.md, "Backend faults through a proxy"); the long run is
// the command bench/cmd/chaos.
package chaos
