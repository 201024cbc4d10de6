package codegen_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bffgen/bffgen/codegen"
)

func TestWriteTouchesOnlyChangedFiles(t *testing.T) {
	dir := t.TempDir()
	set := &codegen.FileSet{Out: "gen", Files: []codegen.File{
		{Path: "gen/a.go", Data: []byte(codegen.GeneratedHeader + "\npackage gen\n")},
		{Path: "gen/sub/b.go", Data: []byte(codegen.GeneratedHeader + "\npackage sub\n")},
		{Path: "resolvers/r.go", Data: []byte("package resolvers\n"), Scaffold: true},
	}}
	rep, err := set.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 3 {
		t.Fatalf("first write: %+v", rep)
	}
	// Age every file, so an unwanted rewrite shows in the mtime.
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range set.Files {
		if err := os.Chtimes(filepath.Join(dir, f.Path), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// The user edits their scaffold; bffgen must keep the edit.
	if err := os.WriteFile(filepath.Join(dir, "resolvers/r.go"), []byte("package resolvers // mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, "resolvers/r.go"), old, old); err != nil {
		t.Fatal(err)
	}

	t.Run("a second run with the same content changes nothing", func(t *testing.T) {
		rep, err := set.Write(dir)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Changed() || rep.Unchanged != 3 {
			t.Errorf("report %+v, want 3 unchanged", rep)
		}
		for _, f := range set.Files {
			st, err := os.Stat(filepath.Join(dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			if !st.ModTime().Equal(old) {
				t.Errorf("%s was touched: mtime %v", f.Path, st.ModTime())
			}
		}
		if data, _ := os.ReadFile(filepath.Join(dir, "resolvers/r.go")); string(data) != "package resolvers // mine\n" {
			t.Errorf("the scaffold was overwritten: %q", data)
		}
	})

	t.Run("a changed file is rewritten and a stale generated file removed", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "gen/keep.txt"), []byte("not Go"), 0o644); err != nil {
			t.Fatal(err)
		}
		next := &codegen.FileSet{Out: "gen", Files: []codegen.File{
			{Path: "gen/a.go", Data: []byte(codegen.GeneratedHeader + "\npackage gen // v2\n")},
		}}
		rep, err := next.Write(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Written, []string{"gen/a.go"}) || !slices.Equal(rep.Removed, []string{"gen/sub/b.go"}) {
			t.Errorf("report %+v", rep)
		}
		if _, err := os.Stat(filepath.Join(dir, "gen/sub")); !os.IsNotExist(err) {
			t.Errorf("the emptied directory gen/sub is left: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "gen/keep.txt")); err != nil {
			t.Errorf("a file bffgen did not generate was removed: %v", err)
		}
	})
}
