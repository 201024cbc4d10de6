package gateway

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// WithCompiled registers operations compiled to Go (see rgraphql.Compiled):
// a request whose document, or persisted id, is one of theirs runs the
// compiled code instead of gqlgen, behind the same edge policies (limits,
// persisted operations, admission, variables, caps, error presenter). Each
// document must pass the configured limits and validate against the
// schema, and with introspection off it must not select __schema, else
// NewGraphQLHandler fails naming the operation. Several WithCompiled
// options add up. Default: none, every operation runs on gqlgen.
func WithCompiled(ops ...rgraphql.Compiled) GraphQLOption {
	return func(o *graphqlOptions) { o.compiled = append(o.compiled, ops...) }
}

// checkCompiledIntrospection refuses, with introspection off, a compiled
// operation that selects __schema: gqlgen's path refuses such an
// operation on every request (see introspectionGuard), so a compiled one
// would answer what the other path does not.
func checkCompiledIntrospection(ops []rgraphql.Compiled, introspection bool) error {
	if introspection {
		return nil
	}
	var errs []error
	for _, c := range ops {
		doc, err := parser.ParseQuery(&ast.Source{Input: c.Document})
		if err != nil {
			continue // the dispatcher reported it
		}
		def := doc.Operations.ForName(c.Name)
		if def == nil {
			continue
		}
		if f := findSchemaField(def.SelectionSet, doc.Fragments, map[string]bool{}); f != nil {
			errs = append(errs, fmt.Errorf("compiled operation %q selects __schema at %d:%d of its document, but gateway.graphql.introspection is off: remove the field from the operation, or turn introspection on", c.Name, f.Position.Line, f.Position.Column))
		}
	}
	return errors.Join(errs...)
}
