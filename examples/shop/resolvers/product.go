package resolvers

import (
	"context"
	"fmt"

	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
)

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// ProductDisplayPrice resolves Product.displayPrice: the price formatted for
// display, e.g. "€129.00".
func (r *Resolver) ProductDisplayPrice(ctx context.Context, obj *catalogv1.Product) (string, error) {
	cents := obj.GetPriceCents()
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	sym, ok := currencySymbols[obj.GetCurrency()]
	if !ok {
		return fmt.Sprintf("%s%d.%02d %s", sign, cents/100, cents%100, obj.GetCurrency()), nil
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, sym, cents/100, cents%100), nil
}
