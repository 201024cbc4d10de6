package backends

import (
	"net"
	"net/http"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends/catalog"
	"github.com/bffgen/bffgen/examples/shop/backends/reviews"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
)

// NewServer returns an http.Server for one backend handler that speaks
// HTTP/1.1 and unencrypted HTTP/2 (gRPC needs the latter without TLS).
func NewServer(h http.Handler) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{Handler: h, Protocols: &protocols, ReadHeaderTimeout: 5 * time.Second}
}

// Catalog returns the catalog backend's handler, with its example data.
func Catalog() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(catalogv1connect.NewCatalogServiceHandler(catalog.New()))
	return mux
}

// Reviews returns the reviews backend's handler, with its example data.
func Reviews() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(reviewsv1connect.NewReviewServiceHandler(reviews.New()))
	return mux
}

// Running is a set of backends started by Start.
type Running struct {
	CatalogURL, ReviewsURL string
	servers                []*http.Server
}

// Start serves both backends on the given listen addresses (":0" style
// addresses pick free ports) and returns their base URLs.
func Start(catalogAddr, reviewsAddr string) (*Running, error) {
	r := &Running{}
	for _, b := range []struct {
		addr string
		h    http.Handler
		url  *string
	}{{catalogAddr, Catalog(), &r.CatalogURL}, {reviewsAddr, Reviews(), &r.ReviewsURL}} {
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
