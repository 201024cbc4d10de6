package codegen

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/bffgen/bffgen/schema"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// workspace is a scratch copy of the user's module in which gqlgen can load
// and type-check the generated packages without touching the project.
type workspace struct {
	root    string // the module root
	project string // the project root inside it
	unlock  func() // releases the lock of a reused root; nil for a temporary one
}

// generatedDeps are the modules generated code imports directly; the
// workspace's go.mod requires at least the versions bffgen was built with.
var generatedDeps = []string{
	"github.com/99designs/gqlgen",
	"github.com/vektah/gqlparser/v2",
	"connectrpc.com/connect",
	"google.golang.org/protobuf",
}

// BuildVersions returns the versions of the modules generated code needs,
// as this binary was built with them (the source of truth for `bffgen
// init`'s go.mod). Missing entries (a binary built without module
// information) are absent from the map.
func BuildVersions() map[string]string {
	out := map[string]string{}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, d := range bi.Deps {
		if d.Replace != nil && d.Replace.Version != "" {
			out[d.Path] = d.Replace.Version
		} else {
			out[d.Path] = d.Version
		}
	}
	return out
}

func newWorkspace(m *schema.Model) (*workspace, error) {
	ws, err := openWorkspace(m.ModuleDir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(m.ModuleDir, m.Dir)
	if err != nil {
		ws.remove()
		return nil, err
	}
	ws.project = filepath.Join(ws.root, rel)
	if err := ws.copyGoMod(m); err != nil {
		ws.remove()
		return nil, err
	}
	return ws, nil
}

// copyGoMod copies go.mod and go.sum, making local replacements absolute and
// requiring the modules generated code imports.
func (ws *workspace) copyGoMod(m *schema.Model) error {
	data, err := os.ReadFile(filepath.Join(m.ModuleDir, "go.mod"))
	if err != nil {
		return err
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return err
	}
	for _, r := range mf.Replace {
		if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
			abs := filepath.Join(m.ModuleDir, filepath.FromSlash(r.New.Path))
			if err := mf.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
				return err
			}
		}
	}
	have := map[string]string{}
	for _, r := range mf.Require {
		have[r.Mod.Path] = r.Mod.Version
	}
	built := BuildVersions()
	for _, dep := range generatedDeps {
		v := built[dep]
		if v == "" || v == "(devel)" {
			continue
		}
		if cur, ok := have[dep]; !ok || semver.Compare(cur, v) < 0 {
			if err := mf.AddRequire(dep, v); err != nil {
				return err
			}
		}
	}
	for _, dep := range neededModules(m) {
		if _, ok := have[dep]; !ok {
			if err := mf.AddRequire(dep, canonicalModules[dep]); err != nil {
				return err
			}
		}
	}
	// The workspace lives elsewhere: tools and toolchain lines stay valid,
	// but a go.work of the user's must not apply.
	mf.Cleanup()
	out, err := mf.Format()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ws.root, "go.mod"), out, 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(m.ModuleDir, "go.sum"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(ws.root, "go.sum"), sum, 0o644)
}

// write puts a file set into the workspace.
func (ws *workspace) write(set *FileSet) error {
	for _, f := range set.Files {
		p := filepath.Join(ws.project, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// copyDir copies the Go files of a directory of the user's module (a
// reused go_package) into the workspace.
func (ws *workspace) copyDir(m *schema.Model, importPath string) error {
	rel := strings.TrimPrefix(importPath, m.ModulePath+"/")
	src := filepath.Join(m.ModuleDir, filepath.FromSlash(rel))
	dst := filepath.Join(ws.root, filepath.FromSlash(rel))
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// read returns the file at a project-relative path in the workspace.
func (ws *workspace) read(rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(ws.project, filepath.FromSlash(rel)))
}

// openWorkspace returns an empty workspace root for the module at
// moduleDir. The root is the same from one run to the next (under the user
// cache directory, named by a hash of moduleDir): the go command keys its
// build cache by package directory, so an unchanged generated package that
// gqlgen type-checks again comes from the cache instead of being compiled
// anew. A run holds the root's lock for as long as it uses it; a second
// run on the same module while the first holds it, or a system without
// file locks or a cache directory, gets a temporary root instead, which
// only costs it the cache hits.
func openWorkspace(moduleDir string) (*workspace, error) {
	if base, err := os.UserCacheDir(); err == nil {
		sum := sha256.Sum256([]byte(moduleDir))
		root := filepath.Join(base, "bffgen", "workspace-"+hex.EncodeToString(sum[:8]))
		if err := os.MkdirAll(filepath.Dir(root), 0o755); err == nil {
			if unlock, ok := lockFile(root + ".lock"); ok {
				// A run that crashed may have left files behind.
				if os.RemoveAll(root) == nil && os.Mkdir(root, 0o755) == nil {
					return &workspace{root: root, unlock: unlock}, nil
				}
				unlock()
			}
		}
	}
	root, err := os.MkdirTemp("", "bffgen-")
	if err != nil {
		return nil, err
	}
	return &workspace{root: root}, nil
}

// remove deletes the workspace's files and releases its root.
func (ws *workspace) remove() {
	_ = os.RemoveAll(ws.root)
	if ws.unlock != nil {
		ws.unlock()
	}
}

// envMu serializes generation in one process: gqlgen's loader works in the
// current directory and reads the environment.
var envMu sync.Mutex

// inWorkspace runs fn with the working directory in the workspace project
// and the go command confined to the workspace (no go.work; go.mod may be
// completed with missing go.sum lines). It restores both afterwards.
func (ws *workspace) inWorkspace(fn func() error) error {
	envMu.Lock()
	defer envMu.Unlock()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	restore := setenv(map[string]string{"GOWORK": "off", "GOFLAGS": "-mod=mod"})
	defer restore()
	if err := os.MkdirAll(ws.project, 0o755); err != nil {
		return err
	}
	if err := os.Chdir(ws.project); err != nil {
		return err
	}
	defer os.Chdir(wd)
	return fn()
}

func setenv(vars map[string]string) (restore func()) {
	old := map[string]*string{}
	for k, v := range vars {
		if cur, ok := os.LookupEnv(k); ok {
			old[k] = &cur
		} else {
			old[k] = nil
		}
		os.Setenv(k, v)
	}
	return func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}
}
