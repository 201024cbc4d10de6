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
// (an unreadable directory, a cancelled context). It runs the phases of a
// [Loader] in order.
func Load(ctx context.Context, dir string) (*Result, error) {
	ld, err := NewLoader(dir)
	if err != nil {
		return nil, err
	}
	if err := ld.load(ctx); err != nil {
		return nil, err
	}
	res := ld.Result
	res.Diagnostics.Sort()
	if res.Diagnostics.HasErrors() {
		res.Model = nil
	}
	return res, nil
}

// Loader runs the phases of [Load] one at a time, for tools that need only
// some of them (`bffgen import proto` compiles the protos alone). Each phase
// records what it read in Result.Sources and every problem it finds in
// Result.Diagnostics, and returns nil when it found an error; the error
// return is for everything else. Phases must run in order: Config, Module,
// SDL, Protos, Bind, Operations; a phase whose input is missing returns nil.
type Loader struct {
	// Result collects the sources and diagnostics of the phases run; Bind
	// sets its Model.
	Result *Result
	l      *loader
	cfg    *Config
	sdl    *ast.Schema
	protos []protoreflect.FileDescriptor
}

// NewLoader returns a loader of the project in dir.
func NewLoader(dir string) (*Loader, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res := &Result{Sources: map[string]string{}}
	return &Loader{Result: res, l: &loader{dir: abs, res: res, diags: &res.Diagnostics}}, nil
}

// Config is phase 1: it reads bffgen.yaml and decodes it strictly (unknown
// keys are errors), with defaults applied. It returns nil when the file is
// missing or invalid.
func (ld *Loader) Config() (*Config, error) {
	l := ld.l
	data, err := l.read(ConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		l.diags.Errorf(diag.Span{File: ConfigFile}, "config", "run `bffgen init` to scaffold a project, or pass --dir to point at one", "no %s in %s", ConfigFile, l.dir)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	ld.cfg = parseConfig(data, ConfigFile, filepath.Base(l.dir), l.diags)
	if ld.cfg != nil {
		l.model = &Model{Dir: l.dir, Config: ld.cfg}
	}
	return ld.cfg, nil
}

// Module is phase 2: it finds go.mod at or above the project root and
// records the module's path and directory in the model. It reports false
// (with a diagnostic) when there is none.
func (ld *Loader) Module() bool {
	if ld.l.model == nil {
		return false
	}
	ld.l.findModule()
	return ld.l.model.ModulePath != ""
}

// SDL is phase 3: it parses every schema file of the `schema:` globs
// (reporting every syntax error) and builds the schema with the bffgen
// prelude. It returns nil on errors.
func (ld *Loader) SDL() *ast.Schema {
	if ld.cfg == nil {
		return nil
	}
	ld.sdl = ld.l.loadSDL(ld.cfg)
	return ld.sdl
}

// Protos is phase 4: it compiles every .proto file under the import roots
// with protocompile, reporting every error. It returns nil on errors.
func (ld *Loader) Protos(ctx context.Context) ([]protoreflect.FileDescriptor, error) {
	if ld.cfg == nil {
		return nil, nil
	}
	ld.protos = ld.l.compileProtos(ctx, ld.cfg)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ld.protos, nil
}

// ProtoPaths maps the import path of each compiled proto file
// ("catalog/v1/catalog.proto") to its name relative to the project root
// ("proto/catalog/v1/catalog.proto"), after Protos.
func (ld *Loader) ProtoPaths() map[string]string { return ld.l.protoFiles }

// Bind is phase 5, link and check: it binds GraphQL types to proto
// messages and enums (explicitly, then by inference from @rpc results and
// nested fields) and checks every field, request mapping, result path and
// enum, the arguments of the cost directive @listSize, and the authorization
// directives @auth and @redact. It runs only when every earlier phase succeeded without an error,
// and returns the model, which it also sets in Result; nil on errors.
func (ld *Loader) Bind() *Model {
	l := ld.l
	if l.model == nil || ld.sdl == nil || ld.protos == nil || l.diags.HasErrors() {
		return nil
	}
	l.model.Schema = ld.sdl
	l.model.Protos = ld.protos
	checkListSize(ld.sdl, l.diags)
	newBinder(l.model, l.diags, l.protoFiles).bind()
	checkAuthz(l.model, l.diags)
	ld.Result.Model = l.model
	if l.diags.HasErrors() {
		return nil
	}
	return l.model
}

// Operations is phase 6: it reads the frontend's operations (bffgen.yaml
// operations.documents), checks their names (unique, none anonymous) and
// validates each with the fragments it uses against the schema, as the
// runtime validates a request; unused fragments are warnings. It runs
// when the SDL loaded, whatever the other phases found, so a run reports
// the problems of the operations with the others; it sets
// Model.Operations and returns them.
func (ld *Loader) Operations() []*Operation {
	l := ld.l
	if l.model == nil || ld.sdl == nil || len(ld.cfg.Operations.Documents) == 0 {
		return nil
	}
	l.model.Operations = l.loadOperations(ld.cfg, ld.sdl)
	return l.model.Operations
}

func (ld *Loader) load(ctx context.Context) error {
	cfg, err := ld.Config()
	if err != nil || cfg == nil {
		return err
	}
	ld.Module()
	ld.SDL()
	if _, err := ld.Protos(ctx); err != nil {
		return err
	}
	ld.Bind()
	ld.Operations()
	return nil
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
		for _, d := range doc.Directives {
			declared["@"+d.Name] = true
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
			h = "bffgen declares @rpc, @batch, @proto, @cost and @listSize; other directives must be declared in your SDL"
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
