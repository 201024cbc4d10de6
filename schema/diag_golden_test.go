package schema_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/internal/testkit"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"golang.org/x/tools/txtar"
)

// updateGolden refreshes golden files instead of comparing:
// BFFGEN_UPDATE_GOLDEN=1 go test ./schema/...
var updateGolden = os.Getenv("BFFGEN_UPDATE_GOLDEN") != ""

// extract writes a txtar project into a new temporary directory with a
// go.mod, and returns the directory.
func extract(t testing.TB, archive string) string {
	t.Helper()
	return extractTo(t, archive, t.TempDir())
}

// extractTo writes a txtar project with a go.mod into dir.
func extractTo(t testing.TB, archive, dir string) string {
	t.Helper()
	return testkit.WriteArchive(t, archive, dir, txtar.File{Name: "go.mod", Data: []byte("module example.com/t\n\ngo 1.26\n")})
}

var located = regexp.MustCompile(`^[^:\s]+\.(graphql|proto|yaml):\d+:\d+: error: `)

// TestDiagnosticsGolden loads every spec in testdata/diag and compares the
// rendered diagnostics with the sibling .golden file. Every error must name
// file:line:col and carry a hint.
func TestDiagnosticsGolden(t *testing.T) {
	archives, err := filepath.Glob("testdata/diag/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, archive := range archives {
		name := strings.TrimSuffix(filepath.Base(archive), ".txtar")
		t.Run(name, func(t *testing.T) {
			res, err := schema.Load(context.Background(), extract(t, archive))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := diag.Render(&got, diag.Text, res.Diagnostics, res.Source); err != nil {
				t.Fatal(err)
			}
			for _, d := range res.Diagnostics.Errors() {
				if !located.MatchString(d.Error()) {
					t.Errorf("error without file:line:col: %s", d.Error())
				}
				if d.Hint == "" {
					t.Errorf("error without a hint: %s", d.Error())
				}
			}
			if wantErr := !strings.HasSuffix(name, "-ok"); wantErr != res.Diagnostics.HasErrors() {
				t.Errorf("errors = %v, want %v", res.Diagnostics.HasErrors(), wantErr)
			}
			if (res.Model == nil) != res.Diagnostics.HasErrors() {
				t.Errorf("model present = %v with errors = %v", res.Model != nil, res.Diagnostics.HasErrors())
			}
			golden := strings.TrimSuffix(archive, ".txtar") + ".golden"
			if updateGolden {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with BFFGEN_UPDATE_GOLDEN=1 to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("diagnostics differ from %s (BFFGEN_UPDATE_GOLDEN=1 refreshes it)\n--- got\n%s\n--- want\n%s", golden, got.String(), want)
			}
		})
	}
}
