package codegen

import (
	"bytes"
	"fmt"
	goast "go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	gqlcodegen "github.com/99designs/gqlgen/codegen"
	"github.com/vektah/gqlparser/v2/ast"

	bfftemplates "github.com/bffgen/bffgen/templates"
)

// goImports is the import set of one generated Go file. Every builder that
// prints a qualified name asks it for the package's local name, so a file
// imports exactly what it uses; nothing about it is global, and two files
// can be built at once. The names are gqlgen's (see lookup), so the files
// read as they did when gqlgen's engine rendered them.
type goImports struct {
	// self is the import path of the file's own package: its names are
	// printed unqualified and it is never imported.
	self string
	// name returns the package name of an import path (gqlgen's loaded
	// packages answer it, with one go command for those not loaded yet).
	name func(importPath string) string
	list []goImport // in the order of first use
}

type goImport struct{ name, path, alias string }

func newGoImports(self string, name func(string) string) *goImports {
	return &goImports{self: self, name: name}
}

// lookup returns the local name of importPath in the file, importing it on
// first use: the package's name, or name1, name2... when another import
// holds it already. It returns "" for the file's own package.
func (s *goImports) lookup(importPath string) string {
	if importPath == "" {
		return ""
	}
	if i := strings.LastIndex(importPath, "/vendor/"); i >= 0 {
		importPath = importPath[i+len("/vendor/"):]
	}
	if importPath == s.self {
		return ""
	}
	if im := s.byPath(importPath); im != nil {
		return im.alias
	}
	name := s.name(importPath)
	alias := name
	for i := 1; s.byAlias(alias) != nil; i++ {
		alias = name + strconv.Itoa(i)
	}
	s.list = append(s.list, goImport{name: name, path: importPath, alias: alias})
	return alias
}

// reserve imports importPath under its package name (or the one alias
// given) before any lookup can take that name. Reserving a path twice
// under the same alias is a no-op; reserving it under another alias, or
// an alias another path holds, is an error: a bug in a template.
func (s *goImports) reserve(importPath string, aliases ...string) (string, error) {
	if importPath == s.self {
		return "", nil
	}
	name := s.name(importPath)
	alias := name
	if len(aliases) == 1 {
		alias = aliases[0]
	}
	if im := s.byPath(importPath); im != nil {
		if im.alias == alias {
			return "", nil
		}
		return "", fmt.Errorf("import %s is reserved as %s, not %s", importPath, im.alias, alias)
	}
	if im := s.byAlias(alias); im != nil {
		return "", fmt.Errorf("import %s collides with %s on the name %s", importPath, im.path, alias)
	}
	s.list = append(s.list, goImport{name: name, path: importPath, alias: alias})
	return "", nil
}

// typeString prints t with each package qualified by its local name; the
// empty interface is "any".
func (s *goImports) typeString(t types.Type) string {
	if iface, ok := types.Unalias(t).(*types.Interface); ok && iface.Empty() {
		return "any"
	}
	return types.TypeString(t, func(p *types.Package) string { return s.lookup(p.Path()) })
}

func (s *goImports) byPath(importPath string) *goImport {
	for i := range s.list {
		if s.list[i].path == importPath {
			return &s.list[i]
		}
	}
	return nil
}

func (s *goImports) byAlias(alias string) *goImport {
	for i := range s.list {
		if s.list[i].alias == alias {
			return &s.list[i]
		}
	}
	return nil
}

// source assembles the file: header (the package doc or the generated-code
// notice), package clause, the imports the body uses, body; gofmt-ed, with
// the standard library's imports in a group of their own (as goimports
// writes them). An import nothing in the body refers to is left out, so a
// template may reserve imports it does not always use.
func (s *goImports) source(header, pkg string, body []byte) ([]byte, error) {
	assemble := func(keep func(goImport) bool) []byte {
		var b bytes.Buffer
		if header != "" {
			b.WriteString(header + "\n")
		}
		b.WriteString("package " + pkg + "\n\n")
		var specs []string
		for _, im := range s.list {
			if !keep(im) {
				continue
			}
			if im.alias == im.name && strings.HasSuffix(im.path, im.alias) {
				specs = append(specs, strconv.Quote(im.path))
			} else {
				specs = append(specs, im.alias+" "+strconv.Quote(im.path))
			}
		}
		if len(specs) > 0 {
			b.WriteString("import (\n" + strings.Join(specs, "\n") + "\n)\n")
		}
		b.Write(body)
		return b.Bytes()
	}
	all := assemble(func(goImport) bool { return true })
	f, err := parser.ParseFile(token.NewFileSet(), "", all, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("the generated code does not parse: %w\n%s", err, all)
	}
	used := map[string]bool{}
	goast.Inspect(f, func(n goast.Node) bool {
		if sel, ok := n.(*goast.SelectorExpr); ok {
			// An identifier the parser resolves (Obj set) is a local name
			// that may shadow a package, not a package: gqlgen's pruning
			// tells them apart the same way.
			if x, ok := sel.X.(*goast.Ident); ok && x.Obj == nil {
				used[x.Name] = true
			}
		}
		return true
	})
	out, err := format.Source(assemble(func(im goImport) bool { return used[im.alias] }))
	if err != nil {
		return nil, fmt.Errorf("the generated code does not format: %w\n%s", err, all)
	}
	return groupImports(out), nil
}

// goFile is one Go file the plugin is writing: the plugin, with the file's
// own import set. The builders of Go code are its methods, so every name
// they print is imported into the file it is printed in.
type goFile struct {
	*bffPlugin
	imports *goImports
}

// typeStr prints t as the file names it.
func (p *goFile) typeStr(t types.Type) string { return p.imports.typeString(t) }

// importPathOf returns the import path of a directory of the project, given
// relative to the project root.
func (p *bffPlugin) importPathOf(relDir string) string {
	rel, _ := filepath.Rel(p.m.ModuleDir, filepath.Join(p.m.Dir, filepath.FromSlash(relDir)))
	if rel == "." {
		return p.m.ModulePath
	}
	return p.m.ModulePath + "/" + filepath.ToSlash(rel)
}

// render writes the Go file rel (relative to the project) of package pkg
// from template tpl of package templates, in the workspace. prepare, when
// not nil, runs first, with the file's import set: it fills data with the
// Go the template pastes. funcs adds template functions to the standard
// ones (ucFirst, lcFirst, quote, reserveImport, lookupImport,
// resolverDecl). packageDoc, when given, replaces the generated-code
// notice as the file's header.
func (p *bffPlugin) render(rel, pkg, tpl string, data any, funcs map[string]any, prepare func(*goFile) error, packageDoc ...string) error {
	im := newGoImports(p.importPathOf(path.Dir(rel)), p.data.Config.Packages.NameForPackage)
	g := &goFile{bffPlugin: p, imports: im}
	if prepare != nil {
		if err := prepare(g); err != nil {
			return err
		}
	}
	fm := template.FuncMap{
		"ucFirst":       ucFirst,
		"lcFirst":       lowerFirst,
		"quote":         strconv.Quote,
		"reserveImport": im.reserve,
		"lookupImport":  im.lookup,
		"resolverDecl":  g.resolverDecl,
	}
	for k, v := range funcs {
		fm[k] = v
	}
	t, err := template.New(tpl).Funcs(fm).Parse(bfftemplates.Read(tpl))
	if err != nil {
		return fmt.Errorf("internal error, please report: template %s: %w", tpl, err)
	}
	var body bytes.Buffer
	if err := t.Execute(&body, data); err != nil {
		return fmt.Errorf("rendering %s: %w", rel, err)
	}
	hdr := GeneratedHeader
	if len(packageDoc) > 0 {
		hdr = packageDoc[0]
	}
	src, err := im.source(hdr, pkg, body.Bytes())
	if err != nil {
		return fmt.Errorf("internal error, please report: rendering %s: %w", rel, err)
	}
	abs := filepath.Join(p.ws.project, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return err
	}
	// An unchanged file keeps its modification time, and the go command's
	// cache its entries.
	if old, err := os.ReadFile(abs); err != nil || !bytes.Equal(old, src) {
		if err := os.WriteFile(abs, src, 0o644); err != nil {
			return err
		}
	}
	// gqlgen may have loaded the package before this file changed it.
	p.data.Config.Packages.Evict(im.self)
	p.written = append(p.written, rel)
	return nil
}

// resolverDecl is the parameters and results of the resolver method of a
// field, as gqlgen's ResolverInterface declares it: (ctx, obj for a
// non-root object, the arguments) (result, error); a subscription's result
// is a channel.
func (p *goFile) resolverDecl(f *gqlcodegen.Field) (string, error) {
	if f.Object.Definition != nil && gqlcodegen.GetInlineArgsMetadata(f.Object.Name, f.Name) != nil {
		return "", fmt.Errorf("field %s.%s: gqlgen's @inlineArguments is not supported on fields bffgen resolves", f.Object.Name, f.Name)
	}
	if f.Object.Kind == ast.InputObject {
		return "", fmt.Errorf("internal error, please report: a resolver of input field %s.%s", f.Object.Name, f.Name)
	}
	var b strings.Builder
	b.WriteString("(ctx " + p.imports.lookup("context") + ".Context")
	if !f.Object.Root {
		b.WriteString(", obj " + p.typeStr(f.Object.Reference()))
	}
	for _, a := range f.Args {
		b.WriteString(", " + a.VarName + " " + p.typeStr(a.TypeReference.GO))
	}
	result := p.typeStr(f.TypeReference.GO)
	if f.Object.Stream {
		if f.UsesSubscriptionContext() {
			result = fmt.Sprintf("<-chan %s.Event[%s]", p.imports.lookup(gqlPkg), result)
		} else {
			result = "<-chan " + result
		}
	}
	b.WriteString(") (" + result + ", error)")
	return b.String(), nil
}
