package limits_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

func TestCostRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		cfg   limits.Config // zero: defaults
		want  int
	}{
		{"an object field costs 1 and scalars 0", `{ product(id: 1) { id name } }`, nil, limits.Config{}, 1},
		{"each object field adds 1", `{ product(id: 1) { seller { name } } }`, nil, limits.Config{}, 2},
		{"a list of scalars costs 0", `{ tags }`, nil, limits.Config{}, 0},
		{"@cost on an enum type weighs its fields", `{ category }`, nil, limits.Config{}, 2},
		{"@cost on an object type overrides 1", `{ report { total } }`, nil, limits.Config{}, 25},
		{"@cost on a field overrides its type", `{ expensive }`, nil, limits.Config{}, 50},
		{"slicing argument from a literal", `{ products(first: 3) { id } }`, nil, limits.Config{}, 3},
		{"slicing argument from a variable", `query Q($n: Int) { products(first: $n) { id } }`, map[string]any{"n": float64(7)}, limits.Config{}, 7},
		{"slicing argument from a json.Number variable", `query Q($n: Int) { products(first: $n) { id } }`, map[string]any{"n": json.Number("8")}, limits.Config{}, 8},
		{"slicing argument from a variable default", `query Q($n: Int = 6) { products(first: $n) { id } }`, nil, limits.Config{}, 6},
		{"a given variable beats its default", `query Q($n: Int = 6) { products(first: $n) { id } }`, map[string]any{"n": 2}, limits.Config{}, 2},
		{"slicing argument from the argument default", `{ products { id } }`, nil, limits.Config{}, 20},
		{"a null slicing argument falls back to the default list size", `{ products(first: null) { id } }`, nil, limits.Config{}, 10},
		{"an absent variable without default falls back to the default list size", `query Q($n: Int) { products(first: $n) { id } }`, nil, limits.Config{}, 10},
		{"a negative slicing value counts 0", `{ products(first: -5) { id } }`, nil, limits.Config{}, 0},
		{"assumedSize, plus @cost of a given argument", `{ search(text: "x") { id } }`, nil, limits.Config{}, 3 + 7},
		{"an unmarked list multiplies by the default list size", `{ product(id: 1) { similar { id } } }`, nil, limits.Config{}, 1 + 10},
		{"nested lists multiply", `{ products(first: 2) { similar { id } } }`, nil, limits.Config{}, 2 * (1 + 10)},
		{"nested slicing arguments multiply", `{ products(first: 2) { related(first: 3) { id } } }`, nil, limits.Config{}, 2 * (1 + 3)},
		{"nested lists through a fragment", `{ products(first: 2) { ...P } } fragment P on Product { similar { id } }`, nil, limits.Config{}, 2 * (1 + 10)},
		{"a fragment spread twice costs twice", `{ products(first: 2) { ...P ...P } } fragment P on Product { seller { id } }`, nil, limits.Config{}, 2 * (1 + 2)},
		{"aliases of a list field add up", `{ a: products(first: 2) { id } b: products(first: 3) { id } }`, nil, limits.Config{}, 5},
		{"sizedFields take the slice, the connection counts once", `{ productPage(first: 3) { products { id } nextPageToken } }`, nil, limits.Config{}, 1 + 3},
		{"sizedFields with the argument default", `{ productPage { products { id } } }`, nil, limits.Config{}, 1 + 4},
		{"the largest of two slicing arguments", `{ productPage(first: 3, last: 9) { products { id } } }`, nil, limits.Config{}, 1 + 9},
		{"sizedFields through fragments", `{ productPage(first: 3) { ...P } } fragment P on ProductPage { ... on ProductPage { products { id } } }`, nil, limits.Config{}, 1 + 3},
		{"a mutation root field adds 10", `mutation { addReview(rating: 5) { id } }`, nil, limits.Config{}, 10 + 1},
		{"every mutation root field adds 10", `mutation { a: addReview(rating: 5) { id } b: addReview(rating: 4) { id } }`, nil, limits.Config{}, 2 * (10 + 1)},
		{"default list size 0 counts 1", `{ products(first: 2) { similar { id } } }`, nil, limits.Config{DefaultListSize: -1}, 2 * (1 + 1)},
		{"a huge slicing literal saturates", `{ products(first: 99999999999999999999999) { related(first: 99999999999) { related(first: 99999999999) { id } } } }`, nil, limits.Config{}, math.MaxInt},
		{"a huge slicing variable saturates", `query Q($n: Int) { products(first: $n) { related(first: $n) { id } } }`, map[string]any{"n": 1e300}, limits.Config{}, math.MaxInt},
		{"unknown fields cost nothing", `{ nope { id } }`, nil, limits.Config{}, 0},
		{"introspection costs nothing", `{ __schema { types { name } } __typename }`, nil, limits.Config{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg == (limits.Config{}) {
				cfg.DefaultListSize = 10
			}
			m, err := check(t, cfg, tt.query, "", tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if m.Cost != tt.want {
				t.Errorf("cost = %d, want %d", m.Cost, tt.want)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  limits.Measure
	}{
		{"nested fields", `{ product(id: 1) { id seller { name } } }`, limits.Measure{Depth: 3, RootFields: 1, Fields: 4, Cost: 2}},
		{"__typename adds no depth and no alias", `{ product(id: 1) { t: __typename } }`, limits.Measure{Depth: 1, RootFields: 1, Fields: 2, Cost: 1}},
		{"introspection adds no depth", `{ __schema { types { fields { type { ofType { name } } } } } }`, limits.Measure{RootFields: 1, Fields: 6}},
		{"fragments expand for fields, aliases and root fields",
			`{ ...Q ...Q } fragment Q on Query { a: product(id: 1) { id } }`,
			limits.Measure{Depth: 2, Aliases: 2, RootFields: 2, Fields: 4, Cost: 2}},
		{"directives count as written",
			`query Q @x { product(id: 1) @include(if: true) { ...F @skip(if: false) } } fragment F on Product @y { id @z }`,
			limits.Measure{Depth: 2, RootFields: 1, Fields: 2, Directives: 5, Cost: 1}},
		{"a fragment cycle counts once and terminates",
			`{ product(id: 1) { ...A } } fragment A on Product { id ...B } fragment B on Product { name ...A }`,
			limits.Measure{Depth: 2, RootFields: 1, Fields: 3, Cost: 1}},
		{"a spread of an unknown fragment counts nothing", `{ product(id: 1) { id ...Nope } }`, limits.Measure{Depth: 2, RootFields: 1, Fields: 2, Cost: 1}},
		{"unknown fields count for structure", `{ nope { deeper { deepest } } }`, limits.Measure{Depth: 3, RootFields: 1, Fields: 3}},
		{"an inline fragment on an unknown type", `{ product(id: 1) { ... on Nope { id } } }`, limits.Measure{Depth: 2, RootFields: 1, Fields: 2, Cost: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := check(t, limits.Config{DefaultListSize: 10}, tt.query, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			m.ValidationWork = 0 // TestValidationWork
			if m != tt.want {
				t.Errorf("measure = %+v, want %+v", m, tt.want)
			}
		})
	}
}

// nested returns `{ product(id: 1) { related { related ... { id } } } }`
// with depth fields in all.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("{ product(id: 1) {")
	for range depth - 2 {
		b.WriteString(" related {")
	}
	b.WriteString(" id")
	for range depth - 1 {
		b.WriteString(" }")
	}
	b.WriteString(" }")
	return b.String()
}

// repeat joins n copies of format, each formatted with its index.
func repeat(n int, format string) string {
	parts := make([]string, n)
	for i := range n {
		parts[i] = strings.ReplaceAll(format, "%d", fmt.Sprint(i))
	}
	return strings.Join(parts, " ")
}

// bomb returns a fragment bomb of levels fragments, each spreading the
// next twice.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("{ product(id: 1) { ...F0 } }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Product { id ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Product { id name }\n", levels)
	return b.String()
}

// chain returns a chain of n fragments, each spreading the next.
func chain(n int) string {
	var b strings.Builder
	b.WriteString("{ product(id: 1) { ...F0 } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Product { ...F%d }\n", i, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Product { id }\n", n)
	return b.String()
}

// distinctFragments returns n distinct fragments spread at one level.
func distinctFragments(n int) string {
	var b strings.Builder
	b.WriteString("{ product(id: 1) { " + repeat(n, "...F%d") + " } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Product { id }\n", i)
	}
	return b.String()
}

// fanOut returns the depth-levels fan-out of ANCHORS IN-6: lists of two
// nested levels deep.
func fanOut(levels int) string {
	return "{products(first:2){id " + strings.Repeat("related(first:2){id ", levels-1) + strings.Repeat("}", levels) + "}"
}

func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    limits.Config
		query  string
		op     string
		code   string // "" for accepted
		actual int    // checked when not 0
	}{
		{"depth at the limit is accepted", limits.Config{MaxDepth: 10}, nested(10), "", "", 0},
		{"depth over the limit", defaults, nested(11), "", limits.CodeMaxDepth, 11},
		{"depth counts fields inside fragments", defaults, `{ product(id: 1) { ...A } } fragment A on Product { related { ...B } } fragment B on Product { ` + strings.Repeat("related { ", 8) + "id" + strings.Repeat(" }", 8) + ` }`, "", limits.CodeMaxDepth, 11},
		{"introspection is exempt from depth", limits.Config{MaxDepth: 2}, `{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`, "", "", 0},
		{"the standard introspection query passes", defaults, introspectionQuery, "IntrospectionQuery", "", 0},
		{"circular introspection is rejected", limits.Config{}, `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, "", limits.CodeMaxIntrospectionDepth, 3},
		{"circular introspection through fragments", limits.Config{}, `{ __type(name: "Product") { ...T } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { interfaces { possibleTypes { name } } }`, "", limits.CodeMaxIntrospectionDepth, 3},
		{"list fields outside introspection are not introspection", limits.Config{}, `{ fields { fields { fields { name } } } }`, "", "", 0},
		{"15 aliases are accepted", defaults, "{ " + repeat(15, "p%d: product(id: %d) { id }") + " }", "", "", 0},
		{"16 aliases are rejected", defaults, "{ " + repeat(16, "p%d: product(id: %d) { id }") + " }", "", limits.CodeMaxAliases, 16},
		{"aliased __typename is free", defaults, "{ " + repeat(100, "t%d: __typename") + " }", "", limits.CodeMaxRootFields, 100},
		{"aliases count in every expansion of a fragment", defaults, "{ " + repeat(4, "f%d: product(id: 1) { ...A }") + " } fragment A on Product { a: id b: name c: id }", "", limits.CodeMaxAliases, 16},
		{"10 000 aliases are rejected", defaults, "{ " + repeat(10000, "p%d: product(id: %d) { id }") + " }", "", limits.CodeMaxAliases, 10000},
		{"21 root fields are rejected", defaults, "{ " + strings.Repeat("tags ", 21) + "}", "", limits.CodeMaxRootFields, 21},
		{"root fields count through a root fragment", defaults, "{ ...Q ...Q } fragment Q on Query { " + strings.Repeat("tags ", 11) + "}", "", limits.CodeMaxRootFields, 22},
		{"50 directives are accepted", defaults, "{ tags " + strings.Repeat("@include(if: true) ", 50) + "}", "", "", 0},
		{"51 directives are rejected", defaults, "{ tags " + strings.Repeat("@include(if: true) ", 51) + "}", "", limits.CodeMaxDirectives, 51},
		{"1000 repeated directives are rejected", defaults, "{ tags " + strings.Repeat("@skip(if: false) ", 1000) + "}", "", limits.CodeMaxDirectives, 1000},
		{"directives in an unused fragment count", defaults, "{ tags } fragment F on Query { tags " + strings.Repeat("@include(if: true) ", 51) + "}", "", limits.CodeMaxDirectives, 51},
		{"3501 fields are rejected", defaults, "{ product(id: 1) { " + strings.Repeat("id ", 3500) + "} }", "", limits.CodeMaxFields, 3501},
		{"10 000 duplicate fields are rejected", defaults, "{ product(id: 1) { " + strings.Repeat("id ", 10000) + "} }", "", limits.CodeMaxFields, 10001},
		{"fields in an unused fragment count", defaults, "{ tags } fragment F on Product { " + strings.Repeat("id ", 4000) + "}", "", limits.CodeMaxFields, 4001},
		{"a fragment bomb of 30 levels is rejected", defaults, bomb(30), "", limits.CodeMaxFields, 0},
		{"3500 duplicate fields are rejected by the validation work", limits.Config{MaxFields: 3500, MaxValidationWork: 50000}, "{ product(id: 1) { " + strings.Repeat("id ", 3499) + "} }", "", limits.CodeMaxValidationWork, 3499 * 3498 / 2},
		{"1000 fragments spread together are rejected by the validation work", defaults, distinctFragments(1000), "", limits.CodeMaxValidationWork, 10 * 1000 * 999 / 2},
		{"a chain of 900 fragments is rejected by the validation work", defaults, chain(900), "", limits.CodeMaxValidationWork, 0},
		{"the depth-14 fan-out is rejected by cost", limits.Config{MaxCost: 5000, DefaultListSize: 10}, fanOut(14), "", limits.CodeMaxCost, 1<<15 - 2},
		{"the depth-14 fan-out under the defaults", defaults, fanOut(14), "", limits.CodeMaxDepth, 15},
		{"cost at the limit is accepted", limits.Config{MaxCost: 22, DefaultListSize: 10}, `{ products(first: 2) { similar { id } } }`, "", "", 0},
		{"cost over the limit", limits.Config{MaxCost: 21, DefaultListSize: 10}, `{ products(first: 2) { similar { id } } }`, "", limits.CodeMaxCost, 22},
		{"an unselected operation is checked too", defaults, "query A { tags } query B { " + repeat(20, "p%d: product(id: %d) { id }") + " }", "A", limits.CodeMaxAliases, 20},
		{"cost is the selected operation's", limits.Config{MaxCost: 5, DefaultListSize: 10}, "query A { tags } query B { products { id } }", "A", "", 0},
		{"a fragment chain deeper than MaxNesting is rejected whatever the config", limits.Config{}, chain(limits.MaxNesting + 10), "", limits.CodeMaxDepth, limits.MaxNesting + 1},
		{"a fragment chain below MaxNesting is accepted", limits.Config{}, chain(limits.MaxNesting - 10), "", "", 0},
		{"the first exceeded limit in order: depth before aliases", defaults, "{ " + repeat(16, "p%d: product(id: %d) { id }") + " x: " + strings.TrimPrefix(nested(11), "{ "), "", limits.CodeMaxDepth, 11},
		{"the zero config accepts a large document", limits.Config{}, "{ " + repeat(1000, "p%d: product(id: %d) { id }") + " }", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := check(t, tt.cfg, tt.query, tt.op, nil)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if m.Fields < m.RootFields {
					t.Errorf("measure %+v has fewer fields than root fields", m)
				}
				return
			}
			var le *limits.Error
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want a *limits.Error with code %s", err, tt.code)
			}
			if le.Code != tt.code {
				t.Fatalf("code = %s (%v), want %s", le.Code, err, tt.code)
			}
			if le.Actual <= le.Limit {
				t.Errorf("actual %d is not over the limit %d", le.Actual, le.Limit)
			}
			if tt.actual != 0 && le.Actual != tt.actual {
				t.Errorf("actual = %d, want %d", le.Actual, tt.actual)
			}
		})
	}
}

func TestValidationWork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"distinct fields cost nothing", "{ product(id: 1) { id name seller { id name } } }", 0},
		{"same-name fields in one set are pairs", "{ product(id: 1) { id id id } }", 3},
		{"aliases give response names", "{ a: tags a: tags b: tags }", 1},
		{"inline fragments flatten into their set, and count on their own", "{ product(id: 1) { id ... on Product { id ... { id } } } }", 3 + 1},
		{"fields times fragments, and fragment pairs", "{ product(id: 1) { id ...A ...B } } fragment A on Product { id } fragment B on Product { name }", 1*2 + 10*1},
		{"fragments spread in fragments count at the level they reach", "{ product(id: 1) { ...A } } fragment A on Product { ...B } fragment B on Product { id }", 10*1 + 1*4},
		{"the shop query", shopQuery, 0},
		{"3500 duplicate fields", "{ product(id: 1) { " + strings.Repeat("id ", 3500) + "} }", 3500 * 3499 / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := check(t, limits.Config{DefaultListSize: 10}, tt.query, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.ValidationWork != tt.want {
				t.Errorf("validation work = %d, want %d", m.ValidationWork, tt.want)
			}
		})
	}
}

func TestFanOutIsSmall(t *testing.T) {
	t.Parallel()
	// ANCHORS IN-6: a 250-byte document that would fetch 2^15 nodes.
	if q := fanOut(14); len(q) > 300 {
		t.Fatalf("fan-out document is %d bytes", len(q))
	}
}

func TestFragmentBombSaturates(t *testing.T) {
	t.Parallel()
	m, err := check(t, limits.Config{DefaultListSize: 10}, bomb(80), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Fields != math.MaxInt {
		t.Errorf("fields = %d, want the saturated %d", m.Fields, math.MaxInt)
	}
	if m.Cost != 1 {
		t.Errorf("cost = %d, want 1 (scalar fields only under one product)", m.Cost)
	}
}

func TestOperationSelection(t *testing.T) {
	t.Parallel()
	const doc = `query A { tags } query B { product(id: 1) { id } }`
	tests := []struct {
		name, op string
		want     limits.Measure
	}{
		{"by name", "B", limits.Measure{Depth: 2, RootFields: 1, Fields: 2, Cost: 1}},
		{"an unknown name measures nothing", "C", limits.Measure{}},
		{"no name among several measures nothing", "", limits.Measure{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := check(t, defaults, doc, tt.op, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m != tt.want {
				t.Errorf("measure = %+v, want %+v", m, tt.want)
			}
		})
	}
}

func TestNilInputs(t *testing.T) {
	t.Parallel()
	if m, err := defaults.Check(nil, "", nil, nil); err != nil || m != (limits.Measure{}) {
		t.Errorf("nil document: %+v, %v", m, err)
	}
	doc, err := limits.Parse(`{ product(id: 1) { related { id } } }`, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := defaults.Check(doc, "", nil, nil)
	if err != nil || m.Cost != 0 || m.Fields != 3 {
		t.Errorf("nil cost model: %+v, %v; want cost 0 and 3 fields", m, err)
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *limits.Error
		want string
	}{
		{&limits.Error{Code: limits.CodeMaxDepth, Limit: 10, Actual: 14}, "query depth 14 exceeds the limit of 10"},
		{&limits.Error{Code: limits.CodeMaxTokens, Limit: 15000, Actual: 15001}, "query token count exceeds the limit of 15000"},
		{&limits.Error{Code: limits.CodeMaxAliases, Limit: 15, Actual: 16}, "query alias count 16 exceeds the limit of 15"},
		{&limits.Error{Code: limits.CodeMaxRootFields, Limit: 20, Actual: 21}, "query root field count 21 exceeds the limit of 20"},
		{&limits.Error{Code: limits.CodeMaxDirectives, Limit: 50, Actual: 51}, "query directive count 51 exceeds the limit of 50"},
		{&limits.Error{Code: limits.CodeMaxFields, Limit: 3500, Actual: 3501}, "query field count 3501 exceeds the limit of 3500"},
		{&limits.Error{Code: limits.CodeMaxCost, Limit: 5000, Actual: 32766}, "query estimated cost 32766 exceeds the limit of 5000"},
		{&limits.Error{Code: limits.CodeMaxIntrospectionDepth, Limit: 2, Actual: 3}, "introspection list depth 3 exceeds the limit of 2"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.err.Code, got, tt.want)
		}
		if tt.err.GraphQLCode() != tt.err.Code {
			t.Errorf("%s: GraphQLCode() = %q", tt.err.Code, tt.err.GraphQLCode())
		}
	}
}

// introspectionQuery is GraphiQL's introspection query (graphql-js
// getIntrospectionQuery with descriptions, specifiedByUrl and
// isRepeatable).
const introspectionQuery = `
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations isRepeatable args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
`
