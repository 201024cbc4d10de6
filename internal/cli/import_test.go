package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/internal/cli"
)

// TestImportProtoExitCodes checks the exit code of bffgen import proto for
// a success and for each kind of user mistake.
func TestImportProtoExitCodes(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"bffgen.yaml": "version: 1\n",
		"proto/catalog/v1/catalog.proto": `syntax = "proto3";
package catalog.v1;
message GetProductRequest { string id = 1; }
message Product { string id = 1; string name = 2; }
service CatalogService { rpc GetProduct(GetProductRequest) returns (Product); }
`,
		"schema/taken.graphql": "type Query { hello: String }\n",
		"broken/bffgen.yaml":   "version: 1\n",
		"broken/proto/a.proto": "syntax = \"proto3\";\nmessage {}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"imports to stdout", []string{"--out", "-"}, cli.ExitOK, ""},
		{"a service glob that matches nothing", []string{"--out", "-", "--services", "payments.*"}, cli.ExitUser, `services pattern "payments.*" matches no service`},
		{"a malformed glob", []string{"--out", "-", "--methods", "Get["}, cli.ExitUser, "is malformed"},
		{"an existing file", []string{"--out", "schema/taken.graphql"}, cli.ExitUser, `"schema/taken.graphql" exists`},
		{"an unknown flag", []string{"--frobnicate"}, cli.ExitUser, "unknown flag"},
		{"a proto error", []string{"--dir", filepath.Join(dir, "broken"), "--out", "-"}, cli.ExitUser, "proto/a.proto:2:9: error: "},
		{"no project", []string{"--dir", filepath.Join(dir, "proto")}, cli.ExitUser, "no bffgen.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"import", "proto", "--dir", dir}, c.args...)
			code := cli.Run(context.Background(), args, cli.Stdio{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != c.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, c.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), c.stderr) {
				t.Errorf("stderr does not say %q:\n%s", c.stderr, errOut.String())
			}
			if c.code == cli.ExitOK && !strings.Contains(out.String(), "extend type Query {\n  # catalog.v1.CatalogService\n  getProduct(id: ID): Product!\n") {
				t.Errorf("stdout lacks the import:\n%s", out.String())
			}
		})
	}
}
