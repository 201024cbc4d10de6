// Package testschema is a small gqlgen-generated GraphQL schema for the
// runtime's tests. [New] returns its executable schema; the fields of
// [Resolver] choose what the resolvers do.
//
// generated.go and models_gen.go are generated from schema.graphqls by
// gqlgen (go generate) and committed.
package testschema

//go:generate go tool gqlgen generate --config gqlgen.yml
