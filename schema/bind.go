package schema

import (
	"cmp"
	"fmt"
	"github.com/bffgen/bffgen/schema/mapping"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// binder links the SDL to the protos and checks every binding, in two
// passes: decide (decide.go) binds types, then the checks check fields
// against the bindings decided.
type binder struct {
	m          *Model
	diags      *diag.List
	protoFiles map[string]string

	messages map[protoreflect.FullName]protoreflect.MessageDescriptor
	enums    map[protoreflect.FullName]protoreflect.EnumDescriptor
	methods  map[string]protoreflect.MethodDescriptor // "pkg.Service.Method"

	// bound type name -> descriptor, and where the binding was decided.
	objMsg    map[string]protoreflect.MessageDescriptor
	inputMsg  map[string]protoreflect.MessageDescriptor
	enumProto map[string]protoreflect.EnumDescriptor
	boundAt   map[string]diag.Span

	services map[protoreflect.FullName]*Service
	// oneofUnions are the unions bound to a oneof.
	oneofUnions map[string]bool
	// newlyBound are the object and input types bound whose fields decide
	// has not followed yet.
	newlyBound []*ast.Definition
	// entryOf maps the entry types of maps decide has followed to the map
	// entry message, so an entry type shared by two maps binds once.
	entryOf map[string]protoreflect.FullName
}

func newBinder(m *Model, diags *diag.List, protoFiles map[string]string) *binder {
	b := &binder{
		m: m, diags: diags, protoFiles: protoFiles,
		messages:  map[protoreflect.FullName]protoreflect.MessageDescriptor{},
		enums:     map[protoreflect.FullName]protoreflect.EnumDescriptor{},
		methods:   map[string]protoreflect.MethodDescriptor{},
		objMsg:    map[string]protoreflect.MessageDescriptor{},
		inputMsg:  map[string]protoreflect.MessageDescriptor{},
		enumProto: map[string]protoreflect.EnumDescriptor{},
		boundAt:   map[string]diag.Span{},
		services:  map[protoreflect.FullName]*Service{},

		oneofUnions: map[string]bool{},
		entryOf:     map[string]protoreflect.FullName{},
	}
	seen := map[string]bool{}
	for _, f := range m.Protos {
		b.index(f, seen)
	}
	return b
}

func (b *binder) index(f protoreflect.FileDescriptor, seen map[string]bool) {
	if seen[f.Path()] {
		return
	}
	seen[f.Path()] = true
	for i := 0; i < f.Imports().Len(); i++ {
		b.index(f.Imports().Get(i).FileDescriptor, seen)
	}
	var addMsgs func(protoreflect.MessageDescriptors)
	addEnums := func(es protoreflect.EnumDescriptors) {
		for i := 0; i < es.Len(); i++ {
			b.enums[es.Get(i).FullName()] = es.Get(i)
		}
	}
	addMsgs = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			md := ms.Get(i)
			b.messages[md.FullName()] = md
			addEnums(md.Enums())
			addMsgs(md.Messages())
		}
	}
	addMsgs(f.Messages())
	addEnums(f.Enums())
	for i := 0; i < f.Services().Len(); i++ {
		sd := f.Services().Get(i)
		for j := 0; j < sd.Methods().Len(); j++ {
			md := sd.Methods().Get(j)
			b.methods[string(sd.FullName())+"."+string(md.Name())] = md
		}
	}
}

// span converts a gqlparser position.
func span(p *ast.Position) diag.Span {
	if p == nil || p.Src == nil {
		return diag.Span{}
	}
	s := diag.Span{File: p.Src.Name, Line: p.Line, Col: p.Column}
	if n := p.End - p.Start; n > 0 {
		s.Len = n
	}
	return s
}

// protoSpan is where a descriptor is declared.
func (b *binder) protoSpan(d protoreflect.Descriptor) diag.Span {
	f := d.ParentFile()
	if f == nil {
		return diag.Span{}
	}
	name := f.Path()
	if s, ok := b.protoFiles[name]; ok {
		name = s
	}
	loc := f.SourceLocations().ByDescriptor(d)
	if loc.StartLine == 0 && loc.StartColumn == 0 && loc.EndLine == 0 {
		return diag.Span{File: name}
	}
	return diag.Span{File: name, Line: loc.StartLine + 1, Col: loc.StartColumn + 1}
}

func (b *binder) errorf(s diag.Span, code, hint string, related []diag.Related, format string, args ...any) {
	b.diags.Add(diag.Diagnostic{Severity: diag.Error, Code: code, Span: s, Message: fmt.Sprintf(format, args...), Hint: hint, Notes: related})
}

func (b *binder) declaredAt(d protoreflect.Descriptor) []diag.Related {
	s := b.protoSpan(d)
	if s.File == "" {
		return nil
	}
	return []diag.Related{{Span: s, Message: fmt.Sprintf("%s is declared here", d.FullName())}}
}

// directiveArg returns the value of a directive argument and its span.
func directiveArg(d *ast.Directive, name string) (*ast.Value, diag.Span) {
	if d == nil {
		return nil, diag.Span{}
	}
	a := d.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return nil, span(d.Position)
	}
	return a.Value, span(a.Value.Position)
}

func stringArg(d *ast.Directive, name string) (string, diag.Span, bool) {
	v, s := directiveArg(d, name)
	if v == nil || v.Kind != ast.StringValue {
		return "", s, false
	}
	return v.Raw, s, true
}

func (b *binder) bind() {
	s := b.m.Schema
	b.m.Objects = map[string]*Object{}
	b.m.Enums = map[string]*Enum{}
	b.m.Inputs = map[string]*Input{}
	b.m.MapEntries = map[string]protoreflect.MessageDescriptor{}
	b.m.InputMapEntries = map[string]protoreflect.MessageDescriptor{}
	b.decide()
	// Every binding is decided: check the types against them.
	roots := b.rootNames()
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.Kind != ast.Object || def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		b.m.Objects[name] = b.checkObject(def, roots[name])
	}
	for _, name := range sortedKeys(b.inputMsg) {
		b.checkInput(s.Types[name])
	}
	for _, name := range sortedKeys(b.enumProto) {
		b.checkEnum(s.Types[name])
	}
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		switch {
		case def.Kind == ast.Interface, def.Kind == ast.Union && !b.oneofUnions[name]:
			b.errorf(span(def.Position), "unsupported", "unions bind to a oneof of a bound message (a field named like the oneof); interfaces are not supported yet", nil, "%s %q is not bound to anything", strings.ToLower(string(def.Kind)), name)
		}
	}
	for _, fn := range sortedKeys(b.services) {
		b.m.Services = append(b.m.Services, b.services[fn])
	}
}

// isSubscription reports whether def is the schema's subscription type.
func (b *binder) isSubscription(def *ast.Definition) bool {
	return b.m.Schema.Subscription != nil && def.Name == b.m.Schema.Subscription.Name
}

func (b *binder) rootNames() map[string]bool {
	roots := map[string]bool{}
	for _, d := range []*ast.Definition{b.m.Schema.Query, b.m.Schema.Mutation, b.m.Schema.Subscription} {
		if d != nil {
			roots[d.Name] = true
		}
	}
	return roots
}

// explicitBinding applies @proto(type:) on a type definition.
func (b *binder) explicitBinding(def *ast.Definition) {
	d := def.Directives.ForName("proto")
	if d == nil {
		return
	}
	typ, sp, ok := stringArg(d, "type")
	if !ok {
		b.errorf(span(d.Position), "proto-directive", `write @proto(type: "pkg.Message") on a type`, nil, "@proto on type %q needs a type argument", def.Name)
		return
	}
	full := protoreflect.FullName(strings.TrimPrefix(typ, "."))
	switch def.Kind {
	case ast.Object, ast.InputObject:
		md, ok := b.messages[full]
		if !ok {
			b.errorf(sp, "unknown-proto-type", b.typeHint(string(full), false), nil, "unknown proto message %q in @proto on %q", typ, def.Name)
			return
		}
		b.bindMessage(def, md, sp)
	case ast.Enum:
		ed, ok := b.enums[full]
		if !ok {
			b.errorf(sp, "unknown-proto-type", b.typeHint(string(full), true), nil, "unknown proto enum %q in @proto on %q", typ, def.Name)
			return
		}
		b.bindEnum(def, ed, sp)
	default:
		b.errorf(span(d.Position), "proto-directive", "", nil, "@proto(type:) cannot bind %s %q", strings.ToLower(string(def.Kind)), def.Name)
	}
}

func (b *binder) typeHint(name string, enum bool) string {
	var cands []string
	if enum {
		for n := range b.enums {
			cands = append(cands, string(n))
		}
	} else {
		for n := range b.messages {
			cands = append(cands, string(n))
		}
	}
	sort.Strings(cands)
	if s := suggest(name, cands); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return "use the fully-qualified name, package included, e.g. \"catalog.v1.Product\""
}

// bindMessage binds an object or input type to a message; a second,
// different binding is an error.
func (b *binder) bindMessage(def *ast.Definition, md protoreflect.MessageDescriptor, at diag.Span) bool {
	bound := b.objMsg
	if def.Kind == ast.InputObject {
		bound = b.inputMsg
	}
	if prev, ok := bound[def.Name]; ok {
		if prev.FullName() != md.FullName() {
			b.errorf(at, "binding-conflict", fmt.Sprintf("bind %q explicitly with @proto(type:), or use a separate GraphQL type for each message", def.Name),
				[]diag.Related{{Span: b.boundAt[def.Name], Message: fmt.Sprintf("bound to %s here", prev.FullName())}},
				"type %q would be bound to %s, but it is already bound to %s", def.Name, md.FullName(), prev.FullName())
			return false
		}
		return true
	}
	bound[def.Name] = md
	b.boundAt[def.Name] = at
	b.newlyBound = append(b.newlyBound, def)
	return true
}

func (b *binder) bindEnum(def *ast.Definition, ed protoreflect.EnumDescriptor, at diag.Span) bool {
	if prev, ok := b.enumProto[def.Name]; ok {
		if prev.FullName() != ed.FullName() {
			b.errorf(at, "binding-conflict", "use a separate GraphQL enum for each proto enum",
				[]diag.Related{{Span: b.boundAt[def.Name], Message: fmt.Sprintf("bound to %s here", prev.FullName())}},
				"enum %q would be bound to %s, but it is already bound to %s", def.Name, ed.FullName(), prev.FullName())
			return false
		}
		return true
	}
	b.enumProto[def.Name] = ed
	b.boundAt[def.Name] = at
	return true
}

// resolveMethod finds the method of an @rpc and records its service.
//
// A server-streaming method binds only to a field of the Subscription type
// (stream true), and a Subscription field only to one.
func (b *binder) resolveMethod(d *ast.Directive, stream bool) (protoreflect.MethodDescriptor, diag.Span, bool) {
	name, sp, ok := stringArg(d, "method")
	if !ok {
		return nil, sp, false
	}
	md, ok := b.findMethod(name)
	if !ok {
		cands := make([]string, 0, len(b.methods))
		for n := range b.methods {
			cands = append(cands, n)
		}
		sort.Strings(cands)
		hint := `method is "package.Service.Method", e.g. "catalog.v1.CatalogService.GetProduct"`
		if s := suggest(name, cands); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		b.errorf(sp, "unknown-method", hint, nil, "unknown RPC method %q", name)
		return nil, sp, false
	}
	switch {
	case md.IsStreamingClient():
		b.errorf(sp, "streaming-method", "client and bidirectional streaming methods cannot be exposed in GraphQL", b.declaredAt(md), "method %q streams from the client", name)
		return nil, sp, false
	case md.IsStreamingServer() && !stream:
		b.errorf(sp, "streaming-method", "bind server-streaming methods to fields of the Subscription type", b.declaredAt(md), "method %q is server-streaming", name)
		return nil, sp, false
	case !md.IsStreamingServer() && stream:
		b.errorf(sp, "unary-subscription", "bind a server-streaming method (rpc M(Req) returns (stream Res)) to a subscription field", b.declaredAt(md), "method %q is unary, but a Subscription field needs a stream", name)
		return nil, sp, false
	}
	return md, sp, true
}

// resultPath resolves @rpc(result:) in the response message.
func (b *binder) resultPath(d *ast.Directive, md protoreflect.MethodDescriptor) ([]protoreflect.FieldDescriptor, bool) {
	path, sp, ok := stringArg(d, "result")
	if !ok {
		return nil, true
	}
	cur := md.Output()
	var out []protoreflect.FieldDescriptor
	for i, seg := range strings.Split(path, ".") {
		if cur == nil {
			b.errorf(sp, "unknown-result-path", "only the last element of a result path may be a non-message field", nil,
				"result path %q: %q is not a message, so it has no field %q", path, out[len(out)-1].Name(), seg)
			return nil, false
		}
		fd := mapping.FindField(cur, seg)
		if fd == nil {
			hint := fmt.Sprintf("fields of %s: %s", cur.FullName(), strings.Join(fieldNames(cur), ", "))
			if s := suggest(seg, fieldNames(cur)); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			b.errorf(sp, "unknown-result-path", hint, b.declaredAt(cur), "result path %q: message %s has no field %q", path, cur.FullName(), seg)
			return nil, false
		}
		out = append(out, fd)
		cur = nil
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() && i < len(strings.Split(path, "."))-1 {
			cur = fd.Message()
		}
	}
	return out, true
}

// inferFromRPC binds the GraphQL result type of an @rpc field to the
// message at its result path.
func (b *binder) inferFromRPC(parent *ast.Definition, f *ast.FieldDefinition, d *ast.Directive) {
	md, _, ok := b.resolveMethod(d, b.isSubscription(parent))
	if !ok {
		return
	}
	path, ok := b.resultPath(d, md)
	if !ok {
		return
	}
	def := b.m.Schema.Types[f.Type.Name()]
	if def == nil || def.Kind != ast.Object {
		return
	}
	if len(path) == 0 {
		b.bindMessage(def, md.Output(), span(d.Position))
		return
	}
	last := path[len(path)-1]
	if last.Message() != nil && !last.IsMap() && !mapping.IsWellKnown(last.Message()) {
		b.bindMessage(def, last.Message(), span(d.Position))
	}
}

// protoFieldFor finds the message field a GraphQL field reads: by
// @proto(field:) or by name.
func (b *binder) protoFieldFor(md protoreflect.MessageDescriptor, f *ast.FieldDefinition) protoreflect.FieldDescriptor {
	name := f.Name
	if d := f.Directives.ForName("proto"); d != nil {
		if n, _, ok := stringArg(d, "field"); ok {
			name = n
		}
	}
	return mapping.FindField(md, name)
}

func (b *binder) checkObject(def *ast.Definition, root bool) *Object {
	obj := &Object{Def: def, Message: b.objMsg[def.Name]}
	if root {
		obj.Message = nil
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		field := &Field{Def: f}
		hand := f.Directives.ForName("resolver")
		switch d := f.Directives.ForName("rpc"); {
		case d != nil && f.Directives.ForName("batch") != nil:
			b.errorf(span(d.Position), "bad-binding", "keep one of them", nil, "%s.%s has both @rpc and @batch", def.Name, f.Name)
		case hand != nil && (d != nil || f.Directives.ForName("batch") != nil):
			b.errorf(span(hand.Position), "bad-binding", "remove @resolver to call the backend, or the @rpc/@batch to resolve the field yourself", nil, "%s.%s has both @resolver and a backend binding", def.Name, f.Name)
		case d != nil:
			if rpc := b.checkRPC(obj, f, d); rpc != nil {
				field.Kind, field.RPC = FieldRPC, rpc
			}
		case f.Directives.ForName("batch") != nil:
			if bt := b.checkBatch(obj, f, f.Directives.ForName("batch")); bt != nil {
				field.Kind, field.Batch = FieldBatch, bt
			}
		case hand != nil:
			field.Kind = FieldUser
		case obj.Message == nil:
			field.Kind = FieldUser
			if root {
				b.diags.Notef(span(f.Position), "user-resolver", "%s.%s has no binding: it becomes a user resolver in %s/", def.Name, f.Name, b.m.Config.Go.Resolvers)
			}
		default:
			field.Kind = FieldUser
			if fd := b.protoFieldFor(obj.Message, f); fd != nil {
				field.Kind, field.Proto = FieldProto, fd
				b.checkOutput(def.Name+"."+f.Name, f.Type, fd, f, span(f.Position))
			} else if od := oneofFor(obj.Message, f.Name); od != nil {
				if o := b.checkOneofUnion(def.Name+"."+f.Name, f, od); o != nil {
					field.Kind, field.Oneof = FieldOneof, o
				}
			} else if pd := f.Directives.ForName("proto"); pd != nil {
				n, sp, _ := stringArg(pd, "field")
				b.errorf(sp, "unknown-proto-field", b.fieldHint(obj.Message, n), b.declaredAt(obj.Message), "message %s has no field %q", obj.Message.FullName(), n)
			} else {
				b.errorf(span(f.Position), "unknown-proto-field", b.unboundHint(def, obj.Message, f.Name, f.Type), b.declaredAt(obj.Message),
					"field %s.%s has no counterpart in %s", def.Name, f.Name, obj.Message.FullName())
			}
		}
		obj.Fields = append(obj.Fields, field)
	}
	return obj
}

// unboundHint is the hint for a field of a bound type that reads no proto
// field: the nearest proto field that no other field of def reads, then
// the two ways out. With no close name, the only unread field of the
// field's scalar type (or the only unread field) is the suggestion: a
// rename, most likely; otherwise the unread fields are listed.
func (b *binder) unboundHint(def *ast.Definition, md protoreflect.MessageDescriptor, name string, t *ast.Type) string {
	read := map[protoreflect.FullName]bool{}
	for _, f := range def.Fields {
		if fd := b.protoFieldFor(md, f); fd != nil {
			read[fd.FullName()] = true
		}
	}
	var unbound []string
	for i := 0; i < md.Fields().Len(); i++ {
		if fd := md.Fields().Get(i); !read[fd.FullName()] {
			unbound = append(unbound, string(fd.Name()))
		}
	}
	const out = "add @resolver to resolve it in your own code"
	s := suggest(mapping.Snake(name), unbound)
	if s == "" {
		// No close name: a rename, most likely, to the only unread field
		// of the field's scalar type, or the only unread field at all.
		var typed []string
		for _, n := range unbound {
			fd := md.Fields().ByName(protoreflect.Name(n))
			if sc := mapping.Scalar(fd); sc != "" && fd.IsList() == (t.Elem != nil) && (sc == t.Name() || (sc == "String" && t.Name() == "ID")) {
				typed = append(typed, n)
			}
		}
		switch {
		case len(typed) == 1:
			s = typed[0]
		case len(unbound) == 1:
			s = unbound[0]
		}
	}
	if s != "" {
		json := md.Fields().ByName(protoreflect.Name(s)).JSONName()
		return fmt.Sprintf("did you mean %q? rename the field or map it with @proto(field: %q); or %s", json, s, out)
	}
	if len(unbound) > 0 {
		return fmt.Sprintf("proto fields no GraphQL field reads: %s; map one with @proto(field: \"name\"), or %s", strings.Join(unbound, ", "), out)
	}
	return fmt.Sprintf("map a proto field with @proto(field: \"name\"), or %s", out)
}

func (b *binder) fieldHint(md protoreflect.MessageDescriptor, name string) string {
	if s := suggest(name, fieldNames(md)); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return fmt.Sprintf("fields of %s: %s", md.FullName(), strings.Join(fieldNames(md), ", "))
}

// required reports whether a field carries @proto(required: true).
func required(dirs ast.DirectiveList) bool {
	d := dirs.ForName("proto")
	v, _ := directiveArg(d, "required")
	return v != nil && v.Kind == ast.BooleanValue && v.Raw == "true"
}

// checkOutput checks that a proto field's value can be the value of a
// GraphQL output of type t. what names the GraphQL side in messages.
func (b *binder) checkOutput(what string, t *ast.Type, fd protoreflect.FieldDescriptor, f *ast.FieldDefinition, at diag.Span) {
	notes := b.declaredAt(fd)
	if b.unsupported(what, fd, at, true) {
		return
	}
	if fd.IsMap() {
		b.checkMap(what, t, fd, at)
		return
	}
	if mapping.IsFieldMask(fd) {
		b.checkFieldMask(what, t, fd, at)
		return
	}
	if fd.IsList() != (t.Elem != nil) {
		want := "a list"
		if !fd.IsList() {
			want = "not a list"
		}
		b.errorf(at, "incompatible-type", fmt.Sprintf("make the GraphQL type %s", suggestType(fd, b)), notes, "%s has type %s but proto field %q is %s (%s)", what, t.String(), fd.Name(), want, mapping.KindName(fd))
		return
	}
	elem := t
	if t.Elem != nil {
		elem = t.Elem
	}
	if !b.compatible(elem.Name(), fd, true) {
		b.errorf(at, "incompatible-type", fmt.Sprintf("use %s", suggestType(fd, b)), notes, "%s has type %s, which cannot hold proto field %q (%s)", what, t.String(), fd.Name(), mapping.KindName(fd))
		return
	}
	if t.NonNull && !fd.IsList() && mapping.Nullable(fd) && (f == nil || !required(f.Directives)) {
		why := "has presence"
		if fd.Enum() != nil {
			why = "is an enum whose zero value maps to null"
		}
		b.errorf(at, "nullable-to-non-null", fmt.Sprintf("make it nullable (%s), or add @proto(required: true) if the backend always sets it (an unset value is then a field error)", strings.TrimSuffix(t.String(), "!")), notes,
			"%s is non-null but proto field %q (%s) %s and may be unset", what, fd.Name(), mapping.KindName(fd), why)
	}
}

// unsupportedWKT names the well-known types the mapping does not cover yet.
var unsupportedWKT = map[protoreflect.FullName]string{
	"google.protobuf.Empty": "Boolean as the result of a mutation",
}

// unsupported reports a proto shape the mapping does not cover yet, at the
// GraphQL position that needs it; it returns false when fd is supported.
func (b *binder) unsupported(what string, fd protoreflect.FieldDescriptor, at diag.Span, output bool) bool {
	notes := b.declaredAt(fd)
	switch {
	case fd.Message() != nil && unsupportedWKT[fd.Message().FullName()] != "":
		b.errorf(at, "unsupported", fmt.Sprintf("%s will map to %s in a later release; until then leave the field out or resolve it in a user resolver", fd.Message().FullName(), unsupportedWKT[fd.Message().FullName()]), notes,
			"%s: proto field %q is a %s, which is not supported yet", what, fd.Name(), fd.Message().FullName())
	default:
		return false
	}
	return true
}

// suggestType names the GraphQL type a proto field maps to.
func suggestType(fd protoreflect.FieldDescriptor, b *binder) string {
	s := mapping.Scalar(fd)
	if s == "" {
		switch {
		case fd.Enum() != nil:
			s = "an enum bound to " + string(fd.Enum().FullName())
		case fd.Message() != nil:
			s = "an object type bound to " + string(fd.Message().FullName())
		}
		if fd.IsList() {
			return "a list of " + s
		}
		return s
	}
	if fd.IsList() {
		return "[" + s + "!]!"
	}
	if mapping.Nullable(fd) {
		return s
	}
	return s + "!"
}

// compatible reports whether GraphQL named type name and the element type
// of fd fit: a scalar that holds the proto value, or an enum, object or
// input bound (by decide) to fd's enum or message. output is the
// direction: proto -> GraphQL when true. It binds nothing.
func (b *binder) compatible(name string, fd protoreflect.FieldDescriptor, output bool) bool {
	def := b.m.Schema.Types[name]
	if def == nil {
		return false
	}
	if fd.Kind() == protoreflect.MessageKind && mapping.IsWellKnown(fd.Message()) {
		return mapping.ScalarFits(name, fd, output)
	}
	switch def.Kind {
	case ast.Scalar:
		return mapping.ScalarFits(name, fd, output)
	case ast.Enum:
		ed := b.enumProto[def.Name]
		return fd.Enum() != nil && ed != nil && ed.FullName() == fd.Enum().FullName()
	case ast.Object:
		return output && fd.Message() != nil && sameMessage(b.objMsg[def.Name], fd.Message())
	case ast.InputObject:
		return !output && fd.Message() != nil && sameMessage(b.inputMsg[def.Name], fd.Message())
	}
	return false
}

// sameMessage reports whether bound (nil when unbound) is md.
func sameMessage(bound, md protoreflect.MessageDescriptor) bool {
	return bound != nil && bound.FullName() == md.FullName()
}

func (b *binder) checkEnum(def *ast.Definition) {
	ed := b.enumProto[def.Name]
	e := &Enum{Def: def, Proto: ed}
	prefix := mapping.EnumPrefix(ed)
	used := map[protoreflect.EnumNumber]bool{}
	for _, v := range def.EnumValues {
		name := v.Name
		if d := v.Directives.ForName("proto"); d != nil {
			if n, _, ok := stringArg(d, "value"); ok {
				name = n
			}
		}
		vd := ed.Values().ByName(protoreflect.Name(name))
		if vd == nil {
			vd = ed.Values().ByName(protoreflect.Name(prefix + name))
		}
		if vd == nil {
			b.errorf(span(v.Position), "unknown-enum-value", fmt.Sprintf("rename it to match a value of %s (prefix %q is stripped), or add @proto(value: \"NAME\")", ed.FullName(), prefix), b.declaredAt(ed),
				"enum value %s.%s has no counterpart in %s", def.Name, v.Name, ed.FullName())
			continue
		}
		if vd.Number() == 0 {
			b.errorf(span(v.Position), "zero-enum-value", "remove it: the zero value maps to null", b.declaredAt(vd), "enum value %s.%s is bound to the zero value %s", def.Name, v.Name, vd.Name())
			continue
		}
		used[vd.Number()] = true
		e.Values = append(e.Values, EnumValue{Name: v.Name, Proto: vd})
	}
	for i := 0; i < ed.Values().Len(); i++ {
		vd := ed.Values().Get(i)
		if vd.Number() != 0 && !used[vd.Number()] {
			b.diags.Add(diag.Diagnostic{Severity: diag.Warning, Code: "missing-enum-value", Span: span(def.Position),
				Message: fmt.Sprintf("enum %s has no value for %s; a backend response with it is a field error", def.Name, vd.Name()),
				Hint:    fmt.Sprintf("add %s to enum %s", strings.TrimPrefix(string(vd.Name()), prefix), def.Name)})
		}
	}
	b.m.Enums[def.Name] = e
}

func (b *binder) checkInput(def *ast.Definition) {
	md := b.inputMsg[def.Name]
	in := &Input{Def: def, Message: md}
	for _, f := range def.Fields {
		fd := b.protoFieldFor(md, f)
		if fd == nil {
			if od := oneofFor(md, f.Name); od != nil {
				if members, ok := b.checkOneofInput(def.Name+"."+f.Name, f.Type, f.Position, od); ok {
					in.Fields = append(in.Fields, InputField{Def: f, Oneof: od, Members: members})
				}
				continue
			}
			b.errorf(span(f.Position), "unknown-request-field", b.fieldHint(md, f.Name), b.declaredAt(md),
				"input field %s.%s has no counterpart in message %s", def.Name, f.Name, md.FullName())
			continue
		}
		if b.checkAssign(def.Name+"."+f.Name, f.Type, fd, span(f.Position)) {
			in.Fields = append(in.Fields, InputField{Def: f, Proto: fd})
		}
	}
	b.m.Inputs[def.Name] = in
}

// checkAssign checks that a GraphQL input value of type t can fill proto
// field fd.
func (b *binder) checkAssign(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	notes := b.declaredAt(fd)
	if b.unsupported(what, fd, at, false) {
		return false
	}
	if mapping.IsFieldMask(fd) {
		return b.checkFieldMask(what, t, fd, at)
	}
	if fd.IsMap() {
		return b.checkMapInput(what, t, fd, at)
	}
	if fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Any" {
		b.errorf(at, "unsupported", "leave the field out, or fill it in a user resolver: an Any needs a type URL and a registered message type", notes, "%s: request field %q is a google.protobuf.Any, which cannot be filled from GraphQL", what, fd.Name())
		return false
	}
	if mapping.RealOneof(fd) && t.NonNull {
		b.errorf(at, "nullable-oneof-member", fmt.Sprintf("make it nullable (%s): the client sets at most one member of oneof %q", strings.TrimSuffix(t.String(), "!"), fd.ContainingOneof().Name()), notes,
			"%s (%s) fills %q, a member of oneof %q, so it cannot be non-null", what, t.String(), fd.Name(), fd.ContainingOneof().Name())
		return false
	}
	if fd.IsList() != (t.Elem != nil) {
		b.errorf(at, "incompatible-type", fmt.Sprintf("give it the type %s", suggestType(fd, b)), notes, "%s (%s) cannot fill request field %q (%s)", what, t.String(), fd.Name(), mapping.KindName(fd))
		return false
	}
	elem := t
	if t.Elem != nil {
		elem = t.Elem
	}
	if !b.compatible(elem.Name(), fd, false) {
		b.errorf(at, "incompatible-type", fmt.Sprintf("give it the type %s, or map another source", suggestType(fd, b)), notes, "%s (%s) cannot fill request field %q (%s)", what, t.String(), fd.Name(), mapping.KindName(fd))
		return false
	}
	return true
}

// checkRPC checks an @rpc binding: method, request mapping, result path
// and the result type.
func (b *binder) checkRPC(obj *Object, f *ast.FieldDefinition, d *ast.Directive) *RPC {
	md, _, ok := b.resolveMethod(d, b.isSubscription(obj.Def))
	if !ok {
		return nil
	}
	what := obj.Def.Name + "." + f.Name
	rpc := &RPC{Method: md, Service: b.service(md.Parent().(protoreflect.ServiceDescriptor))}
	okAll := true
	if path, ok := b.resultPath(d, md); !ok {
		okAll = false
	} else {
		rpc.Result = path
		if len(path) == 0 {
			if md.Output().FullName() == "google.protobuf.Empty" {
				if f.Type.Elem != nil || f.Type.Name() != "Boolean" {
					b.errorf(span(f.Position), "incompatible-type", "give the field the type Boolean! (true once the call succeeded)", b.declaredAt(md), "%s has type %s, but %s returns google.protobuf.Empty", what, f.Type.String(), md.FullName())
					okAll = false
				}
			} else if !b.compatibleMessage(f.Type, md.Output()) {
				b.errorf(span(f.Position), "incompatible-type", fmt.Sprintf("return an object type bound to %s, or pick a field with result: \"...\"", md.Output().FullName()), b.declaredAt(md.Output()),
					"%s has type %s, which cannot hold the response message %s", what, f.Type.String(), md.Output().FullName())
				okAll = false
			}
		} else {
			before := len(b.diags.Errors())
			b.checkOutput(what, f.Type, path[len(path)-1], f, span(f.Position))
			okAll = okAll && len(b.diags.Errors()) == before
		}
	}
	req, reqSpan := directiveArg(d, "request")
	switch {
	case req == nil:
		for _, a := range f.Arguments {
			fd := mapping.FindField(md.Input(), a.Name)
			if od := oneofFor(md.Input(), a.Name); fd == nil && od != nil {
				members, ok := b.checkOneofInput("argument "+strconv.Quote(a.Name)+" of "+what, a.Type, a.Position, od)
				if ok {
					rpc.Assigns = append(rpc.Assigns, &Assign{Oneof: od, Members: members, Source: &Source{Kind: SourceArg, Text: "$args." + a.Name, Arg: a, Type: a.Type}})
				} else {
					okAll = false
				}
				continue
			}
			if fd == nil {
				b.errorf(span(a.Position), "unknown-request-field", fmt.Sprintf("map it explicitly with request: {field_name: \"$args.%s\"}, or rename the argument; %s", a.Name, b.fieldHint(md.Input(), a.Name)), b.declaredAt(md.Input()),
					"argument %q of %s has no counterpart in request message %s", a.Name, what, md.Input().FullName())
				okAll = false
				continue
			}
			src := &Source{Kind: SourceArg, Text: "$args." + a.Name, Arg: a, Type: a.Type}
			if b.checkAssign("argument "+strconv.Quote(a.Name), a.Type, fd, span(a.Position)) {
				rpc.Assigns = append(rpc.Assigns, &Assign{Path: []protoreflect.FieldDescriptor{fd}, Source: src})
			} else {
				okAll = false
			}
		}
	case req.Kind == ast.StringValue:
		src := b.source(obj, f, req.Raw, reqSpan)
		switch {
		case src == nil:
			okAll = false
		case src.Kind != SourceArg || b.m.Schema.Types[src.Type.Name()].Kind != ast.InputObject || src.Type.Elem != nil:
			b.errorf(reqSpan, "bad-request-mapping", `map fields one by one with request: {field: "$args.x"}`, nil, "request: %q must name an input object argument to fill the whole request", req.Raw)
			okAll = false
		case !sameMessage(b.inputMsg[src.Type.Name()], md.Input()):
			// decide bound it to the request message, or reported the
			// binding it has instead.
			okAll = false
		default:
			rpc.Whole = src
		}
	case req.Kind == ast.ObjectValue:
		for _, child := range req.Children {
			path, ok := b.requestPath(md.Input(), child.Name, span(child.Position))
			if !ok {
				okAll = false
				continue
			}
			src := b.literalOrSource(obj, f, child.Value, path[len(path)-1])
			if src == nil {
				okAll = false
				continue
			}
			if src.Kind != SourceLiteral && !b.checkSource(src, path[len(path)-1], span(child.Value.Position)) {
				okAll = false
				continue
			}
			rpc.Assigns = append(rpc.Assigns, &Assign{Path: path, Source: src})
		}
	default:
		b.errorf(reqSpan, "bad-request-mapping", `write request: {field: "$args.x"} or request: "$args.input"`, nil, "request must be an object or a string")
		okAll = false
	}
	if !okAll {
		return nil
	}
	return rpc
}

// compatibleMessage checks that a GraphQL type can hold a whole message.
func (b *binder) compatibleMessage(t *ast.Type, md protoreflect.MessageDescriptor) bool {
	def := b.m.Schema.Types[t.Name()]
	return t.Elem == nil && def != nil && def.Kind == ast.Object && b.objMsg[def.Name] != nil && b.objMsg[def.Name].FullName() == md.FullName()
}

func (b *binder) service(sd protoreflect.ServiceDescriptor) *Service {
	if s, ok := b.services[sd.FullName()]; ok {
		return s
	}
	up := ""
	for _, name := range sortedKeys(b.m.Config.Upstreams) {
		if slices.Contains(b.m.Config.Upstreams[name], string(sd.FullName())) {
			up = name
		}
	}
	if up == "" {
		up = strings.SplitN(string(sd.ParentFile().Package()), ".", 2)[0]
		if up == "" {
			up = strings.ToLower(strings.TrimSuffix(string(sd.Name()), "Service"))
		}
	}
	s := &Service{Desc: sd, Upstream: up}
	b.services[sd.FullName()] = s
	return s
}

// requestPath resolves a dotted request field path.
func (b *binder) requestPath(md protoreflect.MessageDescriptor, dotted string, at diag.Span) ([]protoreflect.FieldDescriptor, bool) {
	var out []protoreflect.FieldDescriptor
	cur := md
	segs := strings.Split(dotted, ".")
	for i, seg := range segs {
		fd := mapping.FindField(cur, seg)
		if fd == nil {
			b.errorf(at, "unknown-request-field", b.fieldHint(cur, seg), b.declaredAt(cur), "request message %s has no field %q", cur.FullName(), seg)
			return nil, false
		}
		out = append(out, fd)
		if i < len(segs)-1 {
			if fd.Message() == nil || fd.IsList() || fd.IsMap() || mapping.IsWellKnown(fd.Message()) {
				b.errorf(at, "unknown-request-field", "only singular message fields can be traversed with dots", b.declaredAt(fd), "request field %q is not a message", fd.Name())
				return nil, false
			}
			cur = fd.Message()
		}
	}
	return out, true
}

// literalOrSource reads the value of one request mapping entry.
func (b *binder) literalOrSource(obj *Object, f *ast.FieldDefinition, v *ast.Value, target protoreflect.FieldDescriptor) *Source {
	at := span(v.Position)
	if v.Kind == ast.StringValue && strings.HasPrefix(v.Raw, "$") {
		return b.source(obj, f, v.Raw, at)
	}
	lit, err := literal(v, target)
	if err != nil {
		b.errorf(at, "incompatible-type", fmt.Sprintf("request field %q is %s", target.Name(), mapping.KindName(target)), b.declaredAt(target), "literal %s cannot fill request field %q: %v", v.String(), target.Name(), err)
		return nil
	}
	return &Source{Kind: SourceLiteral, Text: v.String(), Literal: lit}
}

// literal converts a constant for a target field.
func literal(v *ast.Value, fd protoreflect.FieldDescriptor) (any, error) {
	if fd.IsList() || fd.IsMap() || (fd.Message() != nil) {
		return nil, fmt.Errorf("only scalar and enum fields take literals")
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		if v.Kind == ast.StringValue {
			return v.Raw, nil
		}
	case protoreflect.BoolKind:
		if v.Kind == ast.BooleanValue {
			return v.Raw == "true", nil
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if v.Kind == ast.FloatValue || v.Kind == ast.IntValue {
			return strconv.ParseFloat(v.Raw, 64)
		}
	case protoreflect.EnumKind:
		if v.Kind == ast.EnumValue || v.Kind == ast.StringValue {
			ed := fd.Enum()
			vd := ed.Values().ByName(protoreflect.Name(v.Raw))
			if vd == nil {
				vd = ed.Values().ByName(protoreflect.Name(mapping.EnumPrefix(ed) + v.Raw))
			}
			if vd == nil {
				return nil, fmt.Errorf("enum %s has no value %q", ed.FullName(), v.Raw)
			}
			return vd.Number(), nil
		}
	case protoreflect.BytesKind:
		return nil, fmt.Errorf("bytes fields take no literals")
	default: // integers
		if v.Kind == ast.IntValue {
			bits := 32
			if strings.Contains(fd.Kind().String(), "64") {
				bits = 64
			}
			if strings.HasPrefix(fd.Kind().String(), "uint") || strings.HasPrefix(fd.Kind().String(), "fixed") {
				n, err := strconv.ParseUint(v.Raw, 10, bits)
				return n, err
			}
			n, err := strconv.ParseInt(v.Raw, 10, bits)
			return n, err
		}
	}
	return nil, fmt.Errorf("a %s literal does not fit", strings.ToLower(kindOfValue(v)))
}

func kindOfValue(v *ast.Value) string {
	switch v.Kind {
	case ast.IntValue:
		return "Int"
	case ast.FloatValue:
		return "Float"
	case ast.StringValue, ast.BlockValue:
		return "String"
	case ast.BooleanValue:
		return "Boolean"
	case ast.EnumValue:
		return "Enum"
	case ast.ListValue:
		return "List"
	case ast.ObjectValue:
		return "Object"
	}
	return "null"
}

// source parses "$args.a.b" or "$parent.x.y".
func (b *binder) source(obj *Object, f *ast.FieldDefinition, text string, at diag.Span) *Source {
	root, rest, _ := strings.Cut(text, ".")
	segs := strings.Split(rest, ".")
	if rest == "" {
		segs = nil
	}
	switch root {
	case "$args":
		if len(segs) == 0 {
			b.errorf(at, "bad-source", "write $args.<argument>", nil, "source %q names no argument", text)
			return nil
		}
		a := f.Arguments.ForName(segs[0])
		if a == nil {
			var names []string
			for _, x := range f.Arguments {
				names = append(names, x.Name)
			}
			hint := "add the argument to the field, or map another source"
			if s := suggest(segs[0], names); s != "" {
				hint = fmt.Sprintf("did you mean $args.%s?", s)
			}
			b.errorf(at, "bad-source", hint, nil, "%s.%s has no argument %q", obj.Def.Name, f.Name, segs[0])
			return nil
		}
		src := &Source{Kind: SourceArg, Text: text, Arg: a, Type: a.Type, ArgPath: segs[1:]}
		t := a.Type
		for _, seg := range segs[1:] {
			def := b.m.Schema.Types[t.Name()]
			if def == nil || def.Kind != ast.InputObject || t.Elem != nil {
				b.errorf(at, "bad-source", "only input object arguments have fields", nil, "source %q: %s has no field %q", text, t.String(), seg)
				return nil
			}
			fd := def.Fields.ForName(seg)
			if fd == nil {
				b.errorf(at, "bad-source", "", nil, "source %q: input %s has no field %q", text, def.Name, seg)
				return nil
			}
			t = fd.Type
		}
		src.Type = t
		return src
	case "$parent":
		if obj.Message == nil {
			b.errorf(at, "bad-source", "$parent is available on fields of types bound to a proto message", nil, "source %q: %s is not bound to a proto message", text, obj.Def.Name)
			return nil
		}
		if len(segs) == 0 {
			b.errorf(at, "bad-source", "write $parent.<field>", nil, "source %q names no field", text)
			return nil
		}
		src := &Source{Kind: SourceParent, Text: text}
		cur := obj.Message
		for i, seg := range segs {
			fd := mapping.FindField(cur, seg)
			if fd == nil {
				b.errorf(at, "bad-source", b.fieldHint(cur, seg), b.declaredAt(cur), "source %q: message %s has no field %q", text, cur.FullName(), seg)
				return nil
			}
			src.Parent = append(src.Parent, fd)
			if i < len(segs)-1 {
				if fd.Message() == nil || fd.IsList() || fd.IsMap() {
					b.errorf(at, "bad-source", "", nil, "source %q: field %q is not a message", text, fd.Name())
					return nil
				}
				cur = fd.Message()
			}
		}
		return src
	case "$context":
		if len(segs) != 1 || segs[0] == "" {
			b.errorf(at, "bad-source", "write $context.<name>, the name a middleware gives request.SetValue", nil, "source %q must name one context value", text)
			return nil
		}
		return &Source{Kind: SourceContext, Text: text, Name: segs[0]}
	case "$header":
		if len(segs) != 1 || segs[0] == "" || strings.ContainsAny(segs[0], " :") {
			b.errorf(at, "bad-source", "write $header.<Header-Name>, e.g. $header.Accept-Language", nil, "source %q must name one header", text)
			return nil
		}
		return &Source{Kind: SourceHeader, Text: text, Name: segs[0]}
	case "$claims":
		return b.claimSource(text, rest, at)
	}
	b.errorf(at, "bad-source", "sources start with $args or $parent; a plain string is a literal only for string and enum fields", nil, "unknown source %q", text)
	return nil
}

// checkSource checks a non-literal source against its target field.
func (b *binder) checkSource(src *Source, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	switch src.Kind {
	case SourceHeader:
		if fd.Kind() != protoreflect.StringKind || fd.IsMap() {
			b.errorf(at, "incompatible-type", "map headers to string fields (repeated for every value)", b.declaredAt(fd), "source %s (a header, text) cannot fill request field %q (%s)", src.Text, fd.Name(), mapping.KindName(fd))
			return false
		}
	case SourceContext:
		if fd.IsMap() || (fd.Message() != nil && !mapping.IsWellKnown(fd.Message())) {
			b.errorf(at, "incompatible-type", "map $context values to scalar, enum or well-known fields", b.declaredAt(fd), "source %s cannot fill request field %q (%s)", src.Text, fd.Name(), mapping.KindName(fd))
			return false
		}
	case SourceArg:
		return b.checkAssign(src.Text, src.Type, fd, at)
	case SourceClaims:
		return b.checkClaim(src, fd, at)
	case SourceParent:
		from := src.Parent[len(src.Parent)-1]
		if from.IsList() != fd.IsList() || from.IsMap() || fd.IsMap() || from.Kind() != fd.Kind() ||
			(from.Message() != nil && from.Message().FullName() != fd.Message().FullName()) ||
			(from.Enum() != nil && from.Enum().FullName() != fd.Enum().FullName()) {
			b.errorf(at, "incompatible-type", "map a parent field of the same proto type", b.declaredAt(fd), "source %s (%s) cannot fill request field %q (%s)", src.Text, mapping.KindName(from), fd.Name(), mapping.KindName(fd))
			return false
		}
	}
	return true
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }

// checkMap checks a map field against a GraphQL list of entry objects with
// fields key and value: [AttributesEntry!]!, type AttributesEntry { key:
// String! value: Int! }. The entry type is recorded in Model.MapEntries.
func (b *binder) checkMap(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) {
	notes := b.declaredAt(fd)
	hint := fmt.Sprintf("declare it as [%sEntry!]! with type %sEntry { key: %s value: %s }", ucFirstASCII(string(fd.Name())), ucFirstASCII(string(fd.Name())), suggestType(fd.MapKey(), b), suggestType(fd.MapValue(), b))
	var def *ast.Definition
	if t.Elem != nil && t.Elem.Elem == nil {
		def = b.m.Schema.Types[t.Elem.Name()]
	}
	if def == nil || def.Kind != ast.Object || len(def.Fields) != 2 || def.Fields.ForName("key") == nil || def.Fields.ForName("value") == nil {
		b.errorf(at, "incompatible-type", hint, notes, "%s has type %s, but proto field %q is a %s: map fields become lists of key/value entry objects", what, t.String(), fd.Name(), mapping.KindName(fd))
		return
	}
	if prev, ok := b.m.MapEntries[def.Name]; ok && prev.FullName() != fd.Message().FullName() {
		b.errorf(at, "binding-conflict", "use one entry type per map", notes, "entry type %q already holds the entries of another map", def.Name)
		return
	}
	if _, bound := b.objMsg[def.Name]; bound {
		b.errorf(at, "binding-conflict", "use an entry type of its own, bound to nothing", notes, "entry type %q is already bound to a message", def.Name)
		return
	}
	for _, part := range []struct {
		name string
		fd   protoreflect.FieldDescriptor
	}{{"key", fd.MapKey()}, {"value", fd.MapValue()}} {
		f := def.Fields.ForName(part.name)
		b.checkOutput(def.Name+"."+part.name, f.Type, part.fd, f, span(f.Position))
	}
	b.m.MapEntries[def.Name] = fd.Message()
}

// checkMapInput checks a GraphQL input value that fills a map field: a
// list of entry input objects with fields key and value, [LabelsEntryInput!]
// with input LabelsEntryInput { key: String! value: String! }. A later
// entry with the same key wins. The entry type is recorded in
// Model.InputMapEntries.
func (b *binder) checkMapInput(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	notes := b.declaredAt(fd)
	entry := ucFirstASCII(string(fd.Name())) + "EntryInput"
	hint := fmt.Sprintf("give it the type [%s!] with input %s { key: %s value: %s }", entry, entry, suggestType(fd.MapKey(), b), suggestType(fd.MapValue(), b))
	var def *ast.Definition
	if t.Elem != nil && t.Elem.Elem == nil {
		def = b.m.Schema.Types[t.Elem.Name()]
	}
	if def == nil || def.Kind != ast.InputObject || len(def.Fields) != 2 || def.Fields.ForName("key") == nil || def.Fields.ForName("value") == nil {
		b.errorf(at, "incompatible-type", hint, notes, "%s (%s) cannot fill proto field %q, a %s: map fields take lists of key/value entry input objects", what, t.String(), fd.Name(), mapping.KindName(fd))
		return false
	}
	if prev, ok := b.m.InputMapEntries[def.Name]; ok && prev.FullName() != fd.Message().FullName() {
		b.errorf(at, "binding-conflict", "use one entry input type per map", notes, "entry input type %q already holds the entries of another map", def.Name)
		return false
	}
	if _, bound := b.inputMsg[def.Name]; bound {
		b.errorf(at, "binding-conflict", "use an entry input type of its own, bound to nothing", notes, "entry input type %q is already bound to a message", def.Name)
		return false
	}
	ok := true
	for _, part := range []struct {
		name string
		fd   protoreflect.FieldDescriptor
	}{{"key", fd.MapKey()}, {"value", fd.MapValue()}} {
		f := def.Fields.ForName(part.name)
		ok = b.checkAssign(def.Name+"."+part.name, f.Type, part.fd, span(f.Position)) && ok
	}
	if ok {
		b.m.InputMapEntries[def.Name] = fd.Message()
	}
	return ok
}

func ucFirstASCII(s string) string {
	var out strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_':
			up = true
		case up:
			out.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}

// checkFieldMask checks a FieldMask against a list of field paths,
// [String!] or [String!]! (an unset mask reads as the empty list).
func (b *binder) checkFieldMask(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	if t.Elem == nil || t.Elem.Elem != nil || t.Elem.Name() != "String" || !t.Elem.NonNull {
		b.errorf(at, "incompatible-type", "use [String!]! (the mask's paths)", b.declaredAt(fd), "%s has type %s, but proto field %q is a google.protobuf.FieldMask", what, t.String(), fd.Name())
		return false
	}
	return true
}

// oneofFor finds a real (non-synthetic) oneof of md by a GraphQL or proto
// spelling of its name.
func oneofFor(md protoreflect.MessageDescriptor, name string) protoreflect.OneofDescriptor {
	for _, n := range []string{name, mapping.Snake(name)} {
		if od := md.Oneofs().ByName(protoreflect.Name(n)); od != nil && !od.IsSynthetic() {
			return od
		}
	}
	return nil
}

// checkOneofInput checks an input field or argument (of type t, declared
// at pos) that fills a oneof: its type is a @oneOf input object (so
// GraphQL guarantees one member) whose fields each fill a member of the
// oneof. It returns the members.
func (b *binder) checkOneofInput(what string, t *ast.Type, pos *ast.Position, od protoreflect.OneofDescriptor) ([]InputField, bool) {
	def := b.m.Schema.Types[t.Name()]
	at := span(pos)
	if t.Elem != nil || def == nil || def.Kind != ast.InputObject || def.Directives.ForName("oneOf") == nil {
		b.errorf(at, "incompatible-type", fmt.Sprintf("give it an input type marked @oneOf with one field per member of %s", od.FullName()), b.declaredAt(od),
			"%s fills oneof %q, so its type must be a @oneOf input object, not %s", what, od.Name(), t.String())
		return nil, false
	}
	var members []InputField
	ok := true
	for _, mf := range def.Fields {
		member := oneofMember(od, mf.Name)
		if member == nil {
			b.errorf(span(mf.Position), "unknown-request-field", fmt.Sprintf("members of %s: %s", od.FullName(), oneofMembers(od)), b.declaredAt(od), "%s.%s is not a member of oneof %s", def.Name, mf.Name, od.FullName())
			ok = false
			continue
		}
		// A @oneOf field is nullable in GraphQL; the member set is never null.
		t := *mf.Type
		t.NonNull = true
		if !b.checkAssignMember(def.Name+"."+mf.Name, &t, member, span(mf.Position)) {
			ok = false
			continue
		}
		members = append(members, InputField{Def: mf, Proto: member})
	}
	return members, ok
}

// checkAssignMember is checkAssign for a oneof member, which the generic
// check rejects as part of a oneof.
func (b *binder) checkAssignMember(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	elem := t
	if t.Elem != nil {
		elem = t.Elem
	}
	if fd.IsList() || t.Elem != nil || !b.compatible(elem.Name(), fd, false) {
		b.errorf(at, "incompatible-type", fmt.Sprintf("give it the type %s", strings.TrimSuffix(suggestType(fd, b), "!")), b.declaredAt(fd), "%s (%s) cannot fill oneof member %q (%s)", what, t.String(), fd.Name(), mapping.KindName(fd))
		return false
	}
	return true
}

func oneofMembers(od protoreflect.OneofDescriptor) string {
	var names []string
	for i := 0; i < od.Fields().Len(); i++ {
		names = append(names, od.Fields().Get(i).JSONName())
	}
	return strings.Join(names, ", ")
}

// checkOneofUnion checks a field that reads a oneof as a union: a nullable
// union whose member types each have exactly one field, matching a member
// of the oneof by name. A member the union leaves out reads as null.
func (b *binder) checkOneofUnion(what string, f *ast.FieldDefinition, od protoreflect.OneofDescriptor) *Oneof {
	def := b.m.Schema.Types[f.Type.Name()]
	at := span(f.Position)
	hint := fmt.Sprintf("declare a union of one-field types, e.g. union X = %s", oneofMembers(od))
	if f.Type.Elem != nil || def == nil || def.Kind != ast.Union {
		b.errorf(at, "incompatible-type", hint, b.declaredAt(od), "%s reads oneof %q, so its type must be a union, not %s", what, od.Name(), f.Type.String())
		return nil
	}
	if f.Type.NonNull {
		b.errorf(at, "nullable-to-non-null", fmt.Sprintf("make it nullable (%s)", def.Name), b.declaredAt(od), "%s is non-null but oneof %q may have no member set", what, od.Name())
		return nil
	}
	o := &Oneof{Desc: od}
	ok := true
	for _, name := range def.Types {
		mt := b.m.Schema.Types[name]
		if mt == nil || len(mt.Fields) != 1 {
			b.errorf(span(def.Position), "incompatible-type", "give each member type of the union exactly one field, named like a member of the oneof", b.declaredAt(od), "union member %q of %s must have exactly one field", name, def.Name)
			ok = false
			continue
		}
		mf := mt.Fields[0]
		member := oneofMember(od, mf.Name)
		if member == nil {
			b.errorf(span(mf.Position), "unknown-proto-field", fmt.Sprintf("members of %s: %s", od.FullName(), oneofMembers(od)), b.declaredAt(od), "%s.%s is not a member of oneof %s", name, mf.Name, od.FullName())
			ok = false
			continue
		}
		// The member of a union value is set, so it may be non-null.
		before := len(b.diags.Errors())
		relaxed := *mf.Type
		relaxed.NonNull = false
		b.checkOutputMember(name+"."+mf.Name, &relaxed, member, span(mf.Position))
		if len(b.diags.Errors()) > before {
			ok = false
			continue
		}
		o.Members = append(o.Members, OneofMember{Type: mt, Field: mf, Proto: member})
	}
	if !ok {
		return nil
	}
	b.oneofUnions[def.Name] = true
	return o
}

// checkOutputMember is checkOutput for a oneof member, which the generic
// check does not treat specially: only the type has to fit.
func (b *binder) checkOutputMember(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) {
	if t.Elem != nil || !b.compatible(t.Name(), fd, true) {
		b.errorf(at, "incompatible-type", fmt.Sprintf("use %s", strings.TrimSuffix(suggestType(fd, b), "!")+"!"), b.declaredAt(fd), "%s has type %s, which cannot hold oneof member %q (%s)", what, t.String(), fd.Name(), mapping.KindName(fd))
	}
}

// oneofMember finds a member of a oneof by a GraphQL or proto spelling of
// its name, or nil.
func oneofMember(od protoreflect.OneofDescriptor, name string) protoreflect.FieldDescriptor {
	for i := 0; i < od.Fields().Len(); i++ {
		c := od.Fields().Get(i)
		if string(c.Name()) == name || c.JSONName() == name || string(c.Name()) == mapping.Snake(name) {
			return c
		}
	}
	return nil
}
