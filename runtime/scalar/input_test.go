package scalar_test

import (
	"errors"
	"testing"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/scalar"
)

func TestToUint32(t *testing.T) {
	for _, c := range []struct {
		name string
		in   int64
		want uint32
		err  string
	}{
		{"zero", 0, 0, ""},
		{"largest", 4294967295, 4294967295, ""},
		{"one past the largest", 4294967296, 0, "invalid Int64: 4294967296 is out of range 0..4294967295 of a uint32 field"},
		{"negative", -1, 0, "invalid Int64: -1 is out of range 0..4294967295 of a uint32 field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := scalar.ToUint32(c.in)
			switch {
			case c.err == "" && (err != nil || got != c.want):
				t.Errorf("ToUint32(%d) = %d, %v; want %d", c.in, got, err, c.want)
			case c.err != "" && (err == nil || err.Error() != c.err):
				t.Errorf("ToUint32(%d) error = %v; want %q", c.in, err, c.err)
			case c.err != "" && errcode.Code(err) != errcode.BadUserInput:
				t.Errorf("code = %s, want BAD_USER_INPUT", errcode.Code(err))
			}
		})
	}
}

func TestOneofConflict(t *testing.T) {
	err := scalar.OneofConflict("shop.v1.Search.filter")
	var se *scalar.Error
	if !errors.As(err, &se) || errcode.Code(err) != errcode.BadUserInput {
		t.Fatalf("err = %#v, want a *scalar.Error with BAD_USER_INPUT", err)
	}
	if want := "invalid input: more than one member of oneof shop.v1.Search.filter is set; set at most one"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
