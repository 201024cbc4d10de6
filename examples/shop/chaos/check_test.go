package chaos_test

import (
	"testing"

	"github.com/bffgen/bffgen/examples/shop/chaos"
)

// Check tells a well-formed GraphQL response from anything else: what
// make chaos fails on.
func TestCheckTellsWellFormedGraphQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"data", `{"data":{"a":1}}`, true},
		{"partial data with a coded error", `{"errors":[{"message":"m","path":["a",0,"b"],"extensions":{"code":"UNAVAILABLE","upstream":{"name":"users"}}}],"data":{"a":null}}`, true},
		{"a request error without data", `{"errors":[{"message":"m","extensions":{"code":"MAX_DEPTH_LIMIT"}}]}`, true},
		{"data null", `{"data":null,"errors":[{"message":"m","extensions":{"code":"INTERNAL"}}]}`, true},
		{"extensions beside", `{"data":{},"extensions":{"cost":1}}`, true},
		{"not JSON", `<html>502 Bad Gateway</html>`, false},
		{"a JSON list", `[{"data":{}}]`, false},
		{"empty object", `{}`, false},
		{"unknown member", `{"data":{},"trace":"x"}`, false},
		{"data a string", `{"data":"x"}`, false},
		{"errors empty", `{"data":{},"errors":[]}`, false},
		{"errors an object", `{"errors":{"message":"m"}}`, false},
		{"an error without message", `{"errors":[{"extensions":{"code":"INTERNAL"}}]}`, false},
		{"a message that is not a string", `{"errors":[{"message":1,"extensions":{"code":"INTERNAL"}}]}`, false},
		{"an error without code", `{"errors":[{"message":"m"}]}`, false},
		{"a code outside errcode", `{"errors":[{"message":"m","extensions":{"code":"SOMETHING_ELSE"}}]}`, false},
		{"a path of objects", `{"errors":[{"message":"m","path":[{}],"extensions":{"code":"INTERNAL"}}]}`, false},
		{"a fractional path index", `{"errors":[{"message":"m","path":[1.5],"extensions":{"code":"INTERNAL"}}]}`, false},
		{"truncated", `{"data":{"a":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, err := chaos.Check([]byte(tt.body))
			if (err == nil) != tt.ok {
				t.Errorf("Check(%s) = %v, want well-formed %v", tt.body, err, tt.ok)
			}
			if tt.name == "partial data with a coded error" && (len(errs) != 1 || errs[0].Code != "UNAVAILABLE" || errs[0].Upstream != "users") {
				t.Errorf("errors %+v, want one UNAVAILABLE naming users", errs)
			}
		})
	}
}
