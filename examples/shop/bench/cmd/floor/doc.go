// Command floor is the physical floor of the one-hop benchmark: it makes
// the backend calls that bench.Query needs directly with connect-go, at a
// fixed concurrency for a fixed time, and prints one JSON line with the
// request count and the latency percentiles. A "request" is the whole
// sequence: ListProducts, then BatchGetUsers for the sellers and
// ListReviewsByProducts side by side, then BatchGetUsers for the reviewers,
// as the BFFs do it, minus the GraphQL layer and the response encoding.
//
//	floor -catalog URL -reviews URL -users URL -c 16 -d 5s
//
// It exits 2 on bad flags and 1 when any sequence failed (the count is in
// the output).
package main
