// Package handbff is the BFF a team would hand-write without bffgen, for
// the one-hop benchmark (package bench): an idiomatic gqlgen server for the
// part of the shop's schema that bench.Query reads (schema.graphqls), whose
// resolvers call the shop's three connect-go backends (catalog, reviews,
// users) with the clients buf generates (examples/shop/gen/pb).
//
// It is written the way gqlgen's documentation shows: gqlgen generates the
// executor (graph/generated.go), the models it can (model/models_gen.go)
// and the resolver stubs (schema.resolvers.go), which are filled in by
// hand; Product and Review are hand-written models (package model) that
// carry the seller and author ids, and mapping.go maps the protobuf
// messages to the models. Product.seller, Product.reviews and
// Review.reviewer go through dataloaders (github.com/vikstrous/dataloadgen)
// that an HTTP middleware creates per request, so that bench.Query takes
// four backend calls: ListProducts, then BatchGetUsers for the sellers and
// ListReviewsByProducts, then BatchGetUsers for the reviewers.
//
// The scalars write what the generated shop BFF writes: Int64 as a JSON
// string of digits, DateTime in the protojson form of a timestamp.
//
// After editing schema.graphqls or gqlgen.yml, regenerate in this
// directory with the gqlgen version of examples/shop/go.mod:
//
//	go run github.com/99designs/gqlgen@v0.17.95 generate
//
// The gqlgen command runs as a versioned tool because examples/shop/go.mod
// does not list the command's own dependencies. There is deliberately no
// generate directive: `make checkgenerate` runs go generate in
// examples/shop and must not run gqlgen.
package handbff
