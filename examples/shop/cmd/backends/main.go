package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bffgen/bffgen/examples/shop/backends"
)

func main() {
	products := flag.Int("products", 10, "number of products in the catalog")
	reviews := flag.Int("reviews-per-product", 0, "generated reviews so that every product has at least this many (0: only the examples)")
	flag.Parse()
	run, err := backends.Start(backends.Options{Products: *products, ReviewsPerProduct: *reviews})
	if err != nil {
		fmt.Fprintf(os.Stderr, "backends: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("CATALOG_URL=%s REVIEWS_URL=%s USERS_URL=%s\n", run.CatalogURL, run.ReviewsURL, run.UsersURL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	run.Close()
}
