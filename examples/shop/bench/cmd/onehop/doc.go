// Command onehop measures the headline claim of bffgen: one hop (the
// generated BFF taking traffic directly) against three (nginx as the central
// gateway, a hand-written gqlgen BFF, nginx as its sidecar), against the
// floor (the backend calls made directly with connect-go), on the same
// operation (bench.Query) and the same backends, all on 127.0.0.1.
//
// It builds the binaries, starts the example backends, both nginx
// instances and the BFFs, checks that every BFF variant answers with the
// same data, then runs wrk (and, for the floor, the floor client) at each
// concurrency for every variant in turn, rotating the order each round so
// that no variant always runs first. For each run it reads the CPU time of
// every process from /proc. After the rounds it reads each BFF tier's peak
// memory and times fresh starts of the three BFF binaries to their first
// answer. It prints a table of medians over the rounds with the ratios and
// DESIGN.md's quality bars, and writes results.json, table.md and
// latency.svg to -out.
//
// Variants:
//
//	bffgen     client -> generated shop BFF, gqlgen path -> backends
//	compiled   client -> generated shop BFF, compiled path -> backends
//	chain      client -> nginx gateway -> hand-written gqlgen BFF -> nginx sidecar -> backends
//	handwritten client -> hand-written gqlgen BFF -> backends (the chain without its two hops)
//	lookahead  client -> hand-written gqlgen BFF batching by lookahead (bench/handlookahead) -> backends
//	floor      floor client (connect-go) -> backends
//
// (a) and (a') are two processes of the same binary and config. (a) is
// sent bench.Query followed by a comment (gqlgenQuery): the same
// operation, but not the text of the compiled Shop operation, so it runs
// on gqlgen. (a') is sent no text, only the Shop operation's hash
// (extensions.persistedQuery.sha256Hash, POST), so it runs the compiled
// executor. After the rounds it reads each one's metric
// bffgen_graphql_requests_total by its label bffgen_graphql_executor and
// fails unless every request of (a) ran on gqlgen and every request of
// (a') on the compiled path; the counts go into the report.
//
// Two other modes compare two profiles of the same shop BFF binary, side
// by side in interleaved rounds, with wrk at each concurrency:
//
//	-mode edge     every protection of the edge on (bench/bff-edge-on.yaml)
//	               vs every limit off (bench/bff-edge-off.yaml): make bench-edge
//	-mode sidecar  every sidecar policy on (bench/bff-sidecar-on.yaml: p2c,
//	               outlier detection, retries within the budget, the circuit
//	               breaker) vs all off (bench/bff-sidecar-off.yaml), three
//	               backends processes so that every upstream has three
//	               replica endpoints; after the rounds it reads each BFF's
//	               admin page /upstreams and prints the attempts per
//	               endpoint: make bench-sidecar
//
// It needs nginx and wrk on PATH (`make bench-onehop` installs them from
// Debian's packages) and stops every process it started, also on Ctrl-C.
package main
