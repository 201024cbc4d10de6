package mapping

import (
	"google.golang.org/protobuf/reflect/protoreflect"
)

// CustomScalar is a GraphQL scalar of the mapping that GraphQL does not
// define: its name and its description in the prelude.
type CustomScalar struct{ Name, Doc string }

// Scalars are the custom scalars of the proto mapping, each declared
// by the prelude unless the user declares it.
var Scalars = []CustomScalar{
	{"Int64", "A signed 64-bit integer, serialized as a JSON string (the protojson convention)."},
	{"UInt64", "An unsigned 64-bit integer, serialized as a JSON string (the protojson convention)."},
	{"DateTime", "An instant in time, RFC 3339 in UTC (google.protobuf.Timestamp)."},
	{"Duration", "A span of time as a protojson string such as 1.5s (google.protobuf.Duration)."},
	{"Bytes", "Binary data, standard base64 with padding."},
	{"JSON", "Any JSON value: google.protobuf.Struct, Value and ListValue, or an Any as its message's JSON with an @type member."},
}

// Nullable reports whether a singular proto field can be unset, as the
// mapping sees it.
func Nullable(fd protoreflect.FieldDescriptor) bool {
	return fd.HasPresence() || fd.Enum() != nil
}

// Scalar is the GraphQL scalar of a proto field's element type, or ""
// for enums and plain messages.
func Scalar(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "String"
	case protoreflect.BoolKind:
		return "Boolean"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "Int"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "Int64"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "UInt64"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "Float"
	case protoreflect.BytesKind:
		return "Bytes"
	case protoreflect.MessageKind:
		return WellKnownScalars[fd.Message().FullName()]
	}
	return ""
}

// WellKnownScalars maps the supported well-known message types to GraphQL scalars.
var WellKnownScalars = map[protoreflect.FullName]string{
	"google.protobuf.Timestamp":   "DateTime",
	"google.protobuf.Duration":    "Duration",
	"google.protobuf.StringValue": "String",
	"google.protobuf.BoolValue":   "Boolean",
	"google.protobuf.Int32Value":  "Int",
	"google.protobuf.UInt32Value": "Int64",
	"google.protobuf.Int64Value":  "Int64",
	"google.protobuf.UInt64Value": "UInt64",
	"google.protobuf.FloatValue":  "Float",
	"google.protobuf.DoubleValue": "Float",
	"google.protobuf.BytesValue":  "Bytes",
	"google.protobuf.Struct":      "JSON",
	"google.protobuf.Value":       "JSON",
	"google.protobuf.ListValue":   "JSON",
	"google.protobuf.Any":         "JSON",
}

// IsWellKnown reports whether a message is a google.protobuf type, which
// never binds to an object type.
func IsWellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() == "google.protobuf"
}

// IsFieldMask reports whether fd is a singular google.protobuf.FieldMask.
func IsFieldMask(fd protoreflect.FieldDescriptor) bool {
	return !fd.IsList() && fd.Message() != nil && fd.Message().FullName() == "google.protobuf.FieldMask"
}

// SameScalar reports whether two fields hold the same scalar or enum type,
// ignoring cardinality.
func SameScalar(a, b protoreflect.FieldDescriptor) bool {
	if a.Kind() != b.Kind() || a.Message() != nil || b.Message() != nil {
		return false
	}
	return a.Enum() == nil || a.Enum().FullName() == b.Enum().FullName()
}

// KindName names a field's proto type for messages: "int64",
// "repeated string", "catalog.v1.Product".
func KindName(fd protoreflect.FieldDescriptor) string {
	var s string
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		s = string(fd.Message().FullName())
	case protoreflect.EnumKind:
		s = string(fd.Enum().FullName())
	default:
		s = fd.Kind().String()
	}
	if fd.IsMap() {
		return "map<" + KindName(fd.MapKey()) + ", " + KindName(fd.MapValue()) + ">"
	}
	if fd.IsList() {
		return "repeated " + s
	}
	if fd.HasOptionalKeyword() {
		return "optional " + s
	}
	return s
}

// ScalarFits reports whether the GraphQL scalar name can hold the values of
// fd's element type, in the direction output (proto -> GraphQL when true,
// GraphQL -> request field when false): the scalar of the table, or ID for
// a string; in requests, Int also fills the 64-bit integer kinds (it
// widens), but not uint32 and fixed32, whose range Int does not cover.
// For a well-known message it is the message's scalar only.
func ScalarFits(name string, fd protoreflect.FieldDescriptor, output bool) bool {
	if fd.Kind() == protoreflect.MessageKind && IsWellKnown(fd.Message()) {
		s, ok := WellKnownScalars[fd.Message().FullName()]
		return ok && (s == name || (s == "String" && name == "ID"))
	}
	s := Scalar(fd)
	if s == name || (s == "String" && name == "ID") {
		return true
	}
	return !output && name == "Int" && s == "Int64" && fd.Kind() != protoreflect.Uint32Kind && fd.Kind() != protoreflect.Fixed32Kind
}

// RealOneof reports whether a field is a member of a oneof written in the
// .proto (not the synthetic oneof of a proto3 optional field): on input,
// the client sets at most one member.
func RealOneof(fd protoreflect.FieldDescriptor) bool {
	return fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic()
}
