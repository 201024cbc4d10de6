package scalar_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/scalar"
)

// The seed corpora of these targets are in testdata/fuzz/<target>.

// checkInputErr fails unless err is a short BAD_USER_INPUT *scalar.Error.
func checkInputErr(t *testing.T, in string, err error) {
	t.Helper()
	var se *scalar.Error
	if !errors.As(err, &se) || se.Output || errcode.Code(err) != errcode.BadUserInput {
		t.Fatalf("input %q: error %v (%T) is not a BAD_USER_INPUT *scalar.Error", in, err, err)
	}
	if len(err.Error()) > 300 {
		t.Fatalf("input %q: error is %d bytes long", in, len(err.Error()))
	}
}

// decodeString reads the JSON string a marshaler wrote.
func decodeString(t *testing.T, out string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("output %s is not a JSON string: %v", out, err)
	}
	return s
}

func FuzzUnmarshalInt64(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		got, err := scalar.UnmarshalInt64(in)
		want, werr := strconv.ParseInt(in, 10, 64)
		if (err == nil) != (werr == nil) || (werr == nil && got != want) {
			t.Fatalf("UnmarshalInt64(%q) = %d, %v; strconv.ParseInt gives %d, %v", in, got, err, want, werr)
		}
		if err != nil {
			checkInputErr(t, in, err)
		} else {
			out := write(t, scalar.MarshalInt64(got))
			if back, err := scalar.UnmarshalInt64(decodeString(t, out)); err != nil || back != got {
				t.Fatalf("%d wrote %s, which reads back as %d, %v", got, out, back, err)
			}
		}
		// The same text as a JSON number must agree wherever both succeed.
		if n, err := scalar.UnmarshalInt64(json.Number(in)); err == nil && werr == nil && n != want {
			t.Fatalf("UnmarshalInt64(json.Number(%q)) = %d, want %d", in, n, want)
		} else if err != nil {
			checkInputErr(t, in, err)
		}
	})
}

func FuzzUnmarshalUInt64(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		got, err := scalar.UnmarshalUInt64(in)
		if want, werr := strconv.ParseUint(in, 10, 64); werr == nil && (err != nil || got != want) {
			t.Fatalf("UnmarshalUInt64(%q) = %d, %v; strconv.ParseUint gives %d", in, got, err, want)
		}
		if err != nil {
			checkInputErr(t, in, err)
			return
		}
		// Only a sign can make the scalar accept what ParseUint rejects, and
		// a minus sign only in front of zero.
		digits := strings.TrimLeft(in, "+-")
		if want, werr := strconv.ParseUint(digits, 10, 64); werr != nil || len(in)-len(digits) > 1 || got != want || (in[0] == '-' && got != 0) {
			t.Fatalf("UnmarshalUInt64(%q) = %d, which does not follow from its digits", in, got)
		}
		out := write(t, scalar.MarshalUInt64(got))
		if back, err := scalar.UnmarshalUInt64(decodeString(t, out)); err != nil || back != got {
			t.Fatalf("%d wrote %s, which reads back as %d, %v", got, out, back, err)
		}
	})
}

func FuzzUnmarshalDateTime(f *testing.F) {
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, in string) {
		got, err := scalar.UnmarshalDateTime(ctx, in)
		quoted, _ := json.Marshal(in)
		want := new(timestamppb.Timestamp)
		werr := protojson.Unmarshal(quoted, want)
		if (err == nil) != (werr == nil) || (err == nil && !proto.Equal(got, want)) {
			t.Fatalf("UnmarshalDateTime(%q) = %v, %v; protojson gives %v, %v", in, got, err, want, werr)
		}
		if err != nil {
			checkInputErr(t, in, err)
			return
		}
		out, err := writeCtx(t, scalar.MarshalDateTime(got))
		if err != nil {
			t.Fatalf("%v parsed from %q cannot be written: %v", got, in, err)
		}
		if pj, _ := protojson.Marshal(got); string(pj) != out {
			t.Fatalf("%v wrote %s, protojson writes %s", got, out, pj)
		}
		if back, err := scalar.UnmarshalDateTime(ctx, decodeString(t, out)); err != nil || !proto.Equal(back, got) {
			t.Fatalf("%v wrote %s, which reads back as %v, %v", got, out, back, err)
		}
	})
}

func FuzzUnmarshalDuration(f *testing.F) {
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, in string) {
		got, err := scalar.UnmarshalDuration(ctx, in)
		quoted, _ := json.Marshal(in)
		want := new(durationpb.Duration)
		werr := protojson.Unmarshal(quoted, want)
		if (err == nil) != (werr == nil) || (err == nil && !proto.Equal(got, want)) {
			t.Fatalf("UnmarshalDuration(%q) = %v, %v; protojson gives %v, %v", in, got, err, want, werr)
		}
		if err != nil {
			checkInputErr(t, in, err)
			return
		}
		out, err := writeCtx(t, scalar.MarshalDuration(got))
		if err != nil {
			t.Fatalf("%v parsed from %q cannot be written: %v", got, in, err)
		}
		if pj, _ := protojson.Marshal(got); string(pj) != out {
			t.Fatalf("%v wrote %s, protojson writes %s", got, out, pj)
		}
		if back, err := scalar.UnmarshalDuration(ctx, decodeString(t, out)); err != nil || !proto.Equal(back, got) {
			t.Fatalf("%v wrote %s, which reads back as %v, %v", got, out, back, err)
		}
	})
}

func FuzzUnmarshalBytes(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		got, err := scalar.UnmarshalBytes(in)
		// Exactly the canonical standard base64 strings are accepted.
		dec, derr := base64.StdEncoding.DecodeString(in)
		canonical := derr == nil && base64.StdEncoding.EncodeToString(dec) == in
		if (err == nil) != canonical {
			t.Fatalf("UnmarshalBytes(%q) = %q, %v; canonical standard base64: %v", in, got, err, canonical)
		}
		if err != nil {
			checkInputErr(t, in, err)
			return
		}
		if out := decodeString(t, write(t, scalar.MarshalBytes(got))); out != in {
			t.Fatalf("UnmarshalBytes(%q) wrote back %q", in, out)
		}
	})
}
