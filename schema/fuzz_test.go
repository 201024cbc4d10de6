package schema_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/schema"
)

// FuzzLoadSDL loads arbitrary SDL against a fixed proto: the front end must
// never panic, and it returns a model exactly when it reports no error.
func FuzzLoadSDL(f *testing.F) {
	dir := extract(f, "testdata/diag/unknown-method.txtar")
	for _, name := range []string{"unknown-method", "incompatible-source", "nullable-to-non-null", "unbound-field", "resolver-ok", "unknown-result-path", "several-errors"} {
		data, err := os.ReadFile(filepath.Join(extract(f, "testdata/diag/"+name+".txtar"), "schema", "schema.graphql"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, sdl string) {
		if err := os.WriteFile(filepath.Join(dir, "schema", "schema.graphql"), []byte(sdl), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := schema.Load(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Model == nil) != res.Diagnostics.HasErrors() {
			t.Fatalf("model present = %v, errors = %v", res.Model != nil, res.Diagnostics.HasErrors())
		}
	})
}

// FuzzLoadOperations loads an arbitrary operations file against a fixed
// spec: the front end must never panic, it returns a model exactly when it
// reports no error, and each operation of a model has as its hash the
// SHA-256 of its document, which is a part of the file as written.
func FuzzLoadOperations(f *testing.F) {
	dir := extract(f, "testdata/diag/operations-ok.txtar")
	for _, seed := range []string{
		"query ProductPage($id: ID!) {\n  product(id: $id) { ...ProductFields }\n}\n",
		"query A { product(id: \"é\") { id } }\n# ünïcode\nquery B { product(id: \"\\u00e9\") { ...ProductFields } }",
		"{ product(id: \"1\") { id } }",
		"query A { product(id: \"1\") { id } } query A { product(id: \"2\") { name } }",
		"query Q($x: String) { product(id: $x) { nmae } }",
		"fragment ProductFields on Product { id }",
		"query S { product(id: \"\"\"block\n}\"\"\") { id ... on Product { name } } }",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if err := os.WriteFile(filepath.Join(dir, "operations", "page.graphql"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := schema.Load(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Model == nil) != res.Diagnostics.HasErrors() {
			t.Fatalf("model present = %v, errors = %v", res.Model != nil, res.Diagnostics.HasErrors())
		}
		if res.Model == nil {
			return
		}
		for _, op := range res.Model.Operations {
			sum := sha256.Sum256([]byte(op.Document))
			if op.Hash != hex.EncodeToString(sum[:]) {
				t.Errorf("operation %s: hash %s is not the SHA-256 of its document", op.Name, op.Hash)
			}
			first, _, _ := strings.Cut(op.Document, "\n\nfragment ")
			if !strings.Contains(doc, first) {
				t.Errorf("operation %s: document %q is not the text of the file", op.Name, first)
			}
		}
	})
}
