package scalar_test

import (
	"encoding/json"
	"math"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

func TestMarshalIntegersAsStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"int64 zero", write(t, scalar.MarshalInt64(0)), `"0"`},
		{"int64 negative", write(t, scalar.MarshalInt64(-42)), `"-42"`},
		{"int64 max", write(t, scalar.MarshalInt64(math.MaxInt64)), `"9223372036854775807"`},
		{"int64 min", write(t, scalar.MarshalInt64(math.MinInt64)), `"-9223372036854775808"`},
		{"uint64 zero", write(t, scalar.MarshalUInt64(0)), `"0"`},
		{"uint64 max", write(t, scalar.MarshalUInt64(math.MaxUint64)), `"18446744073709551615"`},
		{"uint32 max", write(t, scalar.MarshalUint32(math.MaxUint32)), `"4294967295"`},
		{"int64 wrapper", write(t, scalar.MarshalInt64Value(wrapperspb.Int64(-7))), `"-7"`},
		{"int64 wrapper nil", write(t, scalar.MarshalInt64Value(nil)), `null`},
		{"uint64 wrapper", write(t, scalar.MarshalUInt64Value(wrapperspb.UInt64(math.MaxUint64))), `"18446744073709551615"`},
		{"uint64 wrapper nil", write(t, scalar.MarshalUInt64Value(nil)), `null`},
		{"uint32 wrapper", write(t, scalar.MarshalUInt32Value(wrapperspb.UInt32(7))), `"7"`},
		{"uint32 wrapper nil", write(t, scalar.MarshalUInt32Value(nil)), `null`},
		{"int32 wrapper is a number", write(t, scalar.MarshalInt32Value(wrapperspb.Int32(math.MinInt32))), `-2147483648`},
		{"int32 wrapper nil", write(t, scalar.MarshalInt32Value(nil)), `null`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: wrote %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestAppendIntegersWritesWhatTheMarshalersWrite(t *testing.T) {
	t.Parallel()
	for _, v := range []int64{0, 1, -1, 42, -42, 1 << 53, math.MaxInt64, math.MinInt64} {
		got, err := scalar.AppendInt64([]byte("x"), v)
		if want := "x" + write(t, scalar.MarshalInt64(v)); err != nil || string(got) != want {
			t.Errorf("AppendInt64(%d) = %s, %v; want %s", v, got, err, want)
		}
	}
	for _, v := range []uint64{0, 1, 42, 1 << 53, math.MaxUint64} {
		got, err := scalar.AppendUInt64([]byte("x"), v)
		if want := "x" + write(t, scalar.MarshalUInt64(v)); err != nil || string(got) != want {
			t.Errorf("AppendUInt64(%d) = %s, %v; want %s", v, got, err, want)
		}
	}
}

func TestUnmarshalInt64(t *testing.T) {
	t.Parallel()
	accepted := []struct {
		name string
		in   any
		want int64
	}{
		{"string", "42", 42},
		{"negative string", "-42", -42},
		{"plus sign", "+42", 42},
		{"leading zeros", "007", 7},
		{"max as string", "9223372036854775807", math.MaxInt64},
		{"min as string", "-9223372036854775808", math.MinInt64},
		{"json number", json.Number("-42"), -42},
		{"json number max", json.Number("9223372036854775807"), math.MaxInt64},
		{"json number with zero fraction", json.Number("42.0"), 42},
		{"json number with exponent", json.Number("1e3"), 1000},
		{"json number zero with tiny exponent", json.Number("0e-400"), 0},
		{"int", 42, 42},
		{"int8", int8(-8), -8},
		{"int16", int16(16), 16},
		{"int32", int32(-32), -32},
		{"int64 min", int64(math.MinInt64), math.MinInt64},
		{"uint", uint(1), 1},
		{"uint8", uint8(8), 8},
		{"uint16", uint16(16), 16},
		{"uint32", uint32(32), 32},
		{"uint64 max int64", uint64(math.MaxInt64), math.MaxInt64},
		{"float64 without fraction", float64(-42), -42},
		{"float32 without fraction", float32(42), 42},
		{"float64 at 2^53", float64(1 << 53), 1 << 53},
		{"null reads as zero", nil, 0},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := scalar.UnmarshalInt64(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("UnmarshalInt64(%#v) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"max+1 as string", "9223372036854775808", `"9223372036854775808" is out of range -9223372036854775808..9223372036854775807`},
		{"min-1 as string", "-9223372036854775809", "out of range"},
		{"beyond uint64 as string", "99999999999999999999999", "out of range"},
		{"empty string", "", `"" is not a base-10 integer`},
		{"sign only", "-", "is not a base-10 integer"},
		{"letters", "12a", `"12a" is not a base-10 integer`},
		{"spaces", " 1", "is not a base-10 integer"},
		{"underscores", "1_000", "is not a base-10 integer"},
		{"hex", "0x10", "is not a base-10 integer"},
		{"fraction in string", "1.5", "is not a base-10 integer"},
		{"exponent in string", "1e3", "is not a base-10 integer"},
		{"json number max+1", json.Number("9223372036854775808"), "out of range"},
		{"json number with fraction", json.Number("1.5"), "1.5 is not an integer"},
		{"json number overflowing float", json.Number("1e400"), "out of range"},
		{"json number underflowing float", json.Number("1e-400"), "1e-400 is not an integer"},
		{"json number beyond 2^53 with exponent", json.Number("1e17"), "send the exact value as a string"},
		{"json number that is not a number", json.Number("abc"), `"abc" is not a number`},
		{"uint64 beyond int64", uint64(math.MaxUint64), "out of range"},
		{"float64 with fraction", 1.5, "1.5 is not an integer"},
		{"float64 beyond 2^53", float64(1<<53 + 2), "beyond ±2^53"},
		{"NaN", math.NaN(), "NaN is not a finite number"},
		{"infinity", math.Inf(-1), "-Inf is not a finite number"},
		{"boolean", true, "want a string or a number, got a boolean"},
		{"object", map[string]any{}, "got an object"},
		{"list", []any{"1"}, "got a list"},
	}
	for _, tt := range rejected {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := scalar.UnmarshalInt64(tt.in)
			if got != 0 {
				t.Errorf("UnmarshalInt64(%#v) = %d with an error, want 0", tt.in, got)
			}
			checkErr(t, err, false, tt.want)
		})
	}
}

func TestUnmarshalUInt64(t *testing.T) {
	t.Parallel()
	accepted := []struct {
		name string
		in   any
		want uint64
	}{
		{"string", "42", 42},
		{"max as string", "18446744073709551615", math.MaxUint64},
		{"max as json number", json.Number("18446744073709551615"), math.MaxUint64},
		{"minus zero", "-0", 0},
		{"uint64 max", uint64(math.MaxUint64), math.MaxUint64},
		{"int", 7, 7},
		{"float64 without fraction", 7.0, 7},
		{"null reads as zero", nil, 0},
	}
	for _, tt := range accepted {
		got, err := scalar.UnmarshalUInt64(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("accepts %s: UnmarshalUInt64(%#v) = %d, %v; want %d", tt.name, tt.in, got, err, tt.want)
		}
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"minus one as string", "-1", `invalid UInt64: "-1" is negative, want 0..18446744073709551615`},
		{"minus one as json number", json.Number("-1"), "-1 is negative"},
		{"minus one as int", -1, "-1 is negative"},
		{"huge negative", "-99999999999999999999999", "is negative"},
		{"negative float", -2.0, "is negative"},
		{"max+1", "18446744073709551616", `"18446744073709551616" is out of range 0..18446744073709551615`},
		{"letters", "x", "is not a base-10 integer"},
		{"boolean", false, "got a boolean"},
	}
	for _, tt := range rejected {
		got, err := scalar.UnmarshalUInt64(tt.in)
		if got != 0 {
			t.Errorf("rejects %s: got %d with the error", tt.name, got)
		}
		checkErr(t, err, false, tt.want)
	}
}

func TestUnmarshalUint32(t *testing.T) {
	t.Parallel()
	for _, in := range []any{"4294967295", json.Number("4294967295"), int64(math.MaxUint32), uint32(math.MaxUint32)} {
		if got, err := scalar.UnmarshalUint32(in); err != nil || got != math.MaxUint32 {
			t.Errorf("UnmarshalUint32(%#v) = %d, %v; want 4294967295", in, got, err)
		}
	}
	rejected := []struct {
		in   any
		want string
	}{
		{"4294967296", `invalid Int64: "4294967296" is out of range 0..4294967295`},
		{json.Number("-1"), "-1 is negative, want 0..4294967295"},
		{int64(1 << 40), "out of range 0..4294967295"},
		{"1.0", "is not a base-10 integer"},
	}
	for _, tt := range rejected {
		_, err := scalar.UnmarshalUint32(tt.in)
		checkErr(t, err, false, tt.want)
	}
}

func TestUnmarshalIntegerWrappers(t *testing.T) {
	t.Parallel()
	if v, err := scalar.UnmarshalInt64Value("-5"); err != nil || v.GetValue() != -5 {
		t.Errorf("UnmarshalInt64Value(-5) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalUInt64Value("18446744073709551615"); err != nil || v.GetValue() != math.MaxUint64 {
		t.Errorf("UnmarshalUInt64Value(max) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalUInt32Value(json.Number("7")); err != nil || v.GetValue() != 7 {
		t.Errorf("UnmarshalUInt32Value(7) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalInt32Value(json.Number("-2147483648")); err != nil || v.GetValue() != math.MinInt32 {
		t.Errorf("UnmarshalInt32Value(min) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalInt32Value(int64(math.MaxInt32)); err != nil || v.GetValue() != math.MaxInt32 {
		t.Errorf("UnmarshalInt32Value(max) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalInt64Value(nil); v != nil || err != nil {
		t.Errorf("UnmarshalInt64Value(nil) = %v, %v; want nil, nil", v, err)
	}
	if v, err := scalar.UnmarshalUInt64Value(nil); v != nil || err != nil {
		t.Errorf("UnmarshalUInt64Value(nil) = %v, %v; want nil, nil", v, err)
	}
	if v, err := scalar.UnmarshalUInt32Value(nil); v != nil || err != nil {
		t.Errorf("UnmarshalUInt32Value(nil) = %v, %v; want nil, nil", v, err)
	}
	if v, err := scalar.UnmarshalInt32Value(nil); v != nil || err != nil {
		t.Errorf("UnmarshalInt32Value(nil) = %v, %v; want nil, nil", v, err)
	}
	rejected := []struct {
		name string
		err  error
		want string
	}{
		{"int64 wrapper out of range", second(scalar.UnmarshalInt64Value("9223372036854775808")), "out of range"},
		{"uint64 wrapper negative", second(scalar.UnmarshalUInt64Value("-1")), "is negative"},
		{"uint32 wrapper out of range", second(scalar.UnmarshalUInt32Value("4294967296")), "out of range 0..4294967295"},
		{"int32 wrapper takes no strings", second(scalar.UnmarshalInt32Value("5")), "invalid Int: want a number, got a string"},
		{"int32 wrapper above max", second(scalar.UnmarshalInt32Value(json.Number("2147483648"))), "2147483648 is out of range -2147483648..2147483647"},
		{"int32 wrapper below min", second(scalar.UnmarshalInt32Value(int64(math.MinInt32 - 1))), "out of range"},
		{"int32 wrapper with fraction", second(scalar.UnmarshalInt32Value(1.5)), "1.5 is not an integer"},
		{"int32 wrapper beyond uint64", second(scalar.UnmarshalInt32Value(json.Number("1e30"))), "beyond ±2^53"},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err, false, tt.want) })
	}
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }
