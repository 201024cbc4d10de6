package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

// onGQLGensPath is what a value marshalled by gqlgen becomes in the
// response: gqlgen's marshaler, then encoding/json's pass over the data
// (the dispatcher's json.Marshal of a json.RawMessage).
func onGQLGensPath(t *testing.T, m graphql.Marshaler) string {
	t.Helper()
	var buf bytes.Buffer
	m.MarshalGQL(&buf)
	out, err := json.Marshal(json.RawMessage(buf.Bytes()))
	if err != nil {
		t.Fatalf("gqlgen wrote invalid JSON %q: %v", buf.Bytes(), err)
	}
	return string(out)
}

// FuzzResultString checks that Result.String writes every string as it
// ends up on gqlgen's path.
func FuzzResultString(f *testing.F) {
	for _, s := range []string{"", "plain", "a<b>&c", "\u2028\u2029", "\"\\/", "\t\n\r\b\f\x00\x01\x1f\x7f",
		"é😀", "\xff\xfe", "\xe2\x80", "\xe2\x80\xa8x", "</script>", "\u00e9\u0301", "\ufffd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r Result
		r.String(s)
		if want := onGQLGensPath(t, graphql.MarshalString(s)); string(r.buf) != want {
			t.Fatalf("String(%q) = %s, gqlgen's path writes %s", s, r.buf, want)
		}
	})
}

func TestResultNumbersAndBooleansAreWrittenAsGQLGenWritesThem(t *testing.T) {
	for _, f := range []float64{0, -0.0, 1, -1.5, 1e21, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		var r Result
		if err := r.Float(f); err != nil {
			t.Fatal(err)
		}
		if want := onGQLGensPath(t, graphql.MarshalFloat(f)); string(r.buf) != want {
			t.Errorf("Float(%v) = %s, want %s", f, r.buf, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var r Result
		if err := r.Float(f); err == nil || len(r.buf) != 0 {
			t.Errorf("Float(%v) wrote %q, err %v; want nothing and an error", f, r.buf, err)
		}
	}
	for _, i := range []int64{0, -1, math.MaxInt64, math.MinInt64} {
		var r Result
		r.Int(i)
		if want := onGQLGensPath(t, graphql.MarshalInt64(i)); string(r.buf) != want {
			t.Errorf("Int(%d) = %s, want %s", i, r.buf, want)
		}
	}
	for _, b := range []bool{true, false} {
		var r Result
		r.Bool(b)
		if want := onGQLGensPath(t, graphql.MarshalBoolean(b)); string(r.buf) != want {
			t.Errorf("Bool(%v) = %s, want %s", b, r.buf, want)
		}
	}
}

// rawMarshaler writes its text as it is.
type rawMarshaler string

func (m rawMarshaler) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, string(m)) }

func TestResultMarshalWritesScalarsAsGQLGensPath(t *testing.T) {
	st, err := structpb.NewStruct(map[string]any{"html": "<b>&</b>", "n": 1.5, "list": []any{"\u2028", nil, true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		m    graphql.Marshaler
		cm   graphql.ContextMarshaler
	}{
		{name: "Int64", m: scalar.MarshalInt64(math.MaxInt64)},
		{name: "Bytes", m: scalar.MarshalBytes([]byte("<\xff>"))},
		{name: "JSON struct", cm: scalar.MarshalStruct(st)},
		{name: "DateTime", cm: scalar.MarshalDateTime(timestamppb.New(time.Date(2026, 12, 7, 16, 0, 0, 5, time.UTC)))},
		{name: "whitespace and HTML", m: rawMarshaler(` { "a" : [ 1 , "<x>" ] } `)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Result
			var want string
			if c.m != nil {
				if err := r.Marshal(c.m); err != nil {
					t.Fatal(err)
				}
				want = onGQLGensPath(t, c.m)
			} else {
				if err := r.MarshalContext(ctx, c.cm); err != nil {
					t.Fatal(err)
				}
				want = onGQLGensPath(t, graphql.WrapContextMarshaler(ctx, c.cm))
			}
			if string(r.buf) != want {
				t.Fatalf("wrote %s, gqlgen's path writes %s", r.buf, want)
			}
		})
	}
	var r Result
	if err := r.Marshal(rawMarshaler(`{"a":`)); err == nil || len(r.buf) != 0 {
		t.Fatalf("invalid JSON: wrote %q, err %v", r.buf, err)
	}
	if err := r.MarshalContext(ctx, scalar.MarshalDateTime(&timestamppb.Timestamp{Seconds: math.MaxInt64})); err == nil || len(r.buf) != 0 {
		t.Fatalf("an out-of-range DateTime: wrote %q, err %v", r.buf, err)
	}
}

func TestResultAppendWritesScalarsAsGQLGensPath(t *testing.T) {
	ctx := context.Background()
	ts := timestamppb.New(time.Date(2026, 12, 7, 16, 0, 0, 5, time.UTC))
	var r Result
	r.Raw("[")
	if err := Append(&r, scalar.AppendDateTime, ts); err != nil {
		t.Fatal(err)
	}
	r.Raw(",")
	if err := Append(&r, scalar.AppendInt64, math.MinInt64); err != nil {
		t.Fatal(err)
	}
	r.Raw(",")
	if err := Append(&r, scalar.AppendUInt64, math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	r.Raw("]")
	want := "[" + onGQLGensPath(t, graphql.WrapContextMarshaler(ctx, scalar.MarshalDateTime(ts))) + "," +
		onGQLGensPath(t, scalar.MarshalInt64(math.MinInt64)) + "," + onGQLGensPath(t, scalar.MarshalUInt64(math.MaxUint64)) + "]"
	if string(r.buf) != want {
		t.Fatalf("wrote %s, gqlgen's path writes %s", r.buf, want)
	}
	r = Result{}
	if err := Append(&r, scalar.AppendDateTime, &timestamppb.Timestamp{Seconds: math.MaxInt64}); err == nil || len(r.buf) != 0 {
		t.Fatalf("an out-of-range DateTime: wrote %q, err %v", r.buf, err)
	}
}

// FuzzResultMarshal checks that Result.Marshal writes what a marshaler
// writes as it ends up on gqlgen's path, on the fast path for plain JSON
// strings and the compaction path alike, and writes nothing for text that
// is not JSON.
func FuzzResultMarshal(f *testing.F) {
	for _, s := range []string{`"2026-12-07T16:00:00Z"`, `"9223372036854775807"`, `"a<b"`, `"\u2028"`, "\"\xe2\x80\xa8\"",
		"\"\xff\"", `"a\"b"`, `"tab	"`, `""`, `"`, `" "x"`, `12`, ` "x" `, `{"a": [1, "<x>"]}`, `nul`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r Result
		r.buf = append(r.buf, "x"...)
		err := r.Marshal(rawMarshaler(s))
		want, wantErr := json.Marshal(json.RawMessage(s))
		switch {
		case wantErr != nil:
			if err == nil || string(r.buf) != "x" {
				t.Fatalf("Marshal(%q): wrote %q, err %v; gqlgen's path fails (%v)", s, r.buf, err, wantErr)
			}
		case err != nil:
			t.Fatalf("Marshal(%q): %v; gqlgen's path writes %s", s, err, want)
		case string(r.buf) != "x"+string(want):
			t.Fatalf("Marshal(%q) wrote %s, gqlgen's path writes %s", s, r.buf[1:], want)
		}
	})
}

func BenchmarkResultMarshalContext(b *testing.B) {
	ctx := context.Background()
	ts := timestamppb.New(time.Date(2026, 12, 7, 16, 0, 0, 5000000, time.UTC))
	var r Result
	b.ReportAllocs()
	for b.Loop() {
		r.buf = r.buf[:0]
		if err := r.MarshalContext(ctx, scalar.MarshalDateTime(ts)); err != nil {
			b.Fatal(err)
		}
	}
}
