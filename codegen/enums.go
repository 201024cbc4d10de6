package codegen

import (
	"github.com/bffgen/bffgen/schema"
	"google.golang.org/protobuf/compiler/protogen"
)

var (
	graphqlPkg = protogen.GoImportPath("github.com/99designs/gqlgen/graphql")
	fmtPkg     = protogen.GoImportPath("fmt")
)

// mappingImportPath is the package of the enum marshalers; gqlgen binds each
// bound GraphQL enum to <package>.<Enum> and finds MarshalX/UnmarshalX there.
func mappingImportPath(m *schema.Model) string { return outImportPath(m) + "/internal/mapping" }

// genEnums writes function marshalers that bind GraphQL enums to proto
// enums: values by name with the enum prefix stripped, the zero value as
// null.
func genEnums(m *schema.Model, pg *protoGen) {
	if len(m.Enums) == 0 {
		return
	}
	ip := protogen.GoImportPath(mappingImportPath(m))
	g := pg.plugin.NewGeneratedFile(string(ip)+"/enums.go", ip)
	g.P(GeneratedHeader)
	g.P()
	g.P("// Package mapping binds GraphQL enums to proto enums for the executor.")
	g.P("package mapping")
	for _, name := range sortedKeys(m.Enums) {
		e := m.Enums[name]
		pe := pg.enum(e.Proto)
		goType := g.QualifiedGoIdent(pe.GoIdent)
		valueIdent := func(ev schema.EnumValue) string {
			for _, v := range pe.Values {
				if v.Desc.Number() == ev.Proto.Number() && v.Desc.Name() == ev.Proto.Name() {
					return g.QualifiedGoIdent(v.GoIdent)
				}
			}
			return goType + "(" + itoa(int(ev.Proto.Number())) + ")"
		}
		g.P()
		g.P("// Marshal", name, " writes a ", e.Proto.FullName(), " as the GraphQL enum ", name, ". The zero")
		g.P("// value, and a value the GraphQL enum has no name for, are null.")
		g.P("func Marshal", name, "(v ", goType, ") ", g.QualifiedGoIdent(graphqlPkg.Ident("Marshaler")), " {")
		g.P("switch v {")
		for _, v := range e.Values {
			g.P("case ", valueIdent(v), ":")
			g.P("return ", g.QualifiedGoIdent(graphqlPkg.Ident("MarshalString")), "(", quote(v.Name), ")")
		}
		g.P("}")
		g.P("return ", g.QualifiedGoIdent(graphqlPkg.Ident("Null")))
		g.P("}")
		g.P()
		g.P("// Unmarshal", name, " reads the GraphQL enum ", name, " as a ", e.Proto.FullName(), ".")
		g.P("func Unmarshal", name, "(v any) (", goType, ", error) {")
		g.P("s, ok := v.(string)")
		g.P("if !ok {")
		g.P("return 0, ", g.QualifiedGoIdent(fmtPkg.Ident("Errorf")), "(\"enum ", name, ": want a string, got %T\", v)")
		g.P("}")
		g.P("switch s {")
		for _, v := range e.Values {
			g.P("case ", quote(v.Name), ":")
			g.P("return ", valueIdent(v), ", nil")
		}
		g.P("}")
		g.P("return 0, ", g.QualifiedGoIdent(fmtPkg.Ident("Errorf")), "(\"%q is not a value of enum ", name, "\", s)")
		g.P("}")
	}
}
