package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench/handlookahead"
)

func main() {
	listen := flag.String("listen", "", "address to listen on, such as 127.0.0.1:8081 (required)")
	catalogURL := flag.String("catalog", "", "base URL of the catalog backend (required)")
	reviewsURL := flag.String("reviews", "", "base URL of the reviews backend (required)")
	usersURL := flag.String("users", "", "base URL of the users backend (required)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "handlookahead: unexpected arguments: %q\n", flag.Args())
		os.Exit(2)
	}
	for _, f := range []struct{ name, value string }{
		{"-listen", *listen}, {"-catalog", *catalogURL}, {"-reviews", *reviewsURL}, {"-users", *usersURL},
	} {
		if f.value == "" {
			fmt.Fprintf(os.Stderr, "handlookahead: %s is required\n", f.name)
			flag.Usage()
			os.Exit(2)
		}
	}
	if err := run(*listen, *catalogURL, *reviewsURL, *usersURL); err != nil {
		fmt.Fprintf(os.Stderr, "handlookahead: %v\n", err)
		os.Exit(1)
	}
}

// run serves the BFF on addr until SIGINT or SIGTERM, then lets the
// requests in flight finish.
func run(addr, catalogURL, reviewsURL, usersURL string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handlookahead.NewHandler(catalogURL, reviewsURL, usersURL),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "handlookahead listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
