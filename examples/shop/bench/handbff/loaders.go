package handbff

import (
	"context"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/bench/handbff/model"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"github.com/vikstrous/dataloadgen"
)

// maxUsersPerCall is the most ids BatchGetUsers accepts in one call.
const maxUsersPerCall = 100

// reviewsKey is a key of the reviews loader: a product and how many of its
// newest reviews to load (the first argument of Product.reviews).
type reviewsKey struct {
	productID  string
	perProduct int32
}

// loaders are the dataloaders of one request, which batch the lookups of
// the fields resolved per product or per review into one backend call.
type loaders struct {
	users   *dataloadgen.Loader[string, *model.User]
	reviews *dataloadgen.Loader[reviewsKey, []*model.Review]
}

// loadersKey is the context key of the request's loaders.
type loadersKey struct{}

// newLoaders returns fresh loaders over the backends of r.
func newLoaders(r *Resolver) *loaders {
	return &loaders{
		users:   dataloadgen.NewLoader(r.fetchUsers, dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(maxUsersPerCall)),
		reviews: dataloadgen.NewLoader(r.fetchReviews, dataloadgen.WithWait(time.Millisecond)),
	}
}

// withLoaders is the middleware that gives every request its own loaders,
// so that nothing is cached across requests.
func withLoaders(r *Resolver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := context.WithValue(req.Context(), loadersKey{}, newLoaders(r))
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

// loadersFor returns the loaders of the request of ctx.
func loadersFor(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}

// fetchUsers loads users by id with one BatchGetUsers call. The backend
// answers in no particular order and leaves out unknown ids, whose users
// are nil.
func (r *Resolver) fetchUsers(ctx context.Context, ids []string) ([]*model.User, []error) {
	resp, err := r.Users.BatchGetUsers(ctx, connect.NewRequest(&usersv1.BatchGetUsersRequest{Ids: ids}))
	if err != nil {
		return nil, []error{err}
	}
	byID := make(map[string]*model.User, len(resp.Msg.GetUsers()))
	for _, u := range resp.Msg.GetUsers() {
		byID[u.GetId()] = model.UserFromPB(u)
	}
	users := make([]*model.User, len(ids))
	for i, id := range ids {
		users[i] = byID[id]
	}
	return users, nil
}

// fetchReviews loads the newest reviews of products with one
// ListReviewsByProducts call per distinct number of reviews per product
// (one in practice). The backend answers in no particular order and leaves
// out products without reviews, which get an empty list.
func (r *Resolver) fetchReviews(ctx context.Context, keys []reviewsKey) ([][]*model.Review, []error) {
	out := make([][]*model.Review, len(keys))
	errs := make([]error, len(keys))
	byPerProduct := map[int32][]int{} // perProduct -> positions in keys
	for i, k := range keys {
		byPerProduct[k.perProduct] = append(byPerProduct[k.perProduct], i)
	}
	for perProduct, positions := range byPerProduct {
		ids := make([]string, len(positions))
		for j, i := range positions {
			ids[j] = keys[i].productID
		}
		resp, err := r.Reviews.ListReviewsByProducts(ctx, connect.NewRequest(&reviewsv1.ListReviewsByProductsRequest{
			ProductIds: ids,
			PerProduct: perProduct,
		}))
		if err != nil {
			for _, i := range positions {
				errs[i] = err
			}
			continue
		}
		byProduct := make(map[string][]*model.Review, len(resp.Msg.GetResults()))
		for _, res := range resp.Msg.GetResults() {
			reviews := make([]*model.Review, len(res.GetReviews()))
			for j, rv := range res.GetReviews() {
				reviews[j] = reviewFromPB(rv)
			}
			byProduct[res.GetProductId()] = reviews
		}
		for _, i := range positions {
			if reviews, ok := byProduct[keys[i].productID]; ok {
				out[i] = reviews
			} else {
				out[i] = []*model.Review{}
			}
		}
	}
	return out, errs
}
