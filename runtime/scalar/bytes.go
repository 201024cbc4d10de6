package scalar

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// strictStd is standard base64 with padding that also rejects non-zero
// padding bits, so that every byte string has exactly one accepted form.
var strictStd = base64.StdEncoding.Strict()

// MarshalBytes writes v as a JSON string in standard base64 with padding
// (RFC 4648 section 4), such as "aGk="; nil and empty write "".
func MarshalBytes(v []byte) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, `"`)
		enc := base64.NewEncoder(base64.StdEncoding, w)
		_, _ = enc.Write(v)
		_ = enc.Close()
		_, _ = io.WriteString(w, `"`)
	})
}

// UnmarshalBytes reads a Bytes input: a string in standard base64 with
// padding whose unused bits are zero. Line breaks, the URL-safe alphabet and
// missing padding are errors. "" reads as an empty, non-nil slice; null
// reads as nil.
func UnmarshalBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if i := strings.IndexAny(x, "\r\n"); i >= 0 {
			// The decoder skips line breaks; the scalar does not allow them.
			return nil, inputErr("Bytes", "line break at offset %d: want standard base64 with padding on one line", i)
		}
		b, err := strictStd.DecodeString(x)
		if err != nil {
			var corrupt base64.CorruptInputError
			if errors.As(err, &corrupt) {
				return nil, inputErr("Bytes", "not standard base64 with padding: bad data at offset %d", int64(corrupt))
			}
			return nil, inputErr("Bytes", "not standard base64 with padding")
		}
		return b, nil
	default:
		return nil, inputErr("Bytes", "want a base64 string, got %s", typeName(v))
	}
}

// MarshalBytesValue writes v as [MarshalBytes] does, or null when v is nil.
func MarshalBytesValue(v *wrapperspb.BytesValue) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	return MarshalBytes(v.GetValue())
}

// UnmarshalBytesValue reads an input as [UnmarshalBytes] does. Null reads as
// nil.
func UnmarshalBytesValue(v any) (*wrapperspb.BytesValue, error) {
	if v == nil {
		return nil, nil
	}
	b, err := UnmarshalBytes(v)
	if err != nil {
		return nil, err
	}
	return wrapperspb.Bytes(b), nil
}
