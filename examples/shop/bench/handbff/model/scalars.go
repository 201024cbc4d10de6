package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalInt64 writes the Int64 scalar as a JSON string of base-10 digits,
// such as "12900" (the protojson form of int64: JavaScript numbers lose
// precision beyond 2^53).
func MarshalInt64(v int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.FormatInt(v, 10)))
	})
}

// UnmarshalInt64 reads an Int64 input: a string of digits or a JSON
// number.
func UnmarshalInt64(v any) (int64, error) {
	return graphql.UnmarshalInt64(v)
}

// MarshalDateTime writes the DateTime scalar as protojson writes a
// google.protobuf.Timestamp: RFC 3339 in UTC with a "Z" and 0, 3, 6 or 9
// fractional digits, as few as the nanoseconds need
// ("2026-03-01T09:00:00Z", "2026-03-01T09:00:00.120Z").
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(formatDateTime(t)))
	})
}

// UnmarshalDateTime reads a DateTime input: an RFC 3339 string.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string: %w", err)
	}
	return t, nil
}

// formatDateTime formats t in UTC with the fractional digits protojson
// writes: none for whole seconds, else 3, 6 or 9.
func formatDateTime(t time.Time) string {
	t = t.UTC()
	layout := "2006-01-02T15:04:05.000000000Z"
	switch ns := t.Nanosecond(); {
	case ns == 0:
		layout = "2006-01-02T15:04:05Z"
	case ns%1_000_000 == 0:
		layout = "2006-01-02T15:04:05.000Z"
	case ns%1_000 == 0:
		layout = "2006-01-02T15:04:05.000000Z"
	}
	return t.Format(layout)
}
