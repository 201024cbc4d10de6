package codegen

import (
	"testing"

	"golang.org/x/tools/imports"
)

func TestGroupImports(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// keep: the output is the input; otherwise it is goimports' output.
		keep bool
	}{
		{name: "mixed imports get goimports' groups", src: "package p\n\nimport (\n\t\"context\"\n\tpb \"example.com/m/gen/pb/v1\"\n\t\"fmt\"\n\t\"github.com/99designs/gqlgen/graphql\"\n\t\"sync/atomic\"\n)\n\nvar _ = context.TODO\nvar _ = fmt.Sprint\nvar _ = atomic.AddInt32\nvar _ graphql.Marshaler\nvar _ pb.X\n"},
		{name: "only standard imports", src: "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\nvar _ = context.TODO\nvar _ = fmt.Sprint\n", keep: true},
		{name: "only other imports", src: "package p\n\nimport (\n\t\"example.com/a\"\n\t\"example.com/b\"\n)\n\nvar _ = a.X\nvar _ = b.X\n", keep: true},
		{name: "a single import", src: "package p\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n", keep: true},
		{name: "no imports", src: "package p\n\nvar x = 1\n", keep: true},
		{name: "already grouped", src: "package p\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/a\"\n)\n\nvar _ = fmt.Sprint\nvar _ = a.X\n", keep: true},
		{name: "a comment in the block leaves it alone", src: "package p\n\nimport (\n\t\"example.com/a\" // a\n\t\"fmt\"\n)\n\nvar _ = fmt.Sprint\nvar _ = a.X\n", keep: true},
		{name: "two import declarations are left alone", src: "package p\n\nimport (\n\t\"example.com/a\"\n\t\"fmt\"\n)\n\nimport \"os\"\n\nvar _ = fmt.Sprint\nvar _ = a.X\nvar _ = os.Exit\n", keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(groupImports([]byte(tt.src)))
			if tt.keep {
				if got != tt.src {
					t.Errorf("groupImports changed the file:\n%s", got)
				}
				return
			}
			want, err := imports.Process("x.go", []byte(tt.src), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("groupImports:\n%s\nwant (goimports):\n%s", got, want)
			}
		})
	}
}
