// Command genproto writes the Go types of the connect conformance suite's
// protos (connectrpc.com/conformance, whose own generated package is
// internal to its module) into internal/conformance/conformancev1. It runs
// as `go generate ./internal/conformance/...`: the protos are read from the
// module cache (`go mod download`), compiled with protocompile and turned
// into Go with protoc-gen-go's generator, in process, as bffgen's own
// generator does.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	gengo "google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/pluginpb"
)

// module is the conformance suite whose protos are generated; Makefile's
// CONFORMANCE_VERSION must name the same version.
const module = "connectrpc.com/conformance@v1.0.7"

// files are the protos the client under test needs, relative to the
// module's proto directory; their imports come along.
var files = []string{
	"connectrpc/conformance/v1/config.proto",
	"connectrpc/conformance/v1/service.proto",
	"connectrpc/conformance/v1/client_compat.proto",
}

// goPackage is where the Go types go.
const goPackage = "github.com/bffgen/bffgen/internal/conformance/conformancev1;conformancev1"

func main() {
	out := flag.String("out", ".", "the directory of package conformancev1")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genproto:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	dir, err := moduleDir()
	if err != nil {
		return err
	}
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{filepath.Join(dir, "proto")}}),
	}
	compiled, err := compiler.Compile(context.Background(), files...)
	if err != nil {
		return err
	}
	// Dependencies first, as protoc orders them.
	var ordered []protoreflect.FileDescriptor
	seen := map[string]bool{}
	var visit func(protoreflect.FileDescriptor)
	visit = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		for i := range f.Imports().Len() {
			visit(f.Imports().Get(i).FileDescriptor)
		}
		ordered = append(ordered, f)
	}
	for _, f := range compiled {
		visit(f)
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: files}
	params := []string{"paths=source_relative"}
	for _, f := range ordered {
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(f))
		if strings.HasPrefix(f.Path(), "connectrpc/") {
			params = append(params, "M"+f.Path()+"="+goPackage)
		}
	}
	param := strings.Join(params, ",")
	req.Parameter = &param
	plugin, err := protogen.Options{}.New(req)
	if err != nil {
		return err
	}
	for _, f := range plugin.Files {
		if f.Generate {
			gengo.GenerateFile(plugin, f)
		}
	}
	res := plugin.Response()
	if res.Error != nil {
		return fmt.Errorf("protoc-gen-go: %s", res.GetError())
	}
	for _, f := range res.File {
		name := filepath.Join(out, filepath.Base(f.GetName()))
		if err := os.WriteFile(name, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleDir downloads the conformance module (or finds it in the module
// cache) and returns its directory.
func moduleDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	if m.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", module, m.Error)
	}
	return m.Dir, nil
}
