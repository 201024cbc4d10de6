package mapping_test

import (
	"testing"

	"github.com/bffgen/bffgen/schema/mapping"
)

func TestCasing(t *testing.T) {
	for _, c := range []struct{ fn, in, want string }{
		{"Snake", "priceCents", "price_cents"},
		{"JSONCamel", "payment_method", "paymentMethod"},
		{"Pascal", "payment_method", "PaymentMethod"},
		{"LowerCamel", "GetProduct", "getProduct"},
		{"LowerCamel", "URLLookup", "urlLookup"},
		{"LowerCamel", "ID", "id"},
		{"UpperFirst", "état", "État"},
	} {
		var got string
		switch c.fn {
		case "Snake":
			got = mapping.Snake(c.in)
		case "JSONCamel":
			got = mapping.JSONCamel(c.in)
		case "Pascal":
			got = mapping.Pascal(c.in)
		case "LowerCamel":
			got = mapping.LowerCamel(c.in)
		case "UpperFirst":
			got = mapping.UpperFirst(c.in)
		}
		if got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.fn, c.in, got, c.want)
		}
	}
	for name, want := range map[string]bool{"priceCents": true, "_x": true, "__typename": false, "9lives": false, "stock-keeping-unit": false, "": false} {
		if got := mapping.GraphQLName(name); got != want {
			t.Errorf("GraphQLName(%q) = %v, want %v", name, got, want)
		}
	}
}
