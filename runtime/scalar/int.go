package scalar

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// maxExactFloat is 2^53: every integer of at most this magnitude is exact in
// a float64, larger ones may have been rounded.
const maxExactFloat = 1 << 53

// MarshalInt64 writes v as a JSON string of base-10 digits, such as "-42",
// the protojson form of int64: JavaScript numbers lose precision beyond 2^53.
func MarshalInt64(v int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [24]byte
		b, _ := AppendInt64(buf[:0], v)
		_, _ = w.Write(b)
	})
}

// AppendInt64 appends to b the JSON string MarshalInt64 writes for v,
// without a marshaler: the compiled executors' form, which allocates
// nothing. The error is always nil; it is there so that every Append
// function has one shape.
func AppendInt64(b []byte, v int64) ([]byte, error) {
	b = append(b, '"')
	b = strconv.AppendInt(b, v, 10)
	return append(b, '"'), nil
}

// UnmarshalInt64 reads an Int64 input: a base-10 string with an optional
// sign, or a JSON number that is an integer (a float input must have no
// fractional part and lie within ±2^53). The value must lie within
// -9223372036854775808..9223372036854775807. Null reads as 0.
func UnmarshalInt64(v any) (int64, error) {
	return toInt64("Int64", v)
}

// MarshalUInt64 writes v as a JSON string of base-10 digits, such as "42",
// the protojson form of uint64.
func MarshalUInt64(v uint64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [24]byte
		b, _ := AppendUInt64(buf[:0], v)
		_, _ = w.Write(b)
	})
}

// AppendUInt64 appends to b the JSON string MarshalUInt64 writes for v, as
// [AppendInt64] does for an int64; the error is always nil.
func AppendUInt64(b []byte, v uint64) ([]byte, error) {
	b = append(b, '"')
	b = strconv.AppendUint(b, v, 10)
	return append(b, '"'), nil
}

// UnmarshalUInt64 reads a UInt64 input: a base-10 string, or a JSON number
// that is an integer (a float input must have no fractional part and lie
// within 2^53), within 0..18446744073709551615. A negative value is an error;
// "-0" reads as 0. Null reads as 0.
func UnmarshalUInt64(v any) (uint64, error) {
	return toUint("UInt64", math.MaxUint64, v)
}

// MarshalUint32 writes v as a JSON string of base-10 digits, such as "42":
// it binds the Int64 scalar to uint32 and fixed32 proto fields, whose values
// overflow GraphQL Int.
func MarshalUint32(v uint32) graphql.Marshaler {
	return MarshalUInt64(uint64(v))
}

// UnmarshalUint32 reads an Int64 input as [UnmarshalInt64] does, within
// 0..4294967295. Null reads as 0.
func UnmarshalUint32(v any) (uint32, error) {
	u, err := toUint("Int64", math.MaxUint32, v)
	return uint32(u), err
}

// MarshalInt32Value writes v as a JSON number, or null when v is nil.
func MarshalInt32Value(v *wrapperspb.Int32Value) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return graphql.MarshalInt32(v.GetValue())
}

// UnmarshalInt32Value reads an Int input: a JSON number that is an integer
// within -2147483648..2147483647 (a float input must have no fractional
// part). Strings are rejected, as the GraphQL specification coerces Int.
// Null reads as nil.
func UnmarshalInt32Value(v any) (*wrapperspb.Int32Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, ok := v.(string); ok {
		return nil, inputErr("Int", "want a number, got %s", typeName(v))
	}
	n, err := integer("Int", v)
	if err != nil {
		return nil, err
	}
	if n.huge || (!n.neg && n.mag > math.MaxInt32) || (n.neg && n.mag > -math.MinInt32) {
		return nil, inputErr("Int", "%s is out of range -2147483648..2147483647", n.shown)
	}
	return wrapperspb.Int32(int32(n.int64())), nil
}

// MarshalUInt32Value writes v as [MarshalUint32] does, or null when v is nil.
func MarshalUInt32Value(v *wrapperspb.UInt32Value) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalUint32(v.GetValue())
}

// UnmarshalUInt32Value reads an input as [UnmarshalUint32] does. Null reads
// as nil.
func UnmarshalUInt32Value(v any) (*wrapperspb.UInt32Value, error) {
	if v == nil {
		return nil, nil
	}
	u, err := UnmarshalUint32(v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.UInt32(u), nil
}

// MarshalInt64Value writes v as [MarshalInt64] does, or null when v is nil.
func MarshalInt64Value(v *wrapperspb.Int64Value) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalInt64(v.GetValue())
}

// UnmarshalInt64Value reads an input as [UnmarshalInt64] does. Null reads as
// nil.
func UnmarshalInt64Value(v any) (*wrapperspb.Int64Value, error) {
	if v == nil {
		return nil, nil
	}
	i, err := UnmarshalInt64(v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.Int64(i), nil
}

// MarshalUInt64Value writes v as [MarshalUInt64] does, or null when v is
// nil.
func MarshalUInt64Value(v *wrapperspb.UInt64Value) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalUInt64(v.GetValue())
}

// UnmarshalUInt64Value reads an input as [UnmarshalUInt64] does. Null reads
// as nil.
func UnmarshalUInt64Value(v any) (*wrapperspb.UInt64Value, error) {
	if v == nil {
		return nil, nil
	}
	u, err := UnmarshalUInt64(v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.UInt64(u), nil
}

// toInt64 reads v as an integer within the int64 range.
func toInt64(scalar string, v any) (int64, error) {
	n, err := integer(scalar, v)
	if err != nil {
		return 0, err
	}
	if n.huge || (!n.neg && n.mag > math.MaxInt64) || (n.neg && n.mag > 1<<63) {
		return 0, inputErr(scalar, "%s is out of range -9223372036854775808..9223372036854775807", n.shown)
	}
	return n.int64(), nil
}

// toUint reads v as an integer within 0..maxVal.
func toUint(scalar string, maxVal uint64, v any) (uint64, error) {
	n, err := integer(scalar, v)
	if err != nil {
		return 0, err
	}
	if n.neg && (n.huge || n.mag != 0) {
		return 0, inputErr(scalar, "%s is negative, want 0..%d", n.shown, maxVal)
	}
	if n.huge || n.mag > maxVal {
		return 0, inputErr(scalar, "%s is out of range 0..%d", n.shown, maxVal)
	}
	return n.mag, nil
}

// intInput is an integer input as a sign and a magnitude.
type intInput struct {
	neg   bool
	mag   uint64
	huge  bool   // the magnitude does not fit in a uint64; mag is meaningless
	shown string // the input as an error message shows it
}

// int64 returns the value of n, whose magnitude is at most 2^63 when
// negative and below it otherwise.
func (n intInput) int64() int64 {
	if n.neg {
		return int64(-n.mag) // two's complement: -(2^63) is math.MinInt64
	}
	return int64(n.mag)
}

// integer reads an integer input. It accepts a base-10 string with an
// optional sign, a JSON number and Go integers and floats; a float, or a
// JSON number with a fraction or an exponent, must be an integer within
// ±2^53. Null reads as 0.
func integer(scalar string, v any) (intInput, error) {
	switch x := v.(type) {
	case nil:
		return intInput{shown: "null"}, nil
	case string:
		n, ok := parseDecimal(x)
		n.shown = quote(x)
		if !ok {
			return n, inputErr(scalar, "%s is not a base-10 integer", n.shown)
		}
		return n, nil
	case json.Number:
		if n, ok := parseDecimal(string(x)); ok {
			n.shown = clip(string(x))
			return n, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return intInput{neg: f < 0, huge: true, shown: clip(string(x))}, nil
		case err != nil:
			return intInput{}, inputErr(scalar, "%s is not a number", quote(string(x)))
		case f == 0 && !zeroMantissa(string(x)):
			// ParseFloat rounds a tiny fraction such as 1e-400 to zero.
			return intInput{}, inputErr(scalar, "%s is not an integer", clip(string(x)))
		}
		return fromFloat(scalar, f, clip(string(x)))
	case int:
		return fromInt(int64(x)), nil
	case int8:
		return fromInt(int64(x)), nil
	case int16:
		return fromInt(int64(x)), nil
	case int32:
		return fromInt(int64(x)), nil
	case int64:
		return fromInt(x), nil
	case uint:
		return fromUint(uint64(x)), nil
	case uint8:
		return fromUint(uint64(x)), nil
	case uint16:
		return fromUint(uint64(x)), nil
	case uint32:
		return fromUint(uint64(x)), nil
	case uint64:
		return fromUint(x), nil
	case float32:
		return fromFloat(scalar, float64(x), strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return fromFloat(scalar, x, strconv.FormatFloat(x, 'g', -1, 64))
	default:
		return intInput{}, inputErr(scalar, "want a string or a number, got %s", typeName(v))
	}
}

// parseDecimal reads s as a base-10 integer with an optional sign: digits
// only, no spaces, no underscores, no exponent. It reports false when s has
// another form.
func parseDecimal(s string) (intInput, bool) {
	var n intInput
	digits := s
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		n.neg = digits[0] == '-'
		digits = digits[1:]
	}
	if digits == "" {
		return n, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return n, false
		}
	}
	mag, err := strconv.ParseUint(digits, 10, 64)
	n.mag, n.huge = mag, err != nil // only a range error is left
	return n, true
}

// fromFloat reads f as an integer: it must have no fractional part and lie
// within ±2^53, where floats hold every integer exactly.
func fromFloat(scalar string, f float64, shown string) (intInput, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return intInput{}, inputErr(scalar, "%s is not a finite number", shown)
	case f != math.Trunc(f):
		return intInput{}, inputErr(scalar, "%s is not an integer", shown)
	case math.Abs(f) > maxExactFloat:
		return intInput{}, inputErr(scalar, "%s is beyond ±2^53, where a float may have been rounded: send the exact value as a string", shown)
	}
	return intInput{neg: f < 0, mag: uint64(math.Abs(f)), shown: shown}, nil
}

// fromInt reads a Go signed integer.
func fromInt(i int64) intInput {
	n := intInput{mag: uint64(i), shown: strconv.FormatInt(i, 10)}
	if i < 0 {
		n.neg, n.mag = true, -n.mag // two's complement: right for math.MinInt64 too
	}
	return n
}

// fromUint reads a Go unsigned integer.
func fromUint(u uint64) intInput {
	return intInput{mag: u, shown: strconv.FormatUint(u, 10)}
}

// zeroMantissa reports whether the digits of the number s before its
// exponent are all zeros.
func zeroMantissa(s string) bool {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	return !strings.ContainsAny(s, "123456789")
}
