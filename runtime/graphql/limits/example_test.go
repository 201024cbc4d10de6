package limits_test

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// The dispatcher's use: a cost model built once from the executable
// schema, then Config.Parse and Config.Check on every new document.
func Example() {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
type Query { products(first: Int = 20): [Product!]! @listSize(slicingArguments: ["first"]) }
type Product { id: ID! related: [Product!]! }`})
	model := limits.NewCostModel(schema)
	cfg := limits.Config{MaxTokens: 15000, MaxDepth: 10, MaxCost: 5000, DefaultListSize: 10}

	for _, query := range []string{
		`query($n: Int) { products(first: $n) { id related { id } } }`,
		`{ products(first: 100) { related { related { related { id } } } } }`,
	} {
		doc, err := cfg.Parse(query)
		if err != nil {
			fmt.Println(err)
			continue
		}
		m, err := cfg.Check(doc, "", map[string]any{"n": 3.0}, model)
		if le, ok := errors.AsType[*limits.Error](err); ok {
			fmt.Println(le.Code, le)
			continue
		}
		fmt.Println("accepted, cost", m.Cost, "depth", m.Depth)
	}
	// Output:
	// accepted, cost 33 depth 3
	// COST_ESTIMATED_TOO_EXPENSIVE query estimated cost 111100 exceeds the limit of 5000
}
