package schema_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bffgen/bffgen/schema"
)

func TestPreludeCostDirectives(t *testing.T) {
	t.Parallel()
	const use = `type Query { items(first: Int): [Int!]! @listSize(slicingArguments: ["first"]) @cost(weight: 2) }`
	tests := []struct {
		name     string
		sdl      string
		declared map[string]bool
	}{
		{"the prelude declares @cost and @listSize", use, map[string]bool{}},
		{"a schema that declares them itself keeps its own", use + `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION`,
			map[string]bool{"@cost": true, "@listSize": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prelude := schema.Prelude(tt.declared)
			for _, d := range schema.CostDirectives {
				if got, want := strings.Contains(prelude.Input, "directive @"+d+"("), !tt.declared["@"+d]; got != want {
					t.Errorf("prelude declares @%s: %v, want %v", d, got, want)
				}
			}
			s, err := gqlparser.LoadSchema(prelude, &ast.Source{Name: "s.graphql", Input: tt.sdl})
			if err != nil {
				t.Fatal(err)
			}
			if s.Query.Fields.ForName("items").Directives.ForName("listSize") == nil {
				t.Error("@listSize is lost")
			}
		})
	}
}
