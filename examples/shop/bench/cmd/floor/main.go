package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/bench"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
	"golang.org/x/sync/errgroup"
)

type clients struct {
	catalog catalogv1connect.CatalogServiceClient
	reviews reviewsv1connect.ReviewServiceClient
	users   usersv1connect.UserServiceClient
}

func main() {
	catalogURL := flag.String("catalog", "", "base URL of the catalog backend (required)")
	reviewsURL := flag.String("reviews", "", "base URL of the reviews backend (required)")
	usersURL := flag.String("users", "", "base URL of the users backend (required)")
	conc := flag.Int("c", 16, "concurrent sequences")
	dur := flag.Duration("d", 5*time.Second, "how long to run")
	flag.Parse()
	for name, v := range map[string]string{"-catalog": *catalogURL, "-reviews": *reviewsURL, "-users": *usersURL} {
		if v == "" {
			fmt.Fprintf(os.Stderr, "floor: %s is required\n", name)
			os.Exit(2)
		}
	}
	if *conc < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "floor: -c must be at least 1 and -d above zero")
		os.Exit(2)
	}
	// The same pool settings as the BFFs' clients: many idle connections
	// per host, so that no variant pays for reconnecting.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}}
	c := clients{
		catalog: catalogv1connect.NewCatalogServiceClient(hc, *catalogURL),
		reviews: reviewsv1connect.NewReviewServiceClient(hc, *reviewsURL),
		users:   usersv1connect.NewUserServiceClient(hc, *usersURL),
	}
	res := run(c, *conc, *dur)
	json.NewEncoder(os.Stdout).Encode(res)
	if res.Bad > 0 {
		os.Exit(1)
	}
}

// run drives conc workers for dur and merges their latencies.
func run(c clients, conc int, dur time.Duration) bench.Result {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range conc {
		wg.Go(func() {
			var lat []time.Duration
			bad := 0
			var first error
			for ctx.Err() == nil {
				t0 := time.Now()
				// Each sequence gets its own deadline so that the end of
				// the run does not cut one short and count it as failed.
				sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := sequence(sctx, c)
				scancel()
				if err != nil {
					bad++
					first = cmpErr(first, err)
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			firstErr = cmpErr(firstErr, first)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := bench.Result{Requests: len(all) + errs, Bad: errs, Seconds: elapsed.Seconds()}
	if firstErr != nil {
		r.FirstErr = firstErr.Error()
	}
	if len(all) > 0 {
		pct := func(p float64) float64 {
			i := int(p / 100 * float64(len(all)-1))
			return float64(all[i].Nanoseconds()) / 1e3
		}
		r.P50us, r.P90us, r.P99us, r.MaxUs = pct(50), pct(90), pct(99), pct(100)
	}
	return r
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// sequence makes the backend calls of one bench.Query: three levels, the
// two calls of the second level side by side.
func sequence(ctx context.Context, c clients) error {
	list, err := c.catalog.ListProducts(ctx, connect.NewRequest(&catalogv1.ListProductsRequest{PageSize: bench.First}))
	if err != nil {
		return err
	}
	products := list.Msg.GetProducts()
	productIDs := make([]string, len(products))
	sellers := make([]string, 0, len(products))
	for i, p := range products {
		productIDs[i] = p.GetId()
		sellers = appendNew(sellers, p.GetSellerId())
	}
	var byProduct []*reviewsv1.ProductReviews
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		res, err := c.users.BatchGetUsers(gctx, connect.NewRequest(&usersv1.BatchGetUsersRequest{Ids: sellers}))
		if err == nil && len(res.Msg.GetUsers()) != len(sellers) {
			err = fmt.Errorf("sellers: %d of %d found", len(res.Msg.GetUsers()), len(sellers))
		}
		return err
	})
	g.Go(func() error {
		res, err := c.reviews.ListReviewsByProducts(gctx, connect.NewRequest(&reviewsv1.ListReviewsByProductsRequest{ProductIds: productIDs, PerProduct: bench.PerProduct}))
		if err == nil {
			byProduct = res.Msg.GetResults()
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	var authors []string
	for _, pr := range byProduct {
		for _, r := range pr.GetReviews() {
			authors = appendNew(authors, r.GetAuthorId())
		}
	}
	if len(authors) == 0 {
		return errors.New("no reviews: start the backends with -reviews-per-product")
	}
	_, err = c.users.BatchGetUsers(ctx, connect.NewRequest(&usersv1.BatchGetUsersRequest{Ids: authors}))
	return err
}

// appendNew appends v to s unless s has it: the keys of a batch call are
// sent once, as the BFFs send them.
func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
