package scalar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/scalar"
)

// The pairs have the shapes gqlgen's binder looks for: a marshaler returning
// graphql.Marshaler pairs with Unmarshal(v any), one returning
// graphql.ContextMarshaler pairs with Unmarshal(ctx, v any).
var (
	_ func(int64) graphql.Marshaler                               = scalar.MarshalInt64
	_ func(any) (int64, error)                                    = scalar.UnmarshalInt64
	_ func(uint64) graphql.Marshaler                              = scalar.MarshalUInt64
	_ func(any) (uint64, error)                                   = scalar.UnmarshalUInt64
	_ func(uint32) graphql.Marshaler                              = scalar.MarshalUint32
	_ func(any) (uint32, error)                                   = scalar.UnmarshalUint32
	_ func(float64) graphql.ContextMarshaler                      = scalar.MarshalFloat
	_ func(context.Context, any) (float64, error)                 = scalar.UnmarshalFloat
	_ func(float32) graphql.ContextMarshaler                      = scalar.MarshalFloat32
	_ func(context.Context, any) (float32, error)                 = scalar.UnmarshalFloat32
	_ func([]byte) graphql.Marshaler                              = scalar.MarshalBytes
	_ func(any) ([]byte, error)                                   = scalar.UnmarshalBytes
	_ func(*timestamppb.Timestamp) graphql.ContextMarshaler       = scalar.MarshalDateTime
	_ func(context.Context, any) (*timestamppb.Timestamp, error)  = scalar.UnmarshalDateTime
	_ func(*durationpb.Duration) graphql.ContextMarshaler         = scalar.MarshalDuration
	_ func(context.Context, any) (*durationpb.Duration, error)    = scalar.UnmarshalDuration
	_ func(*wrapperspb.StringValue) graphql.Marshaler             = scalar.MarshalStringValue
	_ func(any) (*wrapperspb.StringValue, error)                  = scalar.UnmarshalStringValue
	_ func(*wrapperspb.BoolValue) graphql.Marshaler               = scalar.MarshalBoolValue
	_ func(any) (*wrapperspb.BoolValue, error)                    = scalar.UnmarshalBoolValue
	_ func(*wrapperspb.Int32Value) graphql.Marshaler              = scalar.MarshalInt32Value
	_ func(any) (*wrapperspb.Int32Value, error)                   = scalar.UnmarshalInt32Value
	_ func(*wrapperspb.UInt32Value) graphql.Marshaler             = scalar.MarshalUInt32Value
	_ func(any) (*wrapperspb.UInt32Value, error)                  = scalar.UnmarshalUInt32Value
	_ func(*wrapperspb.Int64Value) graphql.Marshaler              = scalar.MarshalInt64Value
	_ func(any) (*wrapperspb.Int64Value, error)                   = scalar.UnmarshalInt64Value
	_ func(*wrapperspb.UInt64Value) graphql.Marshaler             = scalar.MarshalUInt64Value
	_ func(any) (*wrapperspb.UInt64Value, error)                  = scalar.UnmarshalUInt64Value
	_ func(*wrapperspb.FloatValue) graphql.ContextMarshaler       = scalar.MarshalFloatValue
	_ func(context.Context, any) (*wrapperspb.FloatValue, error)  = scalar.UnmarshalFloatValue
	_ func(*wrapperspb.DoubleValue) graphql.ContextMarshaler      = scalar.MarshalDoubleValue
	_ func(context.Context, any) (*wrapperspb.DoubleValue, error) = scalar.UnmarshalDoubleValue
	_ func(*wrapperspb.BytesValue) graphql.Marshaler              = scalar.MarshalBytesValue
	_ func(any) (*wrapperspb.BytesValue, error)                   = scalar.UnmarshalBytesValue
)

// write runs a marshaler and returns what it wrote, failing the test when
// the output is not valid JSON.
func write(t *testing.T, m graphql.Marshaler) string {
	t.Helper()
	var buf bytes.Buffer
	m.MarshalGQL(&buf)
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("marshaler wrote invalid JSON %q", buf.String())
	}
	return buf.String()
}

// writeCtx runs a context marshaler and returns what it wrote or its error;
// on success the output must be valid JSON, on error nothing may be written.
func writeCtx(t *testing.T, m graphql.ContextMarshaler) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	err := m.MarshalGQLContext(context.Background(), &buf)
	if err != nil {
		if buf.Len() > 0 {
			t.Fatalf("marshaler wrote %q and failed with %v", buf.String(), err)
		}
		return "", err
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("marshaler wrote invalid JSON %q", buf.String())
	}
	return buf.String(), nil
}

// checkErr checks that err is a *scalar.Error with the code of input or
// output errors whose message contains want.
func checkErr(t *testing.T, err error, output bool, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	var se *scalar.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is a %T, want a *scalar.Error", err, err)
	}
	if se.Output != output {
		t.Errorf("error %v has Output %v, want %v", err, se.Output, output)
	}
	wantCode := errcode.BadUserInput
	if output {
		wantCode = errcode.Internal
	}
	if got := errcode.Code(err); got != wantCode {
		t.Errorf("errcode.Code(%v) = %q, want %q", err, got, wantCode)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err.Error(), want)
	}
	if msg := err.Error(); strings.HasSuffix(msg, ".") || msg != strings.TrimSpace(msg) {
		t.Errorf("error %q ends with a period or a space", msg)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	in := &scalar.Error{Scalar: "Int64", Reason: `"x" is not a base-10 integer`}
	if got, want := in.Error(), `invalid Int64: "x" is not a base-10 integer`; got != want {
		t.Errorf("input error = %q, want %q", got, want)
	}
	out := &scalar.Error{Scalar: "Float", Output: true, Reason: "NaN has no JSON form"}
	if got, want := out.Error(), "cannot write Float: NaN has no JSON form"; got != want {
		t.Errorf("output error = %q, want %q", got, want)
	}
}

func TestErrorsQuoteLongInputsShortly(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 1000)
	_, err := scalar.UnmarshalInt64(long)
	checkErr(t, err, false, "...")
	if len(err.Error()) > 200 {
		t.Errorf("error for a long input is %d bytes long: %q", len(err.Error()), err.Error())
	}
	if !strings.Contains(err.Error(), `"éé`) {
		t.Errorf("error %q does not start the quote on a whole rune", err.Error())
	}
}
