package scalar_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

func TestMarshalFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"zero", 0, "0"},
		{"negative zero", math.Copysign(0, -1), "-0"},
		{"fraction", 1.5, "1.5"},
		{"integer without exponent", 1e6, "1000000"},
		{"large integer without exponent", 1e20, "100000000000000000000"},
		{"exponent from 1e21", 1e21, "1e+21"},
		{"small without exponent", 1e-6, "0.000001"},
		{"exponent below 1e-6", 1e-7, "1e-7"},
		{"max float64", math.MaxFloat64, "1.7976931348623157e+308"},
		{"smallest float64", math.SmallestNonzeroFloat64, "5e-324"},
		{"negative", -2.25, "-2.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := writeCtx(t, scalar.MarshalFloat(tt.in))
			if err != nil || got != tt.want {
				t.Errorf("MarshalFloat(%v) wrote %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if back, err := strconv.ParseFloat(got, 64); err != nil || back != tt.in {
				t.Errorf("MarshalFloat(%v) wrote %q, which reads back as %v, %v", tt.in, got, back, err)
			}
		})
	}
}

func TestMarshalFloat32UsesShortestFloat32Form(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float32
		want string
	}{
		{0.1, "0.1"},
		{math.MaxFloat32, "3.4028235e+38"},
		{1e-7, "1e-7"},
		{16777216, "16777216"},
	}
	for _, tt := range tests {
		got, err := writeCtx(t, scalar.MarshalFloat32(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("MarshalFloat32(%v) wrote %q, %v; want %q", tt.in, got, err, tt.want)
		}
		got, err = writeCtx(t, scalar.MarshalFloatValue(wrapperspb.Float(tt.in)))
		if err != nil || got != tt.want {
			t.Errorf("MarshalFloatValue(%v) wrote %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestMarshalFloatRejectsNonFiniteValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"NaN", second(writeCtx(t, scalar.MarshalFloat(math.NaN()))), "cannot write Float: NaN has no JSON form"},
		{"+Inf", second(writeCtx(t, scalar.MarshalFloat(math.Inf(1)))), "+Inf has no JSON form"},
		{"-Inf", second(writeCtx(t, scalar.MarshalFloat(math.Inf(-1)))), "-Inf has no JSON form"},
		{"float32 NaN", second(writeCtx(t, scalar.MarshalFloat32(float32(math.NaN())))), "NaN has no JSON form"},
		{"float32 Inf", second(writeCtx(t, scalar.MarshalFloat32(float32(math.Inf(1))))), "+Inf has no JSON form"},
		{"FloatValue NaN", second(writeCtx(t, scalar.MarshalFloatValue(wrapperspb.Float(float32(math.NaN()))))), "NaN"},
		{"DoubleValue Inf", second(writeCtx(t, scalar.MarshalDoubleValue(wrapperspb.Double(math.Inf(1))))), "+Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkErr(t, tt.err, true, tt.want) })
	}
}

func TestMarshalFloatWrappers(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]string{
		"nil FloatValue":  must(writeCtx(t, scalar.MarshalFloatValue(nil))),
		"nil DoubleValue": must(writeCtx(t, scalar.MarshalDoubleValue(nil))),
	} {
		if m != "null" {
			t.Errorf("%s wrote %q, want null", name, m)
		}
	}
	if got := must(writeCtx(t, scalar.MarshalDoubleValue(wrapperspb.Double(0.1)))); got != "0.1" {
		t.Errorf("MarshalDoubleValue(0.1) wrote %q", got)
	}
}

func TestUnmarshalFloat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	accepted := []struct {
		name string
		in   any
		want float64
	}{
		{"json number", json.Number("1.5"), 1.5},
		{"json integer", json.Number("-3"), -3},
		{"json exponent", json.Number("1e300"), 1e300},
		{"json underflow reads as zero", json.Number("1e-400"), 0},
		{"float64", 2.5, 2.5},
		{"float32", float32(0.5), 0.5},
		{"int", 7, 7},
		{"int64 min", int64(math.MinInt64), math.MinInt64},
		{"uint64 max", uint64(math.MaxUint64), math.MaxUint64},
		{"null reads as zero", nil, 0},
	}
	for _, tt := range accepted {
		got, err := scalar.UnmarshalFloat(ctx, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("accepts %s: UnmarshalFloat(%#v) = %v, %v; want %v", tt.name, tt.in, got, err, tt.want)
		}
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"string", "1.5", "invalid Float: want a number, got a string"},
		{"boolean", true, "got a boolean"},
		{"json overflow", json.Number("1e400"), "1e400 is out of range"},
		{"json garbage", json.Number("x"), `"x" is not a number`},
		{"NaN", math.NaN(), "NaN is not a finite number"},
		{"Inf", math.Inf(1), "+Inf is not a finite number"},
	}
	for _, tt := range rejected {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			got, err := scalar.UnmarshalFloat(ctx, tt.in)
			if got != 0 {
				t.Errorf("got %v with the error, want 0", got)
			}
			checkErr(t, err, false, tt.want)
		})
	}
}

func TestUnmarshalFloat32(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	accepted := []struct {
		in   any
		want float32
	}{
		{json.Number("0.1"), 0.1},
		{json.Number("3.4028234663852886e38"), math.MaxFloat32},
		{0.1, 0.1},
		{float32(0.25), 0.25},
		{3, 3},
		{nil, 0},
	}
	for _, tt := range accepted {
		got, err := scalar.UnmarshalFloat32(ctx, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("UnmarshalFloat32(%#v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	rejected := []struct {
		in   any
		want string
	}{
		{json.Number("3.5e38"), "3.5e38 is out of range"},
		{1e39, "1e+39 is out of range"},
		{"0.1", "want a number"},
	}
	for _, tt := range rejected {
		_, err := scalar.UnmarshalFloat32(ctx, tt.in)
		checkErr(t, err, false, tt.want)
	}
}

func TestUnmarshalFloatWrappers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if v, err := scalar.UnmarshalFloatValue(ctx, json.Number("0.5")); err != nil || v.GetValue() != 0.5 {
		t.Errorf("UnmarshalFloatValue(0.5) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalDoubleValue(ctx, json.Number("0.1")); err != nil || v.GetValue() != 0.1 {
		t.Errorf("UnmarshalDoubleValue(0.1) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalFloatValue(ctx, nil); v != nil || err != nil {
		t.Errorf("UnmarshalFloatValue(nil) = %v, %v; want nil, nil", v, err)
	}
	if v, err := scalar.UnmarshalDoubleValue(ctx, nil); v != nil || err != nil {
		t.Errorf("UnmarshalDoubleValue(nil) = %v, %v; want nil, nil", v, err)
	}
	checkErr(t, second(scalar.UnmarshalFloatValue(ctx, json.Number("1e39"))), false, "out of range")
	checkErr(t, second(scalar.UnmarshalDoubleValue(ctx, "1")), false, "want a number")
}

// must returns the value of a call that must not fail.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
