package schema

import (
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/mapping"
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The binder works in two passes. decide (this file) settles which GraphQL
// object, input and enum types bind to which proto messages and enums;
// check (bind.go, batch.go) then checks every field, argument and request
// mapping against those bindings, and binds nothing. So a check never
// depends on the order types are checked in: a type reached only through
// a map value, a oneof member or an input field is bound before any check
// looks at it.
//
// decide follows the same paths the checks do, without reporting what the
// checks report: a path whose shape is wrong (a map read into a plain list,
// a oneof read into a type that is not a union, an input list filling a
// singular field) binds nothing, and its check reports it. The only errors
// decide reports are binding conflicts (a type reached with two different
// messages or enums) and, through the inference from @rpc, unknown methods
// and result paths.

// decide settles every binding before any check runs:
//
//  1. @proto(type:) on a type;
//  2. the results of @rpc and @batch fields (by inference), and the types
//     their requests are filled from: arguments named like request fields,
//     request: "$args.input" and request: {field: "$args.x"};
//  3. then, for each newly bound type, in the order they were bound: the
//     types of its fields that read proto fields, the key and value types
//     of map entries, the member types of oneof unions and @oneOf inputs;
//     and the request types of @batch fields of bound objects.
//
// The first binding of a type stays; a different one later is a
// binding-conflict error at the GraphQL position that reaches the type.
func (b *binder) decide() {
	s := b.m.Schema
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		b.explicitBinding(def)
	}
	type batchField struct {
		parent *ast.Definition
		f      *ast.FieldDefinition
		d      *ast.Directive
	}
	var batches []batchField
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.Kind != ast.Object || def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if d := f.Directives.ForName("rpc"); d != nil {
				b.inferFromRPC(def, f, d)
				b.decideRPC(def, f, d)
			}
			if d := f.Directives.ForName("batch"); d != nil {
				b.inferFromBatch(f, d)
				batches = append(batches, batchField{def, f, d})
			}
		}
	}
	// A @batch field's request is checked only on a bound parent, which
	// drainBound may bind: so its request types are decided once the
	// parent is bound, and may in turn bind more types to follow.
	roots := b.rootNames()
	done := make([]bool, len(batches))
	for progress := true; progress; {
		b.drainBound()
		progress = false
		for i, bf := range batches {
			if done[i] || roots[bf.parent.Name] || b.objMsg[bf.parent.Name] == nil {
				continue
			}
			done[i], progress = true, true
			b.decideBatchRequest(bf.f, bf.d)
		}
	}
}

// drainBound decides the bindings the fields of newly bound types lead to,
// until no type is newly bound.
func (b *binder) drainBound() {
	for len(b.newlyBound) > 0 {
		def := b.newlyBound[0]
		b.newlyBound = b.newlyBound[1:]
		if def.Kind == ast.InputObject {
			b.decideInput(def)
		} else {
			b.decideObject(def)
		}
	}
}

// decideObject binds the types of the fields of a bound object that read
// proto fields (what checkObject checks). The named type of a field that
// reads a message or enum field also binds when the field is resolved by
// hand or its list-ness is wrong (which the check reports), but only when
// it is not bound yet: such a field is never checked against the proto
// field, so it cannot conflict.
func (b *binder) decideObject(def *ast.Definition) {
	md := b.objMsg[def.Name]
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || f.Directives.ForName("rpc") != nil || f.Directives.ForName("batch") != nil {
			continue
		}
		hand := f.Directives.ForName("resolver") != nil
		fd := b.protoFieldFor(md, f)
		switch {
		case fd != nil && fd.IsMap():
			if !hand {
				b.bindMapEntry(f.Type, fd, true)
			}
		case fd != nil:
			if !hand {
				b.bindOutput(f.Type, fd, span(f.Position))
			}
			b.bindIfUnbound(f.Type.Name(), fd, span(f.Position))
		case !hand:
			if od := oneofFor(md, f.Name); od != nil {
				b.bindOneofUnion(f, od)
			}
		}
	}
}

// bindIfUnbound binds GraphQL object or enum type name to the message or
// enum of fd, unless it is bound already.
func (b *binder) bindIfUnbound(name string, fd protoreflect.FieldDescriptor, at diag.Span) {
	def := b.m.Schema.Types[name]
	if def == nil {
		return
	}
	switch {
	case def.Kind == ast.Object && fd.Message() != nil && !mapping.IsWellKnown(fd.Message()):
		if _, ok := b.objMsg[name]; !ok {
			b.bindMessage(def, fd.Message(), at)
		}
	case def.Kind == ast.Enum && fd.Enum() != nil:
		if _, ok := b.enumProto[name]; !ok {
			b.bindEnum(def, fd.Enum(), at)
		}
	}
}

// decideInput binds the types of the fields of a bound input (what
// checkInput checks).
func (b *binder) decideInput(def *ast.Definition) {
	md := b.inputMsg[def.Name]
	for _, f := range def.Fields {
		if fd := b.protoFieldFor(md, f); fd != nil {
			b.bindInput(f.Type, fd, span(f.Position))
		} else if od := oneofFor(md, f.Name); od != nil {
			b.bindOneofInput(f.Type, od)
		}
	}
}

// bindOutput binds the type of a GraphQL output of type t that reads proto
// field fd (what checkOutput checks).
func (b *binder) bindOutput(t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) {
	switch {
	case fd.Message() != nil && unsupportedWKT[fd.Message().FullName()] != "":
	case fd.IsMap():
		b.bindMapEntry(t, fd, true)
	case mapping.IsFieldMask(fd), fd.IsList() != (t.Elem != nil):
	default:
		b.bindNamed(elemType(t).Name(), fd, true, at)
	}
}

// bindInput binds the type of a GraphQL input value of type t that fills
// proto field fd (what checkAssign checks).
func (b *binder) bindInput(t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) {
	switch {
	case fd.Message() != nil && unsupportedWKT[fd.Message().FullName()] != "":
	case mapping.IsFieldMask(fd):
	case fd.IsMap():
		b.bindMapEntry(t, fd, false)
	case mapping.RealOneof(fd) && t.NonNull, fd.IsList() != (t.Elem != nil):
	default:
		b.bindNamed(elemType(t).Name(), fd, false, at)
	}
}

func elemType(t *ast.Type) *ast.Type {
	if t.Elem != nil {
		return t.Elem
	}
	return t
}

// bindNamed binds GraphQL named type name to the enum or message of fd,
// when the kinds agree (what compatible checks): an enum to an enum, an
// object to a message in the output direction, an input to a message in
// the input direction. Scalars and well-known types bind nothing.
func (b *binder) bindNamed(name string, fd protoreflect.FieldDescriptor, output bool, at diag.Span) {
	def := b.m.Schema.Types[name]
	if def == nil || (fd.Kind() == protoreflect.MessageKind && mapping.IsWellKnown(fd.Message())) {
		return
	}
	switch {
	case def.Kind == ast.Enum && fd.Enum() != nil:
		b.bindEnum(def, fd.Enum(), at)
	case def.Kind == ast.Object && output && fd.Message() != nil,
		def.Kind == ast.InputObject && !output && fd.Message() != nil:
		b.bindMessage(def, fd.Message(), at)
	}
}

// bindMapEntry binds the key and value types of the entry type a map field
// is read into (output) or filled from (input), when the GraphQL type has
// the shape checkMap and checkMapInput accept and the entry type is not
// already another map's.
func (b *binder) bindMapEntry(t *ast.Type, fd protoreflect.FieldDescriptor, output bool) {
	if t.Elem == nil || t.Elem.Elem != nil {
		return
	}
	def := b.m.Schema.Types[t.Elem.Name()]
	kind, bound := ast.Object, b.objMsg
	if !output {
		kind, bound = ast.InputObject, b.inputMsg
	}
	if def == nil || def.Kind != kind || len(def.Fields) != 2 || def.Fields.ForName("key") == nil || def.Fields.ForName("value") == nil {
		return
	}
	if _, ok := bound[def.Name]; ok {
		return
	}
	if prev, ok := b.entryOf[def.Name]; ok && prev != fd.Message().FullName() {
		return
	}
	b.entryOf[def.Name] = fd.Message().FullName()
	for _, part := range []struct {
		name string
		fd   protoreflect.FieldDescriptor
	}{{"key", fd.MapKey()}, {"value", fd.MapValue()}} {
		f := def.Fields.ForName(part.name)
		if output {
			b.bindOutput(f.Type, part.fd, span(f.Position))
		} else {
			b.bindInput(f.Type, part.fd, span(f.Position))
		}
	}
}

// bindOneofUnion binds the member types of a union that reads a oneof:
// each one-field member type's field to the oneof member it is named after
// (what checkOneofUnion checks).
func (b *binder) bindOneofUnion(f *ast.FieldDefinition, od protoreflect.OneofDescriptor) {
	def := b.m.Schema.Types[f.Type.Name()]
	if f.Type.Elem != nil || def == nil || def.Kind != ast.Union || f.Type.NonNull {
		return
	}
	for _, name := range def.Types {
		mt := b.m.Schema.Types[name]
		if mt == nil || len(mt.Fields) != 1 {
			continue
		}
		mf := mt.Fields[0]
		if member := oneofMember(od, mf.Name); member != nil && mf.Type.Elem == nil {
			b.bindNamed(mf.Type.Name(), member, true, span(mf.Position))
		}
	}
}

// bindOneofInput binds the field types of a @oneOf input that fills a oneof
// to the members they are named after (what checkOneofInput checks).
func (b *binder) bindOneofInput(t *ast.Type, od protoreflect.OneofDescriptor) {
	def := b.m.Schema.Types[t.Name()]
	if t.Elem != nil || def == nil || def.Kind != ast.InputObject || def.Directives.ForName("oneOf") == nil {
		return
	}
	for _, mf := range def.Fields {
		if member := oneofMember(od, mf.Name); member != nil && !member.IsList() && mf.Type.Elem == nil {
			b.bindNamed(mf.Type.Name(), member, false, span(mf.Position))
		}
	}
}

// decideRPC binds the types an @rpc field's result is read into and its
// request is filled from (what checkRPC checks): the enum, list or map
// entry types of a result field (inferFromRPC binds result messages),
// arguments named like request fields, the input of request: "$args.input"
// (to the whole request message), and the arguments of request: {field:
// "$args.x"}.
func (b *binder) decideRPC(parent *ast.Definition, f *ast.FieldDefinition, d *ast.Directive) {
	md, ok := b.lookupMethod(d, b.isSubscription(parent))
	if !ok {
		return
	}
	if result, _, ok := stringArg(d, "result"); ok {
		if path := resultFields(md.Output(), result); path != nil {
			b.bindOutput(f.Type, path[len(path)-1], span(f.Position))
		}
	}
	req, reqSpan := directiveArg(d, "request")
	switch {
	case req == nil:
		for _, a := range f.Arguments {
			fd := mapping.FindField(md.Input(), a.Name)
			if od := oneofFor(md.Input(), a.Name); fd == nil && od != nil {
				b.bindOneofInput(a.Type, od)
			} else if fd != nil {
				b.bindInput(a.Type, fd, span(a.Position))
			}
		}
	case req.Kind == ast.StringValue:
		if t := b.argSourceType(f, req.Raw); t != nil && t.Elem == nil {
			if def := b.m.Schema.Types[t.Name()]; def != nil && def.Kind == ast.InputObject {
				b.bindMessage(def, md.Input(), reqSpan)
			}
		}
	case req.Kind == ast.ObjectValue:
		b.decideRequestMapping(md, f, req)
	}
}

// decideBatchRequest binds the types of the request mapping of a @batch
// field, and the enum its pick reads (what checkBatch checks).
func (b *binder) decideBatchRequest(f *ast.FieldDefinition, d *ast.Directive) {
	md, ok := b.lookupMethod(d, false)
	if !ok {
		return
	}
	if pick := b.batchPick(md, d); pick != nil {
		relaxed := *f.Type
		relaxed.NonNull = pick.IsList() && relaxed.NonNull
		b.bindOutput(&relaxed, pick, span(f.Position))
	}
	if req, _ := directiveArg(d, "request"); req != nil && req.Kind == ast.ObjectValue {
		b.decideRequestMapping(md, f, req)
	}
}

// batchPick returns the last field of a @batch field's pick path, or nil.
func (b *binder) batchPick(md protoreflect.MethodDescriptor, d *ast.Directive) protoreflect.FieldDescriptor {
	pick, _, hasPick := stringArg(d, "pick")
	cur := batchResult(md, d)
	if !hasPick || cur == nil {
		return nil
	}
	path := fieldPath(cur, pick)
	if path == nil {
		return nil
	}
	return path[len(path)-1]
}

// decideRequestMapping binds the argument types request: {field:
// "$args.x"} fills request fields from.
func (b *binder) decideRequestMapping(md protoreflect.MethodDescriptor, f *ast.FieldDefinition, req *ast.Value) {
	for _, child := range req.Children {
		path := fieldPath(md.Input(), child.Name)
		if path == nil || child.Value == nil || child.Value.Kind != ast.StringValue {
			continue
		}
		if t := b.argSourceType(f, child.Value.Raw); t != nil {
			b.bindInput(t, path[len(path)-1], span(child.Value.Position))
		}
	}
}

// lookupMethod finds the method of an @rpc or @batch, as resolveMethod
// does, but reports nothing: nil unless the method exists and its
// streaming fits the field.
func (b *binder) lookupMethod(d *ast.Directive, stream bool) (protoreflect.MethodDescriptor, bool) {
	name, _, ok := stringArg(d, "method")
	if !ok {
		return nil, false
	}
	md, ok := b.findMethod(name)
	if !ok || md.IsStreamingClient() || md.IsStreamingServer() != stream {
		return nil, false
	}
	return md, true
}

// findMethod finds a method by "pkg.Service.Method" or "pkg.Service/Method".
func (b *binder) findMethod(name string) (protoreflect.MethodDescriptor, bool) {
	if md, ok := b.methods[name]; ok {
		return md, true
	}
	if i := strings.LastIndex(name, "/"); i > 0 {
		md, ok := b.methods[name[:i]+"."+name[i+1:]]
		return md, ok
	}
	return nil, false
}

// resultFields resolves an @rpc result path in the response message, as
// resultPath does, but reports nothing: nil when it does not resolve.
func resultFields(md protoreflect.MessageDescriptor, dotted string) []protoreflect.FieldDescriptor {
	var out []protoreflect.FieldDescriptor
	segs := strings.Split(dotted, ".")
	cur := md
	for i, seg := range segs {
		if cur == nil {
			return nil
		}
		fd := mapping.FindField(cur, seg)
		if fd == nil {
			return nil
		}
		out = append(out, fd)
		cur = nil
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() && i < len(segs)-1 {
			cur = fd.Message()
		}
	}
	return out
}

// fieldPath resolves a dotted path of fields through singular messages, as
// requestPath does, but reports nothing: nil when it does not resolve.
func fieldPath(md protoreflect.MessageDescriptor, dotted string) []protoreflect.FieldDescriptor {
	var out []protoreflect.FieldDescriptor
	segs := strings.Split(dotted, ".")
	for i, seg := range segs {
		fd := mapping.FindField(md, seg)
		if fd == nil {
			return nil
		}
		out = append(out, fd)
		if i < len(segs)-1 {
			if fd.Message() == nil || fd.IsList() || fd.IsMap() {
				return nil
			}
			md = fd.Message()
		}
	}
	return out
}

// argSourceType returns the GraphQL type a "$args.a.b" source reads, as
// source does, but reports nothing: nil for another source or one that
// does not resolve.
func (b *binder) argSourceType(f *ast.FieldDefinition, text string) *ast.Type {
	root, rest, _ := strings.Cut(text, ".")
	if root != "$args" || rest == "" {
		return nil
	}
	segs := strings.Split(rest, ".")
	a := f.Arguments.ForName(segs[0])
	if a == nil {
		return nil
	}
	t := a.Type
	for _, seg := range segs[1:] {
		def := b.m.Schema.Types[t.Name()]
		if def == nil || def.Kind != ast.InputObject || t.Elem != nil {
			return nil
		}
		fd := def.Fields.ForName(seg)
		if fd == nil {
			return nil
		}
		t = fd.Type
	}
	return t
}
