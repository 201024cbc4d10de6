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
