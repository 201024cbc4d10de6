package schema

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Operation is one named operation of the frontend's documents
// (bffgen.yaml operations.documents), validated against the schema.
type Operation struct {
	// Name is the operation's name, unique across the documents.
	Name string
	// Type is query, mutation or subscription.
	Type ast.Operation
	// Span is the operation's name in its file.
	Span diag.Span
	// Document is the text a client sends for the operation, whose SHA-256
	// is Hash: the operation's text exactly as written in its file (from
	// its keyword to its closing brace, comments inside included), then,
	// for each fragment it uses directly or through other fragments, in
	// order of name, a blank line and the fragment's text as written.
	Document string
	// Hash is the SHA-256 of Document in 64 lowercase hex digits: the
	// persisted-query id (APQ's sha256Hash) of the operation.
	Hash string
	// Doc is Document parsed and validated against the schema: its one
	// operation and its fragments, with every field's definition resolved
	// by the validator (ast.Field.Definition and ObjectDefinition).
	Doc *ast.QueryDocument
}

// Op returns the operation definition of Doc.
func (o *Operation) Op() *ast.OperationDefinition { return o.Doc.Operations[0] }

// fragmentSource is a fragment definition and its verbatim text.
type fragmentSource struct {
	def  *ast.FragmentDefinition
	text string
	span diag.Span // of the name
	used bool
}

// operationSource is an operation definition and its verbatim text.
type operationSource struct {
	def  *ast.OperationDefinition
	text string
	span diag.Span // of the name
}

// loadOperations parses the documents of operations.documents, checks the
// names, and validates each operation with the fragments it uses against
// schema. Every problem is a diagnostic at its place in the operation file.
func (l *loader) loadOperations(cfg *Config, schema *ast.Schema) []*Operation {
	var names []string
	for i, g := range cfg.Operations.Documents {
		if filepath.IsAbs(g) || strings.HasPrefix(g, "/") {
			continue // reported with the config
		}
		at := l.configSpan(fmt.Sprintf("$.operations.documents[%d]", i))
		matches, err := filepath.Glob(filepath.Join(l.dir, g))
		if err != nil {
			l.diags.Errorf(at, "config", "fix the glob pattern", "bad operations glob %q: %v", g, err)
			continue
		}
		if len(matches) == 0 {
			l.diags.Errorf(at, "config", "check `operations.documents` in bffgen.yaml: globs are relative to it, and * does not cross directories", "operations glob %q matches no file", g)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(l.dir, m)
			names = append(names, filepath.ToSlash(rel))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	var ops []*operationSource
	frags := map[string]*fragmentSource{}
	var fragOrder []*fragmentSource
	opSeen := map[string]*operationSource{}
	for _, name := range names {
		data, err := l.read(name)
		if err != nil {
			l.diags.Errorf(diag.Span{File: name}, "io", "", "cannot read operations file: %v", err)
			continue
		}
		src := &ast.Source{Name: name, Input: string(data)}
		doc, err := parser.ParseQuery(src)
		if err != nil {
			l.gqlErrors(err, name, "operation-syntax", "fix the GraphQL syntax of the operation")
			continue
		}
		runes, toks := []rune(src.Input), tokens(src)
		for _, op := range doc.Operations {
			at := defSpan(name, runes, op.Position, string(op.Operation))
			if op.Name == "" {
				l.diags.Errorf(at, "operation-name", "give it a name, such as `query ProductPage { ... }`: the manifest and the TypeScript types are keyed by operation name", "the %s has no name", op.Operation)
				continue
			}
			at = nameSpan(toks, op.Position, op.Name)
			if prev, dup := opSeen[op.Name]; dup {
				l.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: "operation-name", Span: at,
					Message: fmt.Sprintf("operation %q is defined twice", op.Name),
					Hint:    "operation names are unique across every file of operations.documents: rename one",
					Notes:   []diag.Related{{Span: prev.span, Message: "the other definition"}}})
				continue
			}
			s := &operationSource{def: op, text: definitionText(toks, runes, op.Position), span: at}
			opSeen[op.Name] = s
			ops = append(ops, s)
		}
		for _, fd := range doc.Fragments {
			at := nameSpan(toks, fd.Position, fd.Name)
			if prev, dup := frags[fd.Name]; dup {
				l.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: "fragment-name", Span: at,
					Message: fmt.Sprintf("fragment %q is defined twice", fd.Name),
					Hint:    "fragments are shared by every file of operations.documents, so their names are unique across them: rename one",
					Notes:   []diag.Related{{Span: prev.span, Message: "the other definition"}}})
				continue
			}
			f := &fragmentSource{def: fd, text: definitionText(toks, runes, fd.Position), span: at}
			frags[fd.Name] = f
			fragOrder = append(fragOrder, f)
		}
	}

	var out []*Operation
	for _, s := range ops {
		used := usedFragments(s.def.SelectionSet, frags)
		doc := &ast.QueryDocument{Operations: ast.OperationList{s.def}}
		var b strings.Builder
		b.WriteString(s.text)
		for _, f := range used {
			f.used = true
			doc.Fragments = append(doc.Fragments, f.def)
			b.WriteString("\n\n")
			b.WriteString(f.text)
		}
		if !l.validateOperation(schema, doc, frags) {
			continue
		}
		sum := sha256.Sum256([]byte(b.String()))
		out = append(out, &Operation{
			Name: s.def.Name, Type: s.def.Operation,
			Span:     s.span,
			Document: b.String(), Hash: hex.EncodeToString(sum[:]), Doc: doc,
		})
	}
	for _, f := range fragOrder {
		if !f.used {
			l.diags.Add(diag.Diagnostic{Severity: diag.Warning, Code: "unused-fragment",
				Span:    f.span,
				Message: fmt.Sprintf("fragment %q is not used by any operation", f.def.Name),
				Hint:    "use it in an operation, or remove it; it is not checked against the schema and not written to the manifest"})
		}
	}
	slices.SortFunc(out, func(a, b *Operation) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// configSpan is the position of a key of bffgen.yaml.
func (l *loader) configSpan(path string) diag.Span {
	return positions([]byte(l.res.Sources[ConfigFile])).of(ConfigFile, path)
}

// usedFragments returns the fragments a selection set spreads, directly or
// through other fragments, sorted by name. Unknown names are left out (the
// validator reports them).
func usedFragments(set ast.SelectionSet, frags map[string]*fragmentSource) []*fragmentSource {
	seen := map[string]*fragmentSource{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				f, ok := frags[s.Name]
				if !ok || seen[s.Name] != nil {
					continue
				}
				seen[s.Name] = f
				walk(f.def.SelectionSet)
			}
		}
	}
	walk(set)
	out := make([]*fragmentSource, 0, len(seen))
	for _, name := range sortedNames(seen) {
		out = append(out, seen[name])
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// validateOperation runs gqlparser's validator (the rules the runtime runs)
// on one operation with its fragments, and reports each error at its place.
func (l *loader) validateOperation(schema *ast.Schema, doc *ast.QueryDocument, frags map[string]*fragmentSource) bool {
	errs := validator.ValidateWithRules(schema, doc, nil)
	if len(errs) == 0 {
		return true
	}
	slices.SortStableFunc(errs, func(a, b *gqlerror.Error) int {
		af, _ := a.Extensions["file"].(string)
		bf, _ := b.Extensions["file"].(string)
		return cmp.Or(cmp.Compare(af, bf), cmp.Compare(firstLine(a), firstLine(b)), cmp.Compare(firstCol(a), firstCol(b)), cmp.Compare(a.Message, b.Message))
	})
	for _, e := range errs {
		span := diag.Span{File: doc.Operations[0].Position.Src.Name}
		if f, ok := e.Extensions["file"].(string); ok && f != "" {
			span.File = f
		}
		if len(e.Locations) > 0 {
			span.Line, span.Col = e.Locations[0].Line, e.Locations[0].Column
			if src, ok := l.res.Sources[span.File]; ok {
				span = graphqlToken(src, span)
			}
		}
		msg := strings.TrimSuffix(e.Message, ".")
		hint := "fix the operation so that it matches the schema"
		if strings.Contains(msg, " is never used in operation ") {
			hint = "use the variable in the operation, or remove it from the operation's variables"
		}
		if before, mean, ok := strings.Cut(msg, ". Did you mean "); ok {
			msg, hint = before, "did you mean "+strings.TrimSuffix(mean, "?")+"?"
		}
		if name, ok := strings.CutPrefix(msg, "Unknown fragment "); ok {
			name = strings.Trim(name, `"`)
			hint = "define the fragment in a file of operations.documents (fragments are shared by every file)"
			if s := suggest(name, sortedNames(frags)); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
		}
		l.diags.Errorf(span, "operation", hint, "%s", lowerFirst(msg))
	}
	return false
}

func firstLine(e *gqlerror.Error) int {
	if len(e.Locations) == 0 {
		return 0
	}
	return e.Locations[0].Line
}

func firstCol(e *gqlerror.Error) int {
	if len(e.Locations) == 0 {
		return 0
	}
	return e.Locations[0].Column
}

// graphqlToken sets the span's length to the GraphQL name or punctuator at
// its position ("$id", "...", a field name).
func graphqlToken(source string, s diag.Span) diag.Span {
	lines := strings.Split(source, "\n")
	if s.Line <= 0 || s.Line > len(lines) || s.Col <= 0 {
		return s
	}
	line := []rune(lines[s.Line-1])
	if s.Col > len(line) {
		return s
	}
	rest := line[s.Col-1:]
	n := 0
	if strings.HasPrefix(string(rest), "...") {
		n = 3
	} else {
		if len(rest) > 0 && rest[0] == '$' {
			n = 1
		}
		for n < len(rest) && (rest[n] == '_' || rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= '0' && rest[n] <= '9') {
			n++
		}
	}
	if n > 0 {
		s.Len = len(string(rest[:n]))
	}
	return s
}

// defSpan is the span of a definition's first token (its keyword).
// of a query in the short form ("{ ... }"), its brace.
func defSpan(file string, runes []rune, pos *ast.Position, keyword string) diag.Span {
	if pos == nil {
		return diag.Span{File: file}
	}
	if pos.Start < len(runes) && runes[pos.Start] == '{' {
		keyword = "{"
	}
	return diag.Span{File: file, Line: pos.Line, Col: pos.Column, Len: len(keyword)}
}

// tokens lexes a source whole; the parser accepted it, so the lexer does
// too.
func tokens(src *ast.Source) []lexer.Token {
	lx := lexer.New(src)
	var out []lexer.Token
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return out
		}
		out = append(out, tok)
	}
}

// from returns the tokens from the one that starts at pos on.
func from(toks []lexer.Token, pos *ast.Position) []lexer.Token {
	i, _ := slices.BinarySearchFunc(toks, pos.Start, func(t lexer.Token, start int) int { return cmp.Compare(t.Pos.Start, start) })
	return toks[i:]
}

// nameSpan is the span of a definition's name: the first name token after
// the definition's keyword.
func nameSpan(toks []lexer.Token, pos *ast.Position, name string) diag.Span {
	at := diag.Span{File: pos.Src.Name, Line: pos.Line, Col: pos.Column}
	for i, tok := range from(toks, pos) {
		if i > 0 && tok.Kind == lexer.Name && tok.Value == name {
			return diag.Span{File: pos.Src.Name, Line: tok.Pos.Line, Col: tok.Pos.Column, Len: len(name)}
		}
		if tok.Kind == lexer.BraceL || tok.Kind == lexer.ParenL {
			break
		}
	}
	return at
}

// definitionText returns the text of the definition that starts at pos, up
// to the brace that closes its selection set, as written.
func definitionText(toks []lexer.Token, runes []rune, pos *ast.Position) string {
	depth := 0
	for _, tok := range from(toks, pos) {
		switch tok.Kind {
		case lexer.BraceL:
			depth++
		case lexer.BraceR:
			depth--
			if depth == 0 {
				return string(runes[pos.Start:tok.Pos.End])
			}
		}
	}
	return string(runes[pos.Start:]) // unreachable for a parsed definition
}
