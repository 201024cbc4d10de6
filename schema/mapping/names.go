package mapping

import (
	"strings"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Snake converts lowerCamel to snake_case: "priceCents" -> "price_cents".
func Snake(s string) string {
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

// FindField finds a message field by a GraphQL or proto spelling of its
// name: the proto name, the json_name, or the snake_case of name.
func FindField(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	fields := md.Fields()
	if fd := fields.ByName(protoreflect.Name(name)); fd != nil {
		return fd
	}
	if fd := fields.ByJSONName(name); fd != nil {
		return fd
	}
	return fields.ByName(protoreflect.Name(Snake(name)))
}

// EnumPrefix is the prefix protoc-style enum values carry: "Category" ->
// "CATEGORY_".
func EnumPrefix(ed protoreflect.EnumDescriptor) string {
	return strings.ToUpper(Snake(string(ed.Name()))) + "_"
}

// JSONCamel converts a proto name to lowerCamel as protoc derives
// json_name: payment_method -> paymentMethod.
func JSONCamel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		switch {
		case r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Pascal converts snake_case to PascalCase: payment_method ->
// PaymentMethod.
func Pascal(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		b.WriteString(UpperFirst(part))
	}
	return b.String()
}

// UpperFirst returns s with its first rune in upper case ("price" ->
// "Price"); "" stays "".
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// LowerCamel lowers the leading capitals of a PascalCase name, keeping the
// capital that starts the next word: GetProduct -> getProduct, URLLookup
// -> urlLookup, ID -> id.
func LowerCamel(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r) || !unicode.IsLetter(r[n]):
	default:
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// GraphQLName reports whether s is a GraphQL name not reserved for
// introspection.
func GraphQLName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// IsIDField reports whether a string field holds an identifier by its
// name: id, *_id, and ids, *_ids for lists.
func IsIDField(fd protoreflect.FieldDescriptor) bool {
	n := string(fd.Name())
	if fd.IsList() {
		return n == "ids" || strings.HasSuffix(n, "_ids")
	}
	return n == "id" || strings.HasSuffix(n, "_id")
}
