package model

import "time"

// Product is a product of the catalog. Its seller and reviews fields have
// resolvers: SellerID is what Product.seller loads.
type Product struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	PriceCents  int64      `json:"priceCents"`
	Currency    string     `json:"currency"`
	Category    *Category  `json:"category,omitempty"`
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	Tags        []string   `json:"tags"`
	Stock       *int       `json:"stock,omitempty"`
	// SellerID is the id of the user who sells the product; it is not in
	// the schema.
	SellerID string `json:"-"`
}

// Review is a review of a product. Its reviewer field has a resolver:
// AuthorID is what Review.reviewer loads.
type Review struct {
	ID        string     `json:"id"`
	ProductID string     `json:"productId"`
	Rating    int        `json:"rating"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Author    string     `json:"author"`
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	// AuthorID is the id of the user who wrote the review; it is not in
	// the schema.
	AuthorID string `json:"-"`
}
