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
		if pending && tok.Kind != lexer.Colon {
			c.fields++
		}
		pending = false
		switch tok.Kind {
		case lexer.At:
			c.directives++
		case lexer.BraceL:
			braces++
		case lexer.BraceR:
			braces--
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens--
		case lexer.Name:
			afterSpreadOn := prevOn && prev2 == lexer.Spread
			pending = braces > 0 && parens == 0 && prev != lexer.At && prev != lexer.Dollar && prev != lexer.Spread && !afterSpreadOn
		}
		prevOn = tok.Kind == lexer.Name && tok.Value == "on" && prev == lexer.Spread
		prev2, prev = prev, tok.Kind
	}
	if pending {
		c.fields++
	}
	return c
}
