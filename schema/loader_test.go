package schema_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bffgen/bffgen/schema"
)

// TestLoaderPhases runs the phases of Load one at a time: each returns its
// product, and Bind gives the model Load gives; a phase with an error makes
// Bind return nil.
func TestLoaderPhases(t *testing.T) {
	files := map[string]string{
		"bffgen.yaml": "version: 1\n",
		"go.mod":      "module example.com/phases\n\ngo 1.26\n",
		"proto/shop/v1/shop.proto": `syntax = "proto3";
package shop.v1;
message GetThingRequest { string id = 1; }
message Thing { string id = 1; string name = 2; }
service ShopService { rpc GetThing(GetThingRequest) returns (Thing); }
`,
		"schema/schema.graphql": "type Query {\n  thing(id: ID): Thing @rpc(method: \"shop.v1.ShopService.GetThing\")\n}\ntype Thing { id: ID! name: String! }\n",
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
	ld, err := schema.NewLoader(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ld.Config()
	if err != nil || cfg == nil || cfg.Proto.Roots[0] != "proto" {
		t.Fatalf("Config = %v, %v", cfg, err)
	}
	if !ld.Module() {
		t.Fatalf("Module found no go.mod: %v", ld.Result.Diagnostics)
	}
	if s := ld.SDL(); s == nil || s.Types["Thing"] == nil {
		t.Fatalf("SDL = %v: %v", s, ld.Result.Diagnostics)
	}
	protos, err := ld.Protos(context.Background())
	if err != nil || len(protos) != 1 || ld.ProtoPaths()["shop/v1/shop.proto"] != "proto/shop/v1/shop.proto" {
		t.Fatalf("Protos = %v, %v; paths %v", protos, err, ld.ProtoPaths())
	}
	m := ld.Bind()
	if m == nil || m.Objects["Thing"].Message == nil || m.Objects["Thing"].Message.FullName() != "shop.v1.Thing" || ld.Result.Model != m {
		t.Fatalf("Bind = %v: %v", m, ld.Result.Diagnostics)
	}
	res, err := schema.Load(context.Background(), dir)
	if err != nil || res.Model == nil || len(res.Model.Objects) != len(m.Objects) || len(res.Diagnostics) != len(ld.Result.Diagnostics) {
		t.Errorf("Load disagrees with the phases: %v, %v", res, err)
	}

	// A syntax error in the SDL: SDL returns nil, and Bind does not run.
	if err := os.WriteFile(filepath.Join(dir, "schema/schema.graphql"), []byte("type Query {"), 0o644); err != nil {
		t.Fatal(err)
	}
	ld, _ = schema.NewLoader(dir)
	if cfg, _ := ld.Config(); cfg == nil {
		t.Fatal("no config")
	}
	if s := ld.SDL(); s != nil {
		t.Errorf("SDL of a broken file = %v, want nil", s)
	}
	if _, err := ld.Protos(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := ld.Bind(); m != nil || !ld.Result.Diagnostics.HasErrors() {
		t.Errorf("Bind after an SDL error = %v, diagnostics %v; want nil and errors", m, ld.Result.Diagnostics)
	}
}
