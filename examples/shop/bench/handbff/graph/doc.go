// Package graph is the GraphQL executor of the hand-written BFF, generated
// by gqlgen from ../schema.graphqls (see package handbff for the command).
package graph
