package gqlgenexec

import (
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// nullConditions returns the error of an operation whose @skip or
// @include condition is a variable whose value is null, nil when there is
// none. Validation lets a nullable variable with a default stand where
// Boolean! is required; a request may still send it as null, and the
// GraphQL spec then makes that argument an error (CoerceArgumentValues:
// a non-null argument must not be null). gqlgen's field collection
// panics on it instead (recovered as an INTERNAL error, logged with a
// stack on every such request), so the executor refuses the operation
// before it runs, as a variable that fails coercion is refused: code
// GRAPHQL_VALIDATION_FAILED, at the directive's position.
func nullConditions(opCtx *graphql.OperationContext) gqlerror.List {
	if opCtx == nil || opCtx.Operation == nil {
		return nil
	}
	c := conditionCheck{opCtx: opCtx, seen: map[string]bool{}}
	c.selections(opCtx.Operation.SelectionSet)
	return c.errs
}

type conditionCheck struct {
	opCtx *graphql.OperationContext
	seen  map[string]bool // fragments already checked
	errs  gqlerror.List
}

func (c *conditionCheck) selections(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c.directives(s.Directives)
			c.selections(s.SelectionSet)
		case *ast.InlineFragment:
			c.directives(s.Directives)
			c.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			c.directives(s.Directives)
			if c.seen[s.Name] {
				continue
			}
			c.seen[s.Name] = true
			if def := c.fragment(s); def != nil {
				c.selections(def.SelectionSet)
			}
		}
	}
}

func (c *conditionCheck) fragment(s *ast.FragmentSpread) *ast.FragmentDefinition {
	if s.Definition != nil {
		return s.Definition
	}
	if c.opCtx.Doc != nil {
		return c.opCtx.Doc.Fragments.ForName(s.Name)
	}
	return nil
}

func (c *conditionCheck) directives(list ast.DirectiveList) {
	for _, d := range list {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil || arg.Value.Kind != ast.Variable {
			continue
		}
		if c.opCtx.Variables[arg.Value.Raw] != nil {
			continue
		}
		err := &gqlerror.Error{
			Message: fmt.Sprintf(`Argument "if" of @%s is Boolean!, but variable "$%s" is null.`, d.Name, arg.Value.Raw),
		}
		if d.Position != nil {
			err.Locations = []gqlerror.Location{{Line: d.Position.Line, Column: d.Position.Column}}
		}
		errcode.Set(err, errcode.ValidationFailed)
		c.errs = append(c.errs, err)
	}
}
