package resolvers

import (
	"github.com/bffgen/bffgen/examples/shop/gen"
)

// Resolver implements the fields of the schema that no binding resolves.
// bffgen wrote this file once; it is yours to edit and is never overwritten.
// Add dependencies (database handles, caches, clients) as fields.
type Resolver struct{}

// This is a compile-time check that Resolver has a method for every user field.
var _ gen.Resolvers = (*Resolver)(nil)
