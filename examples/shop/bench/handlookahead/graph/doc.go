// Package graph is the GraphQL executor of the lookahead BFF, generated
// by gqlgen from ../../handbff/schema.graphqls (see package handlookahead
// for the command).
package graph
