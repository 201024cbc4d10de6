package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to write (must not exist)")
	services := flag.Int("services", 30, "number of services")
	messages := flag.Int("messages", 10, "messages per service")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "benchgen: -out is required")
		os.Exit(1)
	}
	if err := write(*out, *services, *messages); err != nil {
		fmt.Fprintf(os.Stderr, "benchgen: %v\n", err)
		os.Exit(1)
	}
}

// boundModule is the module path of the gqlgen-bound directory: its pb/
// tree holds the protoc-gen-go packages of the spec's protos.
const boundModule = "example.com/biggqlbound"

func write(out string, services, messages int) error {
	files := map[string]string{}
	var bound, plain strings.Builder
	bound.WriteString("type Query {\n")
	plain.WriteString("type Query {\n")
	var types strings.Builder
	// models binds every GraphQL type of the spec to the protobuf message
	// it reads, as a gqlgen BFF over the same backends does by hand.
	var models strings.Builder
	for s := 0; s < services; s++ {
		var proto strings.Builder
		fmt.Fprintf(&proto, "syntax = \"proto3\";\n\npackage svc%d.v1;\n\n", s)
		fmt.Fprintf(&proto, "service Service%d {\n", s)
		for m := 0; m < messages; m++ {
			fmt.Fprintf(&proto, "  rpc GetItem%d(GetItem%dRequest) returns (GetItem%dResponse);\n", m, m, m)
		}
		proto.WriteString("}\n")
		for m := 0; m < messages; m++ {
			fmt.Fprintf(&proto, "\nmessage Item%d {\n  string id = 1;\n  string name = 2;\n  int32 count = 3;\n}\n", m)
			fmt.Fprintf(&proto, "\nmessage GetItem%dRequest {\n  string id = 1;\n}\n", m)
			fmt.Fprintf(&proto, "\nmessage GetItem%dResponse {\n  Item%d item = 1;\n}\n", m, m)
			name := fmt.Sprintf("S%dItem%d", s, m)
			field := fmt.Sprintf("s%dItem%d", s, m)
			fmt.Fprintf(&bound, "  %s(id: ID!): %s @rpc(method: \"svc%d.v1.Service%d.GetItem%d\", result: \"item\")\n", field, name, s, s, m)
			fmt.Fprintf(&plain, "  %s(id: ID!): %s\n", field, name)
			fmt.Fprintf(&types, "\ntype %s {\n  id: ID!\n  name: String!\n  count: Int!\n}\n", name)
			fmt.Fprintf(&models, "  %s: {model: %s/pb/svc%d/v1.Item%d}\n", name, boundModule, s, m)
		}
		files[fmt.Sprintf("bffgen/proto/svc%d/v1/svc%d.proto", s, s)] = proto.String()
	}
	bound.WriteString("}\n")
	plain.WriteString("}\n")
	files["bffgen/bffgen.yaml"] = "version: 1\nname: big\n"
	files["bffgen/schema/schema.graphql"] = bound.String() + types.String()
	files["gqlgen/schema.graphql"] = plain.String() + types.String()
	const gqlgenYML = "schema: [schema.graphql]\nexec: {filename: graph/generated.go, package: graph}\nmodel: {filename: graph/model/models_gen.go, package: model}\nresolver: {layout: follow-schema, dir: graph, package: graph}\nskip_mod_tidy: true\nskip_validation: true\n"
	files["gqlgen/gqlgen.yml"] = gqlgenYML
	files["gqlgen-bound/schema.graphql"] = plain.String() + types.String()
	files["gqlgen-bound/gqlgen.yml"] = gqlgenYML + "# Every type bound to the protobuf message it reads (pb/ is\n# protoc-gen-go's output for proto/, copied from bffgen's gen/pb).\nmodels:\n" + models.String()
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists: choose a new directory", out)
	}
	for name, data := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
