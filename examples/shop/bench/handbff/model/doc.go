// Package model holds the GraphQL models of the hand-written BFF: the
// structs gqlgen generated from schema.graphqls (models_gen.go), the
// hand-written Product and Review, which carry the ids of the users behind
// their seller and reviewer fields, and the Int64 and DateTime scalars.
package model
