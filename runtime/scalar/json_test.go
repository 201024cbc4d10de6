package scalar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/scalar"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestJSONScalars(t *testing.T) {
	ctx := context.Background()
	render := func(t *testing.T, f func(w *bytes.Buffer) error) string {
		t.Helper()
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	s, _ := structpb.NewStruct(map[string]any{"a": 1.5, "b": []any{"x", true, nil}, "c": map[string]any{}})
	d, _ := anypb.New(durationpb.New(1500_000_000))
	tests := []struct {
		name, got, want string
	}{
		{"struct is an object", render(t, func(w *bytes.Buffer) error { return scalar.MarshalStruct(s).MarshalGQLContext(ctx, w) }), `{"a":1.5,"b":["x",true,null],"c":{}}`},
		{"nil struct is null", render(t, func(w *bytes.Buffer) error { return scalar.MarshalStruct(nil).MarshalGQLContext(ctx, w) }), `null`},
		{"value holds any JSON", render(t, func(w *bytes.Buffer) error {
			return scalar.MarshalValue(structpb.NewStringValue("hi")).MarshalGQLContext(ctx, w)
		}), `"hi"`},
		{"any carries @type", render(t, func(w *bytes.Buffer) error { return scalar.MarshalAny(d).MarshalGQLContext(ctx, w) }), `{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b any
			if json.Unmarshal([]byte(tt.got), &a) != nil || json.Unmarshal([]byte(tt.want), &b) != nil {
				t.Fatalf("invalid JSON: %s", tt.got)
			}
			if ga, _ := json.Marshal(a); string(ga) != func() string { gb, _ := json.Marshal(b); return string(gb) }() {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
	t.Run("input round trip with json.Number, as gqlgen decodes", func(t *testing.T) {
		in := map[string]any{"n": json.Number("12345678901"), "l": []any{json.Number("1.5")}}
		got, err := scalar.UnmarshalStruct(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := structpb.NewStruct(map[string]any{"n": 12345678901.0, "l": []any{1.5}})
		if !proto.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a non-object is not a Struct", func(t *testing.T) {
		if _, err := scalar.UnmarshalStruct(ctx, "x"); err == nil || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an Any of an unknown type is an input error", func(t *testing.T) {
		if _, err := scalar.UnmarshalAny(ctx, map[string]any{"@type": "type.googleapis.com/nope.Nope"}); err == nil {
			t.Error("want an error")
		}
	})
}
