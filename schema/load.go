package schema

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"golang.org/x/mod/modfile"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Result is the outcome of [Load]: a model when the spec has no errors, and
// every diagnostic found, with the sources to render them.
type Result struct {
	// Model is nil when Diagnostics has errors.
	Model       *Model
	Diagnostics diag.List
	// Sources holds the text of every spec file read, by the name used in
	// spans (relative to the project root).
	Sources map[string]string
}

// Source returns the text of a file named in a span; it fits [diag.Sources].
func (r *Result) Source(name string) (string, bool) {
	s, ok := r.Sources[name]
	return s, ok
}

// Load reads and checks the composition spec of the project in dir. Spec
// problems are diagnostics in the result; the error is for everything else
// (an unreadable directory, a cancelled context).
func Load(ctx context.Context, dir string) (*Result, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Sources: map[string]string{}}
	l := &loader{dir: abs, res: res, diags: &res.Diagnostics}
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	res.Diagnostics.Sort()
	if res.Diagnostics.HasErrors() {
		res.Model = nil
	}
	return res, nil
}

type loader struct {
	dir   string
	res   *Result
	diags *diag.List
	model *Model
	// protoFiles maps a proto file path (as protocompile names it) to its
	// name in spans (root-prefixed, relative to the project).
	protoFiles map[string]string
}

func (l *loader) read(rel string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(l.dir, rel))
	if err != nil {
		return nil, err
	}
	l.res.Sources[filepath.ToSlash(rel)] = string(data)
	return data, nil
}

func (l *loader) load(ctx context.Context) error {
	data, err := l.read(ConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		l.diags.Errorf(diag.Span{File: ConfigFile}, "config", "run `bffgen init` to scaffold a project, or pass --dir to point at one", "no %s in %s", ConfigFile, l.dir)
		return nil
	} else if err != nil {
		return err
	}
	cfg := parseConfig(data, ConfigFile, filepath.Base(l.dir), l.diags)
	if cfg == nil {
		return nil
	}
	l.model = &Model{Dir: l.dir, Config: cfg}
	l.findModule()
	schema := l.loadSDL(cfg)
	files := l.compileProtos(ctx, cfg)
	if err := ctx.Err(); err != nil {
		return err
	}
	if schema == nil || files == nil || l.diags.HasErrors() {
		return nil
	}
	l.model.Schema = schema
	l.model.Protos = files
	newBinder(l.model, l.diags, l.protoFiles).bind()
	l.res.Model = l.model
	return nil
}

// findModule locates go.mod at or above the project root.
func (l *loader) findModule() {
	for d := l.dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			if mp := modfile.ModulePath(data); mp != "" {
				l.model.ModulePath, l.model.ModuleDir = mp, d
				return
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	l.diags.Errorf(diag.Span{File: ConfigFile}, "go-module", "run `go mod init example.com/yourbff` in the project root", "no go.mod found in %s or its parents", l.dir)
}

// loadSDL parses every schema file (reporting every syntax error), then
// builds the schema with the prelude.
func (l *loader) loadSDL(cfg *Config) *ast.Schema {
	var names []string
	for _, g := range cfg.Schema {
		matches, err := filepath.Glob(filepath.Join(l.dir, g))
		if err != nil {
			l.diags.Errorf(diag.Span{File: ConfigFile}, "config", "fix the glob pattern", "bad schema glob %q: %v", g, err)
			continue
		}
		if len(matches) == 0 {
			l.diags.Errorf(diag.Span{File: ConfigFile}, "config", "check `schema:` in bffgen.yaml", "schema glob %q matches no file", g)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(l.dir, m)
			names = append(names, filepath.ToSlash(rel))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var sources []*ast.Source
	declared := map[string]bool{}
	ok := true
	for _, name := range names {
		data, err := l.read(name)
		if err != nil {
			l.diags.Errorf(diag.Span{File: name}, "io", "", "cannot read schema file: %v", err)
			ok = false
			continue
		}
		src := &ast.Source{Name: name, Input: string(data)}
		doc, err := parser.ParseSchema(src)
		if err != nil {
			l.gqlErrors(err, name, "sdl-syntax", "fix the GraphQL syntax")
			ok = false
			continue
		}
		for _, d := range doc.Definitions {
			declared[d.Name] = true
		}
		sources = append(sources, src)
	}
	if !ok || len(sources) == 0 {
		return nil
	}
	schema, err := gqlparser.LoadSchema(append([]*ast.Source{Prelude(declared)}, sources...)...)
	if err != nil {
		l.gqlErrors(err, "", "sdl", "")
		return nil
	}
	return schema
}

// gqlErrors converts gqlparser errors into diagnostics.
func (l *loader) gqlErrors(err error, file, code, hint string) {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		l.diags.Errorf(diag.Span{File: file}, code, hint, "%v", err)
		return
	}
	for _, e := range list {
		span := diag.Span{File: file}
		if f, ok := e.Extensions["file"].(string); ok && f != "" {
			span.File = f
		}
		if len(e.Locations) > 0 {
			span.Line, span.Col = e.Locations[0].Line, e.Locations[0].Column
		}
		h := hint
		if strings.Contains(e.Message, "Undefined directive") {
			h = "bffgen declares @rpc and @proto; other directives must be declared in your SDL"
		}
		l.diags.Errorf(span, code, h, "%s", lowerFirst(strings.TrimSuffix(e.Message, ".")))
	}
}

// compileProtos compiles every .proto file under the import roots and
// reports every error protocompile finds.
func (l *loader) compileProtos(ctx context.Context, cfg *Config) []protoreflect.FileDescriptor {
	l.protoFiles = map[string]string{}
	var roots, names []string
	for _, r := range cfg.Proto.Roots {
		absRoot := filepath.Join(l.dir, r)
		if st, err := os.Stat(absRoot); err != nil || !st.IsDir() {
			l.diags.Errorf(diag.Span{File: ConfigFile}, "config", "check `proto.roots` in bffgen.yaml", "proto root %q is not a directory", r)
			continue
		}
		roots = append(roots, absRoot)
		err := filepath.WalkDir(absRoot, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".proto") {
				return nil
			}
			rel, _ := filepath.Rel(absRoot, p)
			name := filepath.ToSlash(rel)
			if _, dup := l.protoFiles[name]; dup {
				return nil // an earlier root wins, as with protoc -I
			}
			spanName := filepath.ToSlash(filepath.Join(r, rel))
			l.protoFiles[name] = spanName
			if _, err := l.read(spanName); err != nil {
				return err
			}
			names = append(names, name)
			return nil
		})
		if err != nil {
			return nil
		}
	}
	if len(roots) == 0 {
		return nil
	}
	sort.Strings(names)
	failed := false
	rep := reporter.NewReporter(func(err reporter.ErrorWithPos) error {
		failed = true
		pos := err.GetPosition()
		l.diags.Errorf(diag.Span{File: l.protoSpanName(pos.Filename), Line: pos.Line, Col: pos.Col}, "proto", "fix the .proto file; bffgen compiles it as protoc would", "%s", err.Unwrap().Error())
		return nil
	}, func(err reporter.ErrorWithPos) {})
	comp := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: roots}),
		SourceInfoMode: protocompile.SourceInfoStandard,
		Reporter:       rep,
	}
	files, err := comp.Compile(ctx, names...)
	if err != nil || failed {
		if !failed {
			l.compileError(err, cfg)
		}
		return nil
	}
	out := make([]protoreflect.FileDescriptor, len(files))
	for i, f := range files {
		out[i] = f
	}
	return out
}

// compileError reports an error protocompile returned instead of passing it
// to the reporter: typically an import that no root holds, which is
// reported at the import statement.
func (l *loader) compileError(err error, cfg *Config) {
	var pos reporter.ErrorWithPos
	if !errors.As(err, &pos) || pos.GetPosition().Filename == "" {
		l.diags.Errorf(diag.Span{File: ConfigFile}, "proto", "check the proto files and proto.roots in bffgen.yaml", "compiling protos: %v", err)
		return
	}
	p := pos.GetPosition()
	at := diag.Span{File: l.protoSpanName(p.Filename), Line: p.Line, Col: p.Col}
	if errors.Is(err, fs.ErrNotExist) {
		imported := ""
		if src, ok := l.res.Sources[at.File]; ok && p.Line > 0 {
			if lines := strings.Split(src, "\n"); p.Line <= len(lines) {
				if _, rest, ok := strings.Cut(lines[p.Line-1], "\""); ok {
					imported, _, _ = strings.Cut(rest, "\"")
				}
			}
		}
		if imported != "" {
			at.Len = len(imported) + 2
			l.diags.Errorf(at, "proto-import", fmt.Sprintf("put %s under one of proto.roots (%s) in bffgen.yaml, or add the root that holds it", imported, strings.Join(cfg.Proto.Roots, ", ")),
				"imported file %q is not found in any proto root", imported)
			return
		}
	}
	l.diags.Errorf(at, "proto", "fix the .proto file; bffgen compiles it as protoc would", "%s", pos.Unwrap().Error())
}

// protoSpanName maps a protocompile file name to the project-relative name.
func (l *loader) protoSpanName(name string) string {
	if s, ok := l.protoFiles[name]; ok {
		return s
	}
	return name
}

// String describes a result for debugging.
func (r *Result) String() string {
	return fmt.Sprintf("model=%v diagnostics=%d", r.Model != nil, len(r.Diagnostics))
}
