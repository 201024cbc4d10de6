package importproto_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/importproto"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// shopDir is a realistic proto set: catalog.v1, reviews.v1 and users.v1
// sharing common.v1, with well-known types, enums, a oneof, maps,
// streaming methods, colliding names, deprecations and comments.
const shopDir = "testdata/shop"

// checkable chooses the methods of the shop whose imports the binder
// accepts today: no oneof, no map or uint32 in a request.
var checkable = importproto.Options{
	Methods: []string{
		"catalog.v1.CatalogService.Get*", "ListProducts", "CountProducts", "RecommendProducts", "DeleteProduct", "WatchStock",
		"users.v1.UserService.Get*", "BatchGetUsers", "UpdateProfile",
		"SummarizeReviews", "FlagReview", "BatchDeleteReviews",
	},
	Query: []string{"RecommendProducts"},
}

// compileShop copies the shop project into a temporary directory (with a
// go.mod, so that Load accepts it) and compiles its protos.
func compileShop(t *testing.T) *schema.ProtoSet {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(shopDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return compile(t, dir)
}

func compile(t *testing.T, dir string) *schema.ProtoSet {
	t.Helper()
	set, res, err := schema.CompileProtos(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if set == nil {
		t.Fatalf("compiling protos: %v", res.Diagnostics)
	}
	return set
}

// TestImportProtoGolden imports the shop with each case's options and
// compares the SDL with testdata/import/<case>.golden.graphql.
func TestImportProtoGolden(t *testing.T) {
	cases := []struct {
		name     string
		opts     importproto.Options
		existing string
	}{
		{name: "all"},
		{name: "checkable", opts: checkable},
		{name: "globs-and-overrides", opts: importproto.Options{
			Services: []string{"catalog.v1.*", "reviews.v1.ReviewService"},
			Methods:  []string{"Get*", "List*", "Recommend*", "*.ReviewService.Summarize*", "Watch*"},
			Query:    []string{"catalog.v1.CatalogService.Recommend*"},
			Mutation: []string{"SummarizeReviews"},
		}},
		{name: "existing-schema", opts: importproto.Options{Services: []string{"catalog.v1.CatalogService"}, Methods: []string{"GetProduct", "GetHealth"}},
			existing: "type Query {\n  getProduct: String\n}\n\ntype Product {\n  id: ID!\n}\n"},
	}
	set := compile(t, shopDir)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if c.existing != "" {
				opts.Existing = []*ast.Source{{Name: "schema/schema.graphql", Input: c.existing}}
			}
			imp, err := importproto.Import(set, opts)
			if err != nil {
				t.Fatal(err)
			}
			again, err := importproto.Import(set, opts)
			if err != nil || string(again.SDL) != string(imp.SDL) {
				t.Fatalf("a second import differs (err %v)", err)
			}
			golden := filepath.Join("testdata", c.name+".golden.graphql")
			if updateGolden {
				if err := os.WriteFile(golden, imp.SDL, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with BFFGEN_UPDATE_GOLDEN=1 to create it)", err)
			}
			if string(imp.SDL) != string(want) {
				t.Errorf("SDL differs from %s (BFFGEN_UPDATE_GOLDEN=1 refreshes it)\n--- got\n%s", golden, imp.SDL)
			}
		})
	}
}

// writeImport writes imported SDL (and optionally more SDL) into a
// project and loads it.
func writeImport(t *testing.T, set *schema.ProtoSet, sdl []byte, more string) *schema.Result {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(set.Dir, "schema"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(set.Dir, "schema", "imported.graphql"), sdl, 0o644); err != nil {
		t.Fatal(err)
	}
	if more != "" {
		if err := os.WriteFile(filepath.Join(set.Dir, "schema", "schema.graphql"), []byte(more), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := schema.Load(context.Background(), set.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestImportProtoLoads checks that the import of the checkable methods is
// a spec schema.Load accepts without a single diagnostic, every root field
// bound to its RPC and every type to its message or enum.
func TestImportProtoLoads(t *testing.T) {
	set := compileShop(t)
	imp, err := importproto.Import(set, checkable)
	if err != nil {
		t.Fatal(err)
	}
	res := writeImport(t, set, imp.SDL, "")
	if len(res.Diagnostics) > 0 || res.Model == nil {
		var b strings.Builder
		_ = diag.Render(&b, diag.Text, res.Diagnostics, res.Source)
		t.Fatalf("the import does not load cleanly:\n%s", b.String())
	}
	m := res.Model
	roots := 0
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		for _, f := range m.Objects[root].Fields {
			roots++
			if f.Kind != schema.FieldRPC {
				t.Errorf("%s.%s is not bound to an RPC", root, f.Def.Name)
			}
		}
	}
	if want := imp.Queries + imp.Mutations + imp.Subscriptions; roots != want {
		t.Errorf("%d root fields loaded, the import counted %d", roots, want)
	}
	for name, want := range map[string]string{"Product": "catalog.v1.Product", "UsersV1Image": "users.v1.Image", "CatalogV1Image": "catalog.v1.Image", "ProductVariant": "catalog.v1.Product.Variant"} {
		if o := m.Objects[name]; o == nil || o.Message == nil || string(o.Message.FullName()) != want {
			t.Errorf("type %s is not bound to %s", name, want)
		}
	}
	for name, want := range map[string]string{"Category": "catalog.v1.Category", "CommonV1Status": "common.v1.Status", "UsersV1Status": "users.v1.Status"} {
		if e := m.Enums[name]; e == nil || string(e.Proto.FullName()) != want {
			t.Errorf("enum %s is not bound to %s", name, want)
		}
	}
	if _, ok := m.MapEntries["ProductAttributesEntry"]; !ok {
		t.Errorf("map entry type ProductAttributesEntry is not bound to catalog.v1.Product.AttributesEntry")
	}
}

// TestImportProtoFullImport checks that the import of every method of the
// shop (maps, oneofs and uint32 in requests included) is valid GraphQL
// that loads without a single error.
func TestImportProtoFullImport(t *testing.T) {
	set := compileShop(t)
	imp, err := importproto.Import(set, importproto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gqlparser.LoadSchema(schema.Prelude(nil), &ast.Source{Name: "imported.graphql", Input: string(imp.SDL)}); err != nil {
		t.Fatalf("not valid GraphQL: %v", err)
	}
	res := writeImport(t, set, imp.SDL, "")
	for _, d := range res.Diagnostics.Errors() {
		t.Errorf("unexpected error (code %q): %v", d.Code, d.Error())
	}
	if want := []string{"proto/catalog/v1/catalog.proto", "proto/reviews/v1/reviews.proto", "proto/users/v1/users.proto"}; !slices.Equal(imp.Files, want) {
		t.Errorf("files = %v, want %v", imp.Files, want)
	}
	if imp.Queries != 11 || imp.Mutations != 8 || imp.Subscriptions != 1 {
		t.Errorf("root fields = %d queries, %d mutations, %d subscriptions; want 11, 8, 1", imp.Queries, imp.Mutations, imp.Subscriptions)
	}
	for _, want := range []string{"UploadImages", "UploadReviewPhotos", "SyncPresence"} {
		if !slices.ContainsFunc(imp.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("no note says %s was skipped: %q", want, imp.Notes)
		}
	}
}

// TestImportProtoExtendsExisting checks an import into a project whose
// schema already declares Query and a Product type: the import extends
// Query, avoids the names taken, and the two files load together.
func TestImportProtoExtendsExisting(t *testing.T) {
	set := compileShop(t)
	existing := "type Query {\n  getUser: String\n}\n\ntype Product {\n  id: ID!\n}\n"
	if err := os.MkdirAll(filepath.Join(set.Dir, "schema"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(set.Dir, "schema", "schema.graphql"), []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	sources, err := set.SchemaSources("schema/imported.graphql")
	if err != nil || len(sources) != 1 || sources[0].Name != "schema/schema.graphql" {
		t.Fatalf("SchemaSources = %v, %v", sources, err)
	}
	opts := checkable
	opts.Existing = sources
	imp, err := importproto.Import(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	sdl := string(imp.SDL)
	for _, want := range []string{"\nextend type Query {\n", "\ntype Mutation {\n", "  userGetUser(id: ID): User\n", "type CatalogV1Product @proto(type: \"catalog.v1.Product\")"} {
		if !strings.Contains(sdl, want) {
			t.Errorf("the import lacks %q", want)
		}
	}
	res := writeImport(t, set, imp.SDL, "")
	for _, d := range res.Diagnostics.Errors() {
		t.Errorf("unexpected error: %v", d.Error())
	}
	if !set.Covers("schema/imported.graphql") || set.Covers("api/imported.graphql") {
		t.Errorf("Covers disagrees with schema: %v", set.Config.Schema)
	}
}

// importFrom writes protos into a new project, compiles them and imports
// them with opts.
func importFrom(t *testing.T, protos map[string]string, opts importproto.Options) (*importproto.Imported, error) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"bffgen.yaml": "version: 1\n"}
	for name, text := range protos {
		files["proto/"+name] = text
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return importproto.Import(compile(t, dir), opts)
}

// parseImport loads imported SDL with the prelude.
func parseImport(t *testing.T, imp *importproto.Imported) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(schema.Prelude(nil), &ast.Source{Name: "imported.graphql", Input: string(imp.SDL)})
	if err != nil {
		t.Fatalf("%v\n%s", err, imp.SDL)
	}
	return s
}

const placementProto = `syntax = "proto3";
package shop.v1;
import "google/protobuf/empty.proto";
message Req { string id = 1; }
message Res { string id = 1; string name = 2; }
service ShopService {
  rpc GetThing(Req) returns (Res);
  rpc Getaway(Req) returns (Res);
  rpc ListThings(Req) returns (Res);
  rpc SearchThings(Req) returns (Res);
  rpc BatchGetThings(Req) returns (Res);
  rpc BatchThings(Req) returns (Res);
  rpc BatchDeleteThings(Req) returns (Res);
  rpc CreateThing(Req) returns (Res);
  rpc Resolve(Req) returns (Res) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Touch(Req) returns (Res) { option idempotency_level = IDEMPOTENT; }
  rpc WatchThings(Req) returns (stream Res);
  rpc GetURLLookup(Req) returns (Res);
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);
}
`

// TestImportProtoPlacement checks which root type each RPC lands on and
// the name of its field.
func TestImportProtoPlacement(t *testing.T) {
	imp, err := importFrom(t, map[string]string{"shop/v1/shop.proto": placementProto}, importproto.Options{Query: []string{"Ping"}})
	if err != nil {
		t.Fatal(err)
	}
	s := parseImport(t, imp)
	for _, c := range []struct{ field, root string }{
		{"getThing", "Query"},
		{"getaway", "Mutation"}, // Get is not a word of its own here
		{"listThings", "Query"},
		{"searchThings", "Query"},
		{"batchGetThings", "Query"},
		{"batchThings", "Query"},
		{"batchDeleteThings", "Mutation"}, // a batch of writes
		{"createThing", "Mutation"},
		{"resolve", "Query"}, // NO_SIDE_EFFECTS
		{"touch", "Mutation"},
		{"watchThings", "Subscription"},
		{"getURLLookup", "Query"},
		{"ping", "Query"}, // --query
	} {
		def := s.Types[c.root]
		if def == nil || def.Fields.ForName(c.field) == nil {
			t.Errorf("%s is not a field of %s\n%s", c.field, c.root, imp.SDL)
		}
	}
	if f := s.Query.Fields.ForName("ping"); f == nil || f.Type.String() != "Boolean!" || len(f.Arguments) != 0 {
		t.Errorf("ping(Empty) returns Empty should be ping: Boolean!, got %v", f)
	}
}

// TestImportProtoNaming checks the naming rules on collisions.
func TestImportProtoNaming(t *testing.T) {
	protos := map[string]string{
		"a/v1/a.proto": `syntax = "proto3";
package a.v1;
enum Kind { option allow_alias = true; KIND_UNSPECIFIED = 0; KIND_3D = 1; KIND_FLAT = 2; KIND_FLAT_ALIAS = 2 [deprecated = true]; }
message Money { int64 units = 1; Kind kind = 2; }
message Status { string text = 1; int32 code = 2; }
message GetStatusRequest {}
message Thing {
  string sku = 4 [json_name = "stock-keeping-unit"];
  string ean_code = 5 [json_name = "ean"]; Money price = 1; b.v1.Money cost = 2; map<string, Money> prices = 3; }
import "b/v1/b.proto";
service Service { rpc GetStatus(GetStatusRequest) returns (Status); rpc GetThing(GetStatusRequest) returns (Thing); }
service AlphaService { rpc GetStatus(GetStatusRequest) returns (Status); }
`,
		"b/v1/b.proto": `syntax = "proto3";
package b.v1;
message Money { int64 cents = 1; }
message Empty { }
message GetStatusRequest { Empty nothing = 1; string id = 2; }
message Status { string text = 1; int32 code = 2; }
service AlphaService { rpc GetStatus(GetStatusRequest) returns (Status); rpc DeleteAll(GetStatusRequest) returns (Empty); }
`,
	}
	imp, err := importFrom(t, protos, importproto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := parseImport(t, imp)
	var fields []string
	for _, f := range s.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f.Name)
		}
	}
	// a.v1.Service has no short name: its package names it; the two
	// AlphaServices need their packages too.
	if want := []string{"av1AlphaGetStatus", "av1ServiceGetStatus", "getThing", "bv1AlphaGetStatus"}; !slices.Equal(fields, want) {
		t.Errorf("Query fields = %v, want %v\n%s", fields, want, imp.SDL)
	}
	for name, proto := range map[string]string{"AV1Money": "a.v1.Money", "BV1Money": "b.v1.Money", "AV1Status": "a.v1.Status", "BV1Status": "b.v1.Status", "ThingPricesEntry": ""} {
		def := s.Types[name]
		if def == nil {
			t.Errorf("no type %s\n%s", name, imp.SDL)
			continue
		}
		got := ""
		if d := def.Directives.ForName("proto"); d != nil {
			got = d.Arguments.ForName("type").Value.Raw
		}
		if got != proto {
			t.Errorf("type %s is bound to %q, want %q", name, got, proto)
		}
	}
	if thing := s.Types["Thing"]; thing.Fields.ForName("sku") == nil || thing.Fields.ForName("ean") == nil {
		t.Errorf("Thing should have fields sku (its json_name is no GraphQL name) and ean (its json_name):\n%s", imp.SDL)
	}
	kind := s.Types["Kind"]
	var values []string
	for _, v := range kind.EnumValues {
		values = append(values, v.Name)
	}
	if want := []string{"KIND_3D", "FLAT"}; !slices.Equal(values, want) {
		t.Errorf("enum Kind values = %v, want %v (3D is no GraphQL name; aliases are left out)", values, want)
	}
	if f := s.Mutation.Fields.ForName("deleteAll"); f == nil || f.Type.String() != "Boolean!" || len(f.Arguments) != 1 {
		t.Errorf("a request field of an empty message is left out and an empty response is Boolean!, got %v", f)
	}
	if !slices.ContainsFunc(imp.Notes, func(n string) bool { return strings.Contains(n, "b.v1.GetStatusRequest.nothing") }) {
		t.Errorf("no note on the field left out: %q", imp.Notes)
	}
}

// TestImportProtoErrors checks the mistakes in options that stop an
// import, each reported as an *ImportError naming the option at fault.
func TestImportProtoErrors(t *testing.T) {
	cases := []struct {
		name   string
		opts   importproto.Options
		option string
		msg    string
	}{
		{"service pattern matching nothing", importproto.Options{Services: []string{"shop.v1.*", "payments.*"}}, "services", `services pattern "payments.*" matches no service; the proto roots declare shop.v1.IdleService, shop.v1.ShopService`},
		{"malformed pattern", importproto.Options{Methods: []string{"Get["}}, "methods", `methods pattern "Get[" is malformed`},
		{"method pattern matching nothing", importproto.Options{Methods: []string{"Delete*"}}, "methods", `methods pattern "Delete*" matches no method of the chosen services`},
		{"query pattern outside the selection", importproto.Options{Methods: []string{"Get*"}, Query: []string{"CreateThing"}}, "query", `query pattern "CreateThing" matches no method`},
		{"method on both roots", importproto.Options{Query: []string{"Touch"}, Mutation: []string{"T*"}}, "query", `method "shop.v1.ShopService.Touch" matches both a query and a mutation pattern`},
		{"server stream forced on Query", importproto.Options{Query: []string{"Watch*"}}, "query", `method "shop.v1.ShopService.WatchThings" is server-streaming: it can only be a Subscription field`},
		{"service without methods", importproto.Options{Services: []string{"IdleService"}}, "methods", "the chosen services have no method"},
		{"client streams only", importproto.Options{Methods: []string{"Upload"}}, "methods", `no method of the selection can be imported: skipped shop.v1.ShopService.Upload: client-streaming methods cannot be exposed in GraphQL`},
	}
	protos := map[string]string{"shop/v1/shop.proto": placementProto[:strings.LastIndex(placementProto, "}")] + "  rpc Upload(stream Req) returns (Res);\n}\nservice IdleService {}\n"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := importFrom(t, protos, c.opts)
			var ierr *importproto.Error
			if !errors.As(err, &ierr) {
				t.Fatalf("err = %v, want an *ImportError", err)
			}
			if ierr.Option != c.option || !strings.Contains(ierr.Error(), c.msg) {
				t.Errorf("err = %q (option %q), want %q (option %q)", ierr.Error(), ierr.Option, c.msg, c.option)
			}
		})
	}
}

// TestImportProtoGoogleServices checks that services of google.* packages
// are left out unless a pattern names them.
func TestImportProtoGoogleServices(t *testing.T) {
	protos := map[string]string{"google/example/v1/ops.proto": `syntax = "proto3";
package google.example.v1;
message GetOpRequest { string name = 1; }
message Op { string name = 1; bool done = 2; }
service Ops { rpc GetOp(GetOpRequest) returns (Op); }
`}
	if _, err := importFrom(t, protos, importproto.Options{}); err == nil || !strings.Contains(err.Error(), "only google.* services") {
		t.Errorf("err = %v, want one saying only google.* services exist", err)
	}
	imp, err := importFrom(t, protos, importproto.Options{Services: []string{"google.example.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := parseImport(t, imp); s.Query.Fields.ForName("getOp") == nil {
		t.Errorf("no getOp field:\n%s", imp.SDL)
	}
}

// TestCompileProtosDiagnostics checks that proto errors come back as
// located diagnostics, as schema.Load reports them.
func TestCompileProtosDiagnostics(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"bffgen.yaml":              "version: 1\n",
		"proto/shop/v1/shop.proto": "syntax = \"proto3\";\npackage shop.v1;\nmessage M { strin id = 1; }\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, res, err := schema.CompileProtos(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil || len(res.Diagnostics.Errors()) != 1 {
		t.Fatalf("set = %v, diagnostics = %v; want no set and one error", set, res.Diagnostics)
	}
	if got := res.Diagnostics.Errors()[0].Error(); !strings.HasPrefix(got, "proto/shop/v1/shop.proto:3:13: error: ") {
		t.Errorf("error = %q, want it at proto/shop/v1/shop.proto:3:13", got)
	}
	if _, ok := res.Source("proto/shop/v1/shop.proto"); !ok {
		t.Errorf("the result lacks the source of the proto, needed to render the error")
	}
	if err := os.Remove(filepath.Join(dir, "bffgen.yaml")); err != nil {
		t.Fatal(err)
	}
	set, res, err = schema.CompileProtos(context.Background(), dir)
	if err != nil || set != nil || !res.Diagnostics.HasErrors() || !strings.Contains(res.Diagnostics.Errors()[0].Message, "no bffgen.yaml") {
		t.Errorf("without bffgen.yaml: set %v, diagnostics %v, err %v", set, res.Diagnostics, err)
	}
}

// TestImportProtoLinksForeignKeys checks that a field x_id whose X a batch
// RPC of the import returns by id becomes a batched field x: X that
// checks, and that a list of ids x_ids is offered in a comment.
func TestImportProtoLinksForeignKeys(t *testing.T) {
	protos := map[string]string{
		"users/v1/users.proto": `syntax = "proto3";
package users.v1;
message Author { string id = 1; string name = 2; }
message BatchGetAuthorsRequest { repeated string ids = 1; string view = 2; }
message BatchGetAuthorsResponse { repeated Author authors = 1; }
service AuthorService { rpc BatchGetAuthors(BatchGetAuthorsRequest) returns (BatchGetAuthorsResponse); }
`,
		"reviews/v1/reviews.proto": `syntax = "proto3";
package reviews.v1;
message Review {
  string id = 1;
  string author_id = 2;
  repeated string editor_ids = 3;
  repeated string author_ids = 4;
  int64 product_id = 5;
}
message GetReviewRequest { string id = 1; }
service ReviewService { rpc GetReview(GetReviewRequest) returns (Review); }
`,
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"bffgen.yaml": "version: 1\n", "go.mod": "module example.com/links\n\ngo 1.26\n",
		"proto/users/v1/users.proto": protos["users/v1/users.proto"], "proto/reviews/v1/reviews.proto": protos["reviews/v1/reviews.proto"]} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set := compile(t, dir)
	imp, err := importproto.Import(set, importproto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sdl := string(imp.SDL)
	for _, want := range []string{
		"  author: Author\n    @batch(method: \"users.v1.AuthorService.BatchGetAuthors\", key: \"ids\", from: \"$parent.author_id\", results: \"authors\", by: \"id\")\n",
		"  # authors: [Author!]! @batch(method: \"users.v1.AuthorService.BatchGetAuthors\", key: \"ids\", from: \"$parent.author_ids\", results: \"authors\", by: \"id\")\n",
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("the import lacks %q:\n%s", want, sdl)
		}
	}
	if strings.Contains(sdl, "editors") || strings.Contains(sdl, "  product:") {
		t.Errorf("no batch RPC returns editors or products (int64 ids), yet the import links them:\n%s", sdl)
	}
	res := writeImport(t, set, imp.SDL, "")
	if errs := res.Diagnostics.Errors(); len(errs) > 0 || res.Model == nil {
		var b strings.Builder
		_ = diag.Render(&b, diag.Text, errs, res.Source)
		t.Fatalf("the import does not check:\n%s", b.String())
	}
	var author *schema.Field
	for _, f := range res.Model.Objects["Review"].Fields {
		if f.Def.Name == "author" {
			author = f
		}
	}
	if author == nil || author.Kind != schema.FieldBatch || author.Batch.By == nil || author.Batch.By.Name() != "id" {
		t.Errorf("Review.author is not bound to the batch RPC by id: %+v", author)
	}
}

var updateGolden = os.Getenv("BFFGEN_UPDATE_GOLDEN") != ""
