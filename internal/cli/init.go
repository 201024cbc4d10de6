package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/templates"
	"github.com/spf13/cobra"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

const bffgenModule = "github.com/bffgen/bffgen"

type initFlags struct {
	module    string
	replace   string
	noTidy    bool
	fromProto string
	services  []string
}

func newInit(stdio Stdio) *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init [dir]",
		Short: "Scaffold a BFF project that builds and runs at once",
		Long: `init writes a new project into dir (default: the current directory, which
must not contain a bffgen.yaml yet): bffgen.yaml, a GraphQL schema with
bindings, an example backend proto and its server, a user-owned main.go with
a //go:generate line, resolvers/, the runtime config bff.yaml and a Makefile.
It then generates the code and runs "go mod tidy".

With --from-proto DIR the project starts from existing protos instead of the
hello example: the .proto files under DIR (their import root) are copied into
proto/, or used in place when DIR is inside the project; "bffgen import proto"
writes schema/imported.graphql from them (--services chooses the services);
bff.yaml gets an upstream per imported service, and the Makefile runs the BFF
alone.

Until bffgen is published, point the project at a local checkout with
--replace; the go.mod then carries a replace directive.`,
		Example: `  bffgen init shop --module example.com/shop --replace ~/src/bffgen
  cd shop && make run
  bffgen init library --from-proto ../apis --services 'google.example.library.*'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runInit(cmd.Context(), dir, f, stdio)
		},
	}
	cmd.Flags().StringVar(&f.module, "module", "", "Go module path (default example.com/<dir name>)")
	cmd.Flags().StringVar(&f.replace, "replace", "", "path of a local bffgen checkout to use instead of a published version")
	cmd.Flags().BoolVar(&f.noTidy, "no-tidy", false, "skip running go mod tidy (the project then needs it before it builds)")
	cmd.Flags().StringVar(&f.fromProto, "from-proto", "", "start from the .proto files under this directory (their import root): import them instead of the hello example")
	cmd.Flags().StringSliceVar(&f.services, "services", nil, "with --from-proto: services to import, as comma-separated globs (default: every service outside google.*)")
	return cmd
}

var nameRE = regexp.MustCompile(`[^a-z0-9]+`)

func runInit(ctx context.Context, dir string, f initFlags, stdio Stdio) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	name := strings.Trim(nameRE.ReplaceAllString(strings.ToLower(filepath.Base(abs)), "-"), "-")
	if name == "" {
		name = "bff"
	}
	mod := f.module
	if mod == "" {
		mod = "example.com/" + name
	}
	if err := module.CheckPath(mod); err != nil {
		return userErrorf("bad module path %q: %v; pass --module example.com/%s", mod, err, name)
	}
	gomod, err := initGoMod(mod, f.replace)
	if err != nil {
		return err
	}
	set := &codegen.FileSet{}
	set.Add(codegen.File{Path: "go.mod", Data: gomod, Scaffold: true})
	if f.fromProto == "" && len(f.services) > 0 {
		return userErrorf("--services chooses what --from-proto imports; pass --from-proto DIR too")
	}
	var fp *fromProto
	if f.fromProto != "" {
		if fp, err = newFromProto(abs, f.fromProto); err != nil {
			return err
		}
	}
	data := map[string]string{"Name": name, "Module": mod, "ProtoRoot": "proto"}
	if fp != nil {
		data["ProtoRoot"] = fp.root
	}
	err = fs.WalkDir(templates.Init, "init", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if fp != nil && !fromProtoKeeps(p) {
			return nil
		}
		text, err := fs.ReadFile(templates.Init, p)
		if err != nil {
			return err
		}
		tpl, err := template.New(p).Parse(string(text))
		if err != nil {
			return fmt.Errorf("internal error, please report: template %s: %w", p, err)
		}
		var buf bytes.Buffer
		if err := tpl.Execute(&buf, data); err != nil {
			return fmt.Errorf("internal error, please report: template %s: %w", p, err)
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "init/"), ".tmpl")
		switch rel {
		case "gitignore":
			rel = ".gitignore"
		case "resolvers_greeting.go":
			rel = "resolvers/greeting.go"
		}
		set.Add(codegen.File{Path: path.Clean(rel), Data: buf.Bytes(), Scaffold: true})
		return nil
	})
	if err != nil {
		return err
	}
	if fp != nil {
		if err := fp.addFiles(set, data); err != nil {
			return err
		}
	}
	var clash []string
	for _, file := range set.Files {
		if _, err := os.Stat(filepath.Join(abs, filepath.FromSlash(file.Path))); err == nil {
			clash = append(clash, file.Path)
		}
	}
	if len(clash) > 0 {
		return userErrorf("%s already has %s: init writes a new project and overwrites nothing; use an empty directory", dir, strings.Join(clash, ", "))
	}
	if _, err := set.Write(abs); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Err, "bffgen: scaffolded %s (module %s)\n", dir, mod)
	if fp != nil {
		if err := fp.importProtos(ctx, abs, name, f.services, stdio); err != nil {
			return err
		}
	}

	res, err := schema.Load(ctx, abs)
	if err != nil {
		return err
	}
	if res.Model == nil {
		_ = diag.Render(stdio.Err, diag.Text, res.Diagnostics, res.Source)
		return fmt.Errorf("internal error, please report: the scaffold does not check")
	}
	gen, err := codegen.Generate(ctx, res.Model)
	if err != nil {
		return err
	}
	if _, err := gen.Write(abs); err != nil {
		return err
	}
	if len(gen.Requires) > 0 && !f.noTidy {
		get := exec.CommandContext(ctx, "go", append([]string{"get"}, gen.Requires...)...)
		get.Dir = abs
		get.Stdout, get.Stderr = stdio.Err, stdio.Err
		if err := get.Run(); err != nil {
			return userErrorf("go get %s failed in %s: %v; fix the network or module proxy settings and run it again", strings.Join(gen.Requires, " "), dir, err)
		}
	}
	fmt.Fprintf(stdio.Err, "bffgen: generated %s/\n", res.Model.Config.Go.Out)
	if !f.noTidy {
		tidy := exec.CommandContext(ctx, "go", "mod", "tidy")
		tidy.Dir = abs
		tidy.Stdout, tidy.Stderr = stdio.Err, stdio.Err
		if err := tidy.Run(); err != nil {
			return userErrorf("go mod tidy failed in %s: %v; fix the network or module proxy settings and run it again", dir, err)
		}
	}
	// Recorded after go get and go mod tidy, which change go.mod and go.sum,
	// inputs of the fingerprint: the first generate then has nothing to do.
	// Without them (--no-tidy and modules missing), nothing is recorded.
	if len(gen.Requires) == 0 || !f.noTidy {
		if err := writeState(res.Model, res.Sources, gen); err != nil {
			return err
		}
	}
	if fp != nil {
		fmt.Fprintf(stdio.Err, "\nNext:\n  cd %s\n  point each upstream of bff.yaml at its backend, then: make run   # GraphiQL on http://127.0.0.1:8080/\n", dir)
		return nil
	}
	fmt.Fprintf(stdio.Err, "\nNext:\n  cd %s\n  make run    # example backend + BFF; GraphiQL on http://127.0.0.1:8080/\n", dir)
	return nil
}

// initGoMod writes the scaffold's go.mod: the modules generated code
// imports, at the versions this bffgen was built with, and bffgen as a tool.
func initGoMod(mod, replace string) ([]byte, error) {
	mf := &modfile.File{}
	if err := mf.AddModuleStmt(mod); err != nil {
		return nil, err
	}
	if err := mf.AddGoStmt("1.26"); err != nil {
		return nil, err
	}
	versions := codegen.BuildVersions()
	self := Version()
	if replace != "" {
		abs, err := filepath.Abs(replace)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return nil, userErrorf("--replace %s: no go.mod there; point it at a bffgen checkout", replace)
		}
		self = "v0.0.0-00010101000000-000000000000"
		if err := mf.AddReplace(bffgenModule, "", abs, ""); err != nil {
			return nil, err
		}
	} else if self == "(devel)" {
		return nil, userErrorf("this bffgen was built from a checkout and has no published version: pass --replace /path/to/bffgen so the project uses that checkout")
	}
	if err := mf.AddRequire(bffgenModule, self); err != nil {
		return nil, err
	}
	for _, dep := range []string{"github.com/99designs/gqlgen", "connectrpc.com/connect", "google.golang.org/protobuf"} {
		if v := versions[dep]; v != "" && v != "(devel)" {
			if err := mf.AddRequire(dep, v); err != nil {
				return nil, err
			}
		}
	}
	if err := mf.AddTool(bffgenModule + "/cmd/bffgen"); err != nil {
		return nil, err
	}
	mf.Cleanup()
	return mf.Format()
}
