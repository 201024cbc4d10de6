package plan

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/mapping"
)

// Read says how the value of a bound field of an object type is produced.
// The zero value, ReadGoField, needs no resolver.
type Read int

const (
	// ReadGoField: gqlgen reads the Go struct field of the parent message
	// itself; no resolver is generated.
	ReadGoField Read = iota
	// ReadBytes: a singular bytes field read into a non-null field. proto3
	// decodes an empty bytes field as nil, which gqlgen would write as null,
	// so a resolver returns an empty, non-nil slice instead.
	ReadBytes
	// ReadFieldMask: the paths of a google.protobuf.FieldMask field.
	ReadFieldMask
	// ReadMap: a map field, as the list of its entries ordered by key.
	ReadMap
	// ReadOneofMember: a member of a oneof: null unless it is the member
	// set.
	ReadOneofMember
	// ReadUnion: a oneof as a union: the member set becomes the union
	// member type that holds it; null when no member the union knows is
	// set.
	ReadUnion
	// ReadRPC: an @rpc call (see [Call]).
	ReadRPC
	// ReadBatch: an @batch call, made once per level for all sibling
	// parents (see [BatchCall]).
	ReadBatch
	// ReadUser: the user's hand-written resolver.
	ReadUser
)

var readNames = [...]string{"go field", "bytes", "field mask", "map", "oneof member", "union", "rpc", "batch", "user"}

// String names the read, for messages.
func (r Read) String() string {
	if r < 0 || int(r) >= len(readNames) {
		return "unknown"
	}
	return readNames[r]
}

// ReadOf decides how the value of a bound field of an object type is read.
// A member of a oneof is read as such whatever its type (a bytes, map or
// field mask member included).
func ReadOf(f *schema.Field) Read {
	switch f.Kind {
	case schema.FieldRPC:
		return ReadRPC
	case schema.FieldBatch:
		return ReadBatch
	case schema.FieldOneof:
		return ReadUnion
	case schema.FieldUser:
		return ReadUser
	}
	fd := f.Proto
	switch {
	case mapping.RealOneof(fd):
		return ReadOneofMember
	case mapping.IsFieldMask(fd):
		return ReadFieldMask
	case fd.IsMap():
		return ReadMap
	case f.Def.Type.NonNull && !fd.IsList() && fd.Kind() == protoreflect.BytesKind:
		return ReadBytes
	}
	return ReadGoField
}

// Resolver reports whether the field needs a resolver method: every read
// but ReadGoField.
func (r Read) Resolver() bool { return r != ReadGoField }

// InMemory reports whether the value is one the BFF already holds when
// the parent's fields resolve, so that a goroutine of its own would only
// add cost: a read of the parent message, and a @batch field (its level
// was prefetched with one call for all the parents). An @rpc call (one per
// parent) and a user resolver (which may do anything) are not.
func (r Read) InMemory() bool {
	switch r {
	case ReadRPC, ReadUser:
		return false
	}
	return true
}

// Schema is the schema-wide plan: for every bound field of every object
// type, how its value is read, and for every @rpc and @batch field, how
// its request is filled and its response read; how every bound input
// object converts to its message; and which object types prefetch the
// batched fields below them. It is built once from the model
// and holds no gqlgen types; the gqlgen resolvers (codegen's plugin) and
// the compiled executors are emitted from it.
type Schema struct {
	fields map[string]map[string]*FieldRead
	// Converters are the converters of the bound input object types, by
	// GraphQL name.
	Converters map[string]*Converter
	// Prefetch names the object types bound to a message from which a
	// @batch field can be reached through @batch fields and plain message
	// fields: the resolvers that return them prefetch their selection
	// level by level.
	Prefetch map[string]bool
}

// FieldRead is the plan of one bound field of an object type.
type FieldRead struct {
	Object *schema.Object
	Field  *schema.Field
	Read   Read
	// Call is the call of a ReadRPC field; nil otherwise.
	Call *Call
	// Batch is the call of a ReadBatch field; nil otherwise.
	Batch *BatchCall
}

// NewSchema plans every bound field of m's object types and every bound
// input object's converter.
func NewSchema(m *schema.Model) *Schema {
	s := &Schema{fields: map[string]map[string]*FieldRead{}, Converters: map[string]*Converter{}, Prefetch: prefetchTypes(m)}
	for name, in := range m.Inputs {
		s.Converters[name] = newConverter(in)
	}
	for name, o := range m.Objects {
		fields := map[string]*FieldRead{}
		for _, f := range o.Fields {
			fr := &FieldRead{Object: o, Field: f, Read: ReadOf(f)}
			switch fr.Read {
			case ReadRPC:
				fr.Call = newCall(f.RPC)
			case ReadBatch:
				fr.Batch = newBatchCall(f.Batch)
			}
			fields[f.Def.Name] = fr
		}
		s.fields[name] = fields
	}
	return s
}

// Field returns the plan of the field named field of the object type named
// object; nil when the type or the field has no binding (a type no binding
// reaches, or introspection).
func (s *Schema) Field(object, field string) *FieldRead {
	return s.fields[object][field]
}

// prefetchTypes computes [Schema.Prefetch]: a fixed point over the object
// types, since a type prefetches when one of its message fields reaches a
// type that does.
func prefetchTypes(m *schema.Model) map[string]bool {
	s := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, o := range m.Objects {
			if o.Message == nil || s[name] {
				continue
			}
			for _, f := range o.Fields {
				child := f.Def.Type.Name()
				if f.Kind == schema.FieldBatch || (f.Kind == schema.FieldProto && s[child] && m.Objects[child] != nil) {
					s[name], changed = true, true
					break
				}
			}
		}
	}
	return s
}

// Scrubbed is a @redact field of an object type whose string value the
// errors of the type's other fields must not hold (authz.Scrub).
type Scrubbed struct {
	Field protoreflect.FieldDescriptor
	// Wrapper: the field is a google.protobuf.StringValue; the value is
	// its Value.
	Wrapper bool
}

// ScrubbedOf returns the @redact fields of o that read a string of its
// message (plain, proto3 optional, or a google.protobuf.StringValue), in
// the type's field order: the values the gqlgen resolvers and the
// compiled executors scrub from the errors of o's other fields. nil for a
// type not bound to a message.
func ScrubbedOf(o *schema.Object) []Scrubbed {
	if o == nil || o.Message == nil {
		return nil
	}
	var out []Scrubbed
	for _, f := range o.Fields {
		if f.Redact == "" || f.Kind != schema.FieldProto || f.Proto.IsList() || f.Proto.IsMap() {
			continue
		}
		switch {
		case f.Proto.Kind() == protoreflect.StringKind:
			out = append(out, Scrubbed{Field: f.Proto})
		case f.Proto.Message() != nil && f.Proto.Message().FullName() == "google.protobuf.StringValue":
			out = append(out, Scrubbed{Field: f.Proto, Wrapper: true})
		}
	}
	return out
}
