package scalar_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

func TestMarshalBytes(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"nil is empty", nil, `""`},
		{"empty", []byte{}, `""`},
		{"one padding", []byte("hi"), `"aGk="`},
		{"two paddings", []byte("h"), `"aA=="`},
		{"no padding", []byte("hey"), `"aGV5"`},
		{"standard alphabet", []byte{0xfb, 0xff}, `"+/8="`},
	}
	for _, tt := range tests {
		if got := write(t, scalar.MarshalBytes(tt.in)); got != tt.want {
			t.Errorf("%s: MarshalBytes(%q) wrote %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
	var s string
	if err := json.Unmarshal([]byte(write(t, scalar.MarshalBytes(all))), &s); err != nil {
		t.Fatal(err)
	}
	back, err := scalar.UnmarshalBytes(s)
	if err != nil || !bytes.Equal(back, all) {
		t.Errorf("every byte value does not round trip: %v", err)
	}
	if got := write(t, scalar.MarshalBytesValue(wrapperspb.Bytes([]byte("hi")))); got != `"aGk="` {
		t.Errorf("MarshalBytesValue wrote %s", got)
	}
	if got := write(t, scalar.MarshalBytesValue(nil)); got != "null" {
		t.Errorf("MarshalBytesValue(nil) wrote %s, want null", got)
	}
}

func TestUnmarshalBytes(t *testing.T) {
	t.Parallel()
	accepted := []struct {
		name string
		in   string
		want []byte
	}{
		{"one padding", "aGk=", []byte("hi")},
		{"two paddings", "aA==", []byte("h")},
		{"no padding needed", "aGV5", []byte("hey")},
		{"standard alphabet", "+/8=", []byte{0xfb, 0xff}},
	}
	for _, tt := range accepted {
		got, err := scalar.UnmarshalBytes(tt.in)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("accepts %s: UnmarshalBytes(%q) = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
	if got, err := scalar.UnmarshalBytes(""); err != nil || got == nil || len(got) != 0 {
		t.Errorf(`UnmarshalBytes("") = %#v, %v; want an empty non-nil slice`, got, err)
	}
	if got, err := scalar.UnmarshalBytes(nil); err != nil || got != nil {
		t.Errorf("UnmarshalBytes(nil) = %#v, %v; want nil", got, err)
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"missing padding", "aGk", "not standard base64 with padding"},
		{"non-zero padding bits", "aGl=", "not standard base64 with padding: bad data at offset"},
		{"url alphabet", "-_8=", "bad data at offset 0"},
		{"space", "aG k=", "bad data at offset 2"},
		{"line break", "aGk=\n", "line break at offset 4"},
		{"carriage return", "aG\rk=", "line break at offset 2"},
		{"data after padding", "aGk=aGk=", "bad data"},
		{"number", json.Number("1"), "invalid Bytes: want a base64 string, got a number"},
		{"list of bytes", []any{1, 2}, "got a list"},
	}
	for _, tt := range rejected {
		got, err := scalar.UnmarshalBytes(tt.in)
		if got != nil {
			t.Errorf("rejects %s: got %q with the error", tt.name, got)
		}
		checkErr(t, err, false, tt.want)
	}
	if v, err := scalar.UnmarshalBytesValue("aGk="); err != nil || string(v.GetValue()) != "hi" {
		t.Errorf("UnmarshalBytesValue = %v, %v", v, err)
	}
	if v, err := scalar.UnmarshalBytesValue(nil); v != nil || err != nil {
		t.Errorf("UnmarshalBytesValue(nil) = %v, %v; want nil, nil", v, err)
	}
	checkErr(t, second(scalar.UnmarshalBytesValue("!")), false, "not standard base64")
}
