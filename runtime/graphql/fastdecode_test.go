package graphql

import (
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
