package scalar

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// Error is the error of a scalar that cannot read a client's input or write
// a backend's value.
type Error struct {
	// Scalar is the GraphQL name of the scalar, such as "Int64"; "input"
	// for an input that no single scalar rejects ([OneofConflict]).
	Scalar string
	// Output is true when a value from a backend cannot be written (the
	// response gets a field error: a bug or bad data upstream), false when a
	// client's input is rejected.
	Output bool
	// Reason says what is wrong, such as `"12a" is not a base-10 integer`.
	Reason string
}

// Error renders the error as `invalid Int64: "12a" is not a base-10
// integer` for input and `cannot write Float: NaN has no JSON form` for
// output.
func (e *Error) Error() string {
	if e.Output {
		return "cannot write " + e.Scalar + ": " + e.Reason
	}
	return "invalid " + e.Scalar + ": " + e.Reason
}

// GraphQLCode returns errcode.BadUserInput for rejected input and
// errcode.Internal for values that cannot be written; it makes [*Error] an
// [errcode.Coder].
func (e *Error) GraphQLCode() string {
	if e.Output {
		return errcode.Internal
	}
	return errcode.BadUserInput
}

// inputErr returns an input error of scalar.
func inputErr(scalar, format string, args ...any) *Error {
	return &Error{Scalar: scalar, Reason: fmt.Sprintf(format, args...)}
}

// outputErr returns an output error of scalar.
func outputErr(scalar, format string, args ...any) *Error {
	return &Error{Scalar: scalar, Output: true, Reason: fmt.Sprintf(format, args...)}
}

// maxShown bounds the length of an input that an error message shows.
const maxShown = 64

// quote renders s for an error message: Go-quoted, cut when the quoted form
// reaches maxShown bytes so that a huge or binary input does not make a huge
// error.
func quote(s string) string {
	b := make([]byte, 1, maxShown+6)
	b[0] = '"'
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		piece := strconv.Quote(s[i : i+w])
		piece = piece[1 : len(piece)-1]
		if len(b)+len(piece) > maxShown {
			return string(b) + `"...`
		}
		b = append(b, piece...)
		i += w
	}
	return string(append(b, '"'))
}

// clip cuts s after maxShown bytes for an error message; s is ASCII.
func clip(s string) string {
	if len(s) <= maxShown {
		return s
	}
	return s[:maxShown] + "..."
}

// typeName describes the Go type of an input value in an error message in
// JSON terms.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return "a number"
	default:
		return fmt.Sprintf("a %T", v)
	}
}
