package limits

import (
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// fuzzSDL is the small schema FuzzCheck measures against.
const fuzzSDL = `
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
type Query {
  product(id: ID!): Product
  products(first: Int = 20): [Product!]! @listSize(slicingArguments: ["first"])
  page(first: Int): Page! @listSize(slicingArguments: ["first"], sizedFields: ["items"])
  heavy: Int @cost(weight: 100)
}
type Mutation { touch(id: ID!): Product }
type Page { items: [Product!]! }
type Product { id: ID! name: String! related(first: Int = 5): [Product!]! @listSize(slicingArguments: ["first"]) similar: [Product!]! }
`

// fuzzLimits are small, so that the fuzzer reaches every rejection.
var fuzzLimits = Config{MaxTokens: 2000, MaxDepth: 6, MaxAliases: 5, MaxRootFields: 5, MaxDirectives: 5, MaxFields: 200, MaxCost: 1000, DefaultListSize: 10}

// FuzzCheck parses a document and checks it against a small schema: it
// must terminate without panicking, the lexer's counts must match the
// AST's, the Measure must be consistent, and a rejection must name a limit
// that the Measure or the document exceeds.
func FuzzCheck(f *testing.F) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "fuzz.graphql", Input: fuzzSDL})
	if err != nil {
		f.Fatal(err)
	}
	model := NewCostModel(s)
	f.Add(`{ product(id: 1) { id name } }`, "")
	f.Add(`query A { products { related { id } } } query B { heavy }`, "B")
	f.Fuzz(func(t *testing.T, query, operationName string) {
		doc, err := Parse(query, 0)
		if err != nil {
			return
		}
		counts := scan(query, 0)
		directives, fields := countDocument(doc)
		if counts.directives != directives || counts.fields != fields {
			t.Fatalf("lexer counted %d directives and %d fields, the AST has %d and %d", counts.directives, counts.fields, directives, fields)
		}
		m, err := Config{DefaultListSize: 10}.Check(doc, operationName, map[string]any{"n": 3.0}, model)
		var le *Error
		if err != nil && !(errors.As(err, &le) && (le.Code == CodeMaxDepth || le.Code == CodeMaxIntrospectionDepth)) {
			t.Fatalf("the zero config rejected: %v", err)
		}
		if m.Fields < m.RootFields || m.Fields < m.Aliases || m.Fields < m.Depth || m.Cost < 0 || m.Directives != directives {
			t.Fatalf("inconsistent measure %+v (document directives %d)", m, directives)
		}
		if err == nil && counts.work > m.ValidationWork {
			t.Fatalf("the lexer's validation work %d is over the AST's %d", counts.work, m.ValidationWork)
		}
		m2, err := fuzzLimits.Check(doc, operationName, nil, model)
		if err == nil {
			if m2.Fields > fuzzLimits.MaxFields || m2.Depth > fuzzLimits.MaxDepth || m2.Cost > fuzzLimits.MaxCost {
				t.Fatalf("accepted a measure over the limits: %+v", m2)
			}
			if scan(query, 0).tokens > fuzzLimits.MaxTokens {
				return
			}
			if _, err := fuzzLimits.Parse(query); err != nil {
				t.Fatalf("Config.Parse rejected what Check accepts: %v", err)
			}
			return
		}
		if !errors.As(err, &le) || le.Actual <= le.Limit {
			t.Fatalf("rejection %v is not a limit exceeded", err)
		}
	})
}

// FuzzParse lexes and parses arbitrary text with a token limit: no panic,
// and a token-limit rejection exactly when the lexer counts more tokens
// than the limit.
func FuzzParse(f *testing.F) {
	f.Add(`{ a b c }`, 3)
	f.Add(`query Q($a: Int = 1) @x { a(b: {c: [1, 2]}) { ... on T { d } ...F } } fragment F on T { e }`, 100)
	f.Fuzz(func(t *testing.T, query string, maxTokens int) {
		maxTokens = max(maxTokens%5000, 0)
		doc, err := Parse(query, maxTokens)
		var le *Error
		overTokens := scan(query, maxTokens).overTokens
		switch {
		case errors.As(err, &le):
			if le.Code != CodeMaxTokens || !overTokens {
				t.Fatalf("unexpected limit error %v (lexer over the limit: %v)", err, overTokens)
			}
		case err == nil:
			if doc == nil || overTokens {
				t.Fatalf("accepted a document over %d tokens", maxTokens)
			}
		}
	})
}

func TestScanMatchesTheAST(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{ a }`,
		`{ a b { c d } }`,
		`{ x: a y: b(c: 1) { z: d } }`,
		`query Q($v: Int = 1, $o: In = {a: 1, b: [1, 2]}) @d(x: {y: 1}) { a(o: {b: {c: 1}}) @e @f(g: $v) { b } }`,
		`{ ... on T { a } ... @include(if: true) { b } ...F ... F2 } fragment F on T @x { c } fragment F2 on T { on fragment query }`,
		`{ on { on } } fragment on2 on T { on: on }`,
		"# comment\n{ a # comment\n : b # c\n c }",
		`subscription { s } mutation M { m(a: "{ not a field }") }`,
		`{ a(b: """{ c }""") }`,
		`{ a a x: a x: b ...F ...G ... on T { a a } } fragment F on T { a ...G }`,
	}
	for _, q := range docs {
		doc, err := Parse(q, 0)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		c := scan(q, 0)
		directives, fields := countDocument(doc)
		if c.directives != directives || c.fields != fields {
			t.Errorf("%s: lexer counted %d directives and %d fields, the AST has %d and %d", q, c.directives, c.fields, directives, fields)
		}
		frags := map[string]*ast.FragmentDefinition{}
		for _, fd := range doc.Fragments {
			frags[fd.Name] = fd
		}
		if work := newWorkCounter(frags).document(doc); c.work > work {
			t.Errorf("%s: lexer's validation work %d is over the AST's %d", q, c.work, work)
		}
	}
}

func TestConfigParse(t *testing.T) {
	t.Parallel()
	cfg := Config{MaxTokens: 15000, MaxDirectives: 50, MaxFields: 3500, MaxValidationWork: 50000}
	tests := []struct {
		name  string
		query string
		code  string
	}{
		{"a small document parses", `{ a { b } }`, ""},
		{"10 000 duplicate fields are rejected before parsing", "{ product(id: 1) { " + strings.Repeat("id ", 10000) + "} }", CodeMaxFields},
		{"51 directives are rejected before parsing", "{ a " + strings.Repeat("@skip(if: false) ", 51) + "}", CodeMaxDirectives},
		{"tokens are checked first", "{ " + strings.Repeat("a @b ", 10000) + "}", CodeMaxTokens},
		{"a syntax error is the parser's", `{ a `, ""},
		{"3499 duplicate fields are rejected before parsing by the validation work", "{ p { " + strings.Repeat("id ", 3499) + "} }", CodeMaxValidationWork},
		{"1000 fragments spread together are rejected before parsing", "{ p { " + strings.Repeat("...F ", 1000) + "} }", CodeMaxValidationWork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := cfg.Parse(tt.query)
			var le *Error
			switch {
			case tt.code == "" && errors.As(err, &le):
				t.Fatalf("rejected: %v", err)
			case tt.code != "" && (!errors.As(err, &le) || le.Code != tt.code):
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
		})
	}
}
