// Package model holds the GraphQL models of the lookahead BFF (package
// handlookahead) that differ from the dataloader baseline's: Product and
// Review carry their seller, reviews and reviewer as data, filled by the
// products resolver before gqlgen marshals them. User, Category and the
// scalars are the baseline's (package handbff/model); models_gen.go is
// what gqlgen generates for the rest (only Query).
package model
