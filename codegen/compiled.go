package codegen

import (
	"fmt"
	"go/format"
	"go/types"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
)

// compiledOp is what bff.gotpl needs of a compiled operation: the method
// of the resolver that returns its rgraphql.Compiled.
type compiledOp struct{ Method string }

// Fallbacks lists the operations that run on gqlgen, one line each with
// the reason (`bffgen generate` prints them).
func fallbacks(plans []*plan.Operation) []string {
	var out []string
	for _, p := range plans {
		if p.Reason != "" {
			out = append(out, fmt.Sprintf("operation %s runs on gqlgen: %s", p.Op.Name, p.Reason))
		}
	}
	return out
}

// genCompiled writes one executor per compiled operation into the
// generated package: <out>/compiled_<op>.go.
func genCompiled(m *schema.Model, pg *protoGen, set *FileSet, plans []*plan.Operation) error {
	pkg := path.Base(m.Config.Go.Out)
	compiled := plan.Compiled(plans)
	if len(compiled) == 0 {
		return nil
	}
	sh := newSharedWriters(m, pg, pkg, compiled)
	for _, p := range compiled {
		e := &emitter{m: m, pg: pg, imports: map[string]string{}, argErrs: map[string]bool{}, pkg: pkg, shared: sh}
		src, err := e.operation(p)
		if err != nil {
			return fmt.Errorf("internal error, please report: compiling operation %s: %w", p.Op.Name, err)
		}
		formatted, err := format.Source(src)
		if err != nil {
			return fmt.Errorf("internal error, please report: compiled operation %s does not format: %w\n%s", p.Op.Name, err, src)
		}
		set.Add(File{Path: path.Join(m.Config.Go.Out, "compiled_"+fileName(p.Op.Name)+".go"), Data: groupImports(formatted)})
	}
	f, err := compiledHelpers(m, sh)
	if err != nil {
		return err
	}
	set.Add(f)
	return nil
}

func compiledMethod(op *schema.Operation) string { return lowerFirst(op.Name) + "Operation" }

// emitter writes the Go of one operation's plan.
type emitter struct {
	m       *schema.Model
	pg      *protoGen
	pkg     string
	imports map[string]string // path -> name
	argErrs map[string]bool   // the fields with an ArgErr field
	// readArgs reads the variables of @batch arguments, once per run.
	readArgs strings.Builder
	// fields of the operation's data struct, and its methods.
	fields  strings.Builder
	methods strings.Builder
	typ     string // the data struct's name
	// shared are the writers several operations share.
	shared *sharedWriters
	// self is the selection of the shared level this emitter writes, nil
	// for an operation's run.
	self *plan.Selection
	// levels are the fields that hold the shared levels below, by name;
	// inits the paths of those fields (nested ones too) whose
	// compiledWriter the run sets.
	levels map[string]bool
	inits  []string
}

func (e *emitter) use(importPath string) string {
	if name, ok := e.imports[importPath]; ok {
		return name
	}
	name := path.Base(importPath)
	for _, f := range e.pg.plugin.Files {
		if string(f.GoImportPath) == importPath {
			name = string(f.GoPackageName)
		}
	}
	if importPath == "connectrpc.com/connect" {
		name = "connect"
	}
	if importPath == "github.com/99designs/gqlgen/graphql" {
		name = "graphql"
	}
	if importPath == "github.com/bffgen/bffgen/runtime/graphql" {
		name = "rgraphql"
	}
	if importPath == "github.com/vektah/gqlparser/v2/ast" {
		name = "ast"
	}
	base := name
	for i := 2; slices.Contains(slices.Collect(mapValues(e.imports)), name); i++ {
		name = base + strconv.Itoa(i)
	}
	e.imports[importPath] = name
	return name
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func (e *emitter) ident(id protogen.GoIdent) string {
	return e.use(string(id.GoImportPath)) + "." + id.GoName
}

func (e *emitter) msgType(md protoreflect.MessageDescriptor) string {
	return "*" + e.ident(e.pg.message(md).GoIdent)
}

func (e *emitter) getter(fd protoreflect.FieldDescriptor) string {
	return ".Get" + e.pg.field(fd).GoName + "()"
}

// node is an object selection of the plan with its Go name.
type node struct {
	sel  *plan.Selection
	name string // e.g. "products", "productsReviews"
}

// goT is the Go type of one parent of n, e.g. *catalogv1.Product.
func (e *emitter) goT(n *node) string { return e.msgType(n.sel.Object.Message) }

func (e *emitter) operation(p *plan.Operation) ([]byte, error) {
	op := p.Op
	lc := lowerFirst(op.Name)
	e.typ = lc + "Run"
	rg := e.use("github.com/bffgen/bffgen/runtime/graphql")
	ctxPkg := e.use("context")
	var body strings.Builder
	fmt.Fprintf(&body, "// %sDocument is the text of the operation %s, as the frontend sends it;\n// its SHA-256 is the persisted id %s.\nconst %sDocument = %s\n\n", lc, op.Name, op.Hash, lc, goString(op.Document))
	fmt.Fprintf(&body, "// %s is the operation %s compiled to Go: the same answer as gqlgen's\n// executor gives, byte for byte, without it.\n", compiledMethod(op), op.Name)
	fmt.Fprintf(&body, "func (r *resolver) %s() %s.Compiled {\nreturn %s.Compiled{Name: %q, Document: %sDocument, Hash: %q, Execute: r.exec%s}\n}\n\n", compiledMethod(op), rg, rg, op.Name, lc, op.Hash, op.Name)
	fmt.Fprintf(&body, "// exec%s runs %s: the backend calls level by level, then the JSON.\n", op.Name, op.Name)
	if err := e.fetchRoot(p, rg, ctxPkg); err != nil {
		return nil, err
	}
	if err := e.writeRoot(p, rg, ctxPkg); err != nil {
		return nil, err
	}
	var conds strings.Builder
	for _, v := range condVars(p.Root, nil) {
		fmt.Fprintf(&e.fields, "// %s is the value of $%s, a condition of @skip or @include.\n%s bool\n", condField(v), v, condField(v))
		fmt.Fprintf(&conds, "d.%s, _ = req.Variables[%q].(bool)\n", condField(v), v)
	}
	if e.readArgs.Len() > 0 {
		conds.WriteString("d.readArgs(req)\n")
		fmt.Fprintf(&e.methods, "// readArgs reads the variables of the @batch fields' arguments, as\n// gqlgen's prefetch does: the variable's value, else the argument's\n// default; the first that does not convert fails its field.\nfunc (d *%s) readArgs(req *%s.CompiledRequest) {\n%s}\n\n", e.typ, rg, e.readArgs.String())
	}
	var inits strings.Builder
	for _, field := range e.inits {
		fmt.Fprintf(&inits, "d.%s.compiledWriter = &d.compiledWriter\n", field)
	}
	fmt.Fprintf(&body, "func (r *resolver) exec%s(ctx %s.Context, req *%s.CompiledRequest, out *%s.Result) {\nd := &%s{compiledWriter: compiledWriter{r: r}}\n%s%sd.fetch(ctx, req)\nd.write(ctx, out)\nif req.Cost != nil {\nreq.Cost.Add(d.cost)\n}\n}\n\n", op.Name, ctxPkg, rg, rg, e.typ, inits.String(), conds.String())

	fmt.Fprintf(&body, "// %s holds the backend results of one run of %s; the\n// results of a @batch field are indexed like the parents of its level.\ntype %s struct {\ncompiledWriter\n%s}\n\n", e.typ, op.Name, e.typ, e.fields.String())
	body.WriteString(e.methods.String())

	var src strings.Builder
	src.WriteString(GeneratedHeader + "\n\npackage " + e.pkg + "\n\nimport (\n")
	paths := slices.Sorted(func(yield func(string) bool) {
		for k := range e.imports {
			if !yield(k) {
				return
			}
		}
	})
	for _, ip := range paths {
		if e.imports[ip] == path.Base(ip) {
			fmt.Fprintf(&src, "%q\n", ip)
		} else {
			fmt.Fprintf(&src, "%s %q\n", e.imports[ip], ip)
		}
	}
	src.WriteString(")\n\n")
	src.WriteString(body.String())
	return []byte(src.String()), nil
}

func goString(s string) string {
	if !strings.Contains(s, "`") && !strings.Contains(s, "\r") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// hasBatch reports whether a selection or one below it has @batch fields.
func hasBatch(s *plan.Selection) bool {
	for _, f := range s.Fields {
		if isBatch(f) {
			return true
		}
		if f.Sel != nil && hasBatch(f.Sel) {
			return true
		}
	}
	return false
}

// directBatch reports whether a selection has @batch fields of its own:
// its writer then counts its parents to find their results.
func directBatch(s *plan.Selection) bool {
	return slices.ContainsFunc(s.Fields, isBatch)
}

// isBatch reports whether the schema-wide plan reads f with a @batch call.
func isBatch(f *plan.Field) bool { return readOf(f) == plan.ReadBatch }

// readOf is how the schema-wide plan reads f; -1 for __typename.
func readOf(f *plan.Field) plan.Read {
	if f.Read == nil {
		return -1
	}
	return f.Read.Read
}

func (e *emitter) childNode(parent string, f *plan.Field) *node {
	name := parent + ucFirst(f.Key)
	if parent == "" {
		name = f.Key
	}
	return &node{sel: f.Sel, name: name}
}

// fieldGoType is the Go type of a field's value as the plan reads it: one
// element's type for a list.
func (e *emitter) valueType(f *plan.Field) string {
	t := e.msgType(f.Sel.Object.Message)
	if f.Type.Elem != nil {
		return "[]" + t
	}
	return t
}

// --- @skip and @include ---

// condVars returns the variables of the run-time conditions of s and
// below, each once, in order of appearance.
func condVars(s *plan.Selection, seen []string) []string {
	for _, f := range s.Fields {
		for _, c := range f.Conds {
			if !slices.Contains(seen, c.Var) {
				seen = append(seen, c.Var)
			}
		}
		if f.Sel != nil {
			seen = condVars(f.Sel, seen)
		}
	}
	return seen
}

// condField is the field of the run that holds a condition variable.
func condField(v string) string { return "if" + ucFirst(v) }

// condExpr is the Go condition under which a field is selected; "" when
// it always is.
func condExpr(f *plan.Field) string {
	var terms []string
	for _, c := range f.Conds {
		if c.Skip {
			terms = append(terms, "!d."+condField(c.Var))
		} else {
			terms = append(terms, "d."+condField(c.Var))
		}
	}
	return strings.Join(terms, " && ")
}

// dynamicSep reports whether the writer of s tracks its separator: when
// its first field may be left out, which field opens the object is known
// only at run time.
func dynamicSep(s *plan.Selection) bool {
	return len(s.Fields) > 0 && len(s.Fields[0].Conds) > 0
}

// keyCode writes the key of the i-th field of s with its separator: '{'
// or ',' when it is known at generate time, else the one the writer
// tracks in sep (until the first field always written).
func keyCode(s *plan.Selection, i int, f *plan.Field) string {
	key := strconv.Quote(f.Key) + ":"
	always := slices.ContainsFunc(s.Fields[:i], func(g *plan.Field) bool { return len(g.Conds) == 0 })
	switch {
	case always:
		return fmt.Sprintf("out.Raw(%s)\n", strconv.Quote(","+key))
	case i == 0 && len(f.Conds) == 0:
		return fmt.Sprintf("out.Raw(%s)\n", strconv.Quote("{"+key))
	case len(f.Conds) == 0:
		return fmt.Sprintf("out.Byte(sep)\nout.Raw(%s)\n", strconv.Quote(key))
	}
	return fmt.Sprintf("out.Byte(sep)\nsep = ','\nout.Raw(%s)\n", strconv.Quote(key))
}

// selectionStart and selectionEnd open and close an object's writer.
func selectionStart(s *plan.Selection) string {
	if dynamicSep(s) {
		return "sep := byte('{') // the first field written opens the object\n"
	}
	return ""
}

func selectionEnd(s *plan.Selection) string {
	if !slices.ContainsFunc(s.Fields, func(g *plan.Field) bool { return len(g.Conds) == 0 }) {
		return "if sep == '{' {\nout.Byte('{') // every field left out\n}\nout.Byte('}')\n"
	}
	return "out.Byte('}')\n"
}

// ifSelected wraps code in the run-time condition of f, if any.
func ifSelected(f *plan.Field, code string) string {
	c := condExpr(f)
	if c == "" {
		return code
	}
	return fmt.Sprintf("if %s {\n%s}\n", c, code)
}

// --- @auth and @redact ---

// authCheck is the call of authz.Check for an @auth field: the error the
// gqlgen path's directive (authz.Auth) returns, or nil.
func (e *emitter) authCheck(a *schema.Auth) string {
	args := []string{"ctx"}
	for _, s := range a.Scopes {
		args = append(args, strconv.Quote(s))
	}
	return e.use(authzPkg) + ".Check(" + strings.Join(args, ", ") + ")"
}

// visible is the condition under which the field's resolver runs on the
// gqlgen path: @auth admits the caller and @redact shows the value; ""
// for a field with neither.
func (e *emitter) visible(f *plan.Field) string {
	if f.Bound == nil {
		return ""
	}
	var conds []string
	if f.Bound.Auth != nil {
		conds = append(conds, e.authCheck(f.Bound.Auth)+" == nil")
	}
	if f.Bound.Redact != "" {
		conds = append(conds, fmt.Sprintf("%s.Allowed(ctx, %q)", e.use(authzPkg), f.Bound.Redact))
	}
	return strings.Join(conds, " && ")
}

// guarded wraps the code that writes a non-root field in the checks of
// its @auth (the directive's error, then null) and @redact (null without
// an error), as authz.Auth and authz.Redact answer on the gqlgen path.
func (e *emitter) guarded(f *plan.Field, code string) string {
	if f.Bound == nil || f.Bound.Auth == nil && f.Bound.Redact == "" {
		return code
	}
	var b strings.Builder
	if f.Bound.Auth != nil {
		fmt.Fprintf(&b, "if err := %s; err != nil {\nout.FieldError(ctx, err, %d, %d, (&compiledPath{parent: path, key: %q}).path())\nout.Null()\n", e.authCheck(f.Bound.Auth), f.AST.Position.Line, f.AST.Position.Column, f.Key)
		if f.Type.NonNull {
			b.WriteString("ok = false\n")
		}
		b.WriteString("} else ")
	}
	if f.Bound.Redact != "" {
		fmt.Fprintf(&b, "if !%s.Allowed(ctx, %q) {\nout.Null() // @redact\n} else ", e.use(authzPkg), f.Bound.Redact)
	}
	fmt.Fprintf(&b, "{\n%s}\n", code)
	return b.String()
}

// redactedValues returns the Go expressions (on the parent p) of the
// string values of obj's @redact fields, which the errors of its other
// fields must not hold (authz.Scrub), as the gqlgen resolvers scrub them.
func (e *emitter) redactedValues(obj *schema.Object) []string {
	var out []string
	for _, sc := range plan.ScrubbedOf(obj) {
		if sc.Wrapper {
			out = append(out, "p"+e.getter(sc.Field)+".GetValue()")
		} else {
			out = append(out, "p"+e.getter(sc.Field))
		}
	}
	return out
}

// --- fetch ---

func (e *emitter) fetchRoot(p *plan.Operation, rg, ctxPkg string) error {
	var b strings.Builder
	if p.Op.Type == ast.Mutation {
		fmt.Fprintf(&b, "// fetch calls the backends: the root fields one after the other, as\n// the spec runs a mutation's, each with, level by level, one call per\n// @batch field for all the parents of its level.\n")
	} else {
		fmt.Fprintf(&b, "// fetch calls the backends: the root fields in parallel, then, level by\n// level, one call per @batch field for all the parents of its level.\n")
	}
	fmt.Fprintf(&b, "func (d *%s) fetch(ctx %s.Context, req *%s.CompiledRequest) {\n", e.typ, ctxPkg, rg)
	// The root fields of a query run in parallel; those of a mutation
	// one after the other, each with the levels below it, as the spec
	// (and gqlgen) runs them.
	parallel := len(p.Root.Fields) > 1 && p.Op.Type == ast.Query
	if parallel {
		fmt.Fprintf(&b, "var loads %s.Group\n", e.use("github.com/bffgen/bffgen/runtime/batch"))
	}
	for _, f := range p.Root.Fields {
		n := e.childNode("", f)
		vt := e.valueType(f)
		fmt.Fprintf(&e.fields, "// %s is the result of %s.%s, %sErr its error.\n%s %s\n%sErr error\n", n.name, p.Root.Object.Def.Name, f.AST.Name, n.name, n.name, vt, n.name)
		call, err := e.rpcCall(f, n.name)
		if err != nil {
			return err
		}
		var code string
		if parallel {
			code = fmt.Sprintf("loads.Go(func() {\n%s})\n", call)
		} else if len(p.Root.Fields) > 1 || len(f.Conds) > 0 {
			// One after the other: each in a function of its own, which
			// returns when its call fails.
			code = fmt.Sprintf("func() {\n%s}()\n", call)
		} else {
			code = fmt.Sprintf("{\n%s}\n", call)
		}
		b.WriteString(ifSelected(f, code))
		if err := e.fetchNode(n); err != nil {
			return err
		}
	}
	if parallel {
		b.WriteString("loads.Wait()\n")
	}
	b.WriteString("}\n\n")
	e.methods.WriteString(b.String())
	return nil
}

// rpcCall is the code of a root @rpc field: fill the request, call, keep
// the result, then fetch the levels below.
func (e *emitter) rpcCall(f *plan.Field, name string) (string, error) {
	call := f.Read.Call
	rpc := call.RPC
	var b strings.Builder
	in := e.msgType(rpc.Method.Input())
	// As gqlgen: the arguments first (their errors are the argument's,
	// without a location), then the directives, then the resolver, whose
	// claims and converters fail the field.
	var claims []plan.Fill
	var whole *plan.Fill
	for i, fl := range call.Fill {
		switch {
		case fl.Kind == plan.FillWhole:
			whole = &call.Fill[i]
			code, err := e.wholeInput(f, fl, name)
			if err != nil {
				return "", err
			}
			b.WriteString(code)
			continue
		case i == 0:
			fmt.Fprintf(&b, "in := &%s{}\n", in[1:])
		}
		if fl.Source != nil && fl.Source.Kind == schema.SourceClaims {
			claims = append(claims, fl)
			continue
		}
		code, err := e.assign(f, fl, name)
		if err != nil {
			return "", err
		}
		b.WriteString(code)
	}
	if len(call.Fill) == 0 {
		fmt.Fprintf(&b, "in := &%s{}\n", in[1:])
	}
	if f.Bound.Auth != nil {
		fmt.Fprintf(&b, "if err := %s; err != nil {\nd.%sErr = err\nreturn\n}\n", e.authCheck(f.Bound.Auth), name)
	}
	if f.Bound.Redact != "" {
		fmt.Fprintf(&b, "if !%s.Allowed(ctx, %q) {\nreturn // @redact: null, no error\n}\n", e.use(authzPkg), f.Bound.Redact)
	}
	if whole != nil {
		fmt.Fprintf(&b, "in, err := %s(&input)\nif err != nil {\nd.%sErr = err\nreturn\n}\n", converterName(whole.Input), name)
	}
	for _, a := range claims {
		code, err := e.assign(f, a, name)
		if err != nil {
			return "", err
		}
		b.WriteString(code)
	}
	conn := e.use("connectrpc.com/connect")
	fmt.Fprintf(&b, "res, err := d.r.%s.%s(ctx, %s.NewRequest(in))\nif err != nil {\nd.%sErr = err\nreturn\n}\n", clientField(rpc.Service), e.pg.methodGoName(rpc.Method), conn, name)
	value := "res.Msg"
	for _, fd := range rpc.Result {
		value += e.getter(fd)
	}
	fmt.Fprintf(&b, "d.%s = %s\n", name, value)
	if hasBatch(f.Sel) {
		fetch, err := e.fetchMethod(&node{sel: f.Sel, name: name})
		if err != nil {
			return "", err
		}
		if f.Type.Elem != nil {
			fmt.Fprintf(&b, "d.%s(ctx, d.%s)\n", fetch, name)
		} else {
			fmt.Fprintf(&b, "if d.%s != nil {\nd.%s(ctx, []%s{d.%s})\n}\n", name, fetch, e.msgType(f.Sel.Object.Message), name)
		}
	}
	return b.String(), nil
}

// argErr declares, once, the field of the run that holds the error of an
// argument of the root field name, and returns its name.
func (e *emitter) argErr(name string) string {
	if !e.argErrs[name] {
		e.argErrs[name] = true
		fmt.Fprintf(&e.fields, "// %sArgErr is the error of an argument of %s: the field is null,\n// without its call.\n%sArgErr error\n", name, name, name)
	}
	return name + "ArgErr"
}

// pathLiteral is the Go expression of the path of an argument's value:
// the field's response key, then names.
func pathLiteral(names ...string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%q", n))
	}
	return strings.Join(parts, ", ")
}

// wholeInput is the code that reads the input object argument of a
// request filled whole ("request: $args.input") from its variable into
// the generated model, as gqlgen's unmarshaler of the input does (the
// same unmarshalers, the same errors, on the path of the input field),
// leaving it in input.
func (e *emitter) wholeInput(f *plan.Field, fl plan.Fill, name string) (string, error) {
	argName := fl.Source.Arg.Name
	arg := argOfPlan(f, argName)
	if arg.Value == nil || arg.Value.Kind != ast.Variable {
		return "", fmt.Errorf("argument %s is not a variable", argName)
	}
	inDef := e.m.Inputs[fl.Input]
	if inDef == nil {
		return "", fmt.Errorf("input %s", fl.Input)
	}
	g := e.use("github.com/99designs/gqlgen/graphql")
	var b strings.Builder
	fmt.Fprintf(&b, "var input %s.%s\nraw, _ := req.Variables[%q].(map[string]any)\n", e.use(outImportPath(e.m)+"/model"), templates.ToGo(inDef.Def.Name), arg.Value.Raw)
	for _, fd := range inDef.Def.Fields {
		var conv string
		switch fd.Type.NamedType {
		case "Int":
			conv = g + ".UnmarshalInt32(v)"
		case "String":
			conv = g + ".UnmarshalString(v)"
		case "ID":
			conv = g + ".UnmarshalID(v)"
		case "Boolean":
			conv = g + ".UnmarshalBoolean(v)"
		default:
			return "", fmt.Errorf("input field type %s", fd.Type)
		}
		set := "input." + templates.ToGo(fd.Name) + " = x"
		cond := "ok"
		if !fd.Type.NonNull {
			set = "input." + templates.ToGo(fd.Name) + " = &x"
			cond = "ok && v != nil"
		}
		fmt.Fprintf(&b, "if v, ok := raw[%q]; %s {\nx, err := %s\nif err != nil {\nd.%s = argError(err, %s)\nreturn\n}\n%s\n}\n", fd.Name, cond, conv, e.argErr(name), pathLiteral(f.Key, argName, fd.Name), set)
	}
	return b.String(), nil
}

// argValue returns the argument of f named name.
func argOfPlan(f *plan.Field, name string) plan.Arg {
	for _, a := range f.Args {
		if a.Def.Name == name {
			return a
		}
	}
	return plan.Arg{}
}

// assign fills one request field from an argument, a claim or a literal
// (a FillField of one step).
func (e *emitter) assign(f *plan.Field, a plan.Fill, name string) (string, error) {
	if a.Kind != plan.FillField || len(a.Path) != 1 {
		return "", fmt.Errorf("fill %d of %d steps", a.Kind, len(a.Path))
	}
	fd := a.Path[0]
	dst := "in." + e.pg.field(fd).GoName
	src := a.Source
	if src.Kind == schema.SourceLiteral {
		switch v := src.Literal.(type) {
		case string:
			return fmt.Sprintf("%s = %s\n", dst, strconv.Quote(v)), nil
		case bool:
			return fmt.Sprintf("%s = %t\n", dst, v), nil
		case int64:
			return fmt.Sprintf("%s = %d\n", dst, v), nil
		case protoreflect.EnumNumber:
			return fmt.Sprintf("%s = %s(%d)\n", dst, e.ident(e.pg.enum(fd.Enum()).GoIdent), v), nil
		}
		return "", fmt.Errorf("literal %v", src.Literal)
	}
	if src.Kind == schema.SourceClaims {
		// As the gqlgen resolver: the claim of the caller's credential,
		// UNAUTHENTICATED when it has none.
		return fmt.Sprintf("{\nv, err := %s.Claim[%s](ctx, %q)\nif err != nil {\nd.%sErr = err\nreturn\n}\n%s = v\n}\n", e.use(authzPkg), types.Typ[claimGoTypes[src.Claim.Scalar]].Name(), src.Name, name, dst), nil
	}
	arg := argOfPlan(f, src.Arg.Name)
	if arg.Def == nil {
		return "", fmt.Errorf("no argument %s", src.Arg.Name)
	}
	if arg.Value == nil && arg.Def.DefaultValue == nil {
		return "", nil // absent: the request field stays unset
	}
	// conv turns a value of the variables (JSON-decoded, coerced) into
	// the request field's type.
	lit := func(v *ast.Value) (string, error) {
		if v == nil || v.Kind == ast.NullValue {
			return "", nil
		}
		switch v.Kind {
		case ast.IntValue:
			return fmt.Sprintf("%s = %s\n", dst, v.Raw), nil
		case ast.StringValue:
			return fmt.Sprintf("%s = %s\n", dst, strconv.Quote(v.Raw)), nil
		case ast.BooleanValue:
			return fmt.Sprintf("%s = %s\n", dst, v.Raw), nil
		case ast.EnumValue:
			ev := e.enumValue(fd, v.Raw)
			if ev == "" {
				return "", fmt.Errorf("enum value %s", v.Raw)
			}
			return fmt.Sprintf("%s = %s\n", dst, ev), nil
		}
		return "", fmt.Errorf("argument value %s", v.String())
	}
	if arg.Value == nil || arg.Value.Kind != ast.Variable {
		v := arg.Value
		if v == nil {
			v = arg.Def.DefaultValue
		}
		return lit(v)
	}
	def, err := lit(arg.Def.DefaultValue)
	if err != nil {
		return "", err
	}
	conv, err := e.argConverter(arg.Def.Type, fd)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "if v, ok := req.Variables[%q]; ok && v != nil {\nx, err := %s\nif err != nil {\nd.%s = argError(err, %s)\nreturn\n}\n%s = x\n}", arg.Value.Raw, conv, e.argErr(name), pathLiteral(f.Key, arg.Def.Name), dst)
	if def != "" {
		fmt.Fprintf(&b, " else if !ok {\n%s}", def)
	}
	b.WriteString("\n")
	return b.String(), nil
}

// argConverter is the expression converting v, a variable's coerced
// value, to the request field's type: the unmarshalers of gqlgen's path.
func (e *emitter) argConverter(t *ast.Type, fd protoreflect.FieldDescriptor) (string, error) {
	if fd.Enum() != nil {
		en := e.m.Enums[t.NamedType]
		if en == nil {
			return "", fmt.Errorf("enum %s", t.NamedType)
		}
		return e.use(mappingImportPath(e.m)) + ".Unmarshal" + t.NamedType + "(v)", nil
	}
	g := e.use("github.com/99designs/gqlgen/graphql")
	switch t.NamedType {
	case "Int":
		return g + ".UnmarshalInt32(v)", nil
	case "String":
		return g + ".UnmarshalString(v)", nil
	case "ID":
		return g + ".UnmarshalID(v)", nil
	case "Boolean":
		return g + ".UnmarshalBoolean(v)", nil
	}
	return "", fmt.Errorf("argument type %s", t)
}

// enumValue is the Go constant of the proto enum value that the GraphQL
// enum value name binds to.
func (e *emitter) enumValue(fd protoreflect.FieldDescriptor, name string) string {
	for _, en := range e.m.Enums {
		if en.Proto.FullName() != fd.Enum().FullName() {
			continue
		}
		for _, v := range en.Values {
			if v.Name == name {
				for _, pv := range e.pg.enum(fd.Enum()).Values {
					if pv.Desc.FullName() == v.Proto.FullName() {
						return e.ident(pv.GoIdent)
					}
				}
			}
		}
	}
	return ""
}

// batchArgs are the arguments a generated batch function takes after the
// parents: literals or defaults of the field's arguments, and, for a
// variable, the run's field that readArgs fills (cname is the field's name
// in the run).
func (e *emitter) batchArgs(f *plan.Field, cname string) (string, error) {
	var args []string
	for _, a := range f.Args {
		v := a.Value
		if v == nil {
			v = a.Def.DefaultValue
		}
		var goT, conv, lit string
		switch a.Def.Type.NamedType {
		case "Int":
			goT, conv = "int32", "UnmarshalInt32"
		case "String":
			goT, conv = "string", "UnmarshalString"
		case "ID":
			goT, conv = "string", "UnmarshalID"
		case "Boolean":
			goT, conv = "bool", "UnmarshalBoolean"
		default:
			return "", fmt.Errorf("argument type %s", a.Def.Type)
		}
		literal := func(v *ast.Value) string {
			if v == nil || v.Kind == ast.NullValue {
				return ""
			}
			if v.Kind == ast.StringValue {
				return strconv.Quote(v.Raw)
			}
			return v.Raw
		}
		if v != nil && v.Kind == ast.Variable {
			// Read once per run (readArgs), as gqlgen's prefetch reads it:
			// the variable's value, else (absent) the argument's default.
			field := cname + "Arg" + ucFirst(a.Def.Name)
			set, t := "d."+field+" = &x", "*"+goT
			if a.Def.Type.NonNull {
				set, t = "d."+field+" = x", goT
			}
			fmt.Fprintf(&e.fields, "// %s is the argument %s of %s, from $%s.\n%s %s\n", field, a.Def.Name, cname, v.Raw, field, t)
			if !e.argErrs[cname] {
				e.argErrs[cname] = true
				fmt.Fprintf(&e.fields, "// %sArgErr is the error of the argument %sArgName of %s, which fails\n// the field for every parent, without its call.\n%sArgErr error\n%sArgName string\n", cname, cname, cname, cname, cname)
			}
			def := ""
			if d := literal(a.Def.DefaultValue); d != "" {
				if a.Def.Type.NonNull {
					def = fmt.Sprintf(" else {\nd.%s = %s\n}", field, d)
				} else {
					def = fmt.Sprintf(" else {\nd.%s = new(%s(%s))\n}", field, goT, d)
				}
			}
			conv = e.use("github.com/99designs/gqlgen/graphql") + "." + conv + "(v)"
			fmt.Fprintf(&e.readArgs, "if v, ok := req.Variables[%q]; ok {\nif v != nil {\nif x, err := %s; err != nil {\nif d.%sArgErr == nil {\nd.%sArgErr, d.%sArgName = err, %q\n}\n} else {\n%s\n}\n}\n}%s\n", v.Raw, conv, cname, cname, cname, a.Def.Name, set, def)
			args = append(args, "d."+field)
			continue
		}
		lit = literal(v)
		switch {
		case a.Def.Type.NonNull:
			args = append(args, lit)
		case lit == "":
			args = append(args, "nil")
		default:
			args = append(args, "new("+goT+"("+lit+"))")
		}
	}
	if len(args) == 0 {
		return "", nil
	}
	return ", " + strings.Join(args, ", "), nil
}

// hasVarArgs reports whether an argument of f is a variable.
func hasVarArgs(f *plan.Field) bool {
	return slices.ContainsFunc(f.Args, func(a plan.Arg) bool { return a.Value != nil && a.Value.Kind == ast.Variable })
}

// fetchNode writes the method that fetches the @batch fields of n for all
// its parents, and, below them, the next levels.
func (e *emitter) fetchNode(n *node) error {
	if !hasBatch(n.sel) {
		return nil
	}
	if l, err := e.level(n); l != "" || err != nil {
		return err // written once, with the shared level
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// fetch%s calls, for all the parents of %s at once, one backend\n// call per @batch field, in parallel, then the levels below.\n", ucFirst(n.name), n.name)
	fmt.Fprintf(&b, "func (d *%s) fetch%s(ctx %s.Context, parents []%s) {\nif len(parents) == 0 {\nreturn\n}\nvar loads %s.Group\n", e.typ, ucFirst(n.name), e.use("context"), e.goT(n), e.use("github.com/bffgen/bffgen/runtime/batch"))
	for _, f := range n.sel.Fields {
		read := readOf(f)
		if f.Sel == nil && read != plan.ReadBatch {
			continue
		}
		child := (*node)(nil)
		if f.Sel != nil {
			child = e.childNode(n.name, f)
		}
		cname := n.name + ucFirst(f.Key)
		// A field that @auth or @redact hides has no resolver run on the
		// gqlgen path, hence no backend call: none here either.
		vis := e.visible(f)
		if c := condExpr(f); c != "" {
			if vis != "" {
				vis = c + " && " + vis
			} else {
				vis = c
			}
		}
		if read == plan.ReadBatch && hasVarArgs(f) {
			// An argument that does not convert: no call (gqlgen's
			// prefetch makes none either); the field fails per parent.
			cond := fmt.Sprintf("d.%sArgErr == nil", cname)
			if vis != "" {
				vis = cond + " && " + vis
			} else {
				vis = cond
			}
		}
		if vis != "" && (read == plan.ReadBatch || read == plan.ReadGoField && hasBatch(f.Sel)) {
			fmt.Fprintf(&b, "if %s {\n", vis)
		}
		switch {
		case read == plan.ReadBatch:
			args, err := e.batchArgs(f, cname)
			if err != nil {
				return err
			}
			vt := e.batchValueType(f)
			fmt.Fprintf(&e.fields, "// %s are the values of %s.%s for the parents of %s, %sErrs their errors.\n%s []%s\n%sErrs []error\n", cname, n.sel.Object.Def.Name, f.AST.Name, n.name, cname, cname, vt, cname)
			fmt.Fprintf(&b, "loads.Go(func() {\nd.%s, d.%sErrs = d.r.batch%s%s(ctx, parents%s)\n", cname, cname, ucFirst(n.sel.Object.Def.Name), e.pg.goFieldName(f.Bound), args)
			if child != nil && hasBatch(f.Sel) {
				fetch, err := e.fetchMethod(child)
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "var children []%s\nfor _, v := range d.%s {\n", e.goT(child), cname)
				if f.Type.Elem != nil {
					b.WriteString("children = append(children, v...)\n")
				} else {
					b.WriteString("if v != nil {\nchildren = append(children, v)\n}\n")
				}
				fmt.Fprintf(&b, "}\nd.%s(ctx, children)\n", fetch)
			}
			b.WriteString("})\n")
		case read == plan.ReadGoField && hasBatch(f.Sel):
			fetch, err := e.fetchMethod(child)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "loads.Go(func() {\nvar children []%s\nfor _, p := range parents {\n", e.goT(child))
			if f.Type.Elem != nil {
				fmt.Fprintf(&b, "children = append(children, p%s...)\n", e.getter(f.Bound.Proto))
			} else {
				fmt.Fprintf(&b, "if v := p%s; v != nil {\nchildren = append(children, v)\n}\n", e.getter(f.Bound.Proto))
			}
			fmt.Fprintf(&b, "}\nd.%s(ctx, children)\n})\n", fetch)
		default:
			continue
		}
		if vis != "" {
			b.WriteString("}\n")
		}
		if child != nil {
			if err := e.fetchNode(child); err != nil {
				return err
			}
		}
	}
	b.WriteString("loads.Wait()\n}\n\n")
	e.methods.WriteString(b.String())
	return nil
}

func (e *emitter) batchValueType(f *plan.Field) string {
	if f.Sel != nil {
		return e.valueType(f)
	}
	return "any"
}

// goFieldName is the Go name gqlgen gives a field: the GraphQL name with
// its first letter upper-cased (the generated batch functions use it).
func (p *protoGen) goFieldName(f *schema.Field) string { return templates.ToGo(f.Def.Name) }

// --- write ---

func (e *emitter) writeRoot(p *plan.Operation, rg, ctxPkg string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// write writes the data: null when a non-null root field failed.\n")
	fmt.Fprintf(&b, "func (d *%s) write(ctx %s.Context, out *%s.Result) {\nmark := out.Len()\nok := true\n%s", e.typ, ctxPkg, rg, selectionStart(p.Root))
	for i, f := range p.Root.Fields {
		n := e.childNode("", f)
		code, err := e.writeObjectField(f, n, "d."+n.name, "d."+n.name+"Err", "nil")
		if err != nil {
			return err
		}
		// The field's arguments, and a mutation's root field, count once
		// the field's resolver runs, whatever it returns.
		resolved := f.ArgCost
		if p.Op.Type == ast.Mutation {
			resolved = satAdd(resolved, mutationRootCost)
		}
		code = e.withCost(resolved, code)
		if e.argErrs[n.name] {
			// As gqlgen: an argument's error, on its own path and without
			// a location, makes the field null.
			fail := "out.FieldError(ctx, err, 0, 0, nil)\nout.Null()\n"
			if f.Type.NonNull {
				fail += "ok = false\n"
			}
			code = fmt.Sprintf("if err := d.%sArgErr; err != nil {\n%s} else %s", n.name, fail, code)
		}
		b.WriteString(ifSelected(f, keyCode(p.Root, i, f)+code))
	}
	b.WriteString(selectionEnd(p.Root) + "if !ok {\nout.Truncate(mark)\nout.Null()\n}\n}\n\n")
	e.methods.WriteString(b.String())
	return nil
}

// writeObjectField writes the value of an object (or list of objects)
// field held in value, whose error is errExpr, in a writer whose path is
// pathExpr; it clears ok when the field is non-null and null.
func (e *emitter) writeObjectField(f *plan.Field, n *node, value, errExpr, pathExpr string) (string, error) {
	if _, err := e.level(n); err != nil {
		return "", err
	}
	var b strings.Builder
	line, col := f.AST.Position.Line, f.AST.Position.Column
	fp := fmt.Sprintf("&compiledPath{parent: %s, key: %q}", pathExpr, f.Key)
	fmt.Fprintf(&b, "{\nfp := %s\nfm := out.Len()\nfok := true\n", fp)
	if errExpr != "" {
		fmt.Fprintf(&b, "if err := %s; err != nil {\nout.FieldError(ctx, err, %d, %d, fp.path())\nfok = false\n} else ", errExpr, line, col)
	}
	if f.Type.Elem != nil {
		if !f.Type.NonNull {
			fmt.Fprintf(&b, "if %s == nil {\nout.Null()\n} else ", value)
		}
		fmt.Fprintf(&b, "{\nout.Byte('[')\nfor j, v := range %s {\nif j > 0 {\nout.Byte(',')\n}\nep := &compiledPath{parent: fp, index: j, isIndex: true}\n", value)
		elemNonNull := f.Type.Elem.NonNull
		fmt.Fprintf(&b, "if v == nil {\n")
		if directBatch(n.sel) {
			fmt.Fprintf(&b, "d.%s++\n", e.counter(n))
		}
		if elemNonNull {
			fmt.Fprintf(&b, "out.FieldError(ctx, errNotNull, 0, 0, ep.path())\nfok = false\n")
		}
		fmt.Fprintf(&b, "out.Null()\ncontinue\n}\n%sem := out.Len()\nif !d.%s(ctx, out, ep, v) {\nout.Truncate(em)\nout.Null()\n", e.addCost(f.Cost, ""), e.writerName(n))
		if elemNonNull {
			b.WriteString("fok = false\n")
		}
		b.WriteString("}\n}\nout.Byte(']')\n}\n")
	} else {
		fmt.Fprintf(&b, "if v := %s; v == nil {\n", value)
		if f.Type.NonNull {
			b.WriteString("out.FieldError(ctx, errNotNull, 0, 0, fp.path())\nfok = false\n")
		} else {
			b.WriteString("out.Null()\n")
		}
		if f.Cost > 0 {
			fmt.Fprintf(&b, "} else {\n%sif !d.%s(ctx, out, fp, v) {\nfok = false\n}\n}\n", e.addCost(f.Cost, ""), e.writerName(n))
		} else {
			fmt.Fprintf(&b, "} else if !d.%s(ctx, out, fp, v) {\nfok = false\n}\n", e.writerName(n))
		}
	}
	b.WriteString("if !fok {\nout.Truncate(fm)\nout.Null()\n")
	if f.Type.NonNull {
		b.WriteString("ok = false\n")
	}
	b.WriteString("}\n}\n")
	if err := e.writeNode(n); err != nil {
		return "", err
	}
	return b.String(), nil
}

// writeNode writes the method that writes one object of n: a method of
// the run, or, for a selection that several operations share, once, a
// method of compiledWriter in gen/compiled.go.
func (e *emitter) writeNode(n *node) error {
	if l, err := e.level(n); l != "" || err != nil {
		return err // written once, with the shared level
	}
	if sig, ok := e.shared.of(n.sel); ok {
		sw := e.shared.byKey[sig]
		if sw.written {
			return nil
		}
		sw.written = true
		return e.shared.e.writeNodeAs(n, sw.name, fmt.Sprintf("// %s writes one %s selected as %s\n// (in %s); false when a non-null field\n// of it is null, which makes it null.\n", sw.name, n.sel.Object.Def.Name, selectionText(n.sel), strings.Join(sw.ops, ", ")))
	}
	obj := n.sel.Object.Def.Name
	return e.writeNodeAs(n, e.writerName(n), fmt.Sprintf("// write%s writes one %s of %s; false when a non-null field of it is\n// null, which makes it null.\n", ucFirst(n.name), obj, n.name))
}

// writerName is the name of the method that writes one object of n.
func (e *emitter) writerName(n *node) string {
	if sig, ok := e.shared.of(n.sel); ok {
		return e.shared.byKey[sig].name
	}
	if l := e.shared.levelOf(n.sel, e.self); l != nil {
		return n.name + "Batches.write" + ucFirst(l.root)
	}
	return "write" + ucFirst(n.name)
}

// fetchMethod is the method (of d) that fetches the levels below n:
// the run's own, or that of the shared level n's selection is.
func (e *emitter) fetchMethod(n *node) (string, error) {
	field, err := e.level(n)
	if err != nil || field == "" {
		return "fetch" + ucFirst(n.name), err
	}
	return field + ".fetch" + ucFirst(e.shared.levelOf(n.sel, e.self).root), nil
}

// counter is the field (of d) that counts the parents of n written so
// far, which index the results of its @batch fields.
func (e *emitter) counter(n *node) string {
	if l := e.shared.levelOf(n.sel, e.self); l != nil {
		return n.name + "Batches.n" + ucFirst(l.root)
	}
	return "n" + ucFirst(n.name)
}

// level returns, when n's selection is a shared level, the field of d
// that holds it, declared on first use (and the level written, once);
// "" when the code of n is d's own.
func (e *emitter) level(n *node) (string, error) {
	l := e.shared.levelOf(n.sel, e.self)
	if l == nil {
		return "", nil
	}
	if err := e.shared.writeLevel(l, n.sel); err != nil {
		return "", err
	}
	field := n.name + "Batches"
	if e.levels == nil {
		e.levels = map[string]bool{}
	}
	if !e.levels[field] {
		e.levels[field] = true
		fmt.Fprintf(&e.fields, "// %s holds the @batch results below %s.\n%s %s\n", field, n.name, field, l.typ)
		e.inits = append(e.inits, field)
		for _, sub := range l.nested {
			e.inits = append(e.inits, field+"."+sub)
		}
	}
	return field, nil
}

// writeNodeAs writes the method name that writes one object of n, with
// its doc comment.
func (e *emitter) writeNodeAs(n *node, name, comment string) error {
	var b strings.Builder
	b.WriteString(comment)
	fmt.Fprintf(&b, "func (d *%s) %s(ctx %s.Context, out *%s.Result, path *compiledPath, p %s) bool {\nok := true\n", e.typ, name, e.use("context"), e.use("github.com/bffgen/bffgen/runtime/graphql"), e.goT(n))
	if directBatch(n.sel) {
		fmt.Fprintf(&e.fields, "// n%s counts the parents of %s written so far.\nn%s int\n", ucFirst(n.name), n.name, ucFirst(n.name))
		fmt.Fprintf(&b, "i := d.n%s\nd.n%s++\n", ucFirst(n.name), ucFirst(n.name))
	}
	b.WriteString(selectionStart(n.sel))
	for i, f := range n.sel.Fields {
		key := keyCode(n.sel, i, f)
		if f.Sel != nil {
			child := e.childNode(n.name, f)
			var value, errExpr string
			switch readOf(f) {
			case plan.ReadBatch:
				cname := n.name + ucFirst(f.Key)
				value, errExpr = "d."+cname+"[i]", "d."+cname+"Errs[i]"
			case plan.ReadGoField:
				value = "p" + e.getter(f.Bound.Proto)
			default:
				return fmt.Errorf("field %s", f.Key)
			}
			code, err := e.writeObjectField(f, child, value, errExpr, "path")
			if err != nil {
				return err
			}
			code = e.withCost(f.ArgCost, e.guarded(f, code))
			if isBatch(f) && hasVarArgs(f) {
				// As gqlgen: the argument's error, on its path, without a
				// location, before @auth; the field null.
				cname := n.name + ucFirst(f.Key)
				fail := fmt.Sprintf("out.FieldError(ctx, (&compiledPath{parent: path, key: %q}).argError(d.%sArgErr, d.%sArgName), 0, 0, nil)\nout.Null()\n", f.Key, cname, cname)
				if f.Type.NonNull {
					fail += "ok = false\n"
				}
				code = fmt.Sprintf("if d.%sArgErr != nil {\n%s} else %s", cname, fail, code)
			}
			b.WriteString(ifSelected(f, key+code))
			continue
		}
		code, err := e.writeLeaf(n, f)
		if err != nil {
			return err
		}
		code = e.leafCost(f) + code
		b.WriteString(ifSelected(f, key+e.withCost(f.ArgCost, e.guarded(f, code))))
	}
	b.WriteString(selectionEnd(n.sel) + "return ok\n}\n\n")
	e.methods.WriteString(b.String())
	return nil
}

// writeLeaf writes a scalar or enum field of p.
func (e *emitter) writeLeaf(n *node, f *plan.Field) (string, error) {
	line, col := f.AST.Position.Line, f.AST.Position.Column
	fp := fmt.Sprintf("&compiledPath{parent: path, key: %q}", f.Key)
	nonNull := f.Type.NonNull
	fail := func(errExpr string, l, c int) string {
		s := fmt.Sprintf("out.FieldError(ctx, %s, %d, %d, (%s).path())\nout.Null()\n", errExpr, l, c, fp)
		if nonNull {
			s += "ok = false\n"
		}
		return s
	}
	if f.Write == plan.WriteTypename {
		return fmt.Sprintf("out.String(%q)\n", n.sel.Object.Def.Name), nil
	}
	if readOf(f) == plan.ReadUser {
		errExpr := "err"
		if vals := e.redactedValues(n.sel.Object); len(vals) > 0 {
			errExpr = fmt.Sprintf("%s.Scrub(err, %s)", e.use(authzPkg), strings.Join(vals, ", "))
		}
		write := "} else {\n" + e.addCost(f.Cost, "") + "out.String(v)\n}\n"
		if !nonNull {
			// A nullable field: the resolver returns a pointer, nil for null.
			write = "} else if v == nil {\nout.Null()\n} else {\n" + e.addCost(f.Cost, "") + "out.String(*v)\n}\n"
		}
		// A panic is recovered as gqlgen's resolveField recovers it: the
		// recover function's error, without a location, the field null.
		panicked := fmt.Sprintf("out.Panic(ctx, rec, (%s).path())\nout.Null()\n", fp)
		if nonNull {
			panicked += "ok = false\n"
		}
		return fmt.Sprintf("if v, rec, err := callUser(ctx, d.r.user.%s%s, p); rec != nil {\n%s} else if err != nil {\n%s%s", ucFirst(n.sel.Object.Def.Name), templates.ToGo(f.Bound.Def.Name), panicked, fail(errExpr, line, col), write), nil
	}
	get := "p" + e.getter(f.Bound.Proto)
	if f.Optional {
		// A proto3 optional scalar: its pointer field, nil for null.
		var w string
		switch f.Write {
		case plan.WriteString:
			w = "out.String(*v)\n"
		case plan.WriteInt:
			w = "out.Int(int64(*v))\n"
		case plan.WriteBool:
			w = "out.Bool(*v)\n"
		case plan.WriteMarshal:
			sc := e.use("github.com/bffgen/bffgen/runtime/scalar")
			if f.AppendFunc != "" {
				w = fmt.Sprintf("if err := %s.Append(out, %s.%s, *v); err != nil {\n%s}\n", e.use("github.com/bffgen/bffgen/runtime/graphql"), sc, f.AppendFunc, fail("err", line, col))
			} else if f.Context {
				w = fmt.Sprintf("if err := out.MarshalContext(ctx, %s.%s(*v)); err != nil {\n%s}\n", sc, f.MarshalFunc, fail("err", line, col))
			} else {
				w = fmt.Sprintf("if err := out.Marshal(%s.%s(*v)); err != nil {\n%s}\n", sc, f.MarshalFunc, fail("err", line, col))
			}
		default:
			return "", fmt.Errorf("optional write %d", f.Write)
		}
		return fmt.Sprintf("if v := p.%s; v == nil {\nout.Null()\n} else {\n%s}\n", e.pg.field(f.Bound.Proto).GoName, w), nil
	}
	if f.Type.Elem != nil { // repeated string
		var b strings.Builder
		if !f.Type.NonNull {
			fmt.Fprintf(&b, "if %s == nil {\nout.Null()\n} else ", get)
		}
		fmt.Fprintf(&b, "{\nout.Byte('[')\nfor j, v := range %s {\nif j > 0 {\nout.Byte(',')\n}\nout.String(v)\n}\nout.Byte(']')\n}\n", get)
		return b.String(), nil
	}
	switch f.Write {
	case plan.WriteString:
		return fmt.Sprintf("out.String(%s)\n", get), nil
	case plan.WriteInt:
		return fmt.Sprintf("out.Int(int64(%s))\n", get), nil
	case plan.WriteBool:
		return fmt.Sprintf("out.Bool(%s)\n", get), nil
	case plan.WriteEnum:
		m := e.use(mappingImportPath(e.m)) + ".Marshal" + f.EnumName + "(" + get + ")"
		if nonNull {
			g := e.use("github.com/99designs/gqlgen/graphql")
			return fmt.Sprintf("if m := %s; m == %s.Null {\n%s} else if err := out.Marshal(m); err != nil {\n%s}\n", m, g, fail("errNotNull", 0, 0), fail("err", line, col)), nil
		}
		return fmt.Sprintf("if err := out.Marshal(%s); err != nil {\n%s}\n", m, fail("err", line, col)), nil
	case plan.WriteMarshal:
		sc := e.use("github.com/bffgen/bffgen/runtime/scalar")
		if f.AppendFunc != "" && f.Bound.Proto.Message() == nil {
			return fmt.Sprintf("if err := %s.Append(out, %s.%s, %s); err != nil {\n%s}\n", e.use("github.com/bffgen/bffgen/runtime/graphql"), sc, f.AppendFunc, get, fail("err", line, col)), nil
		}
		if f.Context && f.Bound.Proto.Message() == nil {
			return fmt.Sprintf("if err := out.MarshalContext(ctx, %s.%s(%s)); err != nil {\n%s}\n", sc, f.MarshalFunc, get, fail("err", line, col)), nil
		}
		if f.Context {
			var b strings.Builder
			fmt.Fprintf(&b, "if v := %s; v == nil {\n", get)
			if nonNull {
				b.WriteString(fail("errNotNull", 0, 0))
			} else {
				b.WriteString("out.Null()\n")
			}
			if f.AppendFunc != "" {
				fmt.Fprintf(&b, "} else if err := %s.Append(out, %s.%s, v); err != nil {\n%s}\n", e.use("github.com/bffgen/bffgen/runtime/graphql"), sc, f.AppendFunc, fail("err", line, col))
			} else {
				fmt.Fprintf(&b, "} else if err := out.MarshalContext(ctx, %s.%s(v)); err != nil {\n%s}\n", sc, f.MarshalFunc, fail("err", line, col))
			}
			return b.String(), nil
		}
		return fmt.Sprintf("if err := out.Marshal(%s.%s(%s)); err != nil {\n%s}\n", sc, f.MarshalFunc, get, fail("err", line, col)), nil
	}
	return "", fmt.Errorf("write %d", f.Write)
}

// leafCost is the statement that counts the value of a leaf read from the
// parent message, as gqlgen's cost middleware counts the Go value it
// reads: one for a value, none for a nil pointer (a proto3 optional
// scalar, a message), the length of a repeated field. A user resolver's
// value is counted by writeLeaf.
func (e *emitter) leafCost(f *plan.Field) string {
	if r := readOf(f); f.Cost == 0 || r != plan.ReadGoField && r != plan.ReadBytes {
		return ""
	}
	fd := f.Bound.Proto
	switch {
	case fd.IsList():
		return e.addCost(f.Cost, "len(p"+e.getter(fd)+")")
	case fd.Message() != nil:
		return fmt.Sprintf("if p%s != nil {\n%s}\n", e.getter(fd), e.addCost(f.Cost, ""))
	case fd.HasPresence():
		return fmt.Sprintf("if p.%s != nil {\n%s}\n", e.pg.field(fd).GoName, e.addCost(f.Cost, ""))
	}
	return e.addCost(f.Cost, "")
}

// compiledHelpers is the file of what every compiled operation uses: the
// lazily built path of an error, the error of a null in a non-null
// position, compiledWriter, which every run embeds, the writers that
// several operations share, its methods, and the levels they share.
func compiledHelpers(m *schema.Model, sh *sharedWriters) (File, error) {
	var src strings.Builder
	src.WriteString(GeneratedHeader + "\n\npackage " + path.Base(m.Config.Go.Out) + "\n\nimport (\n")
	for _, ip := range slices.Sorted(maps.Keys(sh.e.imports)) {
		if name := sh.e.imports[ip]; name == path.Base(ip) {
			fmt.Fprintf(&src, "%q\n", ip)
		} else {
			fmt.Fprintf(&src, "%s %q\n", name, ip)
		}
	}
	src.WriteString(")\n\n" + compiledHelpersText + sh.e.methods.String() + sh.levelSrc.String())
	data, err := format.Source([]byte(src.String()))
	if err != nil {
		return File{}, fmt.Errorf("internal error, please report: gen/compiled.go does not format: %w\n%s", err, src.String())
	}
	return File{Path: path.Join(m.Config.Go.Out, "compiled.go"), Data: groupImports(data)}, nil
}

// compiledHelpersText is the constant part of gen/compiled.go.
const compiledHelpersText = `// errNotNull is gqlgen's error for a null in a non-null position.
var errNotNull = errors.New("the requested element is null which the schema does not allow")

// compiledPath is the path of a value in a compiled operation's response:
// a chain on the writers' stacks, turned into an ast.Path only for an
// error.
type compiledPath struct {
	parent  *compiledPath
	key     string
	index   int
	isIndex bool
}

// path returns the path from the root, nil for the root. It copies the
// keys: so the chain does not escape (Go's escape analysis does not tell
// the key from the parent pointer), and its links stay on the writers'
// stacks, where they cost no allocation.
func (p *compiledPath) path() ast.Path {
	if p == nil {
		return nil
	}
	var out ast.Path
	for q := p; q != nil; q = q.parent {
		if q.isIndex {
			out = append(out, ast.PathIndex(q.index))
		} else {
			out = append(out, ast.PathName(strings.Clone(q.key)))
		}
	}
	slices.Reverse(out)
	return out
}

// callUser calls the user resolver f of the parent p; a panic in it is
// returned as rec (nil when it returned), for the executor to record as
// gqlgen records a resolver's panic.
func callUser[P, V any](ctx context.Context, f func(context.Context, P) (V, error), p P) (v V, rec any, err error) {
	defer func() { rec = recover() }()
	v, err = f(ctx, p)
	return v, nil, err
}

// satCost returns n plus w times times, the largest int when that
// overflows, as rgraphql.CostMeter saturates.
func satCost(n, w, times int) int {
	if times <= 0 {
		return n
	}
	if w > (math.MaxInt-n)/times {
		return math.MaxInt
	}
	return n + w*times
}

// argError is the error of an argument whose value does not convert, at
// path (the root field's response key, the argument, the input field):
// what graphql.ErrorOnPath makes of it on gqlgen's path.
func argError(err error, path ...string) error {
	p := make(ast.Path, len(path))
	for i, name := range path {
		p[i] = ast.PathName(name)
	}
	return errorOnPath(err, p)
}

// argError is the error of the argument arg of the field at p.
func (p *compiledPath) argError(err error, arg string) error {
	return errorOnPath(err, append(p.path(), ast.PathName(arg)))
}

// errorOnPath is graphql.ErrorOnPath with the path at hand.
func errorOnPath(err error, path ast.Path) error {
	if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok {
		if gqlErr.Path == nil {
			gqlErr.Path = path
		}
		return err
	}
	return gqlerror.WrapPath(path, err)
}
// compiledWriter is what every run of a compiled operation has: the
// resolver (the backend clients, the user resolvers) and the actual cost
// of the values written so far, by the rules of rgraphql.CostMeter. The
// writers of the selections that several operations share are its
// methods, written once below.
type compiledWriter struct {
	r    *resolver
	cost int
}

`

// sharedWriters are the writers of the object selections that two or
// more operations select identically: the same type, fields, positions
// in their documents and directives, with no @batch field and no
// run-time condition at or below them (what the writer reads is then the
// parent message alone). Each is written once, in gen/compiled.go.
type sharedWriters struct {
	// e writes them: its imports are those of gen/compiled.go.
	e *emitter
	// saturating is whether some weight of a compiled field is large
	// enough (>= bigWeight) for the run's cost to saturate; then every
	// add of the package saturates (see [emitter.addCost]).
	saturating bool
	// byKey holds the shared writers by the signature of their selection.
	byKey map[string]*sharedWriter
	sigs  map[*plan.Selection]string
	// levelByKey holds the shared levels by the signature of their
	// selection; levelSrc is their Go, written as the operations meet them.
	levelByKey map[string]*sharedLevel
	levelSrc   strings.Builder
}

// sharedLevel is a selection with @batch fields at or below it that two
// or more operations select identically, with no run-time condition and
// no variable argument at or below it: its fetch and write code is
// written once, in gen/compiled.go, as the methods of a struct that holds
// its batch results for one run, which each run holds as a field and
// reaches its compiledWriter (resolver, cost) through.
type sharedLevel struct {
	typ     string   // the struct's name, e.g. userNameOrdersBatches
	root    string   // the name of its top node: fetch<Root>, write<Root>, n<Root>
	ops     []string // the operations that select it, in order
	written bool
	// nested are the fields of the shared levels below it, by their path
	// from it, whose compiledWriter the run sets too.
	nested []string
}

type sharedWriter struct {
	name    string
	ops     []string // the operations that select it, in order
	written bool
}

// newSharedWriters finds the selections that two or more of ops share
// and names their writers, and the levels (selections with @batch fields)
// they share and their structs.
func newSharedWriters(m *schema.Model, pg *protoGen, pkg string, ops []*plan.Operation) *sharedWriters {
	sh := &sharedWriters{byKey: map[string]*sharedWriter{}, sigs: map[*plan.Selection]string{}, levelByKey: map[string]*sharedLevel{}}
	for _, p := range ops {
		sh.saturating = sh.saturating || hasBigWeight(p.Root)
	}
	sh.e = &emitter{m: m, pg: pg, pkg: pkg, imports: map[string]string{}, argErrs: map[string]bool{}, typ: "compiledWriter", shared: sh}
	for _, ip := range []string{"context", "errors", "math", "slices", "strings", "github.com/vektah/gqlparser/v2/ast", "github.com/vektah/gqlparser/v2/gqlerror"} {
		sh.e.use(ip)
	}
	// The operations' own writers are named after the path of their
	// selection: no shared writer may take one of those names.
	taken := map[string]bool{}
	// opsOf are the operations that select each signature, in order.
	opsOf := map[string][]string{}
	var order []string
	var walk func(op string, s *plan.Selection, name string, seen map[string]bool)
	walk = func(op string, s *plan.Selection, name string, seen map[string]bool) {
		for _, f := range s.Fields {
			if f.Sel == nil {
				continue
			}
			child := name + ucFirst(f.Key)
			if name == "" {
				child = f.Key
			}
			taken["write"+ucFirst(child)] = true
			if shareableLevel(f.Sel) || selfContained(f.Sel) {
				sig := sh.signature(f.Sel)
				if !seen[sig] {
					seen[sig] = true
					if opsOf[sig] == nil {
						order = append(order, sig)
					}
					opsOf[sig] = append(opsOf[sig], op)
				}
			}
			walk(op, f.Sel, child, seen)
		}
	}
	for _, p := range ops {
		walk(p.Op.Name, p.Root, "", map[string]bool{})
	}
	typs := map[string]bool{}
	for _, sig := range order {
		sel := sh.selectionOf(sig)
		if len(opsOf[sig]) < 2 || selfContained(sel) {
			continue
		}
		l := &sharedLevel{ops: opsOf[sig]}
		sh.levelByKey[sig] = l
		l.root = lowerFirst(sel.Object.Def.Name)
		base := l.root
		for _, f := range sel.Fields {
			base += ucFirst(f.Key)
		}
		if len(base) > 40 {
			base = l.root + "Selection"
		}
		name := base + "Batches"
		for i := 2; typs[name]; i++ {
			name = base + strconv.Itoa(i) + "Batches"
		}
		typs[name] = true
		l.typ = name
		// The level's own writers, named after their path from it, hide
		// compiledWriter's: no shared writer may take one of those names.
		var mark func(prefix string, s *plan.Selection)
		mark = func(prefix string, s *plan.Selection) {
			taken["write"+ucFirst(prefix)] = true
			for _, f := range s.Fields {
				if f.Sel != nil {
					mark(prefix+ucFirst(f.Key), f.Sel)
				}
			}
		}
		mark(l.root, sel)
	}
	for _, sig := range order {
		sel := sh.selectionOf(sig)
		if len(opsOf[sig]) < 2 || !selfContained(sel) {
			continue
		}
		sw := &sharedWriter{ops: opsOf[sig]}
		sh.byKey[sig] = sw
		base := "write" + sel.Object.Def.Name
		for _, f := range sel.Fields {
			base += ucFirst(f.Key)
		}
		if len(base) > 48 {
			base = "write" + sel.Object.Def.Name + "Selection"
		}
		name := base
		for i := 2; taken[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		taken[name] = true
		sw.name = name
	}
	return sh
}

// selectionOf returns a selection whose signature is sig.
func (sh *sharedWriters) selectionOf(sig string) *plan.Selection {
	for s, k := range sh.sigs {
		if k == sig {
			return s
		}
	}
	return nil
}

// shareableLevel reports whether the code of s may be shared between
// operations as a level: it has @batch fields at or below it, and reads
// nothing of the run but their results (no run-time condition, no
// variable argument).
func shareableLevel(s *plan.Selection) bool {
	if !hasBatch(s) {
		return false
	}
	var free func(s *plan.Selection) bool
	free = func(s *plan.Selection) bool {
		for _, f := range s.Fields {
			if len(f.Conds) > 0 || hasVarArgs(f) || f.Sel != nil && !free(f.Sel) {
				return false
			}
		}
		return true
	}
	return free(s)
}

// levelOf returns the shared level of s, nil when s is not one or is
// self, the level being written.
func (sh *sharedWriters) levelOf(s, self *plan.Selection) *sharedLevel {
	if sh == nil || s == self || !shareableLevel(s) {
		return nil
	}
	return sh.levelByKey[sh.signature(s)]
}

// writeLevel writes, once, the struct of the shared level l, whose
// selection is sel, and its fetch and write methods.
func (sh *sharedWriters) writeLevel(l *sharedLevel, sel *plan.Selection) error {
	if l.written {
		return nil
	}
	l.written = true
	e := &emitter{m: sh.e.m, pg: sh.e.pg, pkg: sh.e.pkg, imports: sh.e.imports, argErrs: map[string]bool{}, typ: l.typ, shared: sh, self: sel}
	n := &node{sel: sel, name: l.root}
	if err := e.fetchNode(n); err != nil {
		return err
	}
	obj := sel.Object.Def.Name
	what := fmt.Sprintf("%s selected as %s", obj, selectionText(sel))
	if err := e.writeNodeAs(n, "write"+ucFirst(l.root), fmt.Sprintf("// write%s writes one %s; false when a non-null\n// field of it is null, which makes it null.\n", ucFirst(l.root), what)); err != nil {
		return err
	}
	l.nested = e.inits
	fmt.Fprintf(&sh.levelSrc, "// %s holds, for one run, the @batch results below the\n// %ss selected as %s\n// (in %s): its fetch and write code, shared by those operations.\ntype %s struct {\n*compiledWriter\n%s}\n\n%s",
		l.typ, obj, selectionText(sel), strings.Join(l.ops, ", "), l.typ, e.fields.String(), e.methods.String())
	return nil
}

// of returns the signature of s when its writer is shared.
func (sh *sharedWriters) of(s *plan.Selection) (string, bool) {
	if sh == nil || !selfContained(s) {
		return "", false
	}
	sig := sh.signature(s)
	_, ok := sh.byKey[sig]
	return sig, ok
}

// selfContained reports whether the writer of s reads the parent message
// alone: no @batch field (whose results are the run's) and no run-time
// condition (a variable of the run) at or below it.
func selfContained(s *plan.Selection) bool {
	for _, f := range s.Fields {
		if len(f.Conds) > 0 || isBatch(f) || f.Sel != nil && !selfContained(f.Sel) {
			return false
		}
	}
	return true
}

// signature is what the writer of s is made of: two selections with the
// same signature have the same writer, byte for byte.
func (sh *sharedWriters) signature(s *plan.Selection) string {
	if sig, ok := sh.sigs[s]; ok {
		return sig
	}
	var b strings.Builder
	b.WriteString(s.Object.Def.Name + "{")
	for _, f := range s.Fields {
		fmt.Fprintf(&b, "%s:%s %s r%d w%d/%t/%s/%t/%s/%s c%d+%d", f.Key, f.AST.Name,
			f.Type, readOf(f), f.Write, f.Optional, f.MarshalFunc, f.Context, f.AppendFunc, f.EnumName, f.Cost, f.ArgCost)
		if mayFail(f) || isBatch(f) {
			// Its error has its position in the document.
			fmt.Fprintf(&b, "@%d:%d", f.AST.Position.Line, f.AST.Position.Column)
		}
		if f.Bound != nil {
			if f.Bound.Auth != nil {
				fmt.Fprintf(&b, " auth%q", f.Bound.Auth.Scopes)
			}
			if f.Bound.Redact != "" {
				fmt.Fprintf(&b, " redact%q", f.Bound.Redact)
			}
		}
		for _, a := range f.Args {
			if a.Value != nil {
				fmt.Fprintf(&b, " %s=%s", a.Def.Name, a.Value.String())
			}
		}
		if f.Sel != nil {
			b.WriteString(sh.signature(f.Sel))
		}
		b.WriteString(";")
	}
	b.WriteString("}")
	sh.sigs[s] = b.String()
	return b.String()
}

// mayFail reports whether the writer of f may record an error at its
// position in the document: a field @auth guards, a user resolver, a
// value written through a marshaler (a scalar's, an enum's). Strings,
// numbers, booleans and message fields read from the parent never fail.
func mayFail(f *plan.Field) bool {
	switch {
	case f.Bound != nil && f.Bound.Auth != nil, readOf(f) == plan.ReadUser:
		return true
	case f.Sel != nil:
		return false
	}
	return f.Write == plan.WriteMarshal || f.Write == plan.WriteEnum
}

// selectionText is s as the document selects it, for a doc comment.
func selectionText(s *plan.Selection) string {
	var parts []string
	for _, f := range s.Fields {
		t := f.Key
		if f.AST.Alias != "" && f.AST.Alias != f.AST.Name {
			t += ": " + f.AST.Name
		}
		if f.Sel != nil {
			t += " " + selectionText(f.Sel)
		}
		parts = append(parts, t)
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// --- the actual cost ---

// mutationRootCost is what each root field of a mutation adds to the
// actual cost: runtime/graphql/limits.MutationRootCost, which codegen may
// not import.
const mutationRootCost = 10

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// bigWeight is the least weight whose adds go through satCost: below
// it, a plain add cannot overflow on any response a backend can send.
const bigWeight = 1 << 24

// hasBigWeight reports whether a field of sel, at any depth, weighs at
// least bigWeight.
func hasBigWeight(sel *plan.Selection) bool {
	if sel == nil {
		return false
	}
	for _, f := range sel.Fields {
		if f.Cost >= bigWeight || f.ArgCost >= bigWeight || hasBigWeight(f.Sel) {
			return true
		}
	}
	return false
}

// addCost is the statement that adds w (times the Go expression times,
// when not "") to the run's cost; "" when w is 0. When some weight of the
// package is large enough to saturate the cost (shared.saturating), every
// add goes through satCost, which saturates as rgraphql.CostMeter does,
// so that no later add wraps a saturated cost; otherwise a plain add.
func (e *emitter) addCost(w int, times string) string {
	switch {
	case w <= 0:
		return ""
	case e.shared.saturating && times != "":
		return fmt.Sprintf("d.cost = satCost(d.cost, %d, %s)\n", w, times)
	case e.shared.saturating:
		return fmt.Sprintf("d.cost = satCost(d.cost, %d, 1)\n", w)
	case times != "" && w == 1:
		return fmt.Sprintf("d.cost += %s\n", times)
	case times != "":
		return fmt.Sprintf("d.cost += %d * %s\n", w, times)
	}
	return fmt.Sprintf("d.cost += %d\n", w)
}

// withCost prefixes the code of a field, a block or an if statement, with
// the statement that adds w to the cost, keeping it one statement (it may
// follow an else).
func (e *emitter) withCost(w int, code string) string {
	add := e.addCost(w, "")
	switch {
	case add == "":
		return code
	case strings.HasPrefix(code, "{\n"):
		return "{\n" + add + code[2:]
	}
	return "{\n" + add + code + "}\n"
}
