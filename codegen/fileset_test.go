package codegen_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

func TestWriteUnderGoGenerateLeavesTombstones(t *testing.T) {
	dir := t.TempDir()
	first := &codegen.FileSet{Out: "gen", Files: []codegen.File{
		{Path: "gen/a.go", Data: []byte(codegen.GeneratedHeader + "\npackage gen\n")},
		{Path: "gen/sub/b.go", Data: []byte(codegen.GeneratedHeader + "\npackage sub\n")},
	}}
	if _, err := first.Write(dir); err != nil {
		t.Fatal(err)
	}
	next := &codegen.FileSet{Out: "gen", Files: first.Files[:1]}
	rep, err := next.Write(dir, codegen.WithGoGenerate(true))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Removed, []string{"gen/sub/b.go"}) {
		t.Errorf("report %+v, want gen/sub/b.go removed", rep)
	}
	data, err := os.ReadFile(filepath.Join(dir, "gen/sub/b.go"))
	if err != nil {
		t.Fatalf("under go generate the stale file must stay, as a tombstone: %v", err)
	}
	if !strings.Contains(string(data), "//go:build ignore\n\npackage sub\n") {
		t.Errorf("tombstone is not excluded from builds, or lost its package:\n%s", data)
	}
	removed, err := codegen.SweepTombstones(dir, "gen")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 0 {
		t.Errorf("sweeping reports tombstones as removed files: %v", removed)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen/sub")); !os.IsNotExist(err) {
		t.Errorf("the tombstone's directory is left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen/a.go")); err != nil {
		t.Errorf("sweeping removed a live file: %v", err)
	}
}

func TestFreshNeedsTheSameInputsAndIntactOutputs(t *testing.T) {
	dir := t.TempDir()
	set := &codegen.FileSet{Out: "gen", Files: []codegen.File{
		{Path: "gen/a.go", Data: []byte(codegen.GeneratedHeader + "\npackage gen\n")},
		{Path: "resolvers/r.go", Data: []byte("package resolvers\n"), Scaffold: true},
	}}
	if _, err := set.Write(dir); err != nil {
		t.Fatal(err)
	}
	if codegen.Fresh(dir, "gen", "fp1") {
		t.Fatal("fresh without a state file")
	}
	if _, err := set.State("fp1").Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		fp     string
		break_ func()
		want   bool
	}{
		{"same inputs, files intact", "fp1", func() {}, true},
		{"other inputs", "fp2", func() {}, false},
		{"generated file edited", "fp1", func() { os.WriteFile(filepath.Join(dir, "gen/a.go"), []byte("package gen // mine\n"), 0o644) }, false},
		{"scaffold deleted", "fp1", func() { os.Remove(filepath.Join(dir, "resolvers/r.go")) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := set.Write(dir); err != nil { // restore
				t.Fatal(err)
			}
			tc.break_()
			if got := codegen.Fresh(dir, "gen", tc.fp); got != tc.want {
				t.Errorf("Fresh = %v, want %v", got, tc.want)
			}
		})
	}
}
