package codegen

import (
	"bytes"
	"fmt"
	"go/types"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/plugin/modelgen"
	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/mapping"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
	"google.golang.org/protobuf/reflect/protoreflect"
)

const (
	scalarPkg = "github.com/bffgen/bffgen/runtime/scalar"
	gqlPkg    = "github.com/99designs/gqlgen/graphql"
)

// scalarModels binds each GraphQL scalar to the Go types it may hold; gqlgen
// picks, per field, the one that matches the bound Go field. The first is the
// type of arguments and input fields.
var scalarModels = map[string][]string{
	"Int":      {gqlPkg + ".Int32", scalarPkg + ".Int32Value", gqlPkg + ".Int", gqlPkg + ".Int64"},
	"Float":    {scalarPkg + ".Float", scalarPkg + ".Float32", scalarPkg + ".FloatValue", scalarPkg + ".DoubleValue"},
	"String":   {gqlPkg + ".String", scalarPkg + ".StringValue"},
	"ID":       {gqlPkg + ".ID", scalarPkg + ".StringValue"},
	"Boolean":  {gqlPkg + ".Boolean", scalarPkg + ".BoolValue"},
	"Int64":    {scalarPkg + ".Int64", scalarPkg + ".Uint32", scalarPkg + ".Int64Value", scalarPkg + ".UInt32Value"},
	"UInt64":   {scalarPkg + ".UInt64", scalarPkg + ".UInt64Value"},
	"DateTime": {scalarPkg + ".DateTime"},
	"Duration": {scalarPkg + ".Duration"},
	"Bytes":    {scalarPkg + ".Bytes", scalarPkg + ".BytesValue"},
	"JSON":     {scalarPkg + ".Value", scalarPkg + ".Struct", scalarPkg + ".ListValue", scalarPkg + ".Any"},
}

// cleanSDL returns the user's SDL without the binding directives, and a
// source declaring the mapping scalars the schema uses but does not declare:
// this is the schema clients see.
func cleanSDL(m *schema.Model) ([]*ast.Source, error) {
	var out []*ast.Source
	declared := map[string]bool{}
	var names []string
	for _, def := range m.Schema.Types {
		if def.Position != nil && def.Position.Src != nil && !def.Position.Src.BuiltIn {
			names = append(names, def.Position.Src.Name)
		}
	}
	// Also files that only extend types or declare directives.
	for _, d := range m.Schema.Directives {
		if d.Position != nil && d.Position.Src != nil && !d.Position.Src.BuiltIn {
			names = append(names, d.Position.Src.Name)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	sources := map[string]*ast.Source{}
	for _, def := range m.Schema.Types {
		if def.Position != nil && def.Position.Src != nil {
			sources[def.Position.Src.Name] = def.Position.Src
		}
	}
	for _, d := range m.Schema.Directives {
		if d.Position != nil && d.Position.Src != nil {
			sources[d.Position.Src.Name] = d.Position.Src
		}
	}
	for _, name := range names {
		src := sources[name]
		doc, err := parser.ParseSchema(src)
		if err != nil {
			return nil, fmt.Errorf("internal error, please report: reparsing %s: %w", name, err)
		}
		strip := func(dl ast.DirectiveList) ast.DirectiveList {
			return slices.DeleteFunc(dl, func(d *ast.Directive) bool {
				return slices.Contains(schema.BindingDirectives, d.Name) || slices.Contains(schema.AuthDirectives, d.Name)
			})
		}
		for _, defs := range [][]*ast.Definition{doc.Definitions, doc.Extensions} {
			for _, def := range defs {
				declared[def.Name] = true
				def.Directives = strip(def.Directives)
				for _, f := range def.Fields {
					f.Directives = append(strip(f.Directives), authDirectives(m, def.Name, f.Name)...)
					for _, a := range f.Arguments {
						a.Directives = strip(a.Directives)
					}
				}
				for _, v := range def.EnumValues {
					v.Directives = strip(v.Directives)
				}
			}
		}
		var buf bytes.Buffer
		formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchemaDocument(doc)
		out = append(out, &ast.Source{Name: name, Input: buf.String()})
	}
	used := usedTypes(m.Schema)
	var b strings.Builder
	for _, name := range []string{"Int64", "UInt64", "DateTime", "Duration", "Bytes", "JSON"} {
		if used[name] && !declared[name] {
			def := m.Schema.Types[name]
			fmt.Fprintf(&b, "%q\nscalar %s\n\n", def.Description, name)
		}
	}
	if b.Len() > 0 {
		out = append(out, &ast.Source{Name: "bffgen/scalars.graphql", Input: b.String()})
	}
	if decls := costDirectives(m.Schema); decls != "" {
		out = append(out, &ast.Source{Name: "bffgen/cost.graphql", Input: decls})
	}
	if auth, redact := usesAuthz(m); auth || redact {
		var decls strings.Builder
		if auth {
			decls.WriteString(authDecl)
		}
		if redact {
			decls.WriteString(redactDecl)
		}
		out = append(out, &ast.Source{Name: "bffgen/authz.graphql", Input: decls.String()})
	}
	return out, nil
}

// The authorization directives as the executor declares them: on fields
// only, since authDirectives moves an @auth on a type onto the fields it
// applies to. runtime/authz implements them.
const (
	authDecl   = "\"Authorizes the field: runtime/authz.Auth.\"\ndirective @auth(scopes: [String!]) on FIELD_DEFINITION\n\n"
	redactDecl = "\"Masks the field for callers without the scope: runtime/authz.Redact.\"\ndirective @redact(unless: String!) on FIELD_DEFINITION\n\n"
)

// authDirectives returns the @auth and @redact of the field name of type
// typeName as the model decided them (Field.Auth: the field's own @auth,
// its type's, its root type's).
func authDirectives(m *schema.Model, typeName, name string) ast.DirectiveList {
	f := fieldOf(m.Objects[typeName], name)
	if f == nil {
		return nil
	}
	var out ast.DirectiveList
	if f.Auth != nil {
		d := &ast.Directive{Name: "auth"}
		if len(f.Auth.Scopes) > 0 {
			list := &ast.Value{Kind: ast.ListValue}
			for _, s := range f.Auth.Scopes {
				list.Children = append(list.Children, &ast.ChildValue{Value: &ast.Value{Kind: ast.StringValue, Raw: s}})
			}
			d.Arguments = ast.ArgumentList{{Name: "scopes", Value: list}}
		}
		out = append(out, d)
	}
	if f.Redact != "" {
		out = append(out, &ast.Directive{Name: "redact", Arguments: ast.ArgumentList{{Name: "unless", Value: &ast.Value{Kind: ast.StringValue, Raw: f.Redact}}}})
	}
	return out
}

// usesAuthz reports whether a field of m needs @auth, and one @redact.
func usesAuthz(m *schema.Model) (auth, redact bool) {
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			auth = auth || f.Auth != nil
			redact = redact || f.Redact != ""
		}
	}
	return auth, redact
}

// costDirectives returns the prelude's declarations of the cost directives
// that the schema uses, so that they reach the executable schema (and the
// runtime's cost estimate); "" when it uses none, or declares them itself.
func costDirectives(s *ast.Schema) string {
	used := map[string]bool{}
	mark := func(dl ast.DirectiveList) {
		for _, d := range dl {
			if slices.Contains(schema.CostDirectives, d.Name) {
				used[d.Name] = true
			}
		}
	}
	for _, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		mark(def.Directives)
		for _, f := range def.Fields {
			mark(f.Directives)
			for _, a := range f.Arguments {
				mark(a.Directives)
			}
		}
	}
	var b strings.Builder
	for _, name := range schema.CostDirectives {
		d := s.Directives[name]
		if !used[name] || d == nil || d.Position == nil || d.Position.Src == nil || !d.Position.Src.BuiltIn {
			continue // unused, or declared in the user's SDL, which keeps it
		}
		b.WriteString(schema.CostDirectiveSDL(name) + "\n\n")
	}
	return b.String()
}

// usedTypes lists the named types that fields, arguments and input fields
// refer to.
func usedTypes(s *ast.Schema) map[string]bool {
	used := map[string]bool{}
	for _, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			used[f.Type.Name()] = true
			for _, a := range f.Arguments {
				used[a.Type.Name()] = true
			}
		}
	}
	return used
}

// listWorkerLimit is gqlgen's exec.worker_limit in the generated executor:
// a list resolves at most this many elements at once, one goroutine each,
// and stops starting elements once the operation's context is done. It
// bounds the goroutines (and their stacks) of a long list, and lets the
// runtime's response-size meter stop an operation that went over the cap
// (see runtime/graphql/gqlgenexec.WithMaxResponseBytes). Resolvers of list
// elements only read what lookahead batching prepared, so a limit cannot
// make an element wait for one that has not started.
const listWorkerLimit = 32

// gqlgenConfig builds gqlgen's config in code: the cleaned SDL, the executor
// in <out>/internal/exec, generated models (inputs, unbound types) in
// <out>/model, and every bound type mapped to its proto Go type.
func gqlgenConfig(m *schema.Model, pg *protoGen, ws *workspace, sources []*ast.Source) (*config.Config, error) {
	cfg := config.DefaultConfig()
	cfg.SchemaFilename = nil
	cfg.Sources = sources
	out := filepath.Join(ws.project, filepath.FromSlash(m.Config.Go.Out))
	cfg.Exec = config.ExecConfig{Filename: filepath.Join(out, "internal", "exec", "exec.go"), Package: "exec", Layout: config.ExecLayoutSingleFile, WorkerLimit: listWorkerLimit}
	cfg.Model = config.PackageConfig{Filename: filepath.Join(out, "model", "models.go"), Package: "model"}
	cfg.SkipModTidy = true
	cfg.SkipValidation = true
	cfg.OmitGQLGenVersionInFileNotice = true
	cfg.OmitGQLGenFileNotice = true
	cfg.OmitRootModels = true
	// gqlgen formats the executor and the models with go/format instead of
	// goimports, which would format them a second time (0.3 s of CPU on the
	// 1200-field benchmark spec); groupImports then groups their imports as
	// goimports does.
	skipGrouping := true
	cfg.SkipImportGrouping = &skipGrouping
	// The cost directives stay in the served schema for the runtime's cost
	// estimate; they need no runtime handler.
	for _, name := range schema.CostDirectives {
		cfg.Directives[name] = config.DirectiveConfig{SkipRuntime: true}
	}
	if err := config.CompleteConfig(cfg); err != nil {
		return nil, fmt.Errorf("internal error, please report: gqlgen config: %w", err)
	}
	for name, models := range scalarModels {
		if _, ok := m.Schema.Types[name]; ok {
			cfg.Models[name] = config.TypeMapEntry{Model: models}
		}
	}
	for name := range m.Enums {
		cfg.Models[name] = config.TypeMapEntry{Model: config.StringList{mappingImportPath(m) + "." + name}}
	}
	for _, name := range sortedKeys(m.Objects) {
		obj := m.Objects[name]
		if isRoot(m, name) {
			continue // root fields are always resolvers
		}
		fields := map[string]config.TypeMapField{}
		for _, f := range obj.Fields {
			switch f.Kind {
			case schema.FieldProto:
				fields[f.Def.Name] = config.TypeMapField{FieldName: pg.field(f.Proto).GoName, Resolver: plan.ReadOf(f).Resolver()}
			case schema.FieldRPC, schema.FieldUser, schema.FieldBatch, schema.FieldOneof:
				fields[f.Def.Name] = config.TypeMapField{Resolver: true}
			}
		}
		entry := config.TypeMapEntry{Fields: fields}
		if obj.Message != nil {
			msg := pg.message(obj.Message)
			entry.Model = config.StringList{string(msg.GoIdent.GoImportPath) + "." + msg.GoIdent.GoName}
		} else {
			// A type no binding reaches is a generated model: its fields are
			// plain struct fields unless they are bound with @rpc.
			for fname, f := range fields {
				if !f.Resolver || hasRPC(obj, fname) {
					continue
				}
				delete(fields, fname)
			}
		}
		cfg.Models[name] = entry
	}
	return cfg, nil
}

// placeholderModel stands in for a deferred binding (see deferBindings): a
// type of gqlgen's graphql package, which gqlgen loads in any case.
const placeholderModel = gqlPkg + ".Response"

// deferBindings takes out of cfg the bindings to proto Go types that gqlgen
// does not need before it builds its data, and returns them: the caller puts
// them back between gqlgen's model generation and its data build (the bff
// plugin's MutateConfig).
//
// gqlgen type-checks the packages of every bound model three times: at
// Config.Init, after generating models (when there are any), and when it
// builds its data, which it does anew from the go command each time. Only
// the last needs the proto packages, except for the model generator, which
// reads the Go type of a bound type that a generated model (an input, an
// unbound object or interface) has a field of: those bindings stay. The
// others are bound meanwhile to a placeholder in a package gqlgen loads
// anyway, so the model generator still sees the type as bound and does not
// generate it, and the 1200-field benchmark spec loads its 30 proto
// packages once instead of twice.
func deferBindings(cfg *config.Config, m *schema.Model) map[string]config.TypeMapEntry {
	needed := map[string]bool{}
	for _, def := range m.Schema.Types {
		if def.BuiltIn || isRoot(m, def.Name) || cfg.Models.UserDefined(def.Name) {
			continue
		}
		switch def.Kind {
		case ast.Object, ast.InputObject, ast.Interface:
			for _, f := range def.Fields {
				needed[f.Type.Name()] = true
			}
		}
	}
	deferred := map[string]config.TypeMapEntry{}
	for name, obj := range m.Objects {
		if obj.Message == nil || needed[name] || isRoot(m, name) {
			continue
		}
		deferred[name] = cfg.Models[name]
		cfg.Models[name] = config.TypeMapEntry{Model: config.StringList{placeholderModel}}
	}
	return deferred
}

// modelsPlugin is gqlgen's model generator with one change: a field of a
// generated model that holds a well-known message (the value of a map
// entry, the member of a oneof union: google.protobuf.Any as JSON, say)
// takes the message's Go type, which the scalar's marshaler reads, rather
// than the scalar's first Go type, which the proto value does not convert
// to.
func modelsPlugin(m *schema.Model, pg *protoGen) *modelgen.Plugin {
	wkt := map[string]protoreflect.MessageDescriptor{} // "Type.field"
	add := func(typ, field string, fd protoreflect.FieldDescriptor) {
		if md := fd.Message(); md != nil && mapping.IsWellKnown(md) {
			wkt[typ+"."+field] = md
		}
	}
	for name, entry := range m.MapEntries {
		add(name, "value", entry.Fields().ByName("value"))
	}
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			if f.Kind == schema.FieldOneof {
				for _, mem := range f.Oneof.Members {
					add(mem.Type.Name, mem.Field.Name, mem.Proto)
				}
			}
		}
	}
	mp := modelgen.New().(*modelgen.Plugin)
	mp.FieldHook = func(td *ast.Definition, fd *ast.FieldDefinition, f *modelgen.Field) (*modelgen.Field, error) {
		if md, ok := wkt[td.Name+"."+fd.Name]; ok {
			id := pg.message(md).GoIdent
			pkg := types.NewPackage(string(id.GoImportPath), path.Base(string(id.GoImportPath)))
			f.Type = types.NewPointer(types.NewNamed(types.NewTypeName(0, pkg, id.GoName, nil), types.NewStruct(nil, nil), nil))
		}
		return modelgen.DefaultFieldMutateHook(td, fd, f)
	}
	return mp
}

func isRoot(m *schema.Model, name string) bool {
	for _, d := range []*ast.Definition{m.Schema.Query, m.Schema.Mutation, m.Schema.Subscription} {
		if d != nil && d.Name == name {
			return true
		}
	}
	return false
}

func hasRPC(obj *schema.Object, field string) bool {
	for _, f := range obj.Fields {
		if f.Def.Name == field {
			return f.Kind == schema.FieldRPC
		}
	}
	return false
}

// genExecutor drives gqlgen in a workspace and adds everything it and the
// bffgen plugin wrote to set.
func genExecutor(m *schema.Model, pg *protoGen, set *FileSet, existing map[string]bool) error {
	ws, err := newWorkspace(m)
	if err != nil {
		return err
	}
	defer ws.remove()
	if err := ws.write(set); err != nil {
		return err
	}
	for _, f := range pg.plugin.Files {
		if _, _, canonical := canonicalGoPackage(f.Desc); f.Generate || canonical {
			continue // generated here, or a module's package the go command fetches
		}
		if err := ws.copyDir(m, string(f.GoImportPath)); err != nil {
			return fmt.Errorf("copying reused package %s: %w", f.GoImportPath, err)
		}
		if pg.reusedConnect[f.Desc.Path()] {
			if err := ws.copyDir(m, string(pg.connectPath(f))); err != nil {
				return fmt.Errorf("copying reused package %s: %w", pg.connectPath(f), err)
			}
		}
	}
	sources, err := cleanSDL(m)
	if err != nil {
		return err
	}
	cfg, err := gqlgenConfig(m, pg, ws, sources)
	if err != nil {
		return err
	}
	sp := plan.NewSchema(m)
	plans := plan.Build(m, sp)
	set.Notes = append(set.Notes, fallbacks(plans)...)
	p := &bffPlugin{m: m, pg: pg, ws: ws, existing: existing, deferred: deferBindings(cfg, m), schema: sp, plans: plans}
	err = ws.inWorkspace(func() error {
		return api.Generate(cfg, api.NoPlugins(), api.AddPlugin(modelsPlugin(m, pg)), api.AddPlugin(p))
	})
	if err != nil {
		return fmt.Errorf("internal error, please report: gqlgen: %w", err)
	}
	execRel := path.Join(m.Config.Go.Out, "internal/exec/exec.go")
	modelsRel := path.Join(m.Config.Go.Out, "model/models.go")
	for _, rel := range append([]string{execRel, modelsRel}, p.written...) {
		data, err := ws.read(rel)
		if err != nil {
			if rel == modelsRel {
				continue // no input or unbound types: gqlgen writes no models
			}
			return fmt.Errorf("internal error, please report: reading %s: %w", rel, err)
		}
		if rel == execRel {
			if data, err = rewriteLists(data); err != nil {
				return fmt.Errorf("internal error, please report: %w", err)
			}
		}
		if rel == execRel || rel == modelsRel {
			data = groupImports(data) // formatted without grouping: see gqlgenConfig
		}
		set.Add(File{Path: rel, Data: data, Scaffold: p.scaffolds[rel]})
	}
	return genCompiled(m, pg, set, plans)
}
