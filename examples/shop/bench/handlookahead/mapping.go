package handlookahead

import (
	"time"

	handmodel "github.com/bffgen/bffgen/examples/shop/bench/handbff/model"
	"github.com/bffgen/bffgen/examples/shop/bench/handlookahead/model"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// productFromPB maps a catalog product to its GraphQL model, without its
// seller and reviews (see prefetch).
func productFromPB(p *catalogv1.Product) *model.Product {
	m := &model.Product{
		ID:          p.GetId(),
		Name:        p.GetName(),
		Description: p.GetDescription(),
		PriceCents:  p.GetPriceCents(),
		Currency:    p.GetCurrency(),
		Category:    categoryFromPB(p.GetCategory()),
		CreatedAt:   timeFromPB(p.GetCreatedAt()),
		Tags:        p.GetTags(),
		SellerID:    p.GetSellerId(),
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if p.Stock != nil {
		stock := int(p.GetStock())
		m.Stock = &stock
	}
	return m
}

// reviewFromPB maps a review to its GraphQL model, without its reviewer.
func reviewFromPB(r *reviewsv1.Review) *model.Review {
	return &model.Review{
		ID:        r.GetId(),
		ProductID: r.GetProductId(),
		Rating:    int(r.GetRating()),
		Title:     r.GetTitle(),
		Body:      r.GetBody(),
		Author:    r.GetAuthor(),
		CreatedAt: timeFromPB(r.GetCreatedAt()),
		AuthorID:  r.GetAuthorId(),
	}
}

// userFromPB maps a user to its GraphQL model.
func userFromPB(u *usersv1.User) *handmodel.User {
	return &handmodel.User{
		ID:          u.GetId(),
		DisplayName: u.GetDisplayName(),
		Country:     u.GetCountry(),
		JoinedAt:    timeFromPB(u.GetJoinedAt()),
	}
}

// categoryFromPB maps a catalog category to the GraphQL enum; the zero
// value (CATEGORY_UNSPECIFIED) and values the schema does not know are
// null.
func categoryFromPB(c catalogv1.Category) *handmodel.Category {
	var m handmodel.Category
	switch c {
	case catalogv1.Category_CATEGORY_ELECTRONICS:
		m = handmodel.CategoryElectronics
	case catalogv1.Category_CATEGORY_BOOKS:
		m = handmodel.CategoryBooks
	case catalogv1.Category_CATEGORY_HOME:
		m = handmodel.CategoryHome
	case catalogv1.Category_CATEGORY_OUTDOOR:
		m = handmodel.CategoryOutdoor
	default:
		return nil
	}
	return &m
}

// categoryToPB maps the GraphQL enum to a catalog category; null is
// CATEGORY_UNSPECIFIED, which the catalog reads as "all categories".
func categoryToPB(c *handmodel.Category) catalogv1.Category {
	if c == nil {
		return catalogv1.Category_CATEGORY_UNSPECIFIED
	}
	switch *c {
	case handmodel.CategoryElectronics:
		return catalogv1.Category_CATEGORY_ELECTRONICS
	case handmodel.CategoryBooks:
		return catalogv1.Category_CATEGORY_BOOKS
	case handmodel.CategoryHome:
		return catalogv1.Category_CATEGORY_HOME
	case handmodel.CategoryOutdoor:
		return catalogv1.Category_CATEGORY_OUTDOOR
	}
	return catalogv1.Category_CATEGORY_UNSPECIFIED
}

// timeFromPB maps a timestamp to a time; an unset timestamp is null.
func timeFromPB(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}
