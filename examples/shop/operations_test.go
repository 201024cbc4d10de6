package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/examples/shop/backends"
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
	if len(apollo) != 9 || len(relay) != len(apollo) {
		t.Errorf("%d operations in the manifest, %d in the map; want the 9 of operations/", len(apollo), len(relay))
	}
	if names["Shop"] != bench.Query {
		t.Errorf("bench.Query is not the Shop operation of the manifest:\n%s\n%s", bench.Query, names["Shop"])
	}
}

// operationVariables are the variables the shop's operations run with in
// TestFrontendOperationsRunByHash.
var operationVariables = map[string]any{
	"ProductPage":  map[string]any{"id": "p-1002"},
	"Catalog":      map[string]any{"first": 2, "category": "ELECTRONICS"},
	"ProductCards": map[string]any{"expanded": true},
	"AddReview":    map[string]any{"input": map[string]any{"productId": "p-1001", "rating": 5, "title": "Great", "body": "Light and fast.", "author": "Ada"}},
}

// TestFrontendOperationsRunByHash runs every query and mutation of the
// manifest against the production profile (trusted documents), by hash
// only, as a frontend using the generated files does, with a token that
// holds every scope: each answers without an error. With BFFGEN_TS_ANSWERS
// set to a file path, it also writes the answers there as a TypeScript
// module that assigns each answer's data to the operation's generated type
// (make typecheck-frontend type-checks it with tsc, so every answer of the
// BFF must fit its type, excess properties included). The subscription
// Stock is not run.
func TestFrontendOperationsRunByHash(t *testing.T) {
	entries, err := graphql.LoadManifest("persisted-operations.json")
	if err != nil {
		t.Fatal(err)
	}
	p := serveProfile(t, "bff.production.yaml", backends.Options{}, withDevAuth(t))
	auth := bearer(t, "u-2", "pii:read reviews:write")
	var ts strings.Builder
	for _, e := range entries {
		if strings.HasPrefix(e.Body, "subscription") {
			continue
		}
		body, err := json.Marshal(map[string]any{"variables": operationVariables[e.Name],
			"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": e.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		a := do(t, "POST", p.GraphQL, "application/json", string(body), auth...)
		var res struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if err := json.Unmarshal([]byte(a.body), &res); err != nil || a.status != 200 || len(res.Errors) > 0 || len(res.Data) < 3 {
			t.Errorf("%s: got %d %.300s", e.Name, a.status, a.body)
			continue
		}
		suffix := map[bool]string{true: "Mutation", false: "Query"}[strings.HasPrefix(e.Body, "mutation")]
		fmt.Fprintf(&ts, "export const %s: %s%s = %s;\n\n", e.Name, e.Name, suffix, res.Data)
	}
	out := os.Getenv("BFFGEN_TS_ANSWERS")
	if out == "" || t.Failed() {
		return
	}
	types, err := filepath.Abs("gen/frontend/operations")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Dir(abs), types)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Body, "subscription") {
			names = append(names, e.Name+map[bool]string{true: "Mutation", false: "Query"}[strings.HasPrefix(e.Body, "mutation")])
		}
	}
	head := "// Answers of the shop BFF to its operations, written by TestFrontendOperationsRunByHash.\n" +
		"import type { " + strings.Join(names, ", ") + " } from \"./" + filepath.ToSlash(rel) + "\";\n\n"
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(abs, []byte(head+ts.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
