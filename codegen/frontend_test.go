package codegen_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/codegen"
	"github.com/bffgen/bffgen/internal/testkit"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"golang.org/x/tools/txtar"
)

// frontendSpec is a spec whose types are user resolvers, so that the
// operations can select unions and interfaces.
const frontendSpec = `-- bffgen.yaml --
version: 1
operations:
  documents: [operations/*.graphql]
-- proto/p/v1/p.proto --
syntax = "proto3";
package p.v1;
message Person { string name = 1; int32 age = 2; }
message Item {
  string id = 1;
  oneof contact { string email = 2; Person person = 3; }
}
message GetRequest { string id = 1; }
service S { rpc Get(GetRequest) returns (Item); }
-- schema/schema.graphql --
type Query {
  item(id: ID!): Item @rpc(method: "p.v1.S.Get")
  when(level: LevelQuery): DateTime @resolver
}
type Item { id: ID! contact: Contact }
union Contact = EmailContact | PersonContact
type EmailContact { email: String! }
type PersonContact { person: Person! }
type Person { name: String! age: Int! }
enum LevelQuery { LOW HIGH }
`

// frontend loads frontendSpec with the operation files given and returns
// the TypeScript module, or the error of codegen.Frontend.
func frontend(t *testing.T, ops string) (string, error) {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "spec.txtar")
	if err := os.WriteFile(archive, []byte(frontendSpec+ops), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := testkit.WriteArchive(t, archive, t.TempDir(), txtar.File{Name: "go.mod", Data: []byte("module example.com/t\n\ngo 1.26\n")})
	res, err := schema.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model == nil {
		var b bytes.Buffer
		diag.Render(&b, diag.Text, res.Diagnostics, res.Source)
		t.Fatalf("spec does not check:\n%s", b.String())
	}
	files, err := codegen.Frontend(res.Model)
	if err != nil {
		return "", err
	}
	again, err := codegen.Frontend(res.Model)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if !bytes.Equal(files[i].Data, again[i].Data) {
			t.Errorf("%s differs from one run to the next", files[i].Path)
		}
	}
	for _, f := range files {
		if f.Path == "gen/frontend/operations.ts" {
			return string(f.Data), nil
		}
	}
	t.Fatalf("no TypeScript module in %v", files)
	return "", nil
}

func TestFrontendTypeScript(t *testing.T) {
	tests := []struct {
		name string
		ops  string
		want []string // lines or blocks of the module, each present
	}{
		{"a union is one object type per member, discriminated by __typename",
			"-- operations/q.graphql --\nquery C { item(id: \"1\") { contact { __typename ... on EmailContact { email } ... on PersonContact { person { name } } } } }\n",
			[]string{"    contact: {\n      __typename: \"EmailContact\";\n      email: string;\n    } | {\n      __typename: \"PersonContact\";\n      person: {\n        name: string;\n      };\n    } | null;"}},
		{"a member with nothing selected is an empty object",
			"-- operations/q.graphql --\nquery E { item(id: \"1\") { contact { ... on EmailContact { email } } } }\n",
			[]string{"    contact: {\n      email: string;\n    } | Record<string, never> | null;"}},
		{"a fragment on a union applies to its members",
			"-- operations/q.graphql --\nquery F { item(id: \"1\") { contact { ...Contact } } }\nfragment Contact on Contact { ... on PersonContact { person { age } } }\n",
			[]string{"export type ContactFragment = Record<string, never> | {\n  person: {\n    age: number;\n  };\n};"}},
		{"a field selected twice is one key with both selections; @skip makes a key optional",
			"-- operations/q.graphql --\nquery M($s: Boolean!) { item(id: \"1\") { id } item(id: \"1\") { contact { __typename } } again: when @skip(if: $s) when }\n",
			[]string{"  item: {\n    id: string;\n    contact: {\n", "  again?: string | null;\n  when: string | null;\n"}},
		{"a name ending with its suffix keeps it once; an enum variable is its union of values",
			"-- operations/q.graphql --\nquery WhenQuery($l: LevelQuery) { when(level: $l) }\n",
			[]string{"export type WhenQuery = {", "export type WhenQueryVariables = {\n  l?: LevelQuery | null;\n};", "export const WhenQueryDocument: PersistedOperation<WhenQuery, WhenQueryVariables> = {", "export type LevelQuery = \"LOW\" | \"HIGH\";"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := frontend(t, tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ts, w) {
					t.Errorf("the module lacks\n%s\n--- module:\n%s", w, ts)
				}
			}
		})
	}
}

func TestFrontendTypeScriptNameCollision(t *testing.T) {
	_, err := frontend(t, "-- operations/q.graphql --\nquery Level($l: LevelQuery) { when(level: $l) }\n")
	var d diag.Diagnostic
	if !errors.As(err, &d) || d.Code != "typescript-name" || d.Span.String() != "schema/schema.graphql:10:6" ||
		!strings.Contains(d.Message, `the TypeScript name "LevelQuery" of enum "LevelQuery" of the schema is also the name of operation "Level"`) ||
		len(d.Notes) != 1 || d.Notes[0].Span.String() != "operations/q.graphql:1:7" {
		t.Errorf("got %#v, want a diagnostic of the collision of LevelQuery at the enum, with a note at the operation", err)
	}
}
