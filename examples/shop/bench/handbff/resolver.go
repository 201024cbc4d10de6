package handbff

import (
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1/reviewsv1connect"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1/usersv1connect"
)

// Resolver is the root resolver of the hand-written BFF; it holds the
// clients of the three backends. The per-request dataloaders are in the
// context (see loadersFor).
type Resolver struct {
	Catalog catalogv1connect.CatalogServiceClient
	Reviews reviewsv1connect.ReviewServiceClient
	Users   usersv1connect.UserServiceClient
}
