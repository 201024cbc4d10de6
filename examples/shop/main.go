// Command shop is the example BFF: a GraphQL endpoint for a shop frontend
// over two backends, catalog and reviews (see backends/ and cmd/demo).
package main

//go:generate go tool bffgen generate

import (
	"os"

	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
)

func main() {
	os.Exit(runtime.Main(gen.Service(&resolvers.Resolver{})))
}
