package scalar_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bffgen/bffgen/runtime/scalar"
)

const (
	minTimestampSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxTimestampSeconds = 253402300799 // 9999-12-31T23:59:59Z
	maxDurationSeconds  = 315576000000
)

func TestMarshalDateTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		secs  int64
		nanos int32
		want  string
	}{
		{"epoch has no fraction", 0, 0, `"1970-01-01T00:00:00Z"`},
		{"milliseconds take 3 digits", 1714564800, 120_000_000, `"2024-05-01T12:00:00.120Z"`},
		{"microseconds take 6 digits", 1714564800, 123_456_000, `"2024-05-01T12:00:00.123456Z"`},
		{"nanoseconds take 9 digits", 1714564800, 1, `"2024-05-01T12:00:00.000000001Z"`},
		{"first instant", minTimestampSeconds, 0, `"0001-01-01T00:00:00Z"`},
		{"last instant", maxTimestampSeconds, 999_999_999, `"9999-12-31T23:59:59.999999999Z"`},
		{"before the epoch", -1, 500_000_000, `"1969-12-31T23:59:59.500Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := &timestamppb.Timestamp{Seconds: tt.secs, Nanos: tt.nanos}
			got, err := writeCtx(t, scalar.MarshalDateTime(ts))
			if err != nil || got != tt.want {
				t.Errorf("MarshalDateTime(%v) wrote %s, %v; want %s", ts, got, err, tt.want)
			}
			if pj := must(protojson.Marshal(ts)); string(pj) != got {
				t.Errorf("MarshalDateTime(%v) wrote %s, protojson writes %s", ts, got, pj)
			}
		})
	}
	if got := must(writeCtx(t, scalar.MarshalDateTime(nil))); got != "null" {
		t.Errorf("MarshalDateTime(nil) wrote %s, want null", got)
	}
	invalid := []struct {
		name string
		ts   *timestamppb.Timestamp
		want string
	}{
		{"before year 1", &timestamppb.Timestamp{Seconds: minTimestampSeconds - 1}, "cannot write DateTime: seconds -62135596801 are outside -62135596800..253402300799 (years 1 to 9999)"},
		{"after year 9999", &timestamppb.Timestamp{Seconds: maxTimestampSeconds + 1}, "seconds 253402300800 are outside"},
		{"negative nanos", &timestamppb.Timestamp{Nanos: -1}, "cannot write DateTime: nanos -1 are outside 0..999999999"},
		{"a whole second of nanos", &timestamppb.Timestamp{Nanos: 1_000_000_000}, "nanos 1000000000 are outside 0..999999999"},
	}
	for _, tt := range invalid {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := writeCtx(t, scalar.MarshalDateTime(tt.ts))
			checkErr(t, err, true, tt.want)
		})
	}
}

func TestMarshalDateTimeMatchesProtojson(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ts := &timestamppb.Timestamp{
			Seconds: minTimestampSeconds + r.Int64N(maxTimestampSeconds-minTimestampSeconds+1),
			Nanos:   []int32{0, r.Int32N(1000) * 1_000_000, r.Int32N(1_000_000) * 1000, r.Int32N(1_000_000_000)}[r.IntN(4)],
		}
		got := must(writeCtx(t, scalar.MarshalDateTime(ts)))
		if want := string(must(protojson.Marshal(ts))); got != want {
			t.Fatalf("MarshalDateTime(%v) wrote %s, protojson writes %s", ts, got, want)
		}
		// A writer other than *bytes.Buffer gets the same bytes.
		var sb strings.Builder
		if err := scalar.MarshalDateTime(ts).MarshalGQLContext(context.Background(), &sb); err != nil || sb.String() != got {
			t.Fatalf("MarshalDateTime(%v) wrote %s, %v to a strings.Builder; %s to a bytes.Buffer", ts, sb.String(), err, got)
		}
	}
}

func TestUnmarshalDateTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	at := func(s string) *timestamppb.Timestamp {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return timestamppb.New(tm)
	}
	accepted := []struct {
		name string
		in   string
		want *timestamppb.Timestamp
	}{
		{"UTC", "2024-05-01T12:00:00Z", at("2024-05-01T12:00:00Z")},
		{"positive offset", "2024-05-01T14:00:00+02:00", at("2024-05-01T12:00:00Z")},
		{"negative offset", "2024-05-01T07:30:00-04:30", at("2024-05-01T12:00:00Z")},
		{"zero offset", "2024-05-01T12:00:00+00:00", at("2024-05-01T12:00:00Z")},
		{"one fractional digit", "2024-05-01T12:00:00.5Z", at("2024-05-01T12:00:00.5Z")},
		{"nine fractional digits", "2024-05-01T12:00:00.123456789Z", &timestamppb.Timestamp{Seconds: 1714564800, Nanos: 123456789}},
		{"first instant", "0001-01-01T00:00:00Z", &timestamppb.Timestamp{Seconds: minTimestampSeconds}},
		{"last instant", "9999-12-31T23:59:59.999999999Z", &timestamppb.Timestamp{Seconds: maxTimestampSeconds, Nanos: 999999999}},
		{"offset that stays in year 1", "0001-01-01T01:00:00+01:00", &timestamppb.Timestamp{Seconds: minTimestampSeconds}},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := scalar.UnmarshalDateTime(ctx, tt.in)
			if err != nil || !proto.Equal(got, tt.want) {
				t.Errorf("UnmarshalDateTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"ten fractional digits", "2024-05-01T12:00:00.1234567891Z", `invalid DateTime: "2024-05-01T12:00:00.1234567891Z" is not an RFC 3339 date-time`},
		{"no offset", "2024-05-01T12:00:00", "is not an RFC 3339 date-time"},
		{"date only", "2024-05-01", "is not an RFC 3339 date-time"},
		{"space for T", "2024-05-01 12:00:00Z", "is not an RFC 3339 date-time"},
		{"lowercase t", "2024-05-01t12:00:00Z", "is not an RFC 3339 date-time"},
		{"lowercase z", "2024-05-01T12:00:00z", "is not an RFC 3339 date-time"},
		{"leap second", "2016-12-31T23:59:60Z", "is not an RFC 3339 date-time"},
		{"offset beyond 24 hours", "2024-05-01T12:00:00+25:00", "is not an RFC 3339 date-time"},
		{"offset without colon", "2024-05-01T12:00:00+0200", "is not an RFC 3339 date-time"},
		{"month 13", "2024-13-01T12:00:00Z", "is not an RFC 3339 date-time"},
		{"february 30", "2024-02-30T12:00:00Z", "is not an RFC 3339 date-time"},
		{"year 0", "0000-12-31T23:59:59Z", "is not an RFC 3339 date-time"},
		{"offset that lands in year 0", "0001-01-01T00:00:00+01:00", "is not an RFC 3339 date-time"},
		{"year 10000", "10000-01-01T00:00:00Z", "is not an RFC 3339 date-time"},
		{"offset that lands in year 10000", "9999-12-31T23:59:59-01:00", "is not an RFC 3339 date-time"},
		{"empty", "", `"" is not an RFC 3339 date-time`},
		{"JSON escape", `2024-05-01T12:00:00\u005a`, "is not an RFC 3339 date-time"},
		{"quote", `2024-05-01T12:00:00Z"`, "is not an RFC 3339 date-time"},
		{"invalid UTF-8", "2024-05-01T12:00:00Z\xff", "is not an RFC 3339 date-time"},
		{"unix seconds", 1714564800, "invalid DateTime: want an RFC 3339 string, got a number"},
		{"object", map[string]any{"seconds": 1}, "got an object"},
	}
	for _, tt := range rejected {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := scalar.UnmarshalDateTime(ctx, tt.in)
			if got != nil {
				t.Errorf("got %v with the error", got)
			}
			checkErr(t, err, false, tt.want)
		})
	}
	if got, err := scalar.UnmarshalDateTime(ctx, nil); got != nil || err != nil {
		t.Errorf("UnmarshalDateTime(nil) = %v, %v; want nil, nil", got, err)
	}
}

func TestMarshalDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		secs  int64
		nanos int32
		want  string
	}{
		{"zero", 0, 0, `"0s"`},
		{"seconds", 3600, 0, `"3600s"`},
		{"milliseconds", 1, 500_000_000, `"1.500s"`},
		{"microseconds", 0, 1000, `"0.000001s"`},
		{"one nanosecond below zero", 0, -1, `"-0.000000001s"`},
		{"negative", -2, -250_000_000, `"-2.250s"`},
		{"max", maxDurationSeconds, 999_999_999, `"315576000000.999999999s"`},
		{"min", -maxDurationSeconds, -999_999_999, `"-315576000000.999999999s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &durationpb.Duration{Seconds: tt.secs, Nanos: tt.nanos}
			got, err := writeCtx(t, scalar.MarshalDuration(d))
			if err != nil || got != tt.want {
				t.Errorf("MarshalDuration(%v) wrote %s, %v; want %s", d, got, err, tt.want)
			}
			if pj := must(protojson.Marshal(d)); string(pj) != got {
				t.Errorf("MarshalDuration(%v) wrote %s, protojson writes %s", d, got, pj)
			}
		})
	}
	if got := must(writeCtx(t, scalar.MarshalDuration(nil))); got != "null" {
		t.Errorf("MarshalDuration(nil) wrote %s, want null", got)
	}
	invalid := []struct {
		name string
		d    *durationpb.Duration
		want string
	}{
		{"beyond 10000 years", &durationpb.Duration{Seconds: maxDurationSeconds + 1}, "cannot write Duration: seconds 315576000001 are outside -315576000000..315576000000"},
		{"before -10000 years", &durationpb.Duration{Seconds: -maxDurationSeconds - 1}, "seconds -315576000001 are outside"},
		{"signs disagree", &durationpb.Duration{Seconds: 1, Nanos: -1}, "cannot write Duration: seconds 1 and nanos -1 have different signs"},
		{"a whole second of nanos", &durationpb.Duration{Nanos: 1_000_000_000}, "nanos 1000000000 are outside -999999999..999999999"},
	}
	for _, tt := range invalid {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := writeCtx(t, scalar.MarshalDuration(tt.d))
			checkErr(t, err, true, tt.want)
		})
	}
}

func TestMarshalDurationMatchesProtojson(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		d := &durationpb.Duration{
			Seconds: r.Int64N(2*maxDurationSeconds+1) - maxDurationSeconds,
			Nanos:   []int32{0, r.Int32N(1000) * 1_000_000, r.Int32N(1_000_000) * 1000, r.Int32N(1_000_000_000)}[r.IntN(4)],
		}
		if r.IntN(8) == 0 {
			d.Seconds = 0
		}
		if d.Seconds < 0 || (d.Seconds == 0 && r.IntN(2) == 0) {
			d.Nanos = -d.Nanos
		}
		got := must(writeCtx(t, scalar.MarshalDuration(d)))
		if want := string(must(protojson.Marshal(d))); got != want {
			t.Fatalf("MarshalDuration(%v) wrote %s, protojson writes %s", d, got, want)
		}
	}
}

func TestUnmarshalDuration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	accepted := []struct {
		in    string
		secs  int64
		nanos int32
	}{
		{"1.5s", 1, 500_000_000},
		{"-2s", -2, 0},
		{"+2s", 2, 0},
		{".5s", 0, 500_000_000},
		{"1.s", 1, 0},
		{"-0.000000001s", 0, -1},
		{"0s", 0, 0},
		{".s", 0, 0}, // protojson reads a lone dot as zero
		{"315576000000.999999999s", maxDurationSeconds, 999_999_999},
		{"-315576000000s", -maxDurationSeconds, 0},
	}
	for _, tt := range accepted {
		got, err := scalar.UnmarshalDuration(ctx, tt.in)
		if want := (&durationpb.Duration{Seconds: tt.secs, Nanos: tt.nanos}); err != nil || !proto.Equal(got, want) {
			t.Errorf("UnmarshalDuration(%q) = %v, %v; want %v", tt.in, got, err, want)
		}
	}
	rejected := []struct {
		name string
		in   any
		want string
	}{
		{"go form", "1m30s", `invalid Duration: "1m30s" is not a number of seconds with an "s" suffix`},
		{"no unit", "1.5", "is not a number of seconds"},
		{"milliseconds unit", "1500ms", "is not a number of seconds"},
		{"exponent", "1e3s", "is not a number of seconds"},
		{"ten fractional digits", "1.0000000001s", "is not a number of seconds"},
		{"beyond 10000 years", "315576000001s", "is not a number of seconds"},
		{"empty", "", "is not a number of seconds"},
		{"unit only", "s", "is not a number of seconds"},
		{"space", " 1s", "is not a number of seconds"},
		{"uppercase unit", "1S", "is not a number of seconds"},
		{"quote", `1s"`, "is not a number of seconds"},
		{"number", 1.5, `invalid Duration: want a string such as "1.5s", got a number`},
	}
	for _, tt := range rejected {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := scalar.UnmarshalDuration(ctx, tt.in)
			if got != nil {
				t.Errorf("got %v with the error", got)
			}
			checkErr(t, err, false, tt.want)
		})
	}
	if got, err := scalar.UnmarshalDuration(ctx, nil); got != nil || err != nil {
		t.Errorf("UnmarshalDuration(nil) = %v, %v; want nil, nil", got, err)
	}
}

func BenchmarkMarshalDateTime(b *testing.B) {
	ts := &timestamppb.Timestamp{Seconds: 1714564800, Nanos: 120_000_000}
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := scalar.MarshalDateTime(ts).MarshalGQLContext(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendDateTimeWritesWhatMarshalDateTimeWrites(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	cases := []*timestamppb.Timestamp{
		nil,
		{Seconds: minTimestampSeconds - 1},
		{Seconds: maxTimestampSeconds + 1},
		{Nanos: -1},
		{Nanos: 1_000_000_000},
		{Seconds: maxTimestampSeconds, Nanos: 999_999_999},
	}
	for range 500 {
		cases = append(cases, &timestamppb.Timestamp{
			Seconds: minTimestampSeconds + r.Int64N(maxTimestampSeconds-minTimestampSeconds+1),
			Nanos:   []int32{0, r.Int32N(1000) * 1_000_000, r.Int32N(1_000_000_000)}[r.IntN(3)],
		})
	}
	for _, ts := range cases {
		want, wantErr := writeCtx(t, scalar.MarshalDateTime(ts))
		prefix := []byte(`{"at":`)
		got, err := scalar.AppendDateTime(prefix, ts)
		if (err != nil) != (wantErr != nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("AppendDateTime(%v) returned error %v; MarshalDateTime %v", ts, err, wantErr)
		}
		if err != nil {
			if string(got) != string(prefix) {
				t.Fatalf("AppendDateTime(%v) failed and appended %q; want nothing", ts, got[len(prefix):])
			}
			continue
		}
		if string(got) != string(prefix)+want {
			t.Fatalf("AppendDateTime(%v) appended %s; MarshalDateTime writes %s", ts, got[len(prefix):], want)
		}
	}
}
