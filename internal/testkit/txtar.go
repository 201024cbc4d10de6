package testkit

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"
)

// WriteArchive writes the files of a txtar archive, after extra (which the
// archive may override), into dir, and returns dir. It fails tb on any
// error.
func WriteArchive(tb testing.TB, archive, dir string, extra ...txtar.File) string {
	tb.Helper()
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range append(extra, ar.Files...) {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
