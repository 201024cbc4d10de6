package model

import (
	"fmt"
	"time"

	handmodel "github.com/bffgen/bffgen/examples/shop/bench/handbff/model"
)

// Product is a product of the catalog with its seller and reviews already
// loaded: gqlgen reads Seller as a plain field and calls Reviews inline (it
// takes no context), so no field of a product is resolved in a goroutine
// of its own.
type Product struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	PriceCents  int64               `json:"priceCents"`
	Currency    string              `json:"currency"`
	Category    *handmodel.Category `json:"category,omitempty"`
	CreatedAt   *time.Time          `json:"createdAt,omitempty"`
	Tags        []string            `json:"tags"`
	Stock       *int                `json:"stock,omitempty"`
	// Seller is who sells the product. It is nil when the operation does
	// not select seller, or when the users backend does not know SellerID;
	// gqlgen then answers seller (User!) with its null error.
	Seller *handmodel.User `json:"seller"`
	// SellerID is the id of the user who sells the product; it is not in
	// the schema.
	SellerID string `json:"-"`
	// ReviewsByFirst holds the reviews of the product for each per_product
	// value the operation's reviews fields ask for (see ReviewsKey).
	ReviewsByFirst map[int32][]*Review `json:"-"`
}

// ReviewsKey is the key of a reviews(first:) field in
// Product.ReviewsByFirst: the per_product value sent to the reviews
// backend, 0 for null (which the backend reads as its default).
func ReviewsKey(first *int) int32 {
	if first == nil {
		return 0
	}
	return int32(*first)
}

// Reviews answers Product.reviews(first:) from ReviewsByFirst. The products
// resolver loads every first the operation selects before it returns, so a
// missing one is a bug of the lookahead, reported as a field error.
func (p *Product) Reviews(first *int) ([]*Review, error) {
	reviews, ok := p.ReviewsByFirst[ReviewsKey(first)]
	if !ok {
		return nil, fmt.Errorf("reviews(first: %d) of product %q were not loaded", ReviewsKey(first), p.ID)
	}
	return reviews, nil
}

// Review is a review of a product with its reviewer already loaded.
type Review struct {
	ID        string     `json:"id"`
	ProductID string     `json:"productId"`
	Rating    int        `json:"rating"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Author    string     `json:"author"`
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	// Reviewer is who wrote the review: nil when the operation does not
	// select reviewer, when the review has no AuthorID or when the users
	// backend does not know it (a deleted account); null in the answer.
	Reviewer *handmodel.User `json:"reviewer,omitempty"`
	// AuthorID is the id of the user who wrote the review; it is not in
	// the schema.
	AuthorID string `json:"-"`
}
