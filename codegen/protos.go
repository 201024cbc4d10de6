package codegen

import (
	"fmt"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema"
	gengo "google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// protoGen holds the protogen view of the spec's protos: Go names of every
// message, field, enum and service, shared by every later phase.
type protoGen struct {
	plugin *protogen.Plugin
	files  map[string]*protogen.File // by proto path
	// generate lists the proto paths whose Go code bffgen writes.
	generate []string
	// connect maps a proto path to the import path of its connect package;
	// reusedConnect marks those that already exist in the user's module.
	connect       map[string]protogen.GoImportPath
	reusedConnect map[string]bool
}

// connectPath is the import path of the connect package of a proto file.
func (p *protoGen) connectPath(f *protogen.File) protogen.GoImportPath {
	return p.connect[f.Desc.Path()]
}

// message returns the protogen message of a descriptor.
func (p *protoGen) message(md protoreflect.MessageDescriptor) *protogen.Message {
	f := p.files[md.ParentFile().Path()]
	var find func([]*protogen.Message) *protogen.Message
	find = func(ms []*protogen.Message) *protogen.Message {
		for _, m := range ms {
			if m.Desc.FullName() == md.FullName() {
				return m
			}
			if found := find(m.Messages); found != nil {
				return found
			}
		}
		return nil
	}
	return find(f.Messages)
}

// enum returns the protogen enum of a descriptor.
func (p *protoGen) enum(ed protoreflect.EnumDescriptor) *protogen.Enum {
	f := p.files[ed.ParentFile().Path()]
	for _, e := range f.Enums {
		if e.Desc.FullName() == ed.FullName() {
			return e
		}
	}
	var find func([]*protogen.Message) *protogen.Enum
	find = func(ms []*protogen.Message) *protogen.Enum {
		for _, m := range ms {
			for _, e := range m.Enums {
				if e.Desc.FullName() == ed.FullName() {
					return e
				}
			}
			if found := find(m.Messages); found != nil {
				return found
			}
		}
		return nil
	}
	return find(f.Messages)
}

// service returns the protogen service of a descriptor.
func (p *protoGen) service(sd protoreflect.ServiceDescriptor) *protogen.Service {
	for _, s := range p.files[sd.ParentFile().Path()].Services {
		if s.Desc.FullName() == sd.FullName() {
			return s
		}
	}
	return nil
}

// field returns the protogen field of a descriptor.
func (p *protoGen) field(fd protoreflect.FieldDescriptor) *protogen.Field {
	m := p.message(fd.ContainingMessage())
	for _, f := range m.Fields {
		if f.Desc.FullName() == fd.FullName() {
			return f
		}
	}
	return nil
}

// connectImportPath decides the Go package of the connect code of a proto
// file: beside the Go types ("<pb>/<name>connect", the layout buf and
// protoc-gen-connect-go use); for a reused go_package, that package when it
// exists in the module, else bffgen's own under <out>/pb.
func connectImportPath(m *schema.Model, f *protogen.File) (ip protogen.GoImportPath, reuse bool) {
	name := string(f.GoPackageName) + "connect"
	beside := protogen.GoImportPath(path.Join(string(f.GoImportPath), name))
	if f.Generate {
		return beside, false
	}
	if rel, ok := strings.CutPrefix(string(beside), m.ModulePath+"/"); ok && hasGoFiles(filepath.Join(m.ModuleDir, filepath.FromSlash(rel))) {
		return beside, true
	}
	elems := strings.Split(string(f.Desc.Package()), ".")
	return protogen.GoImportPath(outImportPath(m) + "/pb/" + strings.Join(elems, "/") + "/" + name), false
}

// canonicalPrefixes are the proto directories whose files have canonical
// Go packages that bffgen imports instead of generating them again: the
// well-known types (google.golang.org/protobuf) and the common googleapis
// protos (google.golang.org/genproto/googleapis/..., and
// cloud.google.com/go/longrunning for google/longrunning). Generating one
// of them again would register its file twice when the canonical package
// is linked too (the runtime links google/rpc's error details), and the
// protobuf runtime panics at start on a second registration.
var canonicalPrefixes = []string{"google/protobuf/", "google/api/", "google/type/", "google/rpc/", "google/longrunning/"}

// canonicalGoPackage returns the go_package of a proto file of
// canonicalPrefixes that declares one.
func canonicalGoPackage(fd protoreflect.FileDescriptor) (importPath, name string, ok bool) {
	opts, _ := fd.Options().(*descriptorpb.FileOptions)
	goPkg := opts.GetGoPackage()
	if goPkg == "" || !slices.ContainsFunc(canonicalPrefixes, func(p string) bool { return strings.HasPrefix(fd.Path(), p) }) {
		return "", "", false
	}
	ip, name, _ := strings.Cut(goPkg, ";")
	if name == "" {
		name = path.Base(ip)
	}
	return ip, name, true
}

// canonicalModules are the modules of the canonical Go packages of
// canonicalPrefixes other than the well-known types, with the version
// generated code is built and tested with (the module proxy may refuse
// newer ones). An import path belongs to the longest module path that
// prefixes it.
var canonicalModules = map[string]string{
	"google.golang.org/genproto":                "v0.0.0-20261110000943-09e21b237f2c",
	"google.golang.org/genproto/googleapis/api": "v0.0.0-20261110000943-09e21b237f2c",
	"google.golang.org/genproto/googleapis/rpc": "v0.0.0-20261110000943-09e21b237f2c",
	"cloud.google.com/go/longrunning":           "v1.5.0",
}

// canonicalModule returns the module of canonicalModules that holds an
// import path, or "".
func canonicalModule(importPath string) string {
	best := ""
	for mod := range canonicalModules {
		if (importPath == mod || strings.HasPrefix(importPath, mod+"/")) && len(mod) > len(best) {
			best = mod
		}
	}
	return best
}

// neededModules returns the modules of canonicalModules whose packages the
// generated code of m imports, sorted.
func neededModules(m *schema.Model) []string {
	var out []string
	for _, f := range neededFiles(m) {
		if ip, _, ok := canonicalGoPackage(f); ok {
			if mod := canonicalModule(ip); mod != "" && !slices.Contains(out, mod) {
				out = append(out, mod)
			}
		}
	}
	slices.Sort(out)
	return out
}

// goPackageFor decides the Go package of a proto file: the well-known types
// and common googleapis protos keep their canonical ones
// (canonicalPrefixes); a go_package inside the user's module that exists
// is reused; everything else goes to <out>/pb/<proto package path>.
func goPackageFor(m *schema.Model, fd protoreflect.FileDescriptor) (importPath, name string, reuse bool) {
	if ip, name, ok := canonicalGoPackage(fd); ok {
		return ip, name, true
	}
	opts, _ := fd.Options().(*descriptorpb.FileOptions)
	goPkg := opts.GetGoPackage()
	if goPkg != "" {
		ip, pkgName, _ := strings.Cut(goPkg, ";")
		if rel, ok := strings.CutPrefix(ip, m.ModulePath+"/"); ok {
			if hasGoFiles(filepath.Join(m.ModuleDir, filepath.FromSlash(rel))) && !strings.HasPrefix(ip, outImportPath(m)+"/") {
				if pkgName == "" {
					pkgName = path.Base(ip)
				}
				return ip, pkgName, true
			}
		}
	}
	pkg := string(fd.Package())
	elems := strings.Split(pkg, ".")
	name = strings.ReplaceAll(strings.Join(elems[max(0, len(elems)-2):], ""), "_", "")
	if pkg == "" {
		elems = []string{strings.TrimSuffix(path.Base(fd.Path()), ".proto")}
		name = elems[0]
	}
	return outImportPath(m) + "/pb/" + strings.Join(elems, "/"), name, false
}

func hasGoFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(entries, func(e os.DirEntry) bool {
		return !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go")
	})
}

// outImportPath is the import path of the generated-code directory.
func outImportPath(m *schema.Model) string {
	rel, _ := filepath.Rel(m.ModuleDir, filepath.Join(m.Dir, m.Config.Go.Out))
	if rel == "." {
		return m.ModulePath
	}
	return m.ModulePath + "/" + filepath.ToSlash(rel)
}

// relToProject converts an import path inside the module to a path
// relative to the project root.
func relToProject(m *schema.Model, importPath string) (string, error) {
	rel, ok := strings.CutPrefix(importPath, m.ModulePath+"/")
	if !ok {
		return "", fmt.Errorf("internal error, please report: import path %q is outside module %q", importPath, m.ModulePath)
	}
	abs := filepath.Join(m.ModuleDir, filepath.FromSlash(rel))
	r, err := filepath.Rel(m.Dir, abs)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(r), nil
}

// neededFiles are the proto files whose Go code the spec needs: the files
// of the called services and bound types, and everything they import.
func neededFiles(m *schema.Model) map[string]protoreflect.FileDescriptor {
	need := map[string]protoreflect.FileDescriptor{}
	var add func(protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) {
		if _, ok := need[f.Path()]; ok {
			return
		}
		need[f.Path()] = f
		for i := 0; i < f.Imports().Len(); i++ {
			add(f.Imports().Get(i).FileDescriptor)
		}
	}
	for _, s := range m.Services {
		add(s.Desc.ParentFile())
	}
	for _, o := range m.Objects {
		if o.Message != nil {
			add(o.Message.ParentFile())
		}
	}
	for _, e := range m.Enums {
		add(e.Proto.ParentFile())
	}
	for _, in := range m.Inputs {
		add(in.Message.ParentFile())
	}
	return need
}

// genProtos runs protoc-gen-go's generator and bffgen's connect generator
// in-process and adds their files to set.
func genProtos(m *schema.Model, set *FileSet) (*protoGen, error) {
	need := neededFiles(m)
	// Order files so that dependencies come first, as protoc does.
	var ordered []protoreflect.FileDescriptor
	seen := map[string]bool{}
	var visit func(protoreflect.FileDescriptor)
	visit = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		for i := 0; i < f.Imports().Len(); i++ {
			visit(f.Imports().Get(i).FileDescriptor)
		}
		ordered = append(ordered, f)
	}
	for _, name := range sortedKeys(need) {
		visit(need[name])
	}
	req := &pluginpb.CodeGeneratorRequest{}
	params := []string{"paths=import"}
	var generate []string
	for _, f := range ordered {
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(f))
		ip, name, reuse := goPackageFor(m, f)
		params = append(params, fmt.Sprintf("M%s=%s;%s", f.Path(), ip, name))
		if !reuse {
			generate = append(generate, f.Path())
		}
	}
	req.FileToGenerate = generate
	req.Parameter = &[]string{strings.Join(params, ",")}[0]
	plugin, err := protogen.Options{}.New(req)
	if err != nil {
		return nil, fmt.Errorf("internal error, please report: protogen: %w", err)
	}
	pg := &protoGen{plugin: plugin, files: map[string]*protogen.File{}, generate: generate,
		connect: map[string]protogen.GoImportPath{}, reusedConnect: map[string]bool{}}
	for _, f := range plugin.Files {
		pg.files[f.Desc.Path()] = f
		pg.connect[f.Desc.Path()], pg.reusedConnect[f.Desc.Path()] = connectImportPath(m, f)
	}
	used := map[protoreflect.FullName]bool{}
	for _, s := range m.Services {
		used[s.Desc.FullName()] = true
	}
	for _, f := range plugin.Files {
		if f.Generate {
			gengo.GenerateFile(plugin, f)
		}
		if pg.reusedConnect[f.Desc.Path()] {
			continue
		}
		var svcs []*protogen.Service
		for _, s := range f.Services {
			if used[s.Desc.FullName()] {
				svcs = append(svcs, s)
			}
		}
		if len(svcs) > 0 {
			genConnect(plugin, f, pg.connectPath(f), svcs)
		}
	}
	genEnums(m, pg)
	resp := plugin.Response()
	if resp.Error != nil {
		return nil, fmt.Errorf("internal error, please report: protoc-gen-go: %s", resp.GetError())
	}
	for _, rf := range resp.File {
		rel, err := relToProject(m, path.Dir(rf.GetName()))
		if err != nil {
			return nil, err
		}
		set.Add(File{Path: path.Join(rel, path.Base(rf.GetName())), Data: []byte(rf.GetContent())})
	}
	return pg, nil
}

// enumsByGoType returns the values of the proto enum whose Go type is
// named, or nil.
func (p *protoGen) enumsByGoType(named *types.Named) []*protogen.EnumValue {
	for _, f := range p.files {
		var all []*protogen.Enum
		all = append(all, f.Enums...)
		var walk func([]*protogen.Message)
		walk = func(ms []*protogen.Message) {
			for _, m := range ms {
				all = append(all, m.Enums...)
				walk(m.Messages)
			}
		}
		walk(f.Messages)
		for _, e := range all {
			if e.GoIdent.GoName == named.Obj().Name() && string(e.GoIdent.GoImportPath) == named.Obj().Pkg().Path() {
				return e.Values
			}
		}
	}
	return nil
}

// methodGoName is the Go name of a method in its connect client.
func (p *protoGen) methodGoName(md protoreflect.MethodDescriptor) string {
	for _, m := range p.service(md.Parent().(protoreflect.ServiceDescriptor)).Methods {
		if m.Desc.FullName() == md.FullName() {
			return m.GoName
		}
	}
	return ""
}

// oneofGoName is the Go name of a oneof's field in its message struct.
func (p *protoGen) oneofGoName(od protoreflect.OneofDescriptor) string {
	for _, o := range p.message(od.Parent().(protoreflect.MessageDescriptor)).Oneofs {
		if o.Desc.FullName() == od.FullName() {
			return o.GoName
		}
	}
	return ""
}
