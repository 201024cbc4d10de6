package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/importproto"
	"github.com/bffgen/bffgen/templates"
)

// fromProto starts a project from existing protos (`init --from-proto`):
// the protos are copied into proto/ (or used in place when they are inside
// the project), `import proto` writes schema/imported.graphql, and bff.yaml
// gets an upstream per service the import calls.
type fromProto struct {
	// src is the absolute directory of the protos; root the import root of
	// bffgen.yaml, relative to the project; copy whether init copies them.
	src  string
	root string
	copy bool
}

func newFromProto(project, dir string) (*fromProto, error) {
	src, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(src)
	if err != nil || !st.IsDir() {
		return nil, userErrorf("--from-proto %q is not a directory; name the directory that holds the .proto files (their import root)", dir)
	}
	fp := &fromProto{src: src, root: "proto", copy: true}
	if rel, err := filepath.Rel(project, src); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		fp.root, fp.copy = filepath.ToSlash(rel), false
	}
	n := 0
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".proto") {
			n++
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, userErrorf("--from-proto %q holds no .proto file", dir)
	}
	return fp, nil
}

// fromProtoKeeps reports whether a file of the hello scaffold belongs in a
// project started from protos: the config, main.go and .gitignore do; the
// example proto, backend, schema and resolver, Makefile and bff.yaml do not
// (the last two come from templates.InitProto).
func fromProtoKeeps(tmpl string) bool {
	return slices.Contains([]string{"init/bffgen.yaml.tmpl", "init/main.go.tmpl", "init/gitignore.tmpl"}, tmpl)
}

// addFiles adds the Makefile and, when they are copied, the protos.
func (fp *fromProto) addFiles(set *codegen.FileSet, data map[string]string) error {
	mk, err := renderInitProto("Makefile.tmpl", data)
	if err != nil {
		return err
	}
	set.Add(codegen.File{Path: "Makefile", Data: mk, Scaffold: true})
	if !fp.copy {
		return nil
	}
	return filepath.WalkDir(fp.src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".proto") {
			return err
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(fp.src, p)
		if err != nil {
			return err
		}
		set.Add(codegen.File{Path: path.Join("proto", filepath.ToSlash(rel)), Data: text, Scaffold: true})
		return nil
	})
}

func renderInitProto(name string, data any) ([]byte, error) {
	text, err := fs.ReadFile(templates.InitProto, "initproto/"+name)
	if err != nil {
		return nil, fmt.Errorf("internal error, please report: %w", err)
	}
	tpl, err := template.New(name).Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("internal error, please report: template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("internal error, please report: template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// importProtos imports the project's protos into schema/imported.graphql
// and writes bff.yaml with an upstream per called service.
func (fp *fromProto) importProtos(ctx context.Context, abs, name string, services []string, stdio Stdio) error {
	set, res, err := schema.CompileProtos(ctx, abs)
	if err != nil {
		return err
	}
	if set == nil {
		_ = diag.Render(stdio.Err, diag.Text, res.Diagnostics, res.Source)
		return userErrorf("the protos of --from-proto %s do not compile; fix them and run init again in an empty directory", fp.src)
	}
	imp, err := runImport(set, importproto.Options{Services: services}, stdio.Err)
	if err != nil {
		return err
	}
	if err := writeNew(filepath.Join(abs, "schema", "imported.graphql"), "schema/imported.graphql", imp.SDL, false); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Err, "bffgen: imported %s into schema/imported.graphql (%s)\n", strings.Join(imp.Files, ", "), importSummary(imp))
	loaded, err := schema.Load(ctx, abs)
	if err != nil {
		return err
	}
	if loaded.Model == nil {
		_ = diag.Render(stdio.Err, diag.Text, loaded.Diagnostics, loaded.Source)
		return fmt.Errorf("internal error, please report: the imported schema does not check")
	}
	type upstream struct {
		Name, Services, Env string
		Port                int
	}
	var ups []upstream
	byName := map[string]int{}
	for _, s := range loaded.Model.Services {
		if i, ok := byName[s.Upstream]; ok {
			ups[i].Services += ", " + string(s.Desc.FullName())
			continue
		}
		byName[s.Upstream] = len(ups)
		env := strings.ToUpper(nameRE.ReplaceAllString(strings.ToLower(s.Upstream), "_")) + "_URL"
		ups = append(ups, upstream{Name: s.Upstream, Services: string(s.Desc.FullName()), Env: env, Port: 9001 + len(ups)})
	}
	yaml, err := renderInitProto("bff.yaml.tmpl", map[string]any{"Name": name, "Upstreams": ups})
	if err != nil {
		return err
	}
	return writeNew(filepath.Join(abs, "bff.yaml"), "bff.yaml", yaml, false)
}
