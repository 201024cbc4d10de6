// Package bench holds what the one-hop-versus-three benchmark
// (`make bench-onehop`) shares between its parts: the GraphQL operation
// every variant answers and the size of the data behind it.
//
// The variants are the generated shop BFF taking traffic directly (on its
// gqlgen path, and on its compiled path, the request naming Query by its
// hash), the
// classic chain (nginx as the gateway, the hand-written gqlgen BFF of
// package handbff, nginx as the sidecar), the same hand-written BFF calling
// the backends directly, the hand-written BFF that batches by lookahead
// instead of dataloaders (package handlookahead) calling them directly, and
// the floor: the backend calls of the operation made by a Go client with
// connect-go (cmd/floor). cmd/onehop runs them
// side by side and prints the table; docs/benchmarks.md explains the
// method.
package bench

// Catalog sizes the backends start with (cmd/backends -products and
// -reviews-per-product): every product of Query has Reviews reviews.
const (
	Products = 100
	Reviews  = 5
)

// Query is the operation of the benchmark: 20 products, each with its
// seller and its 5 newest reviews, each review with its reviewer. Resolved
// without N+1 it takes four backend calls on three levels: ListProducts,
// then BatchGetUsers (sellers) and ListReviewsByProducts side by side,
// then BatchGetUsers (reviewers).
const Query = `query Shop { products(first: 20) { id name priceCents category createdAt seller { id displayName } reviews(first: 5) { id rating title createdAt reviewer { displayName country } } } }`

// First and PerProduct are the arguments of Query, for the clients that
// make its backend calls themselves.
const (
	First      = 20
	PerProduct = 5
)
