package limits

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// scanCounts is what one pass of gqlparser's lexer over a document counts,
// without building an AST.
type scanCounts struct {
	// tokens counts the tokens as the parser does (comments included, EOF
	// not), up to the first one over the limit.
	tokens int
	// overTokens is set when the document has more tokens than the limit;
	// the other counts are then partial.
	overTokens bool
	// directives counts "@": in an executable document each starts a
	// directive.
	directives int
	// fields counts the field selections as written: names inside a
	// selection set, outside arguments, that do not follow "@", "$", "..."
	// or "... on", and are not followed by ":" (an alias).
	fields int
	// work is a lower bound of the validation work of [workCounter]: per
	// selection set as written (inline fragments not flattened, fragment
	// spreads not followed), the same-name field pairs, fields times
	// spreads and weighted spread pairs; and, as workCounter counts them,
	// the fragments each fragment definition reaches.
	work int
}

// scanSet is one open selection set of the scan.
type scanSet struct {
	names           map[string]int
	fields, spreads int
}

// scan lexes query once, stopping after maxTokens+1 tokens (0: no limit)
// or at the first lexical error, which the parser reports afterwards. The
// counts are exact for a syntactically valid document.
func scan(query string, maxTokens int) scanCounts {
	var c scanCounts
	l := lexer.New(&ast.Source{Input: query})
	var braces, parens int
	var prev, prev2 lexer.Type // the last two tokens that are not comments
	prevOn := false            // prev is the name "on"
	pending := false           // prev is a name that counts as a field unless ":" follows
	var pendingName, alias string
	var stack []scanSet
	var spare []map[string]int // maps of closed sets, for reuse
	// Fragment definitions, in order, and the spreads in the body of the
	// first definition of each name, for the reach part of the work.
	var defs []string
	spreadsIn := map[string][]string{}
	defined := map[string]bool{}
	frag := ""          // the fragment whose body is being read, "" in an operation
	nextIsName := false // the previous token is the keyword "fragment" of a definition
	field := func(name string) {
		c.fields++
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.names == nil {
			if n := len(spare); n > 0 {
				top.names, spare = spare[n-1], spare[:n-1]
			} else {
				top.names = map[string]int{}
			}
		}
		c.work = SatAdd(c.work, top.names[name])
		top.names[name]++
		top.fields++
	}
	for {
		tok, err := l.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		c.tokens++
		if maxTokens > 0 && c.tokens > maxTokens {
			c.overTokens = true
			break
		}
		if tok.Kind == lexer.Comment {
			continue
		}
		if pending {
			if tok.Kind == lexer.Colon {
				alias = pendingName
			} else {
				name := pendingName
				if prev2 == lexer.Colon && alias != "" {
					name = alias
				}
				field(name)
				alias = ""
			}
		}
		pending = false
		switch tok.Kind {
		case lexer.At:
			c.directives++
		case lexer.BraceL:
			if braces == 0 && parens == 0 && (prev == lexer.Invalid || prev == lexer.BraceR || prev == lexer.String || prev == lexer.BlockString) {
				frag = "" // a query in shorthand
			}
			braces++
			if parens == 0 {
				stack = append(stack, scanSet{})
			}
		case lexer.BraceR:
			braces--
			if parens == 0 && len(stack) > 0 {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				pairs := SatMul(top.spreads, max(top.spreads-1, 0)) / 2
				c.work = SatAdd(c.work, SatAdd(SatMul(top.fields, top.spreads), SatMul(workFragmentPair, pairs)))
				// Reuse only small maps: clearing costs their capacity,
				// so reusing a large one for every small set would not
				// be linear.
				if top.names != nil && len(top.names) <= 16 {
					clear(top.names)
					spare = append(spare, top.names)
				}
			}
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens--
		case lexer.Name:
			afterSpreadOn := prevOn && prev2 == lexer.Spread
			if prev == lexer.Spread && tok.Value != "on" && parens == 0 && len(stack) > 0 {
				stack[len(stack)-1].spreads++
				if frag != "" {
					spreadsIn[frag] = append(spreadsIn[frag], tok.Value)
				}
			}
			if braces == 0 && parens == 0 {
				switch {
				case nextIsName:
					defs = append(defs, tok.Value)
					frag = ""
					if !defined[tok.Value] {
						defined[tok.Value] = true
						frag = tok.Value
					}
				case (prev == lexer.Invalid || prev == lexer.BraceR || prev == lexer.String || prev == lexer.BlockString) && tok.Value != "fragment":
					frag = "" // query, mutation or subscription
				}
				nextIsName = tok.Value == "fragment" && (prev == lexer.Invalid || prev == lexer.BraceR || prev == lexer.String || prev == lexer.BlockString)
			}
			pending = braces > 0 && parens == 0 && prev != lexer.At && prev != lexer.Dollar && prev != lexer.Spread && !afterSpreadOn
			pendingName = tok.Value
		}
		prevOn = tok.Kind == lexer.Name && tok.Value == "on" && prev == lexer.Spread
		prev2, prev = prev, tok.Kind
	}
	if pending {
		c.fields++
	}
	if len(defs) > 0 && !c.overTokens {
		reach := map[string]int{}
		var reachOf func(name string, depth int) int
		reachOf = func(name string, depth int) int {
			if v, ok := reach[name]; ok {
				return max(v, 0)
			}
			if !defined[name] {
				return 0
			}
			if depth >= MaxNesting {
				return maxInt
			}
			reach[name] = -1
			n := 0
			for _, g := range spreadsIn[name] {
				n = SatAdd(n, SatAdd(1, reachOf(g, depth+1)))
			}
			reach[name] = n
			return n
		}
		for _, name := range defs {
			c.work = SatAdd(c.work, SatMul(workFragmentVisit, reachOf(name, 0)))
		}
	}
	return c
}
