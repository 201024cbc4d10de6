// Package handlookahead is the best hand-written baseline of the one-hop
// benchmark (package bench): the gqlgen BFF a skilled team writes when it
// batches by lookahead rather than with dataloaders. It serves the schema
// of the dataloader baseline (../handbff/schema.graphqls) unchanged, over
// the same connect-go clients on one pooled http.Client and the same
// server setup (gqlgen init's: query cache, APQ, introspection).
//
// The products resolver looks ahead, as gqlgen's documentation on field
// collection shows (graphql.CollectFieldsCtx, then graphql.CollectFields
// on a child's selections): it sees whether seller, reviews (with each
// first argument, aliases included) and reviews.reviewer are selected.
// Right after ListProducts it makes the batched calls level by level:
// BatchGetUsers for the sellers side by side with ListReviewsByProducts,
// then, once the reviews are in, BatchGetUsers for the reviewers. It stores
// the results in the models (package model), so Product.seller and
// Review.reviewer are plain struct fields and Product.reviews a method
// without a context, which gqlgen resolves inline: no field has a
// resolver, no dataloader window is waited for, and an operation makes
// exactly one call per backend per level whatever the concurrency. gqlgen
// itself still marshals the elements of a list of objects in a goroutine
// each (graphql.MarshalSliceConcurrently); no configuration of gqlgen
// v0.17.95 turns that off.
//
// Differences from the dataloader baseline, on error paths only: a seller
// the users backend does not know gets gqlgen's non-null error instead of
// "seller ... not found"; a failed reviewers call nulls every reviewer with
// one error on the products field instead of one per review.
//
// After editing gqlgen.yml (or ../handbff/schema.graphqls, then both
// packages), regenerate in this directory with the gqlgen version of
// examples/shop/go.mod:
//
//	go run github.com/99designs/gqlgen@v0.17.95 generate
//
// There is deliberately no generate directive, as in package handbff:
// `make checkgenerate` runs go generate in examples/shop and must not run
// gqlgen.
package handlookahead
