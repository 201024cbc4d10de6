package schema

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ProtoSet is the compiled protos of a project, without its GraphQL
// schema: the input of the importer (package schema/importproto). [CompileProtos] makes one.
type ProtoSet struct {
	// Dir is the absolute project root.
	Dir string
	// Config is the decoded bffgen.yaml with defaults applied.
	Config *Config
	// Files are the compiled files under the import roots, by import path;
	// the well-known types they import are reachable through their imports.
	Files []protoreflect.FileDescriptor
	// Paths maps the import path of each file of Files
	// ("catalog/v1/catalog.proto") to its name relative to the project
	// root ("proto/catalog/v1/catalog.proto").
	Paths map[string]string
}

// CompileProtos reads bffgen.yaml in dir and compiles every .proto file
// under its import roots exactly as [Load] does, without reading the
// GraphQL schema: the Config and Protos phases of a [Loader]. Spec problems (a bad config, a proto syntax error) are
// diagnostics in the result, which then has no model, and the set is nil;
// the error is for everything else (an unreadable directory, a cancelled
// context).
func CompileProtos(ctx context.Context, dir string) (*ProtoSet, *Result, error) {
	ld, err := NewLoader(dir)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := ld.Config()
	if err != nil {
		return nil, nil, err
	}
	files, err := ld.Protos(ctx)
	if err != nil {
		return nil, nil, err
	}
	res := ld.Result
	res.Diagnostics.Sort()
	if cfg == nil || files == nil || res.Diagnostics.HasErrors() {
		return nil, res, nil
	}
	return &ProtoSet{Dir: ld.l.dir, Config: cfg, Files: files, Paths: ld.ProtoPaths()}, res, nil
}

// SchemaSources reads the project's GraphQL schema files (the `schema:`
// globs of bffgen.yaml), except those named in exclude (paths relative to
// the project root), for the importer's Options.Existing. Files are returned in
// name order, named relative to the project root.
func (s *ProtoSet) SchemaSources(exclude ...string) ([]*ast.Source, error) {
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[filepath.ToSlash(filepath.Clean(e))] = true
	}
	var names []string
	for _, g := range s.Config.Schema {
		matches, err := filepath.Glob(filepath.Join(s.Dir, g))
		if err != nil {
			continue // Load reports bad globs; the import only looks
		}
		for _, m := range matches {
			rel, err := filepath.Rel(s.Dir, m)
			if err != nil {
				continue
			}
			if rel = filepath.ToSlash(rel); !skip[rel] {
				names = append(names, rel)
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	out := make([]*ast.Source, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(s.Dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		out = append(out, &ast.Source{Name: name, Input: string(data)})
	}
	return out, nil
}

// Covers reports whether the project's `schema:` globs match rel, a path
// relative to the project root: whether [Load] reads an SDL file written
// there.
func (s *ProtoSet) Covers(rel string) bool {
	rel = filepath.Clean(filepath.FromSlash(rel))
	for _, g := range s.Config.Schema {
		if ok, err := filepath.Match(filepath.Clean(filepath.FromSlash(g)), rel); err == nil && ok {
			return true
		}
	}
	return false
}
