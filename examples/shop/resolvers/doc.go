// Package resolvers holds the hand-written resolvers of the example BFF:
// the fields of the schema that no binding resolves (Product.displayPrice).
// bffgen scaffolded resolver.go once; the files here are never overwritten.
package resolvers
