package scalar_test

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

func TestStringValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *wrapperspb.StringValue
		want string
	}{
		{nil, "null"},
		{wrapperspb.String(""), `""`},
		{wrapperspb.String("a \"quoted\"\n\ttext\\ \x01 é"), `"a \"quoted\"\n\ttext\\ \u0001 é"`},
	}
	for _, tt := range tests {
		if got := write(t, scalar.MarshalStringValue(tt.in)); got != tt.want {
			t.Errorf("MarshalStringValue(%v) wrote %s, want %s", tt.in, got, tt.want)
		}
	}
	if v, err := scalar.UnmarshalStringValue("x"); err != nil || v.GetValue() != "x" {
		t.Errorf(`UnmarshalStringValue("x") = %v, %v`, v, err)
	}
	if v, err := scalar.UnmarshalStringValue(""); err != nil || v == nil || v.GetValue() != "" {
		t.Errorf(`UnmarshalStringValue("") = %v, %v; want an empty, non-nil wrapper`, v, err)
	}
	if v, err := scalar.UnmarshalStringValue(nil); v != nil || err != nil {
		t.Errorf("UnmarshalStringValue(nil) = %v, %v; want nil, nil", v, err)
	}
	checkErr(t, second(scalar.UnmarshalStringValue(json.Number("5"))), false, "invalid String: want a string, got a number")
	checkErr(t, second(scalar.UnmarshalStringValue(true)), false, "got a boolean")
}

func TestBoolValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[*wrapperspb.BoolValue]string{nil: "null", wrapperspb.Bool(true): "true", wrapperspb.Bool(false): "false"} {
		if got := write(t, scalar.MarshalBoolValue(in)); got != want {
			t.Errorf("MarshalBoolValue(%v) wrote %s, want %s", in, got, want)
		}
	}
	if v, err := scalar.UnmarshalBoolValue(false); err != nil || v == nil || v.GetValue() {
		t.Errorf("UnmarshalBoolValue(false) = %v, %v; want a false, non-nil wrapper", v, err)
	}
	if v, err := scalar.UnmarshalBoolValue(true); err != nil || !v.GetValue() {
		t.Errorf("UnmarshalBoolValue(true) = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalBoolValue(nil); v != nil || err != nil {
		t.Errorf("UnmarshalBoolValue(nil) = %v, %v; want nil, nil", v, err)
	}
	checkErr(t, second(scalar.UnmarshalBoolValue("true")), false, "invalid Boolean: want true or false, got a string")
	checkErr(t, second(scalar.UnmarshalBoolValue(1)), false, "got a number")
}
