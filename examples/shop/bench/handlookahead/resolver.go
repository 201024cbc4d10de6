package handlookahead

import (
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
)

// Resolver is the root resolver of the lookahead BFF; it holds the clients
// of the three backends. It keeps no state between requests.
type Resolver struct {
	Catalog catalogv1connect.CatalogServiceClient
	Reviews reviewsv1connect.ReviewServiceClient
	Users   usersv1connect.UserServiceClient
}
