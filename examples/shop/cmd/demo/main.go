package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
)

const sample = `query ProductsWithReviewers { products(first: 3) { id name priceCents displayPrice createdAt category seller { displayName } reviews { rating body reviewer { displayName country } } } }`

func main() {
	run, err := backends.Start(backends.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: starting the backends: %v\n", err)
		os.Exit(1)
	}
	defer run.Close()
	// bff.yaml and bff.production.yaml read the backends' addresses from
	// these variables.
	os.Setenv("CATALOG_URL", run.CatalogURL)
	os.Setenv("REVIEWS_URL", run.ReviewsURL)
	os.Setenv("USERS_URL", run.UsersURL)
	banner(os.Stdout, run, os.Args[1:])
	go simulateSales(run)
	// runtime.Main reads the same flags (--config, --dev) and reports their
	// errors.
	code := runtime.Main(gen.Service(&resolvers.Resolver{}))
	run.Close()
	os.Exit(code)
}

// banner prints where the demo serves and a query to try, as the
// configuration named by args (the flags of runtime.Main) says. It prints
// nothing when the flags or the file are wrong: runtime.Main says why.
func banner(w io.Writer, run *backends.Running, args []string) {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	path := flags.String("config", "bff.yaml", "")
	dev := flags.Bool("dev", false, "")
	if flags.Parse(args) != nil {
		return
	}
	var opts []config.Option
	if *dev {
		opts = append(opts, config.WithMode(config.ModeDevelopment))
	}
	cfg, err := config.Load(*path, opts...)
	if err != nil {
		return
	}
	endpoint := "http://" + cfg.Listen + cfg.Gateway.GraphQL.Path
	fmt.Fprintf(w, "bffgen demo (%s, %s mode): catalog on %s, reviews on %s, users on %s\n",
		*path, cfg.Mode, run.CatalogURL, run.ReviewsURL, run.UsersURL)
	ide := "no GraphiQL"
	if cfg.Development() && cfg.Gateway.GraphQL.GraphiQL {
		ide = "GraphiQL at http://" + cfg.Listen + "/"
	}
	introspection := "introspection off"
	if cfg.Gateway.GraphQL.Introspection {
		introspection = "introspection on"
	}
	fmt.Fprintf(w, "The BFF listens on %s (%s, %s), its admin on http://%s. Try:\n\n", endpoint, ide, introspection, cfg.Admin)
	fmt.Fprintf(w, "  curl -s %s -H 'Content-Type: application/json' \\\n    -d '{\"query\":\"%s\"}'\n\n", endpoint, sample)
	// A frontend sends the operation's hash alone: the SHA-256 of its
	// document, as in persisted-operations.json (see docs/frontend.md).
	sum := sha256.Sum256([]byte(sample))
	fmt.Fprintf(w, "or, as the frontend does, by its persisted hash:\n\n")
	fmt.Fprintf(w, "  curl -s %s -H 'Content-Type: application/json' \\\n    -d '{\"extensions\":{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}}'\n\n", endpoint, hex.EncodeToString(sum[:]))
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
