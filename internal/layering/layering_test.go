package layering_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/bffgen/bffgen"

type pkg struct {
	ImportPath string
	Deps       []string
}

// deps lists each package matching pattern in dir with its transitive deps.
func deps(t *testing.T, dir, pattern string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps", pattern)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	rules := []struct {
		name       string
		pattern    string
		only       []string // when set, only the matching packages under these prefixes are checked
		forbidden  []string
		except     []string // dependencies allowed although a forbidden prefix matches them
		stdlibOnly bool     // every dependency must be in the standard library
	}{
		{name: "runtime imports no generator package", pattern: mod + "/runtime/...", forbidden: []string{mod + "/schema", mod + "/codegen", mod + "/templates", mod + "/internal/cli"}},
		{name: "the front end imports neither back end nor runtime", pattern: mod + "/schema/...", forbidden: []string{mod + "/codegen", mod + "/runtime", mod + "/templates", mod + "/internal/cli"}},
		// One exception: the cost model (runtime/graphql/limits, which imports
		// only gqlparser) weighs the fields of compiled executors at generate
		// time, as it weighs every operation at run time: one home for its rules.
		{name: "the back end imports no runtime and no CLI", pattern: mod + "/codegen/...", forbidden: []string{mod + "/runtime", mod + "/internal/cli"}, except: []string{mod + "/runtime/graphql/limits"}},
		{name: "the generator's plan knows no gqlgen", pattern: mod + "/codegen/plan/...", forbidden: []string{"github.com/99designs/gqlgen"}},
		{
			name:      "GraphQL serving code does not know the sidecar",
			pattern:   mod + "/runtime/...",
			only:      []string{mod + "/runtime/gateway", mod + "/runtime/graphql", mod + "/runtime/batch", mod + "/runtime/stream", mod + "/runtime/authz"},
			forbidden: []string{mod + "/runtime/sidecar"},
		},
		{name: "the sidecar does not know gqlgen", pattern: mod + "/runtime/sidecar/...", forbidden: []string{"github.com/99designs/gqlgen", "github.com/vektah/gqlparser"}},
		{name: "field authorization knows the caller only from the request seam", pattern: mod + "/runtime/authz/...", forbidden: []string{mod + "/runtime/gateway", mod + "/runtime/sidecar", mod + "/runtime/config", mod + "/runtime/graphql"}},
		{name: "the request seam imports only the standard library", pattern: mod + "/runtime/request/...", stdlibOnly: true},
		{name: "the limit checker imports no gqlgen and no other runtime package", pattern: mod + "/runtime/graphql/limits", forbidden: []string{"github.com/99designs/gqlgen", mod + "/runtime/gateway", mod + "/runtime/sidecar", mod + "/runtime/config", mod + "/runtime/errcode"}},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			pkgs := deps(t, "../..", r.pattern)
			if len(r.only) > 0 {
				pkgs = slices.DeleteFunc(pkgs, func(p pkg) bool {
					return !slices.ContainsFunc(r.only, func(prefix string) bool {
						return p.ImportPath == prefix || strings.HasPrefix(p.ImportPath, prefix+"/")
					})
				})
			}
			if len(pkgs) == 0 {
				t.Fatalf("no package matches %s", r.pattern)
			}
			for _, p := range pkgs {
				for _, d := range p.Deps {
					if r.stdlibOnly && strings.Contains(strings.Split(d, "/")[0], ".") {
						t.Errorf("%s imports %s, which is not in the standard library", p.ImportPath, d)
					}
					for _, f := range r.forbidden {
						if (d == f || strings.HasPrefix(d, f+"/")) && !slices.Contains(r.except, d) {
							t.Errorf("%s imports %s", p.ImportPath, d)
						}
					}
				}
			}
		})
	}
}

// TestGeneratedCodeImports checks the committed example: its generated
// packages import only the runtime, connect, gqlgen's runtime, protobuf,
// OpenTelemetry, the standard library and each other.
func TestGeneratedCodeImports(t *testing.T) {
	const ex = mod + "/examples/shop"
	allowed := []string{
		ex + "/gen",
		mod + "/runtime",
		"connectrpc.com/connect",
		"github.com/99designs/gqlgen/graphql",
		"github.com/vektah/gqlparser/v2",
		"google.golang.org/protobuf",
		"go.opentelemetry.io/otel",
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./gen/...")
	cmd.Dir = "../../examples/shop"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./gen/... in examples/shop: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			ok := false
			for _, a := range allowed {
				if imp == a || strings.HasPrefix(imp, a+"/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("generated package %s imports %s", fields[0], imp)
			}
		}
	}
}

// TestTheBFFBinaryStaysLean checks what the shop BFF links (its main
// package and every dependency) against packages that make every BFF
// binary larger, and its resident set with it, whether a BFF uses them or
// not:
//   - text/template (and html/template over it): its reflection on methods
//     makes the linker keep every exported method of every type; gqlgen's
//     playground brought it in for GraphiQL, 5 MB of the 29 MB binary and
//     2.5 MiB of its resident set under load (docs/benchmarks.md);
//   - the Redis client: only a BFF with global rate limits needs it, and
//     it imports runtime/gateway/ratelimit/redisstore itself (11 MB).
func TestTheBFFBinaryStaysLean(t *testing.T) {
	heavy := []string{"text/template", "html/template", "github.com/redis/go-redis", "github.com/go-redis/redis_rate"}
	pkgs := deps(t, "../../examples/shop", ".")
	if len(pkgs) != 1 {
		t.Fatalf("go list . in examples/shop: %d packages, want the main package", len(pkgs))
	}
	for _, d := range pkgs[0].Deps {
		for _, h := range heavy {
			if d == h || strings.HasPrefix(d, h+"/") {
				t.Errorf("the shop BFF links %s (go mod why -m, or go list -deps, says through what)", d)
			}
		}
	}
}

// gqlgenImportState names the methods of gqlgen's codegen types that print
// Go types through gqlgen's package-level import set
// (templates.CurrentImports, which exists only inside templates.Render).
var gqlgenImportState = []string{
	"ShortResolverDeclaration", "ShortResolverSignature", "ShortBatchResolverDeclaration",
	"ZeroVal", "ComplexityArgs", "ComplexitySignature", "CallArgs",
}

// TestNoGlobalImportState checks that the generator renders every file with
// an import set of its own: no Go file of codegen refers to gqlgen's global
// import set or to a helper that reads it, and no template of templates/
// calls such a helper.
func TestNoGlobalImportState(t *testing.T) {
	var goFiles []string
	err := filepath.WalkDir("../../codegen", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			goFiles = append(goFiles, p)
		}
		return nil
	})
	if err != nil || len(goFiles) == 0 {
		t.Fatalf("no Go files under codegen: %v", err)
	}
	for _, p := range goFiles {
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		tpl := "" // the local name of gqlgen's templates package, if imported
		for _, im := range f.Imports {
			if im.Path.Value == `"github.com/99designs/gqlgen/codegen/templates"` {
				tpl = "templates"
				if im.Name != nil {
					tpl = im.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && tpl != "" && x.Name == tpl && (sel.Sel.Name == "CurrentImports" || sel.Sel.Name == "Render") {
				t.Errorf("%s uses %s.%s, gqlgen's global import set: render with the file's goImports", p, tpl, sel.Sel.Name)
			}
			if slices.Contains(gqlgenImportState, sel.Sel.Name) {
				t.Errorf("%s calls %s, which prints through gqlgen's global import set: use the file's goImports", p, sel.Sel.Name)
			}
			return true
		})
	}
	tpls, err := filepath.Glob("../../templates/*.gotpl")
	if err != nil || len(tpls) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, p := range tpls {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range gqlgenImportState {
			if regexp.MustCompile(`\.` + name + `\b`).Match(src) {
				t.Errorf("%s calls .%s, which uses gqlgen's global import set: use resolverDecl or lookupImport", p, name)
			}
		}
	}
}
