// Package scalar holds the GraphQL scalars of the proto mapping as gqlgen
// function marshalers: for a Go model "github.com/bffgen/bffgen/runtime/scalar.Name"
// gqlgen calls MarshalName to write a value and UnmarshalName to read one.
//
// The scalars, their Go types and their JSON forms:
//
//	model        Go type                  GraphQL   JSON output
//	Int64        int64                    Int64     "-42" (a string, as protojson writes 64-bit integers)
//	UInt64       uint64                   UInt64    "42"
//	Uint32       uint32                   Int64     "42" (uint32 and fixed32 overflow GraphQL Int)
//	Float        float64                  Float     1.5
//	Float32      float32                  Float     1.5 (shortest form that reads back as the same float32)
//	Bytes        []byte                   Bytes     "aGk=" (standard base64 with padding)
//	DateTime     *timestamppb.Timestamp   DateTime  "2024-05-01T12:00:00.500Z"
//	Duration     *durationpb.Duration     Duration  "1.5s"
//	StringValue  *wrapperspb.StringValue  String    "text"
//	BoolValue    *wrapperspb.BoolValue    Boolean   true
//	Int32Value   *wrapperspb.Int32Value   Int       42
//	UInt32Value  *wrapperspb.UInt32Value  Int64     "42"
//	Int64Value   *wrapperspb.Int64Value   Int64     "-42"
//	UInt64Value  *wrapperspb.UInt64Value  UInt64    "42"
//	FloatValue   *wrapperspb.FloatValue   Float     1.5
//	DoubleValue  *wrapperspb.DoubleValue  Float     1.5
//	BytesValue   *wrapperspb.BytesValue   Bytes     "aGk="
//
// GraphQL Int, String and Boolean fields of non-wrapper type use gqlgen's own
// graphql.Int32, graphql.String and graphql.Boolean.
//
// # Null
//
// The pointer types write null for nil, and read null as nil. The value
// types read null as their zero value, as gqlgen's built-in scalars do: a
// null for a non-null argument is rejected by validation before any
// unmarshaler runs, so a null only reaches them for a nullable GraphQL type
// bound to a Go value type, where the proto3 zero value is what "absent"
// means.
//
// # Errors
//
// Every failure is an [*Error]. Rejected input (an unparsable string, a
// number out of range) is extensions.code BAD_USER_INPUT; a backend value
// that has no JSON form (a NaN float, a timestamp out of range) is INTERNAL
// and becomes a field error with a null value, never invalid JSON. The
// scalars that can fail on output (Float, Float32, FloatValue, DoubleValue,
// DateTime, Duration) are context marshalers: MarshalName returns a
// graphql.ContextMarshaler, and gqlgen then calls UnmarshalName with the
// context as its first argument.
//
// # Input
//
// The integer scalars that JSON writes as strings (Int64, UInt64, Uint32 and
// their wrappers) read a base-10 string with an optional sign, or a JSON
// number, as long as it is an integer in range; a float input must have no
// fractional part and lie within ±2^53, where every integer is exact. Int32Value
// and the Float scalars read numbers only, StringValue only strings and
// BoolValue only booleans, as the GraphQL specification coerces Int, Float,
// String and Boolean. Bytes reads standard base64 with padding and nothing
// else (no line breaks, no URL alphabet). DateTime and Duration read exactly
// what protojson reads: RFC 3339 with any offset and at most nine fractional
// digits from 0001-01-01 to 9999-12-31, and a decimal number of seconds with
// an "s" suffix within ±315,576,000,000s.
package scalar
