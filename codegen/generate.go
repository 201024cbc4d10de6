package codegen

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema"
	"golang.org/x/mod/modfile"
)

// Generate produces every file of the BFF for a checked model. It writes
// nothing to the project: call [FileSet.Write] with the result. The scratch
// workspace gqlgen needs is removed before Generate returns.
func Generate(ctx context.Context, m *schema.Model) (*FileSet, error) {
	set := &FileSet{Out: m.Config.Go.Out}
	frontend, err := Frontend(m)
	if err != nil {
		return nil, err
	}
	for _, f := range frontend {
		set.Add(f)
	}
	pg, err := genProtos(m, set)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	existing, err := userMethods(filepath.Join(m.Dir, filepath.FromSlash(m.Config.Go.Resolvers)))
	if err != nil {
		return nil, err
	}
	if err := genExecutor(m, pg, set, existing); err != nil {
		return nil, err
	}
	set.Sort()
	set.Requires, err = missingRequires(m)
	if err != nil {
		return nil, err
	}
	return set, nil
}

// userMethods lists the methods declared in the user's resolvers package
// (by name, whatever the receiver), so scaffolds are written only for
// missing ones.
func userMethods(dir string) (map[string]bool, error) {
	out := map[string]bool{}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			continue // the compiler will report it; scaffolding must not guess
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				out[fd.Name.Name] = true
			}
		}
	}
	return out, nil
}

func fileExists(dir, rel string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil
}

// missingRequires lists the canonical modules generated code imports that
// the project's go.mod does not require, as "path@version".
func missingRequires(m *schema.Model) ([]string, error) {
	need := neededModules(m)
	if len(need) == 0 {
		return nil, nil
	}
	data, err := os.ReadFile(filepath.Join(m.ModuleDir, "go.mod"))
	if err != nil {
		return nil, err
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil, fmt.Errorf("reading go.mod: %w", err)
	}
	var out []string
	for _, mod := range need {
		if !slices.ContainsFunc(mf.Require, func(r *modfile.Require) bool { return r.Mod.Path == mod }) {
			out = append(out, mod+"@"+canonicalModules[mod])
		}
	}
	return out, nil
}
