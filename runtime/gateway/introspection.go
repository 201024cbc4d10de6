package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// introspectionGuard rejects, before execution, an operation that selects
// __schema or __type while introspection is disabled. Without it gqlgen
// fails those fields at execution time with an error that carries no code,
// which production mode would mask as "internal error"; with it the client
// gets a request error that says what happened.
type introspectionGuard struct{}

var (
	_ graphql.HandlerExtension        = introspectionGuard{}
	_ graphql.OperationContextMutator = introspectionGuard{}
)

// ExtensionName names the extension in gqlgen.
func (introspectionGuard) ExtensionName() string { return "BffgenIntrospectionGuard" }

// Validate accepts every schema.
func (introspectionGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext rejects an operation that selects __schema or
// __type with a validation error.
func (introspectionGuard) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil || opCtx.Doc == nil {
		return nil
	}
	field := findIntrospection(opCtx.Operation.SelectionSet, opCtx.Doc.Fragments, map[string]bool{})
	if field == nil {
		return nil
	}
	err := gqlerror.ErrorPosf(field.Position, "introspection is disabled: %q cannot be queried", field.Name)
	gqlerrcode.Set(err, gqlerrcode.ValidationFailed)
	return err
}

// findIntrospection returns the first __schema or __type field among the
// root fields of set, looking through fragments.
func findIntrospection(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return s
			}
		case *ast.InlineFragment:
			if f := findIntrospection(s.SelectionSet, fragments, seen); f != nil {
				return f
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if def := fragments.ForName(s.Name); def != nil {
				if f := findIntrospection(def.SelectionSet, fragments, seen); f != nil {
					return f
				}
			}
		}
	}
	return nil
}
