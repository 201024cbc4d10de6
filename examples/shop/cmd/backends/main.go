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
	catalog := flag.String("catalog", "127.0.0.1:9001", "catalog listen address")
	reviews := flag.String("reviews", "127.0.0.1:9002", "reviews listen address")
	flag.Parse()
	run, err := backends.Start(*catalog, *reviews)
	if err != nil {
		fmt.Fprintf(os.Stderr, "backends: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("catalog on %s, reviews on %s\n", run.CatalogURL, run.ReviewsURL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	run.Close()
}
