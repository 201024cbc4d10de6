package scalar

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// marshalJSON writes a well-known message in its protojson form, which for
// Struct, Value and ListValue is plain JSON and for Any is the message's
// JSON with an "@type" member. nil writes null.
func marshalJSON(m proto.Message, isNil bool, scalar string) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if isNil {
			_, err := io.WriteString(w, "null")
			return err
		}
		out, err := protojson.Marshal(m)
		if err != nil {
			return &Error{Scalar: scalar, Output: true, Reason: err.Error()}
		}
		_, err = w.Write(out)
		return err
	})
}

// unmarshalJSON reads a GraphQL input value (as gqlgen decodes JSON: maps,
// slices, json.Number, strings, booleans, nil) into m through its protojson
// form.
func unmarshalJSON(v any, m proto.Message, scalar string) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return &Error{Scalar: scalar, Reason: fmt.Sprintf("not JSON: %v", err)}
	}
	if err := protojson.Unmarshal(raw, m); err != nil {
		return &Error{Scalar: scalar, Reason: err.Error()}
	}
	return nil
}

// MarshalStruct writes a google.protobuf.Struct as a JSON object (scalar
// JSON); nil is null.
func MarshalStruct(v *structpb.Struct) graphql.ContextMarshaler {
	return marshalJSON(v, v == nil, "JSON")
}

// UnmarshalStruct reads a JSON object into a google.protobuf.Struct; any
// other JSON value is an error.
func UnmarshalStruct(_ context.Context, v any) (*structpb.Struct, error) {
	s := &structpb.Struct{}
	if err := unmarshalJSON(v, s, "JSON"); err != nil {
		return nil, err
	}
	return s, nil
}

// MarshalValue writes a google.protobuf.Value as the JSON value it holds
// (scalar JSON); a nil Value is null, as is a Value holding null.
func MarshalValue(v *structpb.Value) graphql.ContextMarshaler {
	return marshalJSON(v, v == nil, "JSON")
}

// UnmarshalValue reads any JSON value into a google.protobuf.Value.
func UnmarshalValue(_ context.Context, v any) (*structpb.Value, error) {
	out := &structpb.Value{}
	if err := unmarshalJSON(v, out, "JSON"); err != nil {
		return nil, err
	}
	return out, nil
}

// MarshalListValue writes a google.protobuf.ListValue as a JSON array
// (scalar JSON); nil is null.
func MarshalListValue(v *structpb.ListValue) graphql.ContextMarshaler {
	return marshalJSON(v, v == nil, "JSON")
}

// UnmarshalListValue reads a JSON array into a google.protobuf.ListValue.
func UnmarshalListValue(_ context.Context, v any) (*structpb.ListValue, error) {
	out := &structpb.ListValue{}
	if err := unmarshalJSON(v, out, "JSON"); err != nil {
		return nil, err
	}
	return out, nil
}

// MarshalAny writes a google.protobuf.Any as the JSON of the message it
// holds with an "@type" member (scalar JSON); nil is null. A type the
// service does not link in cannot be written: that is a field error.
func MarshalAny(v *anypb.Any) graphql.ContextMarshaler { return marshalJSON(v, v == nil, "JSON") }

// UnmarshalAny reads a JSON object with an "@type" member naming a message
// type the service links in.
func UnmarshalAny(_ context.Context, v any) (*anypb.Any, error) {
	out := &anypb.Any{}
	if err := unmarshalJSON(v, out, "JSON"); err != nil {
		return nil, err
	}
	return out, nil
}
