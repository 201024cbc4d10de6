package scalar

import (
	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// MarshalStringValue writes v as a JSON string, or null when v is nil.
func MarshalStringValue(v *wrapperspb.StringValue) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return graphql.MarshalString(v.GetValue())
}

// UnmarshalStringValue reads a String input: only a string, as the GraphQL
// specification coerces String. Null reads as nil.
func UnmarshalStringValue(v any) (*wrapperspb.StringValue, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return wrapperspb.String(x), nil
	default:
		return nil, inputErr("String", "want a string, got %s", typeName(v))
	}
}

// MarshalBoolValue writes v as true or false, or null when v is nil.
func MarshalBoolValue(v *wrapperspb.BoolValue) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return graphql.MarshalBoolean(v.GetValue())
}

// UnmarshalBoolValue reads a Boolean input: only true or false, as the
// GraphQL specification coerces Boolean. Null reads as nil.
func UnmarshalBoolValue(v any) (*wrapperspb.BoolValue, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return wrapperspb.Bool(x), nil
	default:
		return nil, inputErr("Boolean", "want true or false, got %s", typeName(v))
	}
}
