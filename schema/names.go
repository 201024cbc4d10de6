package schema

import (
	"strings"
	"unicode"

	"github.com/agnivade/levenshtein"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// snake converts lowerCamel to snake_case: "priceCents" -> "price_cents".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// findField finds a message field by a GraphQL or proto spelling of its
// name: the proto name, the json_name, or the snake_case of name.
func findField(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	fields := md.Fields()
	if fd := fields.ByName(protoreflect.Name(name)); fd != nil {
		return fd
	}
	if fd := fields.ByJSONName(name); fd != nil {
		return fd
	}
	return fields.ByName(protoreflect.Name(snake(name)))
}

// suggest returns the candidate closest to name, or "" when none is close.
func suggest(name string, candidates []string) string {
	best, bestDist := "", len(name)/2+2
	for _, c := range candidates {
		if d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func fieldNames(md protoreflect.MessageDescriptor) []string {
	var out []string
	for i := 0; i < md.Fields().Len(); i++ {
		out = append(out, string(md.Fields().Get(i).Name()))
	}
	return out
}

// enumPrefix is the prefix protoc-style enum values carry: "Category" ->
// "CATEGORY_".
func enumPrefix(ed protoreflect.EnumDescriptor) string {
	return strings.ToUpper(snake(string(ed.Name()))) + "_"
}

// kindName names a field's proto type for messages: "int64",
// "repeated string", "catalog.v1.Product".
func kindName(fd protoreflect.FieldDescriptor) string {
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
		return "map<" + kindName(fd.MapKey()) + ", " + kindName(fd.MapValue()) + ">"
	}
	if fd.IsList() {
		return "repeated " + s
	}
	if fd.HasOptionalKeyword() {
		return "optional " + s
	}
	return s
}
