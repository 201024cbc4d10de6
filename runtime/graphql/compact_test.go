package graphql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// FuzzAppendCompactJSON checks appendCompactJSON against encoding/json's
// encoding of a json.RawMessage: whatever it accepts, encoding/json
// accepts, and writes the same bytes.
func FuzzAppendCompactJSON(f *testing.F) {
	for _, s := range []string{
		`{"data":{"a":[1,-2.5e+3,0,{"b":null}],"c":true,"d":false}}`,
		` { "a" : [ 1 , "x y" ] , "b" : { } , "c" : [ ] } `,
		`"<script>&</script>"`, "\"\u2028\u2029\xe2\x80\"", "\"\xff\xfe\"", `"\u003c\"\\\/\b\f\n\r\t"`,
		`{"a":01}`, `{"a":1.}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `nul`, `truex`, `"\x01"`, `"\u12"`, `"\q"`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, `12 34`, ``, ` `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := appendCompactJSON([]byte("x"), []byte(s))
		if !ok {
			if string(got) != "x" {
				t.Fatalf("appendCompactJSON(%q) refused it but changed dst to %q", s, got)
			}
			return
		}
		want, err := json.Marshal(json.RawMessage(s))
		if err != nil {
			t.Fatalf("appendCompactJSON accepts %q, encoding/json refuses it: %v", s, err)
		}
		if !bytes.Equal(got[1:], want) {
			t.Fatalf("appendCompactJSON(%q) = %s, encoding/json writes %s", s, got[1:], want)
		}
	})
}

// BenchmarkWriteData compares the two ways the dispatcher can write the
// data of a response the size of the shop's (20 products, 5 reviews each:
// about 18 KB): appendCompactJSON, and encoding/json's encoding of the
// json.RawMessage it replaces.
func BenchmarkWriteData(b *testing.B) {
	var data bytes.Buffer
	data.WriteString(`{"products":[`)
	for p := range 20 {
		if p > 0 {
			data.WriteByte(',')
		}
		fmt.Fprintf(&data, `{"id":"p-%d","name":"Trail Running Shoes & more","priceCents":"12900","category":"OUTDOOR","createdAt":"2026-03-01T09:00:00Z","seller":{"id":"u-11","displayName":"Outdoor Depot"},"reviews":[`, p)
		for r := range 5 {
			if r > 0 {
				data.WriteByte(',')
			}
			fmt.Fprintf(&data, `{"id":"r-%d","rating":5,"title":"Review %d of p-%d","createdAt":"2026-05-01T22:00:00Z","reviewer":{"displayName":"Jordan Lee","country":"DE"}}`, r, r, p)
		}
		data.WriteString(`]}`)
	}
	data.WriteString(`]}`)
	raw := data.Bytes()
	b.Run("appendCompactJSON", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, ok := appendCompactJSON(make([]byte, 0, len(raw)+len(raw)/64+64), raw); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := json.Marshal(wireResponse{Data: raw}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
