package codegen

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// groupImports puts the standard library's imports of a gofmt-formatted Go
// file in a group of their own, before the others, as goimports does.
// gqlgen formats its executor and models with go/format when its
// SkipImportGrouping is set, which leaves every import in one sorted group;
// goimports would format the whole file a second time only to add that
// blank line. groupImports parses the imports alone and regroups them, so
// the result is what goimports writes. A file whose imports are not one
// parenthesized declaration of one import per line, without comments or
// blank lines, is returned as it is.
func groupImports(src []byte) []byte {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil || len(f.Decls) != 1 {
		return src
	}
	gd, ok := f.Decls[0].(*ast.GenDecl)
	if !ok || gd.Tok != token.IMPORT || !gd.Lparen.IsValid() {
		return src
	}
	for _, c := range f.Comments {
		if c.Pos() > gd.Lparen && c.End() < gd.Rparen {
			return src
		}
	}
	start := fset.Position(gd.Lparen).Offset + 1 // after "("
	end := fset.Position(gd.Rparen).Offset
	body := string(src[start:end])
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(body, "\n"), "\n"), "\n")
	if len(lines) != len(gd.Specs) {
		return src // a blank line, or more than one import on a line
	}
	var std, other []string
	for i, spec := range gd.Specs {
		path, err := strconv.Unquote(spec.(*ast.ImportSpec).Path.Value)
		if err != nil {
			return src
		}
		if isStd(path) {
			std = append(std, lines[i])
		} else {
			other = append(other, lines[i])
		}
	}
	if len(std) == 0 || len(other) == 0 {
		return src
	}
	var b bytes.Buffer
	b.Grow(len(src) + 1)
	b.Write(src[:start])
	b.WriteString("\n" + strings.Join(std, "\n") + "\n\n" + strings.Join(other, "\n") + "\n")
	b.Write(src[end:])
	return b.Bytes()
}

// isStd reports whether an import path is in the standard library by
// goimports' rule: its first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
