package scalar

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// MarshalFloat writes v as a JSON number in the form encoding/json and
// JavaScript use: the shortest decimal that reads back as v, with an
// exponent only below 1e-6 and from 1e21 on (1000000, 1.5, 1e+21). NaN and
// ±Inf have no JSON form: the field gets an INTERNAL error and null.
func MarshalFloat(v float64) graphql.ContextMarshaler {
	return floatMarshaler(v, 64)
}

// UnmarshalFloat reads a Float input: a JSON number or a Go integer or
// float; strings are rejected, as the GraphQL specification coerces Float.
// A number beyond the float64 range is an error. Null reads as 0.
func UnmarshalFloat(_ context.Context, v any) (float64, error) {
	return toFloat(v, 64)
}

// MarshalFloat32 writes v as [MarshalFloat] does, with the shortest decimal
// that reads back as the same float32 (0.1, not 0.10000000149011612).
func MarshalFloat32(v float32) graphql.ContextMarshaler {
	return floatMarshaler(float64(v), 32)
}

// UnmarshalFloat32 reads a Float input as [UnmarshalFloat] does, rounded to
// the nearest float32; a number beyond ±3.4028234663852886e+38 is an error.
// Null reads as 0.
func UnmarshalFloat32(_ context.Context, v any) (float32, error) {
	f, err := toFloat(v, 32)
	return float32(f), err
}

// MarshalFloatValue writes v as [MarshalFloat32] does, or null when v is
// nil.
func MarshalFloatValue(v *wrapperspb.FloatValue) graphql.ContextMarshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalFloat32(v.GetValue())
}

// UnmarshalFloatValue reads an input as [UnmarshalFloat32] does. Null reads
// as nil.
func UnmarshalFloatValue(ctx context.Context, v any) (*wrapperspb.FloatValue, error) {
	if v == nil {
		return nil, nil
	}
	f, err := UnmarshalFloat32(ctx, v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.Float(f), nil
}

// MarshalDoubleValue writes v as [MarshalFloat] does, or null when v is nil.
func MarshalDoubleValue(v *wrapperspb.DoubleValue) graphql.ContextMarshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalFloat(v.GetValue())
}

// UnmarshalDoubleValue reads an input as [UnmarshalFloat] does. Null reads
// as nil.
func UnmarshalDoubleValue(ctx context.Context, v any) (*wrapperspb.DoubleValue, error) {
	if v == nil {
		return nil, nil
	}
	f, err := UnmarshalFloat(ctx, v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.Double(f), nil
}

// floatMarshaler writes f, a float of the given bit size, as a JSON number.
func floatMarshaler(f float64, bits int) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return outputErr("Float", "%v has no JSON form", f)
		}
		var buf [32]byte
		_, _ = w.Write(appendFloat(buf[:0], f, bits))
		return nil
	})
}

// appendFloat appends the JSON form of the finite float f of the given bit
// size, as encoding/json writes it (ES6 number to string).
func appendFloat(b []byte, f float64, bits int) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// toFloat reads a Float input as a float of the given bit size.
func toFloat(v any, bits int) (float64, error) {
	var f float64
	shown := ""
	switch x := v.(type) {
	case nil:
		return 0, nil
	case json.Number:
		var err error
		f, err = strconv.ParseFloat(string(x), bits)
		shown = clip(string(x))
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, inputErr("Float", "%s is out of range", shown)
		case err != nil:
			return 0, inputErr("Float", "%s is not a number", quote(string(x)))
		}
		return f, nil
	case float64:
		f, shown = x, strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		f, shown = float64(x), strconv.FormatFloat(float64(x), 'g', -1, 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		n, err := integer("Float", x)
		if err != nil {
			return 0, err
		}
		f = float64(n.mag)
		if n.neg {
			f = -f
		}
		return f, nil
	default:
		return 0, inputErr("Float", "want a number, got %s", typeName(v))
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, inputErr("Float", "%s is not a finite number", shown)
	case bits == 32 && math.Abs(f) > math.MaxFloat32:
		return 0, inputErr("Float", "%s is out of range", shown)
	}
	return f, nil
}
