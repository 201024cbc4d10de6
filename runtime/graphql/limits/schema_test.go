package limits_test

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// testSDL is a small shop-like schema with the cost directives, declared
// as the bffgen prelude declares them.
const testSDL = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  product(id: ID!): Product
  products(first: Int = 20, category: Category): [Product!]! @listSize(slicingArguments: ["first"])
  search(text: String! @cost(weight: 7)): [Product!]! @listSize(assumedSize: 3)
  productPage(first: Int = 4, last: Int, after: String): ProductPage! @listSize(slicingArguments: ["first", "last"], sizedFields: ["products"])
  tags: [String!]!
  report: Report
  expensive: Int @cost(weight: 50)
  category: Category
}

type Mutation {
  addReview(rating: Int!): Review
}

type ProductPage {
  products: [Product!]!
  nextPageToken: String!
}

type Product {
  id: ID!
  name: String!
  related(first: Int = 5): [Product!]! @listSize(slicingArguments: ["first"])
  similar: [Product!]!
  seller: User!
  reviews: [Review!]!
}

type User {
  id: ID!
  name: String!
}

type Review {
  id: ID!
  rating: Int!
}

type Report @cost(weight: 25) {
  total: Int!
}

enum Category @cost(weight: 2) {
  BOOKS
  HOME
}
`

func testSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphql", Input: testSDL})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// defaults are the limits of the production profile.
var defaults = limits.Config{
	MaxTokens: 15000, MaxDepth: 10, MaxAliases: 15, MaxRootFields: 20,
	MaxDirectives: 50, MaxFields: 3500, MaxValidationWork: 50000, MaxCost: 5000, DefaultListSize: 10,
}

// check parses query (no token limit) and checks it.
func check(t testing.TB, c limits.Config, query, op string, vars map[string]any) (limits.Measure, error) {
	t.Helper()
	doc, err := limits.Parse(query, 0)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c.Check(doc, op, vars, limits.NewCostModel(testSchema(t)))
}
