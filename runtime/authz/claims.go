package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/bffgen/bffgen/runtime/request"
)

// ClaimValue lists the Go types a claim converts to: the types of the claim
// types of bffgen.yaml (string, bool, int32, int64, uint32, uint64, float,
// double) and lists of them.
type ClaimValue interface {
	string | bool | int32 | int64 | uint32 | uint64 | float32 | float64 |
		[]string | []bool | []int32 | []int64 | []uint32 | []uint64 | []float32 | []float64
}

// Claim returns the claim name of the caller's credential
// (request.Principal.Claims) as a T, for a $claims.<name> source. Claims are
// JSON-decoded: a number arrives as a float64 or a json.Number (Go integer
// types are accepted too) and converts to an integer type only when it is
// whole and in the type's range; a float32 takes a float64 in its range; a
// string claim is never parsed as a number; a list is a JSON array whose
// every element converts. The error, an [*Error] with code
// UNAUTHENTICATED, names the claim but not its value; it is returned for an
// anonymous caller (no Subject), a missing claim, a null claim, and a
// value that does not convert.
func Claim[T ClaimValue](ctx context.Context, name string) (T, error) {
	var out T
	p := request.PrincipalOf(ctx)
	if p.Anonymous() {
		return out, unauthenticated(fmt.Sprintf("authentication required (the request needs claim %q)", name))
	}
	v, ok := p.Claims[name]
	if !ok || v == nil {
		return out, unauthenticated(fmt.Sprintf("the credential has no claim %q", name))
	}
	var err error
	switch o := any(&out).(type) {
	case *string:
		*o, err = toString(v)
	case *bool:
		*o, err = toBool(v)
	case *int32:
		*o, err = toInt32(v)
	case *int64:
		*o, err = toInt64(v)
	case *uint32:
		*o, err = toUint32(v)
	case *uint64:
		*o, err = toUint64(v)
	case *float32:
		*o, err = toFloat32(v)
	case *float64:
		*o, err = toFloat64(v)
	case *[]string:
		*o, err = toList(v, toString)
	case *[]bool:
		*o, err = toList(v, toBool)
	case *[]int32:
		*o, err = toList(v, toInt32)
	case *[]int64:
		*o, err = toList(v, toInt64)
	case *[]uint32:
		*o, err = toList(v, toUint32)
	case *[]uint64:
		*o, err = toList(v, toUint64)
	case *[]float32:
		*o, err = toList(v, toFloat32)
	case *[]float64:
		*o, err = toList(v, toFloat64)
	}
	if err != nil {
		var zero T
		return zero, unauthenticated(fmt.Sprintf("claim %q %v", name, err))
	}
	return out, nil
}

// errType is the conversion error: "is not <what>".
type errType string

func (e errType) Error() string { return "is not " + string(e) }

func toString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", errType("a string")
}

func toBool(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, errType("a boolean")
}

// number is v as an exact integer (i for signed, u for unsigned, with
// which ones are valid) or a float.
type number struct {
	i             int64
	u             uint64
	f             float64
	iOK, uOK, fOK bool
}

func toNumber(v any) (number, bool) {
	var n number
	switch x := v.(type) {
	case float64:
		n.f, n.fOK = x, true
		if !math.IsNaN(x) && !math.IsInf(x, 0) && x == math.Trunc(x) {
			// 2^63 and 2^64 are exact float64 values; below them every
			// whole float64 converts without loss.
			if x >= -(1<<63) && x < 1<<63 {
				n.i, n.iOK = int64(x), true
			}
			if x >= 0 && x < 1<<64 {
				n.u, n.uOK = uint64(x), true
			}
		}
	case float32:
		return toNumber(float64(x))
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			n.i, n.iOK = i, true
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			n.u, n.uOK = u, true
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			n.f, n.fOK = f, true
			if !n.iOK && !n.uOK && f == math.Trunc(f) {
				// "1e3" or "42.0": whole, written as a float.
				return toNumber(f)
			}
		}
		if !n.fOK && !n.iOK && !n.uOK {
			return n, false
		}
	case int:
		return toNumber(int64(x))
	case int32:
		return toNumber(int64(x))
	case int64:
		n.i, n.iOK, n.f, n.fOK = x, true, float64(x), true
		if x >= 0 {
			n.u, n.uOK = uint64(x), true
		}
	case uint32:
		return toNumber(uint64(x))
	case uint:
		return toNumber(uint64(x))
	case uint64:
		n.u, n.uOK, n.f, n.fOK = x, true, float64(x), true
		if x <= math.MaxInt64 {
			n.i, n.iOK = int64(x), true
		}
	default:
		return n, false
	}
	return n, true
}

func toInt64(v any) (int64, error) {
	n, ok := toNumber(v)
	if !ok || !n.iOK {
		return 0, errType("a whole number in the range of int64")
	}
	return n.i, nil
}

func toInt32(v any) (int32, error) {
	n, ok := toNumber(v)
	if !ok || !n.iOK || n.i < math.MinInt32 || n.i > math.MaxInt32 {
		return 0, errType("a whole number in the range of int32")
	}
	return int32(n.i), nil
}

func toUint64(v any) (uint64, error) {
	n, ok := toNumber(v)
	if !ok || !n.uOK {
		return 0, errType("a whole number in the range of uint64")
	}
	return n.u, nil
}

func toUint32(v any) (uint32, error) {
	n, ok := toNumber(v)
	if !ok || !n.uOK || n.u > math.MaxUint32 {
		return 0, errType("a whole number in the range of uint32")
	}
	return uint32(n.u), nil
}

func toFloat64(v any) (float64, error) {
	n, ok := toNumber(v)
	if !ok || !n.fOK || math.IsNaN(n.f) || math.IsInf(n.f, 0) {
		return 0, errType("a finite number")
	}
	return n.f, nil
}

func toFloat32(v any) (float32, error) {
	f, err := toFloat64(v)
	if err != nil || math.Abs(f) > math.MaxFloat32 {
		return 0, errType("a finite number in the range of float")
	}
	return float32(f), nil
}

func toList[E any](v any, conv func(any) (E, error)) ([]E, error) {
	switch xs := v.(type) {
	case []any:
		out := make([]E, 0, len(xs))
		for i, x := range xs {
			e, err := conv(x)
			if err != nil {
				return nil, fmt.Errorf("element %d %w", i, err)
			}
			out = append(out, e)
		}
		return out, nil
	case []string:
		return toList(anySlice(xs), conv)
	}
	return nil, errType("a list")
}

func anySlice[E any](xs []E) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
