package schema_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bffgen/bffgen/schema"
)

// TestBindingsDecidedBeforeChecks: a type reached only through a map value,
// a oneof member or an input field is bound before any type is checked,
// whatever the order of the type names, so every check (and the model)
// sees it bound.
func TestBindingsDecidedBeforeChecks(t *testing.T) {
	files := map[string]string{
		"bffgen.yaml": "version: 1\n",
		"go.mod":      "module example.com/order\n\ngo 1.26\n",
		"proto/shop/v1/shop.proto": `syntax = "proto3";
package shop.v1;
message Attr { string label = 1; }
message Card { string last4 = 1; }
message Cash { int32 cents = 1; }
message Product {
  string id = 1;
  map<string, Attr> attrs = 2;
  oneof payment {
    Card card = 3;
    Cash cash = 4;
  }
}
message Box { string name = 1; }
message GetRequest { string id = 1; Box box = 2; }
service ShopService { rpc Get(GetRequest) returns (Product); }
`,
		"schema/schema.graphql": `type Query {
  product(id: ID!, box: ABoxInput): Product @rpc(method: "shop.v1.ShopService.Get")
}
type Product {
  id: ID!
  attrs: [AttrsEntry!]!
  payment: APayment
}
type AttrsEntry { key: String! value: Attr }
type Attr { label: String! }
union APayment = ACardPayment | ACashPayment
type ACardPayment { card: ACard! }
type ACashPayment { cash: ACash! }
type ACard { last4: String! }
type ACash { cents: Int! }
input ABoxInput { name: String }
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
		t.Fatalf("errors: %v", res.Diagnostics)
	}
	for name, msg := range map[string]string{"Attr": "shop.v1.Attr", "ACard": "shop.v1.Card", "ACash": "shop.v1.Cash", "Product": "shop.v1.Product"} {
		o := res.Model.Objects[name]
		if o == nil || o.Message == nil || string(o.Message.FullName()) != msg {
			t.Errorf("object %s: bound to %v, want %s", name, o, msg)
			continue
		}
		for _, f := range o.Fields {
			if want := schema.FieldProto; f.Kind != want && (name != "Product" || f.Def.Name != "payment") {
				t.Errorf("%s.%s: kind %v, want a proto field", name, f.Def.Name, f.Kind)
			}
		}
	}
	if in := res.Model.Inputs["ABoxInput"]; in == nil || in.Message == nil || in.Message.FullName() != "shop.v1.Box" {
		t.Errorf("input ABoxInput: %v, want bound to shop.v1.Box", in)
	}
}
