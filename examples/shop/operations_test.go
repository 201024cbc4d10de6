package main

import (
	"os"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/examples/shop/bench"
	"github.com/bffgen/bffgen/runtime/graphql"
)

// TestFrontendOperations checks the files generate writes from
// operations/*.graphql against each other and against their users: the
// runtime reads both manifests (the Apollo one that bff.production.yaml
// serves and the hash -> document map) with the same operations, the
// TypeScript module carries the same hashes, and the benchmarks' operation
// is the Shop document of the manifest, so the benchmarks send what the
// frontend sends.
func TestFrontendOperations(t *testing.T) {
	apollo, err := graphql.LoadManifest("persisted-operations.json")
	if err != nil {
		t.Fatal(err)
	}
	relay, err := graphql.LoadManifest("gen/frontend/persisted-documents.json")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := os.ReadFile("gen/frontend/operations.ts")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, e := range relay {
		byID[e.ID] = e.Body
	}
	names := map[string]string{}
	for _, e := range apollo {
		names[e.Name] = e.Body
		if byID[e.ID] != e.Body {
			t.Errorf("operation %s (%s): not in the hash -> document map", e.Name, e.ID)
		}
		if !strings.Contains(string(ts), "export const "+e.Name+"Document: ") || !strings.Contains(string(ts), `hash: "`+e.ID+`"`) {
			t.Errorf("operation %s (%s): not in operations.ts", e.Name, e.ID)
		}
	}
	if len(apollo) != 8 || len(relay) != len(apollo) {
		t.Errorf("%d operations in the manifest, %d in the map; want the 8 of operations/", len(apollo), len(relay))
	}
	if names["Shop"] != bench.Query {
		t.Errorf("bench.Query is not the Shop operation of the manifest:\n%s\n%s", bench.Query, names["Shop"])
	}
}
