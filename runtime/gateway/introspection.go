package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// introspectionGuard hides the schema while introspection is disabled.
//
// An operation that selects __schema is rejected before execution, as a
// validation error: without the guard gqlgen fails the field at execution
// time with an error that carries no code, which production mode would
// mask as "internal error"; with it the client learns what happened.
//
// __type(name:) answers null, for every name, without an error: as if no
// type had that name. It reveals nothing (a name of the schema and a name
// that is not one get the same answer), and it lets a client that asks
// for a type's name along with its data, as the graphql-http audit's
// variables requests do (`query Type($name: String!) { __type(name:
// $name) { name } }`, MUST 28B9), get an answer without errors.
type introspectionGuard struct{}

var (
	_ graphql.HandlerExtension        = introspectionGuard{}
	_ graphql.OperationContextMutator = introspectionGuard{}
	_ graphql.RootFieldInterceptor    = introspectionGuard{}
)

// ExtensionName names the extension in gqlgen.
func (introspectionGuard) ExtensionName() string { return "BffgenIntrospectionGuard" }

// Validate accepts every schema.
func (introspectionGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext rejects an operation that selects __schema with a
// validation error.
func (introspectionGuard) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil || opCtx.Doc == nil {
		return nil
	}
	field := findSchemaField(opCtx.Operation.SelectionSet, opCtx.Doc.Fragments, map[string]bool{})
	if field == nil {
		return nil
	}
	err := gqlerror.ErrorPosf(field.Position, "introspection is disabled: %q cannot be queried", field.Name)
	gqlerrcode.Set(err, gqlerrcode.ValidationFailed)
	return err
}

// InterceptRootField answers null for __type, without calling gqlgen's
// resolver, which fails while introspection is disabled. It is a root
// field middleware, so the other fields of an operation pay nothing for
// it.
func (introspectionGuard) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if rc := graphql.GetRootFieldContext(ctx); rc != nil && rc.Field.Field != nil && rc.Field.Name == "__type" {
		return graphql.Null
	}
	return next(ctx)
}

// findSchemaField returns the first __schema field among the root fields
// of set, looking through fragments.
func findSchemaField(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" {
				return s
			}
		case *ast.InlineFragment:
			if f := findSchemaField(s.SelectionSet, fragments, seen); f != nil {
				return f
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if def := fragments.ForName(s.Name); def != nil {
				if f := findSchemaField(def.SelectionSet, fragments, seen); f != nil {
					return f
				}
			}
		}
	}
	return nil
}
