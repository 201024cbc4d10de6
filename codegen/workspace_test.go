package codegen

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWorkspaceRootIsReusedUnlessBusy(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	module := t.TempDir()

	first, err := openWorkspace(module)
	if err != nil {
		t.Fatal(err)
	}
	if first.unlock == nil {
		t.Skip("no file locks here: every run uses a temporary workspace")
	}
	if err := os.WriteFile(filepath.Join(first.root, "left-over"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := openWorkspace(module)
	if err != nil {
		t.Fatal(err)
	}
	if busy.root == first.root || busy.unlock != nil {
		t.Errorf("a second run while the first holds %s got %s, want a temporary root", first.root, busy.root)
	}
	busy.remove()
	if _, err := os.Stat(busy.root); !os.IsNotExist(err) {
		t.Errorf("temporary root %s not removed: %v", busy.root, err)
	}
	first.remove()

	again, err := openWorkspace(module)
	if err != nil {
		t.Fatal(err)
	}
	defer again.remove()
	if again.root != first.root {
		t.Errorf("the next run got %s, want the same root %s (build cache hits)", again.root, first.root)
	}
	if entries, _ := os.ReadDir(again.root); len(entries) != 0 {
		t.Errorf("a reused root starts empty, has %d entries", len(entries))
	}
	other, err := openWorkspace(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer other.remove()
	if other.root == again.root {
		t.Error("two modules share a workspace root")
	}
}
