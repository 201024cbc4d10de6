package handlookahead

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"connectrpc.com/connect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/examples/shop/backends/users"
	handmodel "github.com/bffgen/bffgen/examples/shop/bench/handbff/model"
	"github.com/bffgen/bffgen/examples/shop/bench/handlookahead/model"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
)

// selection is what an operation selects below Query.products, as far as
// it takes backend calls: the lookahead of gqlgen's "field collection".
type selection struct {
	// seller is whether any selection of Product.seller is made.
	seller bool
	// perProduct are the distinct per_product values of the selections of
	// Product.reviews (aliases may ask for different firsts), in the order
	// they first appear; see model.ReviewsKey.
	perProduct []int32
	// reviewer is whether any selection of Product.reviews selects
	// Review.reviewer.
	reviewer bool
}

// lookahead reads the selection set of the products field of ctx, with
// fragments, aliases, @skip and @include resolved by gqlgen's
// CollectFields, and the first argument of each reviews field with its
// default and the operation's variables applied.
func lookahead(ctx context.Context) (selection, error) {
	var sel selection
	opCtx := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"Product"}) {
		switch f.Name {
		case "seller":
			sel.seller = true
		case "reviews":
			var first *int
			if v := f.ArgumentMap(opCtx.Variables)["first"]; v != nil {
				n, err := graphql.UnmarshalInt(v)
				if err != nil {
					return sel, fmt.Errorf("reviews(first:): %w", err)
				}
				first = &n
			}
			if key := model.ReviewsKey(first); !slices.Contains(sel.perProduct, key) {
				sel.perProduct = append(sel.perProduct, key)
			}
			for _, rf := range graphql.CollectFields(opCtx, f.Selections, []string{"Review"}) {
				if rf.Name == "reviewer" {
					sel.reviewer = true
				}
			}
		}
	}
	return sel, nil
}

// prefetch loads what sel needs for products, level by level with one
// batched call per backend and level: the sellers (BatchGetUsers) side by
// side with the reviews (ListReviewsByProducts), and once the reviews are
// in, their reviewers (BatchGetUsers). It stores the results in the
// models, which gqlgen then marshals without resolvers.
//
// A failed sellers or reviews call fails the products field (both are
// non-null in the schema, so the answer's data is null either way); a
// failed reviewers call leaves every reviewer null with one error on the
// products field, since reviewer is nullable.
func (r *Resolver) prefetch(ctx context.Context, products []*model.Product, sel selection) error {
	if len(products) == 0 {
		return nil
	}
	var wg sync.WaitGroup
	var sellersErr error
	if sel.seller {
		wg.Go(func() { sellersErr = r.loadSellers(ctx, products) })
	}
	var reviewsErr error
	if len(sel.perProduct) > 0 {
		var reviews []*model.Review
		reviews, reviewsErr = r.loadReviews(ctx, products, sel.perProduct)
		if reviewsErr == nil && sel.reviewer {
			if err := r.loadReviewers(ctx, reviews); err != nil {
				graphql.AddErrorf(ctx, "loading the reviewers: %v", err)
			}
		}
	}
	wg.Wait()
	return errors.Join(sellersErr, reviewsErr)
}

// loadSellers sets the seller of every product; a seller the users backend
// does not know stays nil.
func (r *Resolver) loadSellers(ctx context.Context, products []*model.Product) error {
	ids := make([]string, 0, len(products))
	for _, p := range products {
		ids = append(ids, p.SellerID)
	}
	byID, err := r.fetchUsers(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range products {
		p.Seller = byID[p.SellerID]
	}
	return nil
}

// loadReviewers sets the reviewer of every review with an author id; an
// author the users backend does not know stays nil.
func (r *Resolver) loadReviewers(ctx context.Context, reviews []*model.Review) error {
	ids := make([]string, 0, len(reviews))
	for _, rv := range reviews {
		if rv.AuthorID != "" {
			ids = append(ids, rv.AuthorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byID, err := r.fetchUsers(ctx, ids)
	if err != nil {
		return err
	}
	for _, rv := range reviews {
		rv.Reviewer = byID[rv.AuthorID]
	}
	return nil
}

// fetchUsers loads the distinct users among ids with one BatchGetUsers
// call, or, past users.MaxBatch distinct ids, one call per MaxBatch ids,
// side by side. The backend answers in no particular order and leaves out
// unknown ids, which are absent from the map.
func (r *Resolver) fetchUsers(ctx context.Context, ids []string) (map[string]*handmodel.User, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var (
		mu   sync.Mutex
		byID = make(map[string]*handmodel.User, len(ids))
		errs []error
		wg   sync.WaitGroup
	)
	for chunk := range slices.Chunk(ids, users.MaxBatch) {
		wg.Go(func() {
			resp, err := r.Users.BatchGetUsers(ctx, connect.NewRequest(&usersv1.BatchGetUsersRequest{Ids: chunk}))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for _, u := range resp.Msg.GetUsers() {
				byID[u.GetId()] = handmodel.UserFromPB(u)
			}
		})
	}
	wg.Wait()
	return byID, errors.Join(errs...)
}

// loadReviews sets the reviews of every product for each of the
// per_product values and returns every review loaded, once. It makes one
// ListReviewsByProducts call: with the value when there is one, with the
// largest when all are positive (the backend answers the newest first, so
// the first n of the largest are the newest n). A mix of null or
// non-positive values with others, whose meaning is the backend's default,
// takes one call per value. A product without reviews gets an empty list.
func (r *Resolver) loadReviews(ctx context.Context, products []*model.Product, perProduct []int32) ([]*model.Review, error) {
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
		p.ReviewsByFirst = make(map[int32][]*model.Review, len(perProduct))
	}
	calls := perProduct
	if len(perProduct) > 1 && slices.Min(perProduct) > 0 {
		calls = []int32{slices.Max(perProduct)}
	}
	var all []*model.Review
	for _, per := range calls {
		resp, err := r.Reviews.ListReviewsByProducts(ctx, connect.NewRequest(&reviewsv1.ListReviewsByProductsRequest{
			ProductIds: ids,
			PerProduct: per,
		}))
		if err != nil {
			return nil, err
		}
		byProduct := make(map[string][]*model.Review, len(resp.Msg.GetResults()))
		for _, res := range resp.Msg.GetResults() {
			reviews := make([]*model.Review, len(res.GetReviews()))
			for j, rv := range res.GetReviews() {
				reviews[j] = reviewFromPB(rv)
			}
			byProduct[res.GetProductId()] = reviews
			all = append(all, reviews...)
		}
		for _, p := range products {
			reviews := byProduct[p.ID]
			if reviews == nil {
				reviews = []*model.Review{}
			}
			if len(calls) < len(perProduct) { // merged: cut to each first
				for _, want := range perProduct {
					p.ReviewsByFirst[want] = reviews[:min(len(reviews), int(want))]
				}
			} else {
				p.ReviewsByFirst[per] = reviews
			}
		}
	}
	return all, nil
}
