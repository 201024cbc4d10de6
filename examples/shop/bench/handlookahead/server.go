package handlookahead

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/bffgen/bffgen/examples/shop/bench/handlookahead/graph"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
	"github.com/vektah/gqlparser/v2/ast"
)

// NewHandler returns the lookahead BFF: the GraphQL endpoint at /graphql
// (GET and POST), whose products resolver calls the catalog, reviews and
// users backends at the given base URLs (such as "http://127.0.0.1:9001")
// with the Connect protocol over HTTP/1.1. The server setup is the
// dataloader baseline's (handbff.NewHandler), without the per-request
// loaders. Other paths are 404.
func NewHandler(catalogURL, reviewsURL, usersURL string) http.Handler {
	// One client for the three backends, with enough idle connections per
	// host that a loaded benchmark does not reconnect.
	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}}
	r := &Resolver{
		Catalog: catalogv1connect.NewCatalogServiceClient(hc, catalogURL),
		Reviews: reviewsv1connect.NewReviewServiceClient(hc, reviewsURL),
		Users:   usersv1connect.NewUserServiceClient(hc, usersURL),
	}

	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: r}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})

	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)
	return mux
}
