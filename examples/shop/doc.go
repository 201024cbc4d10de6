// Command shop is the example BFF: a GraphQL endpoint for a shop frontend
// over three backends, catalog, reviews and users (see backends/ and
// cmd/demo).
//
// bff.yaml is its development profile (GraphiQL, introspection);
// bff.production.yaml its production profile, with every protection of the
// runtime set explicitly: `go run ./cmd/demo --config bff.production.yaml`.
// Product.related is a self-recursive list batched with one
// ListRelatedProducts call per level, so depth and cost limits meet a real
// schema.
package main
