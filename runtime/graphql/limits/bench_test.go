package limits_test

import (
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// shopQuery is the kind of query the shop frontend sends.
const shopQuery = `query Home($n: Int = 12) {
  products(first: $n) {
    id name
    seller { id name }
    reviews { id rating }
    related(first: 3) { id name }
  }
  report { total }
}`

// BenchmarkParseAndCheck measures what the dispatcher pays for a new
// document under the default limits: Config.Parse (one lexer pass with the
// token, directive and field budgets, then the parser), then Check. The
// rejections must cost well under a millisecond.
func BenchmarkParseAndCheck(b *testing.B) {
	model := limits.NewCostModel(testSchema(b))
	noTokens := defaults
	noTokens.MaxTokens = 0
	cases := []struct {
		name  string
		cfg   limits.Config
		query string
		code  string // expected rejection, "" for accepted
	}{
		{"shop query accepted", defaults, shopQuery, ""},
		{"10k aliases rejected at the token limit", defaults, "{ " + repeat(10000, "p%d: product(id: %d) { id }") + " }", limits.CodeMaxTokens},
		{"10k aliases rejected by the checker (no token limit)", noTokens, "{ " + repeat(10000, "p%d: product(id: %d) { id }") + " }", limits.CodeMaxFields},
		{"10k duplicate fields rejected before parsing", defaults, "{ product(id: 1) { " + strings.Repeat("id ", 10000) + "} }", limits.CodeMaxFields},
		{"1000 directives rejected before parsing", defaults, "{ tags " + strings.Repeat("@skip(if: false) ", 1000) + "}", limits.CodeMaxDirectives},
		{"100k tokens rejected at the token limit", defaults, "{ " + strings.Repeat("a ", 100000) + "}", limits.CodeMaxTokens},
		{"fragment bomb of 30 levels rejected by the checker", defaults, bomb(30), limits.CodeMaxFields},
		{"3499 duplicate fields rejected by the validation work", defaults, "{ product(id: 1) { " + strings.Repeat("id ", 3498) + "} }", limits.CodeMaxValidationWork},
		{"1000 fragments spread together rejected by the validation work", defaults, distinctFragments(1000), limits.CodeMaxValidationWork},
		{"a chain of 900 fragments rejected by the validation work", defaults, chain(900), limits.CodeMaxValidationWork},
		{"depth-14 fan-out rejected by the checker", defaults, fanOut(14), limits.CodeMaxDepth},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.query)))
			b.ReportAllocs()
			start, ok := cpuTime()
			for b.Loop() {
				doc, err := c.cfg.Parse(c.query)
				if err == nil {
					_, err = c.cfg.Check(doc, "", nil, model)
				}
				var code string
				if le, ok := err.(*limits.Error); ok {
					code = le.Code
				} else if err != nil {
					b.Fatal(err)
				}
				if code != c.code {
					b.Fatalf("code %q, want %q", code, c.code)
				}
			}
			if end, ok2 := cpuTime(); ok && ok2 {
				b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkCheck measures Check alone on an already parsed document.
func BenchmarkCheck(b *testing.B) {
	model := limits.NewCostModel(testSchema(b))
	doc, err := limits.Parse(shopQuery, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := defaults.Check(doc, "", nil, model); err != nil {
			b.Fatal(err)
		}
	}
}
