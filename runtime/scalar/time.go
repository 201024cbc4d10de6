package scalar

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The ranges of google.protobuf.Timestamp and google.protobuf.Duration.
const (
	minTimestampSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxTimestampSeconds = 253402300799 // 9999-12-31T23:59:59Z
	maxDurationSeconds  = 315576000000 // 10000 years of 365.25 days
	maxNanos            = 999999999
)

// MarshalDateTime writes v as protojson does: RFC 3339 in UTC with a "Z"
// and 0, 3, 6 or 9 fractional digits, as few as the nanoseconds need
// ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.120Z"). nil writes null. A
// timestamp outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z, or
// with nanos outside 0..999999999, has no JSON form: the field gets an
// INTERNAL error and null.
func MarshalDateTime(v *timestamppb.Timestamp) graphql.ContextMarshaler {
	if v == nil {
		return graphql.Null
	}
	secs, nanos := v.GetSeconds(), v.GetNanos()
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if err := checkTimestamp(secs, nanos); err != nil {
			return err
		}
		if bw, ok := w.(*bytes.Buffer); ok {
			// gqlgen's writer: no copy.
			_, _ = bw.Write(appendDateTime(bw.AvailableBuffer(), secs, nanos))
			return nil
		}
		_, _ = w.Write(appendDateTime(make([]byte, 0, 32), secs, nanos))
		return nil
	})
}

// AppendDateTime appends to b the JSON string MarshalDateTime writes for v,
// without a marshaler: the compiled executors' form, which allocates
// nothing. A nil v appends null. A timestamp out of range appends nothing
// and returns MarshalDateTime's error.
func AppendDateTime(b []byte, v *timestamppb.Timestamp) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	secs, nanos := v.GetSeconds(), v.GetNanos()
	if err := checkTimestamp(secs, nanos); err != nil {
		return b, err
	}
	return appendDateTime(b, secs, nanos), nil
}

// checkTimestamp returns the output error of a timestamp that has no JSON
// form, nil for one in range.
func checkTimestamp(secs int64, nanos int32) error {
	switch {
	case nanos < 0 || nanos > maxNanos:
		return outputErr("DateTime", "nanos %d are outside 0..%d", nanos, maxNanos)
	case secs < minTimestampSeconds || secs > maxTimestampSeconds:
		return outputErr("DateTime", "seconds %d are outside %d..%d (years 1 to 9999)", secs, int64(minTimestampSeconds), int64(maxTimestampSeconds))
	}
	return nil
}

// appendDateTime appends the JSON string of a timestamp in range, as
// MarshalDateTime writes it: the same bytes as time's AppendFormat with
// "2006-01-02T15:04:05.000000000" and trimFraction, without parsing a
// layout.
func appendDateTime(b []byte, secs int64, nanos int32) []byte {
	t := time.Unix(secs, 0).UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, int(nanos), 9)
	b = trimFraction(b)
	return append(b, 'Z', '"')
}

// appendDigits appends n >= 0 in decimal with width digits exactly (n has
// at most width digits).
func appendDigits(b []byte, n, width int) []byte {
	b = append(b, "000000000"[:width]...)
	for i := len(b) - 1; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// UnmarshalDateTime reads a DateTime input as protojson reads a
// google.protobuf.Timestamp: an RFC 3339 string with "Z" or any offset
// ("2024-05-01T14:00:00+02:00"), at most nine fractional digits, from
// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. A date without a
// time or an offset, lowercase "t" and "z", a space for "T", leap seconds
// and offsets beyond ±24:00 are errors. Null reads as nil.
func UnmarshalDateTime(_ context.Context, v any) (*timestamppb.Timestamp, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		ts := new(timestamppb.Timestamp)
		if !plainString(x) || protojson.Unmarshal([]byte(`"`+x+`"`), ts) != nil {
			return nil, inputErr("DateTime", `%s is not an RFC 3339 date-time from year 1 to 9999, such as "2024-05-01T12:00:00Z"`, quote(x))
		}
		return ts, nil
	default:
		return nil, inputErr("DateTime", "want an RFC 3339 string, got %s", typeName(v))
	}
}

// MarshalDuration writes v as protojson does: a decimal number of seconds
// with 0, 3, 6 or 9 fractional digits and an "s" suffix ("1.5s",
// "-0.000000001s", "3600s"). nil writes null. A duration beyond
// ±315576000000 seconds, or whose seconds and nanos disagree in sign, has no
// JSON form: the field gets an INTERNAL error and null.
func MarshalDuration(v *durationpb.Duration) graphql.ContextMarshaler {
	if v == nil {
		return graphql.Null
	}
	secs, nanos := v.GetSeconds(), v.GetNanos()
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		switch {
		case nanos < -maxNanos || nanos > maxNanos:
			return outputErr("Duration", "nanos %d are outside -%d..%d", nanos, maxNanos, maxNanos)
		case secs < -maxDurationSeconds || secs > maxDurationSeconds:
			return outputErr("Duration", "seconds %d are outside -%d..%d (10000 years)", secs, int64(maxDurationSeconds), int64(maxDurationSeconds))
		case (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0):
			return outputErr("Duration", "seconds %d and nanos %d have different signs", secs, nanos)
		}
		var buf [40]byte
		b := append(buf[:0], '"')
		if secs < 0 || nanos < 0 {
			b = append(b, '-')
			secs, nanos = -secs, -nanos
		}
		b = strconv.AppendInt(b, secs, 10)
		b = append(b, ".000000000"...)
		for i, n := len(b)-1, nanos; n > 0; i, n = i-1, n/10 {
			b[i] = byte('0' + n%10)
		}
		b = trimFraction(b)
		_, _ = w.Write(append(b, 's', '"'))
		return nil
	})
}

// UnmarshalDuration reads a Duration input as protojson reads a
// google.protobuf.Duration: a decimal number of seconds with an optional
// sign, at most nine fractional digits and an "s" suffix ("1.5s", "-2s",
// ".5s"), within ±315576000000s; like protojson it reads ".s" as zero. Go
// forms such as "1m30s", other units and exponents are errors. Null reads as
// nil.
func UnmarshalDuration(_ context.Context, v any) (*durationpb.Duration, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		d := new(durationpb.Duration)
		if !plainString(x) || protojson.Unmarshal([]byte(`"`+x+`"`), d) != nil {
			return nil, inputErr("Duration", `%s is not a number of seconds with an "s" suffix within ±315576000000s, such as "1.5s"`, quote(x))
		}
		return d, nil
	default:
		return nil, inputErr("Duration", `want a string such as "1.5s", got %s`, typeName(v))
	}
}

// trimFraction drops trailing zeros of a nine-digit fraction at the end of
// b by groups of three, and the dot when none is left, as protojson does.
func trimFraction(b []byte) []byte {
	for range 2 {
		if n := len(b); string(b[n-3:]) == "000" {
			b = b[:n-3]
		}
	}
	if n := len(b); string(b[n-4:]) == ".000" {
		b = b[:n-4]
	}
	return b
}

// plainString reports whether s is valid UTF-8 that needs no escaping in a
// JSON string, so that quoting it makes a JSON string with the same value.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}
