package cli_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/internal/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bffgen": func() {
			os.Exit(cli.Run(context.Background(), os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
		},
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each script gets
// $BFFGEN_ROOT (this repository, for go.mod replace lines) and a PATH with
// only the Go toolchain on it: no protoc, no buf.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("BFFGEN_ROOT", root)
			// testscript put its command directory (bffgen) first on PATH.
			cmdDir := filepath.SplitList(env.Getenv("PATH"))[0]
			env.Setenv("PATH", cmdDir+string(os.PathListSeparator)+filepath.Dir(goBin))
			for _, k := range []string{"HOME", "GOPATH", "GOMODCACHE", "GOCACHE", "GOPROXY", "GOFLAGS", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB"} {
				if v, ok := os.LookupEnv(k); ok {
					env.Setenv(k, v)
				}
			}
			if _, ok := os.LookupEnv("GOCACHE"); !ok {
				if c, err := os.UserCacheDir(); err == nil {
					env.Setenv("GOCACHE", filepath.Join(c, "go-build"))
				}
			}
			if _, ok := os.LookupEnv("GOMODCACHE"); !ok {
				out, err := exec.Command("go", "env", "GOMODCACHE").Output()
				if err == nil {
					env.Setenv("GOMODCACHE", string(out[:len(out)-1]))
				}
			}
			// Projects in scripts are modules that replace bffgen with this
			// checkout; they reuse its go.sum.
			return os.WriteFile(filepath.Join(env.WorkDir, "bffgen.go.sum"), sum, 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// expandenv FILE...: replace $VAR and ${VAR} in files with the
			// script's environment.
			"expandenv": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, f := range args {
					data := ts.ReadFile(f)
					ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(data, ts.Getenv)), 0o644))
				}
			},
			// snapshot DIR FILE: write every file under DIR (path, size,
			// mtime, sha256) to FILE, so two snapshots compare with cmp.
			"snapshot": func(ts *testscript.TestScript, neg bool, args []string) {
				var lines []string
				root := ts.MkAbs(args[0])
				err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					info, err := d.Info()
					if err != nil {
						return err
					}
					data, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					rel, _ := filepath.Rel(root, p)
					lines = append(lines, fmt.Sprintf("%s %d %d %x", filepath.ToSlash(rel), info.Size(), info.ModTime().UnixNano(), sha256.Sum256(data)))
					return nil
				})
				ts.Check(err)
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
			},
			// notonpath NAME: NAME is not found on the script's PATH.
			"notonpath": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
					if _, err := os.Stat(filepath.Join(dir, args[0])); err == nil {
						ts.Fatalf("%s is on PATH in %s", args[0], dir)
					}
				}
			},
		},
	})
}
