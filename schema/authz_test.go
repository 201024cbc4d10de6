package schema_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/schema"
)

// TestAuthPolicyAddsUpFieldTypeAndRootType: the scopes a field needs are
// those of its own @auth, of @auth on the type it returns (lists too), and,
// for a root field, of @auth on its root type; @redact is kept per field.
func TestAuthPolicyAddsUpFieldTypeAndRootType(t *testing.T) {
	files := map[string]string{
		"bffgen.yaml": "version: 1\n",
		"go.mod":      "module example.com/authz\n\ngo 1.26\n",
		"proto/shop/v1/shop.proto": `syntax = "proto3";
package shop.v1;
message GetThingRequest { string id = 1; }
message Thing { string id = 1; string name = 2; Part part = 3; repeated Part parts = 4; }
message Part { string id = 1; }
service ShopService {
  rpc GetThing(GetThingRequest) returns (Thing);
  rpc PutThing(GetThingRequest) returns (Thing);
}
`,
		"schema/schema.graphql": `
type Query {
  thing(id: ID): Thing @rpc(method: "shop.v1.ShopService.GetThing")
  open(id: ID): Thing @rpc(method: "shop.v1.ShopService.GetThing")
}
type Mutation @auth(scopes: ["write"]) {
  put(id: ID): Thing @auth(scopes: ["admin", "write"]) @rpc(method: "shop.v1.ShopService.PutThing")
  touch(id: ID): Thing @rpc(method: "shop.v1.ShopService.PutThing")
}
type Thing {
  id: ID!
  name: String @redact(unless: "pii")
  part: Part @auth(scopes: ["parts"])
  parts: [Part!]!
}
type Part @auth(scopes: ["catalog"]) { id: ID! }
`,
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := schema.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model == nil {
		t.Fatalf("does not check: %v", res.Diagnostics)
	}
	policy := func(typ, field string) string {
		for _, f := range res.Model.Objects[typ].Fields {
			if f.Def.Name != field {
				continue
			}
			if f.Auth == nil {
				return "none"
			}
			return "[" + strings.Join(f.Auth.Scopes, " ") + "]"
		}
		t.Fatalf("no field %s.%s", typ, field)
		return ""
	}
	for _, tc := range []struct{ typ, field, want string }{
		{"Query", "thing", "none"},
		{"Mutation", "put", "[admin write]"},
		{"Mutation", "touch", "[write]"},
		{"Thing", "id", "none"},
		{"Thing", "name", "none"},
		{"Thing", "part", "[catalog parts]"},
		{"Thing", "parts", "[catalog]"},
	} {
		if got := policy(tc.typ, tc.field); got != tc.want {
			t.Errorf("%s.%s needs %s, want %s", tc.typ, tc.field, got, tc.want)
		}
	}
	var notes []string
	for _, d := range res.Diagnostics {
		if d.Code == "auth-non-null" {
			notes = append(notes, d.Message)
		}
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "Thing.parts is non-null") {
		t.Errorf("want one note, for Thing.parts: %q", notes)
	}
	for _, f := range res.Model.Objects["Thing"].Fields {
		if (f.Def.Name == "name") != (f.Redact == "pii") {
			t.Errorf("%s.Redact = %q", f.Def.Name, f.Redact)
		}
	}
}
