package schema

import (
	"fmt"
	"github.com/bffgen/bffgen/schema/mapping"
	"strconv"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// messagePath resolves a dotted path of fields in md. what names the
// path in messages.
func (b *binder) messagePath(md protoreflect.MessageDescriptor, dotted, what string, at diag.Span) ([]protoreflect.FieldDescriptor, bool) {
	var out []protoreflect.FieldDescriptor
	segs := strings.Split(dotted, ".")
	for i, seg := range segs {
		fd := mapping.FindField(md, seg)
		if fd == nil {
			b.errorf(at, "unknown-field", b.fieldHint(md, seg), b.declaredAt(md), "%s %q: message %s has no field %q", what, dotted, md.FullName(), seg)
			return nil, false
		}
		out = append(out, fd)
		if i < len(segs)-1 {
			if fd.Message() == nil || fd.IsList() || fd.IsMap() {
				b.errorf(at, "unknown-field", "only singular message fields can be traversed with dots", b.declaredAt(fd), "%s %q: field %q is not a message", what, dotted, fd.Name())
				return nil, false
			}
			md = fd.Message()
		}
	}
	return out, true
}

// batchResult returns the message of one result of a @batch field's
// method: the element of its repeated results field, or the value of a map
// results field; nil when results names no message field.
func batchResult(md protoreflect.MethodDescriptor, d *ast.Directive) protoreflect.MessageDescriptor {
	results, _, ok := stringArg(d, "results")
	if !ok {
		return nil
	}
	fd := mapping.FindField(md.Output(), results)
	if fd == nil || fd.Message() == nil {
		return nil
	}
	if fd.IsMap() {
		return fd.MapValue().Message()
	}
	return fd.Message()
}

// batchValue returns the message a @batch field's value is, for type
// inference: the result message, or the message at the end of pick.
func (b *binder) batchValue(md protoreflect.MethodDescriptor, d *ast.Directive) protoreflect.MessageDescriptor {
	cur := batchResult(md, d)
	if cur == nil {
		return nil
	}
	if pick, _, ok := stringArg(d, "pick"); ok {
		for _, seg := range strings.Split(pick, ".") {
			f := mapping.FindField(cur, seg)
			if f == nil || f.Message() == nil || f.IsMap() {
				return nil
			}
			cur = f.Message()
		}
	}
	return cur
}

// inferFromBatch binds the GraphQL type of a @batch field to its value
// message.
func (b *binder) inferFromBatch(f *ast.FieldDefinition, d *ast.Directive) {
	name, _, ok := stringArg(d, "method")
	if !ok {
		return
	}
	md, ok := b.methods[name]
	if !ok {
		return // checkBatch reports it
	}
	def := b.m.Schema.Types[f.Type.Name()]
	if v := b.batchValue(md, d); v != nil && def != nil && def.Kind == ast.Object && !mapping.IsWellKnown(v) {
		b.bindMessage(def, v, span(d.Position))
	}
}

// checkBatch checks a @batch binding.
func (b *binder) checkBatch(obj *Object, f *ast.FieldDefinition, d *ast.Directive) *Batch {
	what := obj.Def.Name + "." + f.Name
	if obj.Message == nil {
		b.errorf(span(d.Position), "bad-batch", "use @rpc on root fields; @batch resolves a field for many parents of a bound type", nil, "@batch on %s: %s is not bound to a proto message", what, obj.Def.Name)
		return nil
	}
	md, _, ok := b.resolveMethod(d, false)
	if !ok {
		return nil
	}
	bt := &Batch{Method: md, Service: b.service(md.Parent().(protoreflect.ServiceDescriptor)), MaxBatchSize: DefaultMaxBatchSize}
	okAll := true
	fail := func() { okAll = false }

	keyName, keySpan, _ := stringArg(d, "key")
	keyHead, keyRest, _ := strings.Cut(keyName, ".")
	if fd := mapping.FindField(md.Input(), keyHead); fd == nil {
		b.errorf(keySpan, "unknown-request-field", b.fieldHint(md.Input(), keyHead), b.declaredAt(md.Input()), "request message %s has no field %q", md.Input().FullName(), keyHead)
		fail()
	} else if !fd.IsList() || fd.IsMap() {
		b.errorf(keySpan, "bad-batch", "key must be a repeated request field that takes the list of keys", b.declaredAt(fd), "key %q of %s is %s", keyName, md.Input().FullName(), mapping.KindName(fd))
		fail()
	} else if fd.Message() == nil {
		if keyRest != "" {
			b.errorf(keySpan, "bad-batch", fmt.Sprintf("write key: %q", keyHead), b.declaredAt(fd), "key %q: %q is %s, which has no fields", keyName, keyHead, mapping.KindName(fd))
			fail()
		} else {
			bt.Key = fd
		}
	} else if kf := b.keyMessageField(fd, keyRest, keyName, keySpan); kf != nil {
		bt.Key, bt.KeyField = fd, kf
	} else {
		fail()
	}
	keyScalar := bt.KeyScalar // nil while the key is unresolved

	from, fromSpan, _ := stringArg(d, "from")
	if rest, ok := strings.CutPrefix(from, "$parent."); !ok {
		b.errorf(fromSpan, "bad-batch", `write from: "$parent.<field>", the field of each parent that holds its key`, nil, "from %q must name a field of the parent", from)
		fail()
	} else if path, ok := b.messagePath(obj.Message, rest, "from", fromSpan); !ok {
		fail()
	} else {
		last := path[len(path)-1]
		switch {
		case last.IsList() || last.IsMap():
			b.errorf(fromSpan, "bad-batch", "each parent must have one key; repeated key fields are not supported yet", b.declaredAt(last), "from %q is %s", from, mapping.KindName(last))
			fail()
		case bt.Key != nil && !mapping.SameScalar(last, keyScalar()):
			b.errorf(fromSpan, "incompatible-type", fmt.Sprintf("from must have the type of the keys (%s)", strings.TrimPrefix(mapping.KindName(keyScalar()), "repeated ")), b.declaredAt(last), "from %q (%s) cannot fill key %q (%s)", from, mapping.KindName(last), keyName, mapping.KindName(keyScalar()))
			fail()
		default:
			bt.From = path
		}
	}

	resultsName, resultsSpan, _ := stringArg(d, "results")
	by, bySpan, hasBy := stringArg(d, "by")
	if fd := mapping.FindField(md.Output(), resultsName); fd == nil {
		b.errorf(resultsSpan, "unknown-result-path", b.fieldHint(md.Output(), resultsName), b.declaredAt(md.Output()), "response message %s has no field %q", md.Output().FullName(), resultsName)
		fail()
	} else if fd.IsMap() {
		switch {
		case fd.MapValue().Message() == nil:
			b.errorf(resultsSpan, "unsupported", "map results must have message values; read a scalar through a message, or use a repeated field of results", b.declaredAt(fd), "results %q of %s is %s", resultsName, md.Output().FullName(), mapping.KindName(fd))
			fail()
		case bt.Key != nil && !mapping.SameScalar(fd.MapKey(), keyScalar()):
			b.errorf(resultsSpan, "incompatible-type", "the map must be keyed by the keys' type", b.declaredAt(fd), "results %q (%s) cannot be looked up with key %q (%s)", resultsName, mapping.KindName(fd), keyName, strings.TrimPrefix(mapping.KindName(keyScalar()), "repeated "))
			fail()
		case hasBy:
			b.errorf(bySpan, "bad-batch", "remove by: map results are matched by their map key", b.declaredAt(fd), "results %q is a map, so by %q has nothing to match", resultsName, by)
			fail()
		default:
			bt.Results, bt.Shape = fd, BatchMap
		}
	} else if !fd.IsList() || fd.Message() == nil {
		b.errorf(resultsSpan, "bad-batch", "results must be the response field that holds the results: a repeated message field, or a map<key, message>", b.declaredAt(fd), "results %q of %s is %s", resultsName, md.Output().FullName(), mapping.KindName(fd))
		fail()
	} else {
		bt.Results, bt.Shape = fd, BatchInOrder
	}

	if hasBy && bt.Results != nil && bt.Shape != BatchMap {
		fd := mapping.FindField(bt.Results.Message(), by)
		switch {
		case fd == nil:
			b.errorf(bySpan, "unknown-field", b.fieldHint(bt.Results.Message(), by), b.declaredAt(bt.Results.Message()), "result message %s has no field %q", bt.Results.Message().FullName(), by)
			fail()
		case fd.IsList() || fd.IsMap() || (bt.Key != nil && !mapping.SameScalar(fd, keyScalar())):
			b.errorf(bySpan, "incompatible-type", "by must be a singular field of the keys' type", b.declaredAt(fd), "by %q (%s) cannot be matched with key %q", by, mapping.KindName(fd), keyName)
			fail()
		default:
			bt.By, bt.Shape = fd, BatchByKey
		}
	}

	_, _, hasPick := stringArg(d, "pick")
	if pick, pickSpan, ok := stringArg(d, "pick"); ok && bt.Results != nil {
		if path, ok := b.messagePath(bt.ResultMessage(), pick, "pick", pickSpan); ok {
			bt.Pick = path
		} else {
			fail()
		}
	}

	if v, at := directiveArg(d, "maxBatchSize"); v != nil && v.Kind == ast.IntValue {
		n, err := strconv.Atoi(v.Raw)
		if err != nil || n < 1 {
			b.errorf(at, "bad-batch", "use a positive number of keys per call", nil, "maxBatchSize %s must be at least 1", v.Raw)
			fail()
		} else {
			bt.MaxBatchSize = n
		}
	}

	// A list field with no pick reads a list of whole results per parent:
	// the items of a flat list grouped by their key field (one-to-many).
	if bt.Results != nil && okAll && f.Type.Elem != nil && !hasPick && bt.Shape != BatchMap {
		if bt.By == nil {
			item := bt.Results.Message()
			b.errorf(span(f.Position), "bad-batch",
				fmt.Sprintf("a list field takes, for each parent, the items of %q whose key field equals its key: add by: \"<field of %s that holds the parent's key>\"; or, with one result per key in key order, pick: \"<repeated field of %s>\"", resultsName, item.Name(), item.Name()),
				b.declaredAt(item), "%s is a list, but results %q come one per key in key order (no by), and %s is not a list", what, resultsName, item.FullName())
			fail()
		} else {
			bt.Shape = BatchGrouped
		}
	}

	// The value: the picked field, or the result message itself (a list of
	// them when grouped).
	if bt.Results != nil && okAll {
		before := len(b.diags.Errors())
		result := bt.ResultMessage()
		switch {
		case len(bt.Pick) > 0:
			b.checkBatchValue(what, f.Type, bt.Pick[len(bt.Pick)-1], span(f.Position))
		case bt.Shape == BatchGrouped:
			if f.Type.Elem.Elem != nil || !b.compatibleMessage(&ast.Type{NamedType: f.Type.Name()}, result) {
				b.errorf(span(f.Position), "incompatible-type", fmt.Sprintf("return a list of an object type bound to %s, e.g. [%s!]!", result.FullName(), result.Name()), b.declaredAt(result),
					"%s has type %s, which cannot hold the results (%s) of a key", what, f.Type.String(), result.FullName())
			}
		case !b.compatibleMessage(&ast.Type{NamedType: f.Type.Name()}, result) || f.Type.Elem != nil:
			b.errorf(span(f.Position), "incompatible-type", fmt.Sprintf("return an object type bound to %s, or pick a field of it with pick: \"...\"", result.FullName()), b.declaredAt(result),
				"%s has type %s, which cannot hold a result of type %s", what, f.Type.String(), result.FullName())
		}
		if len(b.diags.Errors()) > before {
			fail()
		}
	}

	if req, reqSpan := directiveArg(d, "request"); req != nil {
		if req.Kind != ast.ObjectValue {
			b.errorf(reqSpan, "bad-request-mapping", `write request: {field: "$args.x"}`, nil, "request of @batch must be an object")
			fail()
		} else {
			for _, child := range req.Children {
				path, ok := b.requestPath(md.Input(), child.Name, span(child.Position))
				if !ok {
					fail()
					continue
				}
				src := b.literalOrSource(obj, f, child.Value, path[len(path)-1])
				switch {
				case src == nil:
					fail()
				case src.Kind == SourceParent:
					b.errorf(span(child.Value.Position), "bad-batch", "one call serves many parents: map their values through key and from", nil, "request of @batch cannot use %s", src.Text)
					fail()
				case src.Kind != SourceLiteral && !b.checkSource(src, path[len(path)-1], span(child.Value.Position)):
					fail()
				default:
					bt.Assigns = append(bt.Assigns, &Assign{Path: path, Source: src})
				}
			}
		}
	}
	for _, a := range f.Arguments {
		if def := b.m.Schema.Types[a.Type.Name()]; a.Type.Elem != nil || def == nil || (def.Kind != ast.Scalar && def.Kind != ast.Enum) {
			b.errorf(span(a.Position), "bad-batch", "give batched fields scalar or enum arguments", nil, "argument %q of batched field %s is %s; only scalars and enums are supported", a.Name, what, a.Type.String())
			fail()
		}
	}
	if !okAll {
		return nil
	}
	return bt
}

// checkBatchValue checks the picked value of a batch result against the
// GraphQL type; a missing result is null (or an error for a non-null
// field), so presence is not required.
func (b *binder) checkBatchValue(what string, t *ast.Type, fd protoreflect.FieldDescriptor, at diag.Span) {
	relaxed := *t
	if !fd.IsList() {
		relaxed.NonNull = false
	}
	b.checkOutput(what, &relaxed, fd, nil, at)
}

// keyMessageField finds the field of a repeated key message that holds the
// key: the one named by rest ("keys.id" -> id), or, with no rest, the only
// field of the message.
func (b *binder) keyMessageField(fd protoreflect.FieldDescriptor, rest, keyName string, at diag.Span) protoreflect.FieldDescriptor {
	md := fd.Message()
	if rest == "" {
		if md.Fields().Len() != 1 {
			b.errorf(at, "bad-batch", fmt.Sprintf("name the field of %s that holds the key, e.g. key: \"%s.%s\"", md.Name(), fd.Name(), strings.Join(fieldNames(md)[:min(1, md.Fields().Len())], "")), b.declaredAt(md),
				"key %q is a list of %s messages with %d fields", keyName, md.FullName(), md.Fields().Len())
			return nil
		}
		rest = string(md.Fields().Get(0).Name())
	}
	kf := mapping.FindField(md, rest)
	switch {
	case kf == nil:
		b.errorf(at, "unknown-request-field", b.fieldHint(md, rest), b.declaredAt(md), "key %q: message %s has no field %q", keyName, md.FullName(), rest)
		return nil
	case kf.IsList() || kf.IsMap() || kf.Message() != nil:
		b.errorf(at, "bad-batch", "the key must be a singular scalar or enum field of the key message", b.declaredAt(kf), "key %q: field %q is %s", keyName, kf.Name(), mapping.KindName(kf))
		return nil
	}
	return kf
}
