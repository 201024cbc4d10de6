package handbff

import (
	"github.com/bffgen/bffgen/examples/shop/bench/handbff/model"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	reviewsv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/reviews/v1"
)

// productFromPB maps a catalog product to its GraphQL model.
func productFromPB(p *catalogv1.Product) *model.Product {
	m := &model.Product{
		ID:          p.GetId(),
		Name:        p.GetName(),
		Description: p.GetDescription(),
		PriceCents:  p.GetPriceCents(),
		Currency:    p.GetCurrency(),
		Category:    model.CategoryFromPB(p.GetCategory()),
		CreatedAt:   model.TimeFromPB(p.GetCreatedAt()),
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

// reviewFromPB maps a review to its GraphQL model.
func reviewFromPB(r *reviewsv1.Review) *model.Review {
	return &model.Review{
		ID:        r.GetId(),
		ProductID: r.GetProductId(),
		Rating:    int(r.GetRating()),
		Title:     r.GetTitle(),
		Body:      r.GetBody(),
		Author:    r.GetAuthor(),
		CreatedAt: model.TimeFromPB(r.GetCreatedAt()),
		AuthorID:  r.GetAuthorId(),
	}
}
