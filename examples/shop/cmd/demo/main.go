package main

import (
	"fmt"
	"os"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
)

const sample = `{ products(first: 3) { id name priceCents displayPrice createdAt category seller { displayName } reviews { rating body reviewer { displayName country } } } }`

func main() {
	run, err := backends.Start(backends.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: starting the backends: %v\n", err)
		os.Exit(1)
	}
	defer run.Close()
	// bff.yaml reads the backends' addresses from these variables.
	os.Setenv("CATALOG_URL", run.CatalogURL)
	os.Setenv("REVIEWS_URL", run.ReviewsURL)
	os.Setenv("USERS_URL", run.UsersURL)
	listen := os.Getenv("BFF_LISTEN")
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	fmt.Printf(`bffgen demo: catalog on %s, reviews on %s, users on %s
The BFF listens on http://%s/graphql (GraphiQL at http://%s/). Try:

  curl -s http://%s/graphql -H 'Content-Type: application/json' \
    -d '{"query":"%s"}'

`, run.CatalogURL, run.ReviewsURL, run.UsersURL, listen, listen, listen, sample)
	go simulateSales(run)
	code := runtime.Main(gen.Service(&resolvers.Resolver{}))
	run.Close()
	os.Exit(code)
}

// simulateSales sells one unit of the trail shoes every few seconds and
// restocks them when they run out, so `subscription { stock(productId:
// "p-1001") { units at } }` has something to show.
func simulateSales(run *backends.Running) {
	units := int32(14)
	for range time.Tick(3 * time.Second) {
		units--
		if units < 0 {
			units = 14
		}
		run.Catalog.SetStock("p-1001", units)
	}
}
