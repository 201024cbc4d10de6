package backends

import (
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends/catalog"
	"github.com/bffgen/bffgen/examples/shop/backends/reviews"
	"github.com/bffgen/bffgen/examples/shop/backends/users"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
)

// NewServer returns an http.Server for one backend handler that speaks
// HTTP/1.1 and unencrypted HTTP/2 (gRPC needs the latter without TLS).
func NewServer(h http.Handler) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{Handler: h, Protocols: &protocols, ReadHeaderTimeout: 5 * time.Second}
}

// Options configure Start.
type Options struct {
	// Products is the size of the catalog; default 10 (the examples).
	Products int
	// ReviewsPerProduct, when above zero, adds generated reviews so that
	// every product of the catalog has at least that many; default 0: only
	// the example reviews of the first ten products.
	ReviewsPerProduct int
	// Handler options, e.g. connect.WithInterceptors to count calls.
	HandlerOptions []connect.HandlerOption
}

// Running is a set of backends started by Start.
type Running struct {
	CatalogURL, ReviewsURL, UsersURL string
	// Catalog is the catalog backend, to change stock in tests and demos.
	Catalog *catalog.Server
	servers []*http.Server
}

// Start serves the three backends on free ports of 127.0.0.1 and returns
// their base URLs.
func Start(opts Options) (*Running, error) {
	if opts.Products == 0 {
		opts.Products = 10
	}
	mux := func(path string, h http.Handler) http.Handler {
		m := http.NewServeMux()
		m.Handle(path, h)
		return m
	}
	r := &Running{Catalog: catalog.NewN(opts.Products)}
	for _, b := range []struct {
		addr string
		h    http.Handler
		url  *string
	}{
		{"127.0.0.1:0", mux(catalogv1connect.NewCatalogServiceHandler(r.Catalog, opts.HandlerOptions...)), &r.CatalogURL},
		{"127.0.0.1:0", mux(reviewsv1connect.NewReviewServiceHandler(reviews.NewFor(r.Catalog.IDs(), opts.ReviewsPerProduct), opts.HandlerOptions...)), &r.ReviewsURL},
		{"127.0.0.1:0", mux(usersv1connect.NewUserServiceHandler(users.New(), opts.HandlerOptions...)), &r.UsersURL},
	} {
		ln, err := net.Listen("tcp", b.addr)
		if err != nil {
			r.Close()
			return nil, err
		}
		srv := NewServer(b.h)
		r.servers = append(r.servers, srv)
		*b.url = "http://" + ln.Addr().String()
		go srv.Serve(ln)
	}
	return r, nil
}

// Close stops the backends at once.
func (r *Running) Close() {
	for _, s := range r.servers {
		s.Close()
	}
}
