package schema_test

import (
	"context"
	"os"
	"path/filepath"
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
