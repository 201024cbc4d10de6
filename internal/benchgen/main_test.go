package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The bound baseline must bind every GraphQL type of the spec to the
// protobuf message of the same service and number, or gqlgen would generate
// a model for it and the comparison would not be like for like.
func TestWriteBindsEveryTypeOfTheBoundBaseline(t *testing.T) {
	out := filepath.Join(t.TempDir(), "big")
	if err := write(out, 2, 3); err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	sdl := read("gqlgen-bound/schema.graphql")
	if plain := read("gqlgen/schema.graphql"); sdl != plain {
		t.Errorf("the two gqlgen baselines have different schemas")
	}
	yml := read("gqlgen-bound/gqlgen.yml")
	types := regexp.MustCompile(`(?m)^type (S(\d+)Item(\d+)) \{`).FindAllStringSubmatch(sdl, -1)
	if len(types) != 6 {
		t.Fatalf("schema declares %d item types, want 6", len(types))
	}
	for _, m := range types {
		want := "  " + m[1] + ": {model: example.com/biggqlbound/pb/svc" + m[2] + "/v1.Item" + m[3] + "}\n"
		if !strings.Contains(yml, want) {
			t.Errorf("gqlgen.yml lacks %q", want)
		}
		proto := read("bffgen/proto/svc" + m[2] + "/v1/svc" + m[2] + ".proto")
		if !strings.Contains(proto, "\nmessage Item"+m[3]+" {") {
			t.Errorf("svc%s.proto declares no message Item%s", m[2], m[3])
		}
	}
	if n := strings.Count(yml, "{model: "); n != len(types) {
		t.Errorf("gqlgen.yml has %d model entries, want %d", n, len(types))
	}
}

func TestWriteRefusesAnExistingDirectory(t *testing.T) {
	if err := write(t.TempDir(), 1, 1); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("write into an existing directory: got %v, want an error saying it exists", err)
	}
}
