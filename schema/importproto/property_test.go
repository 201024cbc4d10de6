package importproto_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/importproto"
)

// randomProto writes a proto file of random messages, each field one of
// the shapes the mapping covers, used both in requests (inputs and
// arguments) and in responses (outputs).
func randomProto(r *rand.Rand) string {
	const messages = 6
	scalars := []string{"string", "bool", "int32", "sint32", "sfixed32", "uint32", "fixed32", "int64", "sint64", "sfixed64", "uint64", "fixed64", "float", "double", "bytes"}
	wkts := []string{"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.StringValue", "google.protobuf.UInt32Value",
		"google.protobuf.Int64Value", "google.protobuf.BoolValue", "google.protobuf.FloatValue", "google.protobuf.BytesValue", "google.protobuf.Struct", "google.protobuf.Value",
		"google.protobuf.ListValue", "google.protobuf.Any", "google.protobuf.FieldMask", "google.protobuf.Empty"}
	keys := []string{"string", "int32", "int64", "uint32", "bool", "fixed64"}
	elem := func() string {
		switch r.IntN(4) {
		case 0:
			return "Kind"
		case 1:
			return fmt.Sprintf("M%d", r.IntN(messages))
		case 2:
			return wkts[r.IntN(len(wkts))]
		}
		return scalars[r.IntN(len(scalars))]
	}
	behavior := func() string {
		switch r.IntN(6) {
		case 0:
			return " [(google.api.field_behavior) = REQUIRED]"
		case 1:
			return " [(google.api.field_behavior) = OUTPUT_ONLY]"
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage prop.v1;\nimport \"google/api/field_behavior.proto\";\n")
	for _, w := range []string{"timestamp", "duration", "wrappers", "struct", "any", "field_mask", "empty"} {
		fmt.Fprintf(&b, "import \"google/protobuf/%s.proto\";\n", w)
	}
	b.WriteString("enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; KIND_B = 2; }\n")
	body := func(name string, n int) {
		fmt.Fprintf(&b, "message %s {\n", name)
		num := 1
		for i := 0; i < n; i++ {
			switch r.IntN(6) {
			case 0:
				fmt.Fprintf(&b, "  repeated %s f%d = %d%s;\n", elem(), num, num, behavior())
			case 1:
				v := elem()
				if strings.HasPrefix(v, "google.protobuf.") && r.IntN(2) == 0 {
					v = "string"
				}
				fmt.Fprintf(&b, "  map<%s, %s> f%d = %d%s;\n", keys[r.IntN(len(keys))], v, num, num, behavior())
			case 2:
				fmt.Fprintf(&b, "  oneof o%d {\n", num)
				for j := 0; j < 2+r.IntN(2); j++ {
					e := elem()
					if e == "google.protobuf.FieldMask" || e == "google.protobuf.Empty" {
						e = "string"
					}
					fmt.Fprintf(&b, "    %s f%d = %d;\n", e, num, num)
					num++
				}
				b.WriteString("  }\n")
				continue
			case 3:
				fmt.Fprintf(&b, "  optional %s f%d = %d%s;\n", scalars[r.IntN(len(scalars))], num, num, behavior())
			default:
				fmt.Fprintf(&b, "  %s f%d = %d%s;\n", elem(), num, num, behavior())
			}
			num++
		}
		b.WriteString("}\n")
	}
	for i := 0; i < messages; i++ {
		body(fmt.Sprintf("M%d", i), 1+r.IntN(6))
	}
	body("GetReq", 1+r.IntN(5))
	body("SetReq", 1+r.IntN(5))
	b.WriteString("message GetRes { M0 m = 1; M1 n = 2; string token = 3; }\n")
	b.WriteString(`service PropService {
  rpc GetThing(GetReq) returns (GetRes);
  rpc SetThing(SetReq) returns (M2);
  rpc PutThing(M3) returns (M4);
  rpc GetOther(google.protobuf.Empty) returns (M5);
  rpc Touch(SetReq) returns (google.protobuf.Empty);
}
`)
	return b.String()
}

// TestImportProtoAlwaysChecks is a property test: for random proto files
// of every shape the mapping covers, in requests (input objects, @oneOf
// inputs, map entry inputs, nullable and REQUIRED arguments, uint32 with
// its range check) and in responses, whatever `import proto` writes loads
// without a single error. The seeds are fixed, so a failure reproduces.
func TestImportProtoAlwaysChecks(t *testing.T) {
	behavior, err := os.ReadFile("../../internal/e2e/testdata/googleapis/proto/google/api/field_behavior.proto")
	if err != nil {
		t.Fatal(err)
	}
	rounds := 40
	if testing.Short() {
		rounds = 8
	}
	for seed := range rounds {
		r := rand.New(rand.NewPCG(uint64(seed), 9))
		text := randomProto(r)
		dir := t.TempDir()
		for name, data := range map[string]string{
			"bffgen.yaml":                           "version: 1\n",
			"go.mod":                                "module example.com/prop\n\ngo 1.26\n",
			"proto/prop/v1/prop.proto":              text,
			"proto/google/api/field_behavior.proto": string(behavior),
		} {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		set := compile(t, dir)
		imp, err := importproto.Import(set, importproto.Options{})
		if err != nil {
			t.Fatalf("seed %d: import: %v\n%s", seed, err, text)
		}
		res := writeImport(t, set, imp.SDL, "")
		if errs := res.Diagnostics.Errors(); len(errs) > 0 || res.Model == nil {
			var b strings.Builder
			_ = diag.Render(&b, diag.Text, errs, res.Source)
			t.Fatalf("seed %d: the import does not check:\n%s\n--- proto\n%s\n--- SDL\n%s", seed, b.String(), text, imp.SDL)
		}
		if len(res.Model.Inputs) == 0 && len(res.Model.InputMapEntries) == 0 {
			t.Logf("seed %d: no input types", seed)
		}
	}
}
