package codegen

import (
	"fmt"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"slices"
	"strings"
	"unicode"

	gqlcodegen "github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// bffPlugin is the gqlgen plugin that writes the bound resolvers, the
// server wiring and the user-resolver scaffolds, from gqlgen's type-checked
// view of the schema.
type bffPlugin struct {
	m        *schema.Model
	pg       *protoGen
	ws       *workspace
	existing map[string]bool // methods the user's resolvers already have
	data     *gqlcodegen.Data
	// schema is the schema-wide plan (codegen/plan): how every bound field
	// is read, every request filled; the resolvers are written from it.
	schema *plan.Schema
	// plans are the plans of the frontend's operations (codegen/plan).
	plans []*plan.Operation

	// claimVars are the variables that hold the claims read so far in the
	// function being written, by claim name (see claimSource).
	claimVars map[string]string

	written   []string // project-relative paths rendered
	scaffolds map[string]bool
	// deferred holds the bindings MutateConfig restores (deferBindings).
	deferred map[string]config.TypeMapEntry
}

// MutateConfig implements gqlgen's plugin.ConfigMutator: it runs after
// gqlgen's model generator (the plugin before it) and before gqlgen builds
// its data, and puts back the bindings deferBindings took out.
func (p *bffPlugin) MutateConfig(cfg *config.Config) error {
	for name, entry := range p.deferred {
		cfg.Models[name] = entry
	}
	return nil
}

// Name implements gqlgen's plugin.Plugin.
func (p *bffPlugin) Name() string { return "bffgen" }

type userField struct {
	Object string
	Field  *gqlcodegen.Field
	Method string
	Doc    string
	Zero   string
}

type clientData struct {
	Field       string
	GoName      string
	Upstream    string
	ConnectPath string
}

type bffData struct {
	Name         string
	ExecPath     string
	ResolversDir string
	Batching     bool
	// Auth and Redact: the schema uses @auth, @redact.
	Auth, Redact bool
	Upstreams    []string
	Clients      []clientData
	Objects      []*gqlcodegen.Object
	UserFields   []*userField
	// Compiled are the operations compiled to Go (see compiled.go).
	Compiled []compiledOp
}

type resolverField struct {
	Field *gqlcodegen.Field
	Doc   string
	Body  string
}

type objectData struct {
	Object *gqlcodegen.Object
	Fields []*resolverField
}

type converter struct {
	Name, Input, Message, InputType, MessageType, Body string
}

type scaffoldData struct {
	GenPath string
	File    string
	Fields  []*userField
}

// GenerateCode implements gqlgen's plugin.CodeGenerator.
func (p *bffPlugin) GenerateCode(data *gqlcodegen.Data) error {
	p.data = data
	p.scaffolds = map[string]bool{}
	inlineResolvers(p.m, data)
	data.Config.Packages.LoadAllNames(p.importPaths()...)
	out := p.m.Config.Go.Out
	genPkg := path.Base(out)
	bd := &bffData{
		Name:         p.m.Config.Name,
		ExecPath:     outImportPath(p.m) + "/internal/exec",
		ResolversDir: p.m.Config.Go.Resolvers,
	}
	bd.Auth, bd.Redact = usesAuthz(p.m)
	for _, op := range plan.Compiled(p.plans) {
		bd.Compiled = append(bd.Compiled, compiledOp{Method: compiledMethod(op.Op)})
	}
	seenUp := map[string]bool{}
	for _, s := range p.m.Services {
		ps := p.pg.service(s.Desc)
		f := p.pg.files[s.Desc.ParentFile().Path()]
		bd.Clients = append(bd.Clients, clientData{Field: clientField(s), GoName: ps.GoName, Upstream: s.Upstream, ConnectPath: string(p.pg.connectPath(f))})
		if !seenUp[s.Upstream] {
			seenUp[s.Upstream] = true
			bd.Upstreams = append(bd.Upstreams, s.Upstream)
		}
	}
	userByType := map[string][]*userField{}
	var typeOrder []string
	for _, o := range data.Objects {
		if strings.HasPrefix(o.Name, "__") || !o.HasResolvers() {
			continue
		}
		bound := p.m.Objects[o.Name]
		od := &objectData{Object: o}
		for _, f := range o.Fields {
			if !f.IsResolver {
				continue
			}
			rf := &resolverField{Field: f}
			od.Fields = append(od.Fields, rf)
			fr := p.schema.Field(o.Name, f.Name)
			if fr != nil && fr.Read != plan.ReadUser {
				rf.Doc = readDoc(fr, f.GoFieldName)
				if fr.Read == plan.ReadBatch {
					bd.Batching = true
				}
				continue
			}
			uf := &userField{Object: o.Name, Field: f, Method: ucFirst(o.Name) + f.GoFieldName,
				Doc: fmt.Sprintf("// %s%s resolves %s.%s.", ucFirst(o.Name), f.GoFieldName, o.Name, f.Name)}
			bd.UserFields = append(bd.UserFields, uf)
			if len(userByType[o.Name]) == 0 {
				typeOrder = append(typeOrder, o.Name)
			}
			userByType[o.Name] = append(userByType[o.Name], uf)
			rf.Doc = fmt.Sprintf("// %s is resolved by Resolvers.%s.", f.GoFieldName, uf.Method)
		}
		bd.Objects = append(bd.Objects, o)
		file := path.Join(out, fileName(o.Name)+".go")
		err := p.render(file, genPkg, "object.gotpl", od, map[string]any{
			"placeholder": func() string { return "" },
		}, func(p *goFile) error {
			for _, rf := range od.Fields {
				var err error
				rf.Body, err = p.resolverBody(o, rf.Field, p.schema.Field(o.Name, rf.Field.Name))
				if err != nil {
					return err
				}
				if !o.Root {
					getters, err := p.redactedGetters(bound, "obj")
					if err != nil {
						return err
					}
					if len(getters) > 0 {
						rf.Body = p.scrubBody(rf.Field, rf.Body, getters)
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	doc := fmt.Sprintf("%s\n\n// Package %s is the generated BFF %q: the GraphQL executor bound to the\n// backends' proto types, typed connect clients and the server wiring.\n// Regenerate it with `bffgen generate`.", GeneratedHeader, genPkg, p.m.Config.Name)
	if err := p.render(path.Join(out, "bff.go"), genPkg, "bff.gotpl", bd, nil, nil, doc); err != nil {
		return err
	}
	if err := p.renderInputs(out, genPkg); err != nil {
		return err
	}
	if err := p.renderBatch(out, genPkg); err != nil {
		return err
	}
	if err := p.renderLists(path.Join(out, "internal", "exec"), data); err != nil {
		return err
	}
	return p.renderScaffolds(typeOrder, userByType)
}

// readDoc is the doc comment of the resolver of a bound field, from its
// plan: what it reads or calls.
func readDoc(fr *plan.FieldRead, goName string) string {
	f := fr.Field
	switch fr.Read {
	case plan.ReadRPC:
		return fmt.Sprintf("// %s calls %s.", goName, f.RPC.Method.FullName())
	case plan.ReadBatch:
		return fmt.Sprintf("// %s reads the result prefetched for its level by one %s call\n// for all sibling parents (@batch).", goName, f.Batch.Method.FullName())
	case plan.ReadUnion:
		return fmt.Sprintf("// %s reads oneof %s as a union: null when no member the\n// union knows is set.", goName, f.Oneof.Desc.FullName())
	case plan.ReadOneofMember:
		return fmt.Sprintf("// %s reads %s, a member of oneof %s: null unless it is the\n// member set.", goName, f.Proto.FullName(), f.Proto.ContainingOneof().Name())
	case plan.ReadFieldMask:
		return fmt.Sprintf("// %s lists the paths of the field mask %s.", goName, f.Proto.FullName())
	case plan.ReadMap:
		return fmt.Sprintf("// %s lists the entries of the map %s, by key.", goName, f.Proto.FullName())
	}
	return fmt.Sprintf("// %s reads %s; an empty value is \"\", never null.", goName, f.Proto.FullName())
}

// resolverBody writes the body of the resolver of field f of o, as its
// plan fr says the value is read; a field without a plan, or with a user
// read, delegates to the user's resolver.
func (p *goFile) resolverBody(o *gqlcodegen.Object, f *gqlcodegen.Field, fr *plan.FieldRead) (string, error) {
	if fr == nil {
		return p.delegate(o, f), nil
	}
	bf := fr.Field
	switch fr.Read {
	case plan.ReadRPC:
		return p.rpcBody(o, f, fr.Call)
	case plan.ReadBatch:
		return p.batchResolverBody(o, f), nil
	case plan.ReadUnion:
		return p.unionBody(f, bf.Oneof)
	case plan.ReadOneofMember:
		return p.oneofBody(f, bf.Proto)
	case plan.ReadFieldMask:
		return fmt.Sprintf("return obj.Get%s().GetPaths(), nil", p.pg.field(bf.Proto).GoName), nil
	case plan.ReadMap:
		return p.mapBody(f, bf.Proto, "")
	case plan.ReadBytes:
		return fmt.Sprintf("if v := obj.Get%s(); v != nil {\nreturn v, nil\n}\nreturn []byte{}, nil", p.pg.field(bf.Proto).GoName), nil
	case plan.ReadUser:
		return p.delegate(o, f), nil
	}
	return "", fmt.Errorf("internal error, please report: %s.%s reads the Go field %s, yet gqlgen asks for a resolver", o.Name, f.Name, bf.Proto.FullName())
}

// importPaths lists the packages the generated files may import. gqlgen
// asks the go command for the name of every package a rendered file
// imports that it has not loaded, one go command per package; listing them
// here first gets every name in one (on a spec of 30 services, this saves
// some 60 go commands). A package missing from the list costs only its own
// go command later; a package listed but not imported costs nothing.
func (p *bffPlugin) importPaths() []string {
	paths := []string{
		"connectrpc.com/connect", "errors", "fmt", "maps", "math", "slices", "sync", "context",
		gqlPkg, scalarPkg, batchPkg,
		"github.com/bffgen/bffgen/runtime",
		authzPkg,
		"github.com/bffgen/bffgen/runtime/request",
		"github.com/bffgen/bffgen/runtime/sidecar",
		"github.com/bffgen/bffgen/runtime/stream",
		outImportPath(p.m) + "/internal/exec",
	}
	if token.IsIdentifier(path.Base(p.m.Config.Go.Out)) {
		// The generated package, which may not exist yet: the go command
		// then names it after its directory, as it would later.
		paths = append(paths, outImportPath(p.m))
	}
	for _, f := range p.pg.plugin.Files {
		paths = append(paths, string(f.GoImportPath))
	}
	for _, s := range p.m.Services {
		paths = append(paths, string(p.pg.connectPath(p.pg.files[s.Desc.ParentFile().Path()])))
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

func fieldOf(o *schema.Object, name string) *schema.Field {
	if o == nil {
		return nil
	}
	for _, f := range o.Fields {
		if f.Def.Name == name {
			return f
		}
	}
	return nil
}

func clientField(s *schema.Service) string {
	return lowerFirst(string(s.Desc.Name()))
}

func ucFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// fileName turns a type name into a file name: "ProductPage" -> "product_page".
func fileName(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(name[i-1] >= 'A' && name[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			b.WriteRune(r + 'a' - 'A')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// delegate is the body of a field the user resolves.
func (p *goFile) delegate(o *gqlcodegen.Object, f *gqlcodegen.Field) string {
	args := []string{"ctx"}
	if !o.Root {
		args = append(args, "obj")
	}
	for _, a := range f.Args {
		args = append(args, a.VarName)
	}
	return fmt.Sprintf("return r.user.%s%s(%s)", ucFirst(o.Name), f.GoFieldName, strings.Join(args, ", "))
}

// --- types of the proto Go code, from gqlgen's type-checked packages ---

func (p *bffPlugin) namedType(id protogen.GoIdent) (*types.Named, error) {
	pkg := p.data.Config.Packages.LoadWithTypes(string(id.GoImportPath))
	if pkg == nil || pkg.Types == nil {
		return nil, fmt.Errorf("internal error, please report: package %s did not load", id.GoImportPath)
	}
	obj := pkg.Types.Scope().Lookup(id.GoName)
	if obj == nil {
		return nil, fmt.Errorf("internal error, please report: %s has no %s", id.GoImportPath, id.GoName)
	}
	return obj.Type().(*types.Named), nil
}

// fieldTypes returns the struct field type and the getter result type of a
// proto field.
func (p *bffPlugin) fieldTypes(fd protoreflect.FieldDescriptor) (field, getter types.Type, goName string, err error) {
	msg := p.pg.message(fd.ContainingMessage())
	gf := p.pg.field(fd)
	named, err := p.namedType(msg.GoIdent)
	if err != nil {
		return nil, nil, "", err
	}
	st := named.Underlying().(*types.Struct)
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Name() == gf.GoName {
			field = st.Field(i).Type()
		}
	}
	ms := types.NewMethodSet(types.NewPointer(named))
	if sel := ms.Lookup(named.Obj().Pkg(), "Get"+gf.GoName); sel != nil {
		getter = sel.Type().(*types.Signature).Results().At(0).Type()
	}
	if field == nil || getter == nil {
		return nil, nil, "", fmt.Errorf("internal error, please report: %s has no field %s with a getter", msg.GoIdent.GoName, gf.GoName)
	}
	return field, getter, gf.GoName, nil
}

func (p *goFile) zeroValue(t types.Type) string {
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Interface, *types.Signature, *types.Chan:
		return "nil"
	case *types.Basic:
		switch {
		case u.Info()&types.IsString != 0:
			return `""`
		case u.Info()&types.IsBoolean != 0:
			return "false"
		default:
			return "0"
		}
	}
	return p.typeStr(t) + "{}"
}

func isNumeric(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsNumeric != 0
}

// rpcBody writes the body of a resolver that calls a unary RPC: build the
// request, call the client, return the result path.
func (p *goFile) rpcBody(o *gqlcodegen.Object, f *gqlcodegen.Field, call *plan.Call) (string, error) {
	rpc := call.RPC
	rt := f.TypeReference.GO
	zero := p.zeroValue(rt)
	if call.Result == plan.ResultStream {
		zero = "nil" // the resolver returns a channel
	}
	in := p.pg.message(rpc.Method.Input())
	inType, err := p.namedType(in.GoIdent)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	p.claimVars = nil
	if len(call.Fill) == 1 && call.Fill[0].Kind == plan.FillWhole {
		whole := call.Fill[0]
		arg := argOf(f, whole.Source.Arg.Name)
		if arg == nil {
			return "", fmt.Errorf("internal error, please report: %s has no argument %q", f.Name, whole.Source.Arg.Name)
		}
		conv := converterName(whole.Input)
		if _, isPtr := arg.TypeReference.GO.(*types.Pointer); isPtr {
			fmt.Fprintf(&b, "req, err := %s(%s)\nif err != nil {\nreturn %s, err\n}\nif req == nil {\nreq = &%s{}\n}\n", conv, arg.VarName, zero, p.typeStr(inType))
		} else {
			fmt.Fprintf(&b, "req, err := %s(&%s)\nif err != nil {\nreturn %s, err\n}\n", conv, arg.VarName, zero)
		}
	} else {
		fmt.Fprintf(&b, "req := &%s{}\n", p.typeStr(inType))
		for _, fl := range call.Fill {
			stmt, err := p.fill("req", f, fl, "return "+zero+", err")
			if err != nil {
				return "", err
			}
			b.WriteString(stmt)
		}
	}
	goMethod := p.pg.methodGoName(rpc.Method)
	switch call.Result {
	case plan.ResultStream:
		return p.streamBody(&b, o, f, rpc, goMethod)
	case plan.ResultEmpty:
		fmt.Fprintf(&b, "if _, err := r.%s.%s(ctx, %s.NewRequest(req)); err != nil {\nreturn false, err\n}\nreturn true, nil", clientField(rpc.Service), goMethod, p.imports.lookup("connectrpc.com/connect"))
		return b.String(), nil
	}
	fmt.Fprintf(&b, "res, err := r.%s.%s(ctx, %s.NewRequest(req))\n", clientField(rpc.Service), goMethod, p.imports.lookup("connectrpc.com/connect"))
	fmt.Fprintf(&b, "if err != nil {\nreturn %s, err\n}\n", zero)
	out := p.pg.message(rpc.Method.Output())
	outType, err := p.namedType(out.GoIdent)
	if err != nil {
		return "", err
	}
	expr := "res.Msg"
	var et types.Type = types.NewPointer(outType)
	for i, fd := range rpc.Result {
		field, getter, goName, err := p.fieldTypes(fd)
		if err != nil {
			return "", err
		}
		if i < len(rpc.Result)-1 || types.Identical(getter, rt) || !types.Identical(field, rt) {
			expr, et = expr+".Get"+goName+"()", getter
			continue
		}
		// The GraphQL type wants the presence pointer of an optional field.
		if i == 0 {
			expr, et = expr+"."+goName, field
			continue
		}
		fmt.Fprintf(&b, "parent := %s\nif parent == nil {\nreturn nil, nil\n}\n", expr)
		expr, et = "parent."+goName, field
	}
	if call.Result == plan.ResultMap {
		// A map result is the list of its entries, as a map field is.
		body, err := p.mapBody(f, rpc.Result[len(rpc.Result)-1], expr)
		if err != nil {
			return "", err
		}
		return b.String() + body, nil
	}
	switch {
	case types.Identical(et, rt):
	case isNumeric(et) && isNumeric(rt):
		expr = p.typeStr(rt) + "(" + expr + ")"
	default:
		return "", fmt.Errorf("internal error, please report: %s.%s: result %s does not convert to %s", o.Name, f.Name, et, rt)
	}
	if call := p.prefetchCall(f.TypeReference.Definition.Name, "out", rt); call != "" {
		fmt.Fprintf(&b, "out := %s\n%s\nreturn out, nil", expr, call)
		return b.String(), nil
	}
	fmt.Fprintf(&b, "return %s, nil", expr)
	return b.String(), nil
}

func argOf(f *gqlcodegen.Field, name string) *gqlcodegen.FieldArgument {
	for _, a := range f.Args {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// fill writes one step of filling the request at root, from the
// arguments of field f (see plan.Fill). onErr is the statement that
// returns err from the enclosing function.
func (p *goFile) fill(root string, f *gqlcodegen.Field, fl plan.Fill, onErr string) (string, error) {
	switch fl.Kind {
	case plan.FillOneof:
		arg := argOf(f, fl.Source.Arg.Name)
		if arg == nil {
			return "", fmt.Errorf("internal error, please report: %s has no argument %q", f.Name, fl.Source.Arg.Name)
		}
		return p.oneofFill(root, arg.VarName, fl.Input, fl.Oneof, fl.Members, onErr)
	case plan.FillField, plan.FillMember:
		stmt, err := p.assignPath(root, fl.Path, fl.Kind == plan.FillMember, func(dt types.Type) (srcExpr, error) {
			return p.source(f, fl.Source, dt, onErr)
		}, onErr)
		return stmt + "\n", err
	}
	return "", fmt.Errorf("internal error, please report: %s: a whole-request fill among others", f.Name)
}

// assignPath writes "root.A.B = <source>", allocating nested messages.
// onErr is the statement that returns err from the enclosing function.
// member says the path ends at a member of a oneof (plan.FillMember): the
// member is set when the source is not nil, and setting it fails when
// another member of the oneof is set already.
func (p *goFile) assignPath(root string, path []protoreflect.FieldDescriptor, member bool, src func(types.Type) (srcExpr, error), onErr string) (string, error) {
	var b strings.Builder
	dst := root
	var dt types.Type
	for i, fd := range path {
		if i == len(path)-1 && member {
			stmt, err := p.assignMember(dst, fd, src, onErr)
			if err != nil {
				return "", err
			}
			b.WriteString(stmt)
			return b.String(), nil
		}
		field, _, goName, err := p.fieldTypes(fd)
		if err != nil {
			return "", err
		}
		dst += "." + goName
		dt = field
		if i < len(path)-1 {
			fmt.Fprintf(&b, "if %s == nil {\n%s = &%s{}\n}\n", dst, dst, p.typeStr(field.(*types.Pointer).Elem()))
		}
	}
	se, err := src(dt)
	if err != nil {
		return "", err
	}
	stmt, err := p.assign(dst, dt, se.expr, se.typ, onErr)
	if err != nil {
		return "", err
	}
	if len(se.guards) > 0 {
		stmt = "if " + strings.Join(se.guards, " && ") + " {\n" + stmt + "\n}"
	}
	b.WriteString(se.pre)
	b.WriteString(stmt)
	return b.String(), nil
}

// srcExpr is a Go expression for a mapping source: its type, the nil checks
// that must hold before it is read, and statements that must run first.
type srcExpr struct {
	expr   string
	typ    types.Type
	guards []string
	pre    string
}

// source returns the Go expression of a mapping source. dt is the target
// type; onErr is the statement that returns err from the enclosing
// function.
func (p *goFile) source(f *gqlcodegen.Field, s *schema.Source, dt types.Type, onErr string) (srcExpr, error) {
	switch s.Kind {
	case schema.SourceArg:
		a := argOf(f, s.Arg.Name)
		if a == nil {
			return srcExpr{}, fmt.Errorf("internal error, please report: %s has no argument %q", f.Name, s.Arg.Name)
		}
		expr, t := a.VarName, a.TypeReference.GO
		var guards []string
		for _, seg := range s.ArgPath {
			if ptr, ok := t.(*types.Pointer); ok {
				guards = append(guards, expr+" != nil")
				t = ptr.Elem()
			}
			st, ok := t.Underlying().(*types.Struct)
			if !ok {
				return srcExpr{}, fmt.Errorf("internal error, please report: %s is not a struct", t)
			}
			found := false
			for i := 0; i < st.NumFields(); i++ {
				tag := reflect.StructTag(st.Tag(i)).Get("json")
				if name, _, _ := strings.Cut(tag, ","); name == seg {
					expr, t, found = expr+"."+st.Field(i).Name(), st.Field(i).Type(), true
				}
			}
			if !found {
				return srcExpr{}, fmt.Errorf("internal error, please report: input %s has no field %q", t, seg)
			}
		}
		return srcExpr{expr: expr, typ: t, guards: guards}, nil
	case schema.SourceParent:
		expr := "obj"
		var t types.Type
		for _, fd := range s.Parent {
			_, getter, goName, err := p.fieldTypes(fd)
			if err != nil {
				return srcExpr{}, err
			}
			expr, t = expr+".Get"+goName+"()", getter
		}
		return srcExpr{expr: expr, typ: t}, nil
	case schema.SourceHeader:
		headers := p.imports.lookup("github.com/bffgen/bffgen/runtime/request") + ".Header(ctx)"
		if _, isList := dt.(*types.Slice); isList {
			return srcExpr{expr: fmt.Sprintf("%s.Values(%q)", headers, s.Name), typ: types.NewSlice(types.Typ[types.String])}, nil
		}
		return srcExpr{expr: fmt.Sprintf("%s.Get(%q)", headers, s.Name), typ: types.Typ[types.String]}, nil
	case schema.SourceClaims:
		return p.claimSource(s, onErr), nil
	case schema.SourceContext:
		base := dt
		if ptr, ok := dt.(*types.Pointer); ok {
			base = ptr.Elem()
		}
		name := "ctx" + goIdent(s.Name)
		pre := fmt.Sprintf("%s, err := %s.Value[%s](ctx, %q)\nif err != nil {\n%s\n}\n", name, p.imports.lookup("github.com/bffgen/bffgen/runtime/request"), p.typeStr(base), s.Name, onErr)
		return srcExpr{expr: name, typ: base, pre: pre}, nil
	default:
		base := dt
		if ptr, ok := dt.(*types.Pointer); ok {
			base = ptr.Elem()
		}
		switch v := s.Literal.(type) {
		case string:
			return srcExpr{expr: quote(v), typ: types.Typ[types.String]}, nil
		case bool:
			return srcExpr{expr: fmt.Sprint(v), typ: types.Typ[types.Bool]}, nil
		case protoreflect.EnumNumber:
			if named, ok := base.(*types.Named); ok {
				for _, e := range p.pg.enumsByGoType(named) {
					if e.Desc.Number() == v {
						return srcExpr{expr: p.imports.lookup(string(e.GoIdent.GoImportPath)) + "." + e.GoIdent.GoName, typ: base}, nil
					}
				}
			}
			return srcExpr{expr: fmt.Sprintf("%s(%d)", p.typeStr(base), v), typ: base}, nil
		default:
			return srcExpr{expr: fmt.Sprintf("%s(%v)", p.typeStr(base), v), typ: base}, nil
		}
	}
}

// assign writes "dst = src" with whatever conversion the two Go types
// need. onErr is the statement that returns err from the enclosing
// function, for the conversions that can fail: an input object's
// converter, and the range check of a uint32 field.
func (p *goFile) assign(dst string, dt types.Type, src string, st types.Type, onErr string) (string, error) {
	if types.Identical(dt, st) {
		return dst + " = " + src, nil
	}
	if dp, ok := dt.(*types.Pointer); ok && isNamed(dp.Elem(), "google.golang.org/protobuf/types/known/fieldmaskpb", "FieldMask") {
		return fmt.Sprintf("%s = &%s{Paths: %s}", dst, p.typeStr(dp.Elem()), src), nil
	}
	if conv, byValue, ok := p.converterFor(st, dt); ok {
		arg := src
		if byValue {
			arg = "&" + src
		}
		return fmt.Sprintf("if c, err := %s(%s); err != nil {\n%s\n} else {\n%s = c\n}", conv, arg, onErr, dst), nil
	}
	if stmt, ok := p.assignWellKnown(dst, dt, src, st, onErr); ok {
		return stmt, nil
	}
	if sp, ok := st.(*types.Pointer); ok {
		inner, err := p.assign(dst, dt, "*"+src, sp.Elem(), onErr)
		if err != nil {
			return "", err
		}
		return "if " + src + " != nil {\n" + inner + "\n}", nil
	}
	if dm, ok := dt.(*types.Map); ok {
		return p.assignMap(dst, dm, src, st, onErr)
	}
	if target, ptr := uint32Target(dt); target && isNumeric(st) && !isUint32(st) {
		set := dst + " = n"
		if ptr {
			set = dst + " = &n"
		}
		return fmt.Sprintf("if n, err := %s.ToUint32(int64(%s)); err != nil {\n%s\n} else {\n%s\n}", p.imports.lookup(scalarPkg), src, onErr, set), nil
	}
	if dp, ok := dt.(*types.Pointer); ok {
		switch {
		case types.Identical(dp.Elem(), st):
			return dst + " = new(" + src + ")", nil
		case isNumeric(st) && isNumeric(dp.Elem()):
			return dst + " = new(" + p.typeStr(dp.Elem()) + "(" + src + "))", nil
		}
	}
	if isNumeric(st) && isNumeric(dt) {
		return dst + " = " + p.typeStr(dt) + "(" + src + ")", nil
	}
	if ds, ok := dt.(*types.Slice); ok {
		if ss, ok := st.(*types.Slice); ok {
			inner, err := p.assign("e", ds.Elem(), "v", ss.Elem(), onErr)
			if err != nil {
				return "", err
			}
			if expr, ok := strings.CutPrefix(inner, "e = "); ok && !strings.Contains(expr, "\n") {
				return fmt.Sprintf("for _, v := range %s {\n%s = append(%s, %s)\n}", src, dst, dst, expr), nil
			}
			return fmt.Sprintf("for _, v := range %s {\nvar e %s\n%s\n%s = append(%s, e)\n}", src, p.typeStr(ds.Elem()), inner, dst, dst), nil
		}
	}
	return "", fmt.Errorf("internal error, please report: no conversion from %s to %s", st, dt)
}

// wrapperCtors are the constructors of wrapperspb by wrapper type.
var wrapperCtors = map[string]string{
	"StringValue": "String", "BoolValue": "Bool", "Int32Value": "Int32", "UInt32Value": "UInt32",
	"Int64Value": "Int64", "UInt64Value": "UInt64", "FloatValue": "Float", "DoubleValue": "Double", "BytesValue": "Bytes",
}

// assignWellKnown fills a well-known message field from the Go value of
// its GraphQL input: a wrapper from its scalar (a UInt32Value with the
// range check), a Struct or ListValue from the JSON scalar's Value.
func (p *goFile) assignWellKnown(dst string, dt types.Type, src string, st types.Type, onErr string) (string, bool) {
	dp, ok := dt.(*types.Pointer)
	if !ok {
		return "", false
	}
	named, ok := dp.Elem().(*types.Named)
	if !ok || named.Obj().Pkg() == nil {
		return "", false
	}
	switch pkg, name := named.Obj().Pkg().Path(), named.Obj().Name(); {
	case pkg == "google.golang.org/protobuf/types/known/wrapperspb" && wrapperCtors[name] != "" && !isPointer(st):
		ctor := p.imports.lookup(pkg) + "." + wrapperCtors[name]
		if name == "UInt32Value" && !isUint32(st) {
			return fmt.Sprintf("if n, err := %s.ToUint32(int64(%s)); err != nil {\n%s\n} else {\n%s = %s(n)\n}", p.imports.lookup(scalarPkg), src, onErr, dst, ctor), true
		}
		arg := src
		if b, ok := st.Underlying().(*types.Basic); ok && (name == "FloatValue" && b.Kind() != types.Float32 || name == "Int32Value" && b.Kind() != types.Int32) {
			arg = map[string]string{"FloatValue": "float32", "Int32Value": "int32"}[name] + "(" + src + ")"
		}
		return fmt.Sprintf("%s = %s(%s)", dst, ctor, arg), true
	case pkg == "google.golang.org/protobuf/types/known/structpb" && (name == "Struct" || name == "ListValue") && isPointer(st) && isNamed(derefType(st), pkg, "Value"):
		return fmt.Sprintf("%s = %s.Get%s()", dst, src, map[string]string{"Struct": "StructValue", "ListValue": "ListValue"}[name]), true
	}
	return "", false
}

func isPointer(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok
}

func derefType(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// uint32Target reports whether t is uint32 (a uint32 or fixed32 field) or
// a pointer to one (an optional one).
func uint32Target(t types.Type) (target, ptr bool) {
	if p, ok := t.(*types.Pointer); ok {
		return isUint32(p.Elem()), true
	}
	return isUint32(t), false
}

func isUint32(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uint32
}

// assignMap fills a proto map from a list of GraphQL entry input objects
// (fields key and value); nil entries are skipped and a later entry with
// the same key wins.
func (p *goFile) assignMap(dst string, dm *types.Map, src string, st types.Type, onErr string) (string, error) {
	ss, ok := st.(*types.Slice)
	if !ok {
		return "", fmt.Errorf("internal error, please report: no conversion from %s to %s", st, dm)
	}
	elem := ss.Elem()
	skip := ""
	if ep, isPtr := elem.(*types.Pointer); isPtr {
		elem, skip = ep.Elem(), "if me == nil {\ncontinue\n}\n"
	}
	est, ok := elem.Underlying().(*types.Struct)
	if !ok {
		return "", fmt.Errorf("internal error, please report: map entry %s is not a struct", elem)
	}
	part := func(json string) (string, types.Type) {
		for i := 0; i < est.NumFields(); i++ {
			if tag, _, _ := strings.Cut(reflect.StructTag(est.Tag(i)).Get("json"), ","); tag == json {
				return est.Field(i).Name(), est.Field(i).Type()
			}
		}
		return "", nil
	}
	keyName, keyType := part("key")
	valName, valType := part("value")
	if keyType == nil || valType == nil {
		return "", fmt.Errorf("internal error, please report: entry input %s lacks key or value", elem)
	}
	setKey, err := p.assign("mk", dm.Key(), "me."+keyName, keyType, onErr)
	if err != nil {
		return "", err
	}
	setVal, err := p.assign("mv", dm.Elem(), "me."+valName, valType, onErr)
	if err != nil {
		return "", err
	}
	declare := func(name string, t types.Type, set string) string {
		if expr, ok := strings.CutPrefix(set, name+" = "); ok && !strings.Contains(expr, "\n") {
			return name + " := " + expr
		}
		return "var " + name + " " + p.typeStr(t) + "\n" + set
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "if len(%s) > 0 && %s == nil {\n%s = make(%s, len(%s))\n}\n", src, dst, dst, p.typeStr(dm), src)
	fmt.Fprintf(&sb, "for _, me := range %s {\n%s%s\n%s\n%s[mk] = mv\n}", src, skip, declare("mk", dm.Key(), setKey), declare("mv", dm.Elem(), setVal), dst)
	return sb.String(), nil
}

// assignMember sets a member of a oneof of the message at dst from a
// source, when the source is not nil: the member's wrapper becomes the
// oneof's value. A oneof that already holds a member is an input error.
func (p *goFile) assignMember(dst string, fd protoreflect.FieldDescriptor, src func(types.Type) (srcExpr, error), onErr string) (string, error) {
	oneofGo := p.pg.oneofGoName(fd.ContainingOneof())
	pf := p.pg.field(fd)
	wrapper, err := p.namedType(pf.GoIdent)
	if err != nil {
		return "", err
	}
	var vt types.Type
	ws := wrapper.Underlying().(*types.Struct)
	for i := 0; i < ws.NumFields(); i++ {
		if ws.Field(i).Name() == pf.GoName {
			vt = ws.Field(i).Type()
		}
	}
	if oneofGo == "" || vt == nil {
		return "", fmt.Errorf("internal error, please report: no wrapper for oneof member %s", fd.FullName())
	}
	se, err := src(vt)
	if err != nil {
		return "", err
	}
	expr, st := se.expr, se.typ
	guards := slices.Clone(se.guards)
	if sp, isPtr := st.(*types.Pointer); isPtr {
		guards = append(guards, expr+" != nil")
		if _, _, conv := p.converterFor(st, vt); !conv {
			expr, st = "*"+expr, sp.Elem()
		}
	}
	set, err := p.assign("w."+pf.GoName, vt, expr, st, onErr)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString(se.pre)
	if len(guards) > 0 {
		sb.WriteString("if " + strings.Join(guards, " && ") + " {\n")
	} else {
		sb.WriteString("{\n")
	}
	fmt.Fprintf(&sb, "if %s.%s != nil {\nerr := %s.OneofConflict(%q)\n%s\n}\n", dst, oneofGo, p.imports.lookup(scalarPkg), fd.ContainingOneof().FullName(), onErr)
	fmt.Fprintf(&sb, "w := &%s{}\n%s\n%s.%s = w\n}", p.typeStr(wrapper), set, dst, oneofGo)
	return sb.String(), nil
}

// converterFor finds the converter from a generated input model (or a
// pointer to one) to a message pointer.
func (p *bffPlugin) converterFor(st, dt types.Type) (name string, byValue bool, ok bool) {
	dp, isPtr := dt.(*types.Pointer)
	if !isPtr {
		return "", false, false
	}
	byValue = true
	if sp, ok := st.(*types.Pointer); ok {
		st, byValue = sp.Elem(), false
	}
	named, isNamed := st.(*types.Named)
	if !isNamed {
		return "", false, false
	}
	// gqlgen's Go name of an input may differ from its GraphQL name
	// (CloudSqlInstanceInput is model.CloudSQLInstanceInput).
	name = ""
	for _, o := range p.data.Inputs {
		if n, ok := o.Type.(*types.Named); ok && n.Obj().Name() == named.Obj().Name() && n.Obj().Pkg() != nil && named.Obj().Pkg() != nil && n.Obj().Pkg().Path() == named.Obj().Pkg().Path() {
			name = o.Name
		}
	}
	in, bound := p.m.Inputs[name]
	if !bound || named.Obj().Pkg().Path() != outImportPath(p.m)+"/model" {
		return "", false, false
	}
	msg := p.pg.message(in.Message)
	if mn, ok := dp.Elem().(*types.Named); !ok || mn.Obj().Name() != msg.GoIdent.GoName || mn.Obj().Pkg().Path() != string(msg.GoIdent.GoImportPath) {
		return "", false, false
	}
	return converterName(name), byValue, true
}

func converterName(input string) string { return lowerFirst(input) + "ToProto" }

// renderInputs writes the converters of bound input objects.
func (p *bffPlugin) renderInputs(out, genPkg string) error {
	if len(p.m.Inputs) == 0 {
		return nil
	}
	var convs []*converter
	data := map[string]any{}
	prepare := func(p *goFile) error {
		for _, name := range sortedKeys(p.m.Inputs) {
			in := p.m.Inputs[name]
			var obj *gqlcodegen.Object
			for _, o := range p.data.Inputs {
				if o.Name == name {
					obj = o
				}
			}
			if obj == nil {
				return fmt.Errorf("internal error, please report: gqlgen has no input %q", name)
			}
			msg := p.pg.message(in.Message)
			mt, err := p.namedType(msg.GoIdent)
			if err != nil {
				return err
			}
			var body strings.Builder
			for _, fl := range p.schema.Converters[name].Fill {
				gf := gqlField(obj, fl.From.Def.Name)
				if gf == nil {
					return fmt.Errorf("internal error, please report: input %s has no field %q", name, fl.From.Def.Name)
				}
				if fl.Kind == plan.FillOneof {
					stmt, err := p.oneofFill("out", "in."+gf.GoFieldName, fl.Input, fl.Oneof, fl.Members, "return nil, err")
					if err != nil {
						return err
					}
					body.WriteString(stmt)
					continue
				}
				stmt, err := p.assignPath("out", fl.Path, fl.Kind == plan.FillMember, func(types.Type) (srcExpr, error) {
					return srcExpr{expr: "in." + gf.GoFieldName, typ: gf.TypeReference.GO}, nil
				}, "return nil, err")
				if err != nil {
					return err
				}
				body.WriteString(stmt)
				body.WriteByte('\n')
			}
			convs = append(convs, &converter{
				Name: converterName(name), Input: name, Message: string(in.Message.FullName()),
				InputType: p.typeStr(obj.Type), MessageType: p.typeStr(mt), Body: strings.TrimSpace(body.String()),
			})
		}
		data["Converters"] = convs
		return nil
	}
	return p.render(path.Join(out, "inputs.go"), genPkg, "inputs.gotpl", data, nil, prepare)
}

// renderScaffolds writes resolver files for user fields that have no method
// yet, never touching a file that exists.
func (p *bffPlugin) renderScaffolds(typeOrder []string, byType map[string][]*userField) error {
	dir := p.m.Config.Go.Resolvers
	pkg := path.Base(dir)
	genPath := outImportPath(p.m)
	rootFile := path.Join(dir, "resolver.go")
	if !fileExists(p.m.Dir, rootFile) {
		doc := fmt.Sprintf("// Package %s holds the hand-written resolvers of the BFF %q: the fields\n// of the schema that no binding resolves. bffgen scaffolds a method here once\n// for each such field; these files are yours and are never overwritten.", pkg, p.m.Config.Name)
		if err := p.render(rootFile, pkg, "scaffold_resolver.gotpl", &scaffoldData{GenPath: genPath}, nil, nil, doc); err != nil {
			return err
		}
		p.scaffolds[rootFile] = true
	}
	for _, typ := range typeOrder {
		var missing []*userField
		for _, uf := range byType[typ] {
			if !p.existing[uf.Method] {
				missing = append(missing, uf)
			}
		}
		if len(missing) == 0 {
			continue
		}
		file := path.Join(dir, fileName(typ)+".go")
		if fileExists(p.m.Dir, file) {
			// Never edit the user's file: put new methods in a file of their own.
			file = path.Join(dir, fileName(typ)+"_"+fileName(missing[0].Field.GoFieldName)+".go")
		}
		if fileExists(p.m.Dir, file) {
			continue
		}
		sd := &scaffoldData{GenPath: genPath, File: file, Fields: missing}
		prepare := func(p *goFile) error {
			for _, uf := range missing {
				uf.Zero = p.zeroValue(uf.Field.TypeReference.GO)
			}
			return nil
		}
		if err := p.render(file, pkg, "scaffold_fields.gotpl", sd, nil, prepare, "// bffgen wrote this file once; it is yours to edit and is never overwritten."); err != nil {
			return err
		}
		p.scaffolds[file] = true
	}
	return nil
}

// renderBatch writes gen/batch.go: the batch functions of @batch fields and
// the level-by-level prefetch of the types that reach them.
func (p *bffPlugin) renderBatch(out, genPkg string) error {
	if len(p.schema.Prefetch) == 0 {
		return nil
	}
	data := map[string]any{}
	prepare := func(p *goFile) error {
		var code []string
		fetches := map[string]bool{}
		for _, name := range sortedKeys(p.m.Objects) {
			bound := p.m.Objects[name]
			o := p.object(name)
			for _, bf := range bound.Fields {
				if bf.Kind != schema.FieldBatch {
					continue
				}
				gf := gqlField(o, bf.Def.Name)
				bc := p.schema.Field(name, bf.Def.Name).Batch
				if fetch := p.fetchName(o, gf, bc); !fetches[fetch] {
					fetches[fetch] = true
					fn, err := p.fetchFunc(o, gf, bc)
					if err != nil {
						return err
					}
					code = append(code, fn)
				}
				fn, err := p.batchFunc(o, gf, bc, bf.Def.Type.NonNull)
				if err != nil {
					return err
				}
				code = append(code, fn)
			}
		}
		for _, name := range sortedKeys(p.schema.Prefetch) {
			fn, err := p.prefetchFunc(name)
			if err != nil {
				return err
			}
			code = append(code, fn)
		}
		data["Code"] = code
		return nil
	}
	return p.render(path.Join(out, "batch.go"), genPkg, "batch.gotpl", data, nil, prepare)
}

// streamBody finishes the body of a subscription resolver bound to a
// server-streaming method: open the stream, forward each message's result
// path until the client leaves (runtime/stream).
func (p *goFile) streamBody(b *strings.Builder, o *gqlcodegen.Object, f *gqlcodegen.Field, rpc *schema.RPC, goMethod string) (string, error) {
	rt := f.TypeReference.GO
	out := p.pg.message(rpc.Method.Output())
	outType, err := p.namedType(out.GoIdent)
	if err != nil {
		return "", err
	}
	expr := "m"
	var et types.Type = types.NewPointer(outType)
	for _, fd := range rpc.Result {
		_, getter, goName, err := p.fieldTypes(fd)
		if err != nil {
			return "", err
		}
		expr, et = expr+".Get"+goName+"()", getter
	}
	switch {
	case types.Identical(et, rt):
	case isNumeric(et) && isNumeric(rt):
		expr = p.typeStr(rt) + "(" + expr + ")"
	default:
		return "", fmt.Errorf("internal error, please report: %s.%s: stream result %s does not convert to %s", o.Name, f.Name, et, rt)
	}
	fmt.Fprintf(b, "s, err := r.%s.%s(ctx, %s.NewRequest(req))\n", clientField(rpc.Service), goMethod, p.imports.lookup("connectrpc.com/connect"))
	b.WriteString("if err != nil {\nreturn nil, err\n}\n")
	fmt.Fprintf(b, "return %s.Forward(ctx, s, func(m *%s) %s {\nreturn %s\n}), nil", p.imports.lookup("github.com/bffgen/bffgen/runtime/stream"), p.typeStr(outType), p.typeStr(rt), expr)
	return b.String(), nil
}

// mapBody converts a proto map into the GraphQL list of entry objects,
// ordered by key so responses are deterministic.
//
// mapExpr is the Go expression of the map; empty means the field of the
// parent, obj.Get<Field>().
func (p *goFile) mapBody(f *gqlcodegen.Field, fd protoreflect.FieldDescriptor, mapExpr string) (string, error) {
	_, getter, goName, err := p.fieldTypes(fd)
	if err != nil {
		return "", err
	}
	if mapExpr == "" {
		mapExpr = "obj.Get" + goName + "()"
	}
	mt := getter.(*types.Map)
	elem := f.TypeReference.GO.(*types.Slice).Elem() // *model.XEntry
	st := elem.(*types.Pointer).Elem().Underlying().(*types.Struct)
	fieldOf := func(json string) (string, types.Type) {
		for i := 0; i < st.NumFields(); i++ {
			if tag, _, _ := strings.Cut(reflect.StructTag(st.Tag(i)).Get("json"), ","); tag == json {
				return st.Field(i).Name(), st.Field(i).Type()
			}
		}
		return "", nil
	}
	keyName, keyType := fieldOf("key")
	valName, valType := fieldOf("value")
	if keyType == nil || valType == nil {
		return "", fmt.Errorf("internal error, please report: entry type %s lacks key or value", elem)
	}
	setKey, err := p.assign("e."+keyName, keyType, "k", mt.Key(), "return nil, err")
	if err != nil {
		return "", err
	}
	setVal, err := p.assign("e."+valName, valType, "m[k]", mt.Elem(), "return nil, err")
	if err != nil {
		return "", err
	}
	keys := fmt.Sprintf("%s.Sorted(%s.Keys(m))", p.imports.lookup("slices"), p.imports.lookup("maps"))
	skip := ""
	if b, ok := mt.Key().(*types.Basic); ok && b.Kind() == types.Bool {
		keys, skip = "[]bool{false, true}", "if _, ok := m[k]; !ok {\ncontinue\n}\n"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "m := %s\nout := make(%s, 0, len(m))\n", mapExpr, p.typeStr(f.TypeReference.GO))
	fmt.Fprintf(&sb, "for _, k := range %s {\n%se := &%s{}\n%s\n%s\nout = append(out, e)\n}\nreturn out, nil", keys, skip, p.typeStr(elem.(*types.Pointer).Elem()), setKey, setVal)
	return sb.String(), nil
}

// isNamed reports whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == name && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg
}

// oneofBody reads one member of a oneof: the wrapper's value when that
// member is set, else null.
func (p *goFile) oneofBody(f *gqlcodegen.Field, fd protoreflect.FieldDescriptor) (string, error) {
	gf := p.pg.field(fd)
	oneofGo := p.pg.oneofGoName(fd.ContainingOneof())
	wrapper, err := p.namedType(gf.GoIdent)
	if err != nil {
		return "", err
	}
	var vt types.Type
	st := wrapper.Underlying().(*types.Struct)
	for i := 0; i < st.NumFields(); i++ {
		if st.Field(i).Name() == gf.GoName {
			vt = st.Field(i).Type()
		}
	}
	rt := f.TypeReference.GO
	set, err := p.assign("out", rt, "v."+gf.GoName, vt, "return "+p.zeroValue(rt)+", err")
	if err != nil {
		return "", err
	}
	head := fmt.Sprintf("v, ok := obj.Get%s().(*%s)\nif !ok {\nreturn %s, nil\n}\n", oneofGo, p.typeStr(wrapper), p.zeroValue(rt))
	if expr, ok := strings.CutPrefix(set, "out = "); ok && !strings.Contains(expr, "\n") {
		return head + "return " + expr + ", nil", nil
	}
	return head + fmt.Sprintf("var out %s\n%s\nreturn out, nil", p.typeStr(rt), set), nil
}

// goIdent turns a name into the CamelCase tail of a Go identifier:
// "tenant-id" -> "TenantId"; anything but letters and digits separates.
func goIdent(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if up {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	if b.Len() == 0 {
		return "Value"
	}
	return b.String()
}

// oneofFill fills oneof od of the message at out from in, the Go value of
// a @oneOf input object named input (a pointer): the one member set
// becomes the oneof's wrapper. onErr returns err from the enclosing
// function.
func (p *goFile) oneofFill(out, in, input string, od protoreflect.OneofDescriptor, members []schema.InputField, onErr string) (string, error) {
	oneofGo := p.pg.oneofGoName(od)
	var obj *gqlcodegen.Object
	for _, o := range p.data.Inputs {
		if o.Name == input {
			obj = o
		}
	}
	if obj == nil || oneofGo == "" {
		return "", fmt.Errorf("internal error, please report: no @oneOf input %q for oneof %s", input, od.FullName())
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "if v := %s; v != nil {\nswitch {\n", in)
	for _, m := range members {
		mf := gqlField(obj, m.Def.Name)
		pf := p.pg.field(m.Proto)
		wrapper, err := p.namedType(pf.GoIdent)
		if err != nil {
			return "", err
		}
		var vt types.Type
		st := wrapper.Underlying().(*types.Struct)
		for i := 0; i < st.NumFields(); i++ {
			if st.Field(i).Name() == pf.GoName {
				vt = st.Field(i).Type()
			}
		}
		src, srcT := "v."+mf.GoFieldName, mf.TypeReference.GO
		if ptr, isPtr := srcT.(*types.Pointer); isPtr {
			if _, _, conv := p.converterFor(srcT, vt); !conv {
				src, srcT = "*"+src, ptr.Elem() // the case checked it is set
			}
		}
		set, err := p.assign("w."+pf.GoName, vt, src, srcT, onErr)
		if err != nil {
			return "", err
		}
		if expr, ok := strings.CutPrefix(set, "w."+pf.GoName+" = "); ok && !strings.Contains(expr, "\n") {
			fmt.Fprintf(&sb, "case v.%s != nil:\n%s.%s = &%s{%s: %s}\n", mf.GoFieldName, out, oneofGo, p.typeStr(wrapper), pf.GoName, expr)
			continue
		}
		fmt.Fprintf(&sb, "case v.%s != nil:\nw := &%s{}\n%s\n%s.%s = w\n", mf.GoFieldName, p.typeStr(wrapper), set, out, oneofGo)
	}
	sb.WriteString("}\n}\n")
	return sb.String(), nil
}

// unionBody reads a oneof as a union: the member set becomes the union
// member type that holds it.
func (p *goFile) unionBody(f *gqlcodegen.Field, o *schema.Oneof) (string, error) {
	oneofGo := p.pg.oneofGoName(o.Desc)
	var sb strings.Builder
	fmt.Fprintf(&sb, "switch v := obj.Get%s().(type) {\n", oneofGo)
	for _, m := range o.Members {
		mo := p.object(m.Type.Name)
		if mo == nil {
			return "", fmt.Errorf("internal error, please report: no model for union member %q", m.Type.Name)
		}
		st, ok := mo.Type.Underlying().(*types.Struct)
		if !ok {
			return "", fmt.Errorf("internal error, please report: union member %q is not a struct", m.Type.Name)
		}
		var fieldName string
		var fieldType types.Type
		for i := 0; i < st.NumFields(); i++ {
			if tag, _, _ := strings.Cut(reflect.StructTag(st.Tag(i)).Get("json"), ","); tag == m.Field.Name {
				fieldName, fieldType = st.Field(i).Name(), st.Field(i).Type()
			}
		}
		pf := p.pg.field(m.Proto)
		wrapper, err := p.namedType(pf.GoIdent)
		if err != nil {
			return "", err
		}
		var vt types.Type
		ws := wrapper.Underlying().(*types.Struct)
		for i := 0; i < ws.NumFields(); i++ {
			if ws.Field(i).Name() == pf.GoName {
				vt = ws.Field(i).Type()
			}
		}
		set, err := p.assign("out."+fieldName, fieldType, "v."+pf.GoName, vt, "return nil, err")
		if err != nil {
			return "", err
		}
		if expr, ok := strings.CutPrefix(set, "out."+fieldName+" = "); ok && !strings.Contains(expr, "\n") {
			fmt.Fprintf(&sb, "case *%s:\nreturn &%s{%s: %s}, nil\n", p.typeStr(wrapper), p.typeStr(mo.Type), fieldName, expr)
			continue
		}
		fmt.Fprintf(&sb, "case *%s:\nout := &%s{}\n%s\nreturn out, nil\n", p.typeStr(wrapper), p.typeStr(mo.Type), set)
	}
	sb.WriteString("}\nreturn nil, nil")
	return sb.String(), nil
}
