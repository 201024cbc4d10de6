package plan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/internal/testkit"
	"github.com/bffgen/bffgen/schema"
)

// spec has a field of every kind the plan decides on.
const spec = `-- bffgen.yaml --
version: 1
operations:
  documents: [operations/*.graphql]
-- proto/p/v1/p.proto --
syntax = "proto3";
package p.v1;
import "google/protobuf/timestamp.proto";
enum Level { LEVEL_UNSPECIFIED = 0; LEVEL_LOW = 1; LEVEL_HIGH = 2; }
message Item {
  string id = 1;
  int64 big = 2;
  Level level = 3;
  google.protobuf.Timestamp at = 4;
  optional int32 maybe = 5;
  repeated string tags = 6;
  map<string, string> attrs = 7;
  string owner_id = 8;
  bytes raw = 9;
}
message User { string id = 1; string name = 2; }
message GetRequest { string id = 1; Level level = 2; }
message BatchRequest { repeated string ids = 1; }
message BatchResponse { repeated User users = 1; }
service S {
  rpc Get(GetRequest) returns (Item);
  rpc Put(Item) returns (Item);
  rpc Users(BatchRequest) returns (BatchResponse);
}
-- schema/schema.graphql --
type Query {
  item(id: ID!, level: Level): Item @rpc(method: "p.v1.S.Get")
  secret(id: ID!): Item @auth @rpc(method: "p.v1.S.Get")
}
type Mutation {
  put(id: ID!): Item @rpc(method: "p.v1.S.Put")
  putNonNull(id: ID!): Item! @rpc(method: "p.v1.S.Put")
}
type Item {
  id: ID!
  big: Int64!
  level: Level
  at: DateTime
  maybe: Int
  tags: [String!]!
  attrs: [Attr!]!
  raw: Bytes!
  label: String! @resolver
  owner: User @batch(method: "p.v1.S.Users", key: "ids", from: "$parent.owner_id", results: "users", by: "id")
}
type Attr { key: String! value: String! }
type User { id: ID! name: String! }
enum Level { LOW HIGH }
`

func TestBuildDecidesWhichOperationsCompile(t *testing.T) {
	tests := []struct {
		name, op string
		// reason is "" when the operation compiles, else a part of why not.
		reason string
	}{
		{"plain reads, a batch and a user resolver compile", `query A($id: ID!) { item(id: $id, level: HIGH) { id big level at maybe tags label owner { id name } __typename } }`, ""},
		{"aliases compile", `query A { x: item(id: "1") { i: id } y: item(id: "2") { id } }`, ""},
		{"a mutation compiles", `mutation A { a: put(id: "1") { id } b: put(id: "2") { id } }`, ""},
		{"a mutation with __typename on its root runs on gqlgen", `mutation A { __typename }`, "__typename"},
		{"a non-null mutation field compiles", `mutation A { putNonNull(id: "1") { id } }`, ""},
		{"named and inline fragments compile", "query A { item(id: \"1\") { ...F ... on Item { big } ... { level } } }\nfragment F on Item { id owner { ...U } }\nfragment U on User { name }", ""},
		{"@skip and @include compile", `query A($s: Boolean!) { item(id: "1") { id @skip(if: $s) big @include(if: true) level @skip(if: true) ... @include(if: $s) { at } } }`, ""},
		{"a nullable condition runs on gqlgen", `query A($s: Boolean = false) { item(id: "1") { id @skip(if: $s) } }`, "may be null"},
		{"variables that differ only in the case of their first letter run on gqlgen", `query A($s: Boolean!, $S: Boolean!) { item(id: "1") { id @skip(if: $s) big @skip(if: $S) } }`, "first letter"},
		{"a key selected twice under a variable condition runs on gqlgen", `query A($s: Boolean!) { item(id: "1") { id id @include(if: $s) } }`, "selected twice"},
		{"@auth compiles", `query A { secret(id: "1") { id } }`, ""},
		{"a map runs on gqlgen", `query A { item(id: "1") { attrs { key } } }`, "map"},
		{"bytes run on gqlgen", `query A { item(id: "1") { raw } }`, "Bytes"},
		{"a root key the executor uses for itself runs on gqlgen", `query A { cost: item(id: "1") { id } }`, "alias the field"},
		{"field merging compiles", "query A { item(id: \"1\") { id owner { id } ...F } }\nfragment F on Item { id owner { name } }", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := build(load(t, tt.op))
			if len(ops) != 1 {
				t.Fatalf("%d plans, want 1", len(ops))
			}
			got := ops[0]
			switch {
			case tt.reason == "" && got.Reason != "":
				t.Fatalf("runs on gqlgen: %s", got.Reason)
			case tt.reason == "" && got.Root == nil:
				t.Fatal("compiles without a root selection")
			case tt.reason != "" && !strings.Contains(got.Reason, tt.reason):
				t.Fatalf("reason %q, want one with %q", got.Reason, tt.reason)
			case tt.reason != "" && len(plan.Compiled(ops)) != 0:
				t.Fatal("an operation with a reason is listed as compiled")
			}
		})
	}
}

func TestBuildMergesFieldsAndKeepsConditions(t *testing.T) {
	ops := build(load(t, "query A($s: Boolean!) { item(id: \"1\") { id ...F @skip(if: $s) owner { id } ...G } }\nfragment F on Item { big }\nfragment G on Item { id owner { name id } }"))
	if ops[0].Reason != "" {
		t.Fatal(ops[0].Reason)
	}
	var got []string
	for _, f := range ops[0].Root.Fields[0].Sel.Fields {
		desc := f.Key
		for _, c := range f.Conds {
			desc += fmt.Sprintf(" if %s skip=%t", c.Var, c.Skip)
		}
		if f.Sel != nil {
			for _, cf := range f.Sel.Fields {
				desc += " " + cf.Key
			}
		}
		got = append(got, desc)
	}
	// id and owner merge (in the order of their first occurrence, with
	// the selections of both); big keeps the condition of its fragment.
	want := []string{"id", "big if s skip=true", "owner id name"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestBuildPositionsAreThoseOfTheDocumentSent(t *testing.T) {
	// The operation's file has comments before it; errors must point into
	// the document the client sends, which starts at the keyword.
	ops := build(load(t, "# a comment\n\n  query A { item(id: \"1\") { id } }"))
	if ops[0].Reason != "" {
		t.Fatal(ops[0].Reason)
	}
	f := ops[0].Root.Fields[0]
	if f.AST.Position.Line != 1 || f.AST.Position.Column != 11 {
		t.Errorf("item at %d:%d, want 1:11", f.AST.Position.Line, f.AST.Position.Column)
	}
}

func TestBuildWeighsFieldsAsTheCostModel(t *testing.T) {
	// @cost on a field, on an argument, on a type, negative; objects
	// weigh 1 and leaves 0 without it.
	costly := strings.NewReplacer(
		"item(id: ID!, level: Level)", "item(id: ID! @cost(weight: 2), level: Level @cost(weight: 5))",
		"  big: Int64!\n", "  big: Int64! @cost(weight: 3)\n",
		"  maybe: Int\n", "  maybe: Int @cost(weight: -1)\n",
		"type User {", "type User @cost(weight: 4) {",
	).Replace(spec)
	ops := build(loadSpec(t, costly, `query A { item(id: "1") { id big maybe owner { id } __typename } }`))
	if ops[0].Reason != "" {
		t.Fatal(ops[0].Reason)
	}
	item := ops[0].Root.Fields[0]
	got := []string{fmt.Sprintf("item %d+%d", item.Cost, item.ArgCost)}
	for _, f := range item.Sel.Fields {
		got = append(got, fmt.Sprintf("%s %d+%d", f.Key, f.Cost, f.ArgCost))
	}
	// item: an object (1), its argument id given (2), level not (0).
	want := []string{"item 1+2", "id 0+0", "big 3+0", "maybe 0+0", "owner 4+0", "__typename 0+0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("weights %q, want %q", got, want)
	}
}

func load(t *testing.T, op string) *schema.Model { return loadSpec(t, spec, op) }

// build plans the operations of m on its schema-wide plan.
func build(m *schema.Model) []*plan.Operation { return plan.Build(m, plan.NewSchema(m)) }

func loadSpec(t *testing.T, spec, op string) *schema.Model {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "spec.txtar")
	if err := os.WriteFile(archive, []byte(spec+"-- operations/op.graphql --\n"+op+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := testkit.WriteArchive(t, archive, t.TempDir(), txtar.File{Name: "go.mod", Data: []byte("module example.com/t\n\ngo 1.26\n")})
	res, err := schema.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model == nil {
		t.Fatalf("spec does not load: %v", res.Diagnostics)
	}
	return res.Model
}
