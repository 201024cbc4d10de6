package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// protoSet is a set of .proto files to import: name -> content, paths
// relative to the import root.
type protoSet struct {
	name     string
	files    map[string]string
	services string // --services, when the set has google.* services only
}

// protoSets gathers every proto set of the repository's testdata, Google's
// library example and the Cloud Run Admin API v2 (vendored under
// testdata/googleapis); sets with the same files are kept once.
func protoSets(t *testing.T, root string) []protoSet {
	t.Helper()
	var sets []protoSet
	fromDir := func(name, dir string) protoSet {
		files := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".proto") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = string(data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return protoSet{name: name, files: files}
	}
	sets = append(sets,
		fromDir("schema-import-shop", filepath.Join(root, "schema/importproto/testdata/shop/proto")),
		fromDir("examples-shop", filepath.Join(root, "examples/shop/proto")),
		fromDir("inputs", filepath.Join(root, "internal/e2e/testdata/inputs/proto")),
	)
	library := fromDir("google-library", filepath.Join(root, "internal/e2e/testdata/googleapis/proto"))
	library.services = "google.example.library.*"
	run := fromDir("google-cloud-run-v2", filepath.Join(root, "internal/e2e/testdata/googleapis/proto"))
	run.services = "google.cloud.run.v2.*"
	sets = append(sets, library, run)
	archives, err := filepath.Glob(filepath.Join(root, "*/testdata/*/*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "*/*/testdata/*/*.txtar"))
	archives = append(archives, more...)
	seen := map[string]bool{}
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, f := range ar.Files {
			if rel, ok := strings.CutPrefix(f.Name, "proto/"); ok && strings.HasSuffix(rel, ".proto") {
				files[rel] = string(f.Data)
			}
		}
		if len(files) == 0 || strings.HasSuffix(a, ".golden.txtar") {
			continue
		}
		h := sha256.New()
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(h, "%s\x00%s\x00", n, files[n])
		}
		key := hex.EncodeToString(h.Sum(nil))
		if seen[key] {
			continue
		}
		seen[key] = true
		rel, _ := filepath.Rel(root, a)
		name := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(strings.TrimSuffix(rel, ".txtar")), "-")
		sets = append(sets, protoSet{name: name, files: files})
	}
	return sets
}

// TestImportCheckGenerateBuild imports every proto set of the repository
// (and two googleapis APIs), checks the SDL the import writes, generates,
// builds, and starts each generated service: what `bffgen import proto`
// accepts, `bffgen check` passes and the Go compiler builds. The projects
// share one module so that one `go test` builds them all; each has a test
// that links its generated package (a proto file registered twice panics
// then) and the inputs project a test that queries its service.
func TestImportCheckGenerateBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds many projects")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bffgen := filepath.Join(work, "bffgen")
	run(t, root, nil, "go", "build", "-o", bffgen, "./cmd/bffgen")
	mod := filepath.Join(work, "sets")
	write := func(p, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(mod, "go.mod"), "module example.com/sets\n\ngo 1.26\n\nrequire github.com/bffgen/bffgen v0.0.0\n\nreplace github.com/bffgen/bffgen => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(mod, "go.sum"), string(sum))
	env := []string{"GOFLAGS=-mod=mod"}
	var requires []string
	var built []string
	for _, set := range protoSets(t, root) {
		proj := filepath.Join(mod, set.name)
		write(filepath.Join(proj, "bffgen.yaml"), "version: 1\n")
		for name, data := range set.files {
			write(filepath.Join(proj, "proto", filepath.FromSlash(name)), data)
		}
		args := []string{"import", "proto"}
		if set.services != "" {
			args = append(args, "--services", set.services)
		}
		cmd := exec.Command(bffgen, args...)
		cmd.Dir = proj
		out, err := cmd.CombinedOutput()
		if err != nil {
			// Only a set the import refuses (no service, a proto error) may
			// stop here; the refusal is a user error, exit 1.
			if cmd.ProcessState.ExitCode() != 1 {
				t.Errorf("%s: import: %v\n%s", set.name, err, out)
			}
			t.Logf("%s: import refused it: %s", set.name, strings.TrimSpace(string(out)))
			os.RemoveAll(proj)
			continue
		}
		if out := run(t, proj, env, bffgen, "check"); !strings.Contains(out, ": ok (") {
			t.Errorf("%s: check says:\n%s", set.name, out)
		}
		gen := run(t, proj, env, bffgen, "generate", "-q")
		if _, after, ok := strings.Cut(gen, "go get "); ok {
			requires = append(requires, strings.Fields(after)...)
		}
		pkg := regexp.MustCompile(`[^a-z0-9]`).ReplaceAllString(set.name, "")
		write(filepath.Join(proj, "start_test.go"), fmt.Sprintf(`package %s_test

import (
	"testing"

	"example.com/sets/%s/gen"
	"example.com/sets/%s/resolvers"
)

// TestLinks links the generated service and runs its package
// initializers: a proto file registered twice panics there.
func TestLinks(t *testing.T) {
	svc := gen.Service(&resolvers.Resolver{})
	if svc.NewSchema == nil {
		t.Fatal("the service has no executable schema")
	}
}
`, pkg, set.name, set.name))
		built = append(built, set.name)
	}
	data, err := os.ReadFile(filepath.Join(root, "internal/e2e/testdata/inputs/inputs_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(mod, "inputs", "inputs_test.go"), string(data))
	for _, want := range []string{"google-cloud-run-v2", "google-library", "inputs", "schema-import-shop", "examples-shop"} {
		if !slices.Contains(built, want) {
			t.Errorf("proto set %s was not generated", want)
		}
	}
	slices.Sort(requires)
	requires = slices.Compact(requires)
	if len(requires) > 0 {
		run(t, mod, env, "go", append([]string{"get"}, requires...)...)
	}
	run(t, mod, env, "go", "build", "./...")
	out := run(t, mod, env, "go", "test", "./...")
	t.Logf("generated and built %d proto sets: %s\n%s", len(built), strings.Join(built, ", "), out)
}

// TestInitFromProto starts projects from existing protos: one copies them
// from a directory outside the project, the other uses the protos already
// inside it as the import root. Each builds at once and checks clean, and
// bff.yaml names an upstream per imported service.
func TestInitFromProto(t *testing.T) {
	if testing.Short() {
		t.Skip("scaffolds and builds projects")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bffgen := filepath.Join(work, "bffgen")
	run(t, root, nil, "go", "build", "-o", bffgen, "./cmd/bffgen")

	// Copied: the protos of the inputs fixture, which import google/api.
	out := run(t, work, nil, bffgen, "init", "items", "--module", "example.com/items", "--replace", root,
		"--from-proto", filepath.Join(root, "internal/e2e/testdata/inputs/proto"))
	if !strings.Contains(out, "imported proto/inputs/v1/inputs.proto into schema/imported.graphql") {
		t.Errorf("init does not say what it imported:\n%s", out)
	}
	proj := filepath.Join(work, "items")
	for _, name := range []string{"proto/inputs/v1/inputs.proto", "schema/imported.graphql", "main.go", "Makefile", "bff.yaml", "gen/bff.go"} {
		if _, err := os.Stat(filepath.Join(proj, name)); err != nil {
			t.Errorf("the project lacks %s: %v", name, err)
		}
	}
	for _, name := range []string{"backend", "proto/hello", "schema/schema.graphql", "resolvers/greeting.go"} {
		if _, err := os.Stat(filepath.Join(proj, name)); err == nil {
			t.Errorf("the project has %s of the hello example", name)
		}
	}
	yaml, _ := os.ReadFile(filepath.Join(proj, "bff.yaml"))
	if !strings.Contains(string(yaml), "  inputs:                 # inputs.v1.ItemService\n    endpoints: [\"${INPUTS_URL:-http://127.0.0.1:9001}\"]") {
		t.Errorf("bff.yaml has no upstream for inputs.v1.ItemService:\n%s", yaml)
	}
	run(t, proj, nil, "go", "build", "./...")
	if out := run(t, proj, nil, bffgen, "check"); !strings.Contains(out, ": ok (") {
		t.Errorf("check says:\n%s", out)
	}

	// In place: protos already under api/ of the project directory.
	inPlace := filepath.Join(work, "lib")
	lib, err := os.ReadFile(filepath.Join(root, "internal/e2e/testdata/googleapis/proto/google/example/library/v1/library.proto"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"api/google/example/library/v1/library.proto": lib} {
		p := filepath.Join(inPlace, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err = filepath.WalkDir(filepath.Join(root, "internal/e2e/testdata/googleapis/proto/google/api"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(inPlace, "api/google/api", filepath.Base(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, inPlace, nil, bffgen, "init", ".", "--module", "example.com/lib", "--replace", root, "--from-proto", "api", "--services", "google.example.library.*")
	cfg, _ := os.ReadFile(filepath.Join(inPlace, "bffgen.yaml"))
	if !strings.Contains(string(cfg), "roots: [api]") {
		t.Errorf("bffgen.yaml should use api/ as the import root:\n%s", cfg)
	}
	run(t, inPlace, nil, "go", "build", "./...")
	if out := run(t, inPlace, nil, bffgen, "check"); !strings.Contains(out, ": ok (") {
		t.Errorf("check says:\n%s", out)
	}
}
