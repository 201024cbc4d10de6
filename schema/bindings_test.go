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
	m := loadFiles(t, files)
	for name, msg := range map[string]string{"Attr": "shop.v1.Attr", "ACard": "shop.v1.Card", "ACash": "shop.v1.Cash", "Product": "shop.v1.Product"} {
		o := m.Objects[name]
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
	if in := m.Inputs["ABoxInput"]; in == nil || in.Message == nil || in.Message.FullName() != "shop.v1.Box" {
		t.Errorf("input ABoxInput: %v, want bound to shop.v1.Box", in)
	}
}

// TestRPCResultBindings: an @rpc result that is an enum, a list of enums or
// a map binds the enum and the map's value message to the GraphQL types the
// field reads them into.
func TestRPCResultBindings(t *testing.T) {
	m := loadFiles(t, map[string]string{
		"bffgen.yaml": "version: 1\n",
		"go.mod":      "module example.com/results\n\ngo 1.26\n",
		"proto/shop/v1/shop.proto": `syntax = "proto3";
package shop.v1;
enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; STATUS_CLOSED = 2; }
message Label { string text = 1; }
message GetRequest { string id = 1; }
message GetResponse { Status status = 1; map<string, Label> labels = 2; repeated Status history = 3; }
service ShopService { rpc Get(GetRequest) returns (GetResponse); }
`,
		"schema/schema.graphql": `type Query {
  status(id: ID!): State @rpc(method: "shop.v1.ShopService.Get", result: "status")
  labels(id: ID!): [LabelsEntry!]! @rpc(method: "shop.v1.ShopService.Get", result: "labels")
  history(id: ID!): [State!]! @rpc(method: "shop.v1.ShopService.Get", result: "history")
}
type LabelsEntry { key: String! value: ALabel }
type ALabel { text: String! }
enum State { OPEN CLOSED }
`,
	})
	if e := m.Enums["State"]; e == nil || e.Proto.FullName() != "shop.v1.Status" {
		t.Errorf("enum State: %v, want bound to shop.v1.Status", e)
	}
	if o := m.Objects["ALabel"]; o == nil || o.Message == nil || o.Message.FullName() != "shop.v1.Label" {
		t.Errorf("object ALabel: %v, want bound to shop.v1.Label", o)
	}
	if e := m.MapEntries["LabelsEntry"]; e == nil || e.FullName() != "shop.v1.GetResponse.LabelsEntry" {
		t.Errorf("map entry LabelsEntry: %v", e)
	}
}

// loadFiles writes a project and loads it; it fails the test on errors.
func loadFiles(t *testing.T, files map[string]string) *schema.Model {
	t.Helper()
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
	return res.Model
}

// TestHandResolvedFieldBindsNothingBound: a field resolved by hand whose
// name is a proto field of another message than its type's binding is not
// a binding conflict: only its check would compare them, and there is none.
func TestHandResolvedFieldBindsNothingBound(t *testing.T) {
	m := loadFiles(t, map[string]string{
		"bffgen.yaml": "version: 1\n",
		"go.mod":      "module example.com/hand\n\ngo 1.26\n",
		"proto/shop/v1/shop.proto": `syntax = "proto3";
package shop.v1;
message Review { string text = 1; }
message ReviewSummary { int32 count = 1; }
message Product { string id = 1; ReviewSummary reviews = 2; }
message GetRequest { string id = 1; }
message GetReviewRequest { string id = 1; }
service ShopService {
  rpc Get(GetRequest) returns (Product);
  rpc GetReview(GetReviewRequest) returns (Review);
}
`,
		"schema/schema.graphql": `type Query {
  product(id: ID!): Product @rpc(method: "shop.v1.ShopService.Get")
  review(id: ID!): Review @rpc(method: "shop.v1.ShopService.GetReview")
}
type Product { id: ID! reviews: [Review!]! @resolver }
type Review { text: String! }
`,
	})
	if o := m.Objects["Review"]; o == nil || o.Message == nil || o.Message.FullName() != "shop.v1.Review" {
		t.Errorf("object Review: %v, want bound to shop.v1.Review", o)
	}
}
