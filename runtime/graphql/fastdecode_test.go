package graphql

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzFastDecode checks fastDecode against encoding/json: whatever body
// fastDecode accepts, slowDecode accepts too, with the same operation.
func FuzzFastDecode(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ hello }"}`,
		`{"query":"query($n: String) { hello(name: $n) }","operationName":"Q","variables":{"n":"x","m":[1,2.5e3,{"a":null}]},"extensions":{"persistedQuery":{"version":1}}}`,
		`{"query":"\u0041\n\"","x":[1,{"y":"}"}],"z":true}`,
		`{"QUERY":"{ a }"}`,
		`{"query":null,"variables":null}`,
		`{"query":"a","query":"b"}`,
		` { } `,
		`{"query":"\xff"}`,
		`{"variables":{"a":01}}`,
		`{"x":-}`,
		`{"query":"a"}x`,
		`{"variables":[]}`,
		`{"query":"{ a(s: \"x\u00e9\ud83d\ude00\ud800x\udc00\\\/\b\f\n\r\t\") }"}`,
		`{"query":"\ud83d\u0041 \uD83D\uDE00 \udc00\ud83d"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fast, _, ok := fastDecode([]byte(body), VariablesLimits{})
		if !ok {
			return
		}
		slow, err := slowDecode([]byte(body))
		if err != nil {
			t.Fatalf("fastDecode accepts what encoding/json refuses (%s): %q", err.Message, body)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fastDecode %+v, encoding/json %+v: %q", fast, slow, body)
		}
	})
}

// FuzzPlainValue checks plainValue against encoding/json with UseNumber:
// whatever value it decodes, encoding/json decodes too, to the same value.
func FuzzPlainValue(f *testing.F) {
	for _, s := range []string{
		`{"persistedQuery":{"version":1,"sha256Hash":"ab12"}}`,
		`{"a":[1,-2.5e+3,0,-0,{"b":null}],"c":true,"d":false,"e":"x\n\u00e9\ud83d\ude00\ud800"}`,
		`{"a":1,"a":{"b":2}}`, `[]`, `{}`, ` { "a" : [ ] } `, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`,
		`{"a":-}`, `{"a":tru}`, `{"a":nullx}`, `{"a":"\xff"}`, "{\"\xff\":1}", `{"a":[1,]}`, `{"a":1,}`, `{"a" 1}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, `"s"`, `12`, `{"a":"\u00"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := []byte(s)
		got, end, ok := plainValue(v, 0, 0)
		if !ok || skipSpace(v, end) != len(v) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("plainValue decodes %q, encoding/json refuses it: %v", s, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("plainValue(%q) = %#v, encoding/json %#v", s, got, want)
		}
	})
}
