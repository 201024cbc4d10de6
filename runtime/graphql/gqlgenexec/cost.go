package gqlgenexec

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// WithCostMeter counts the actual cost of every operation that runs with
// an [rgraphql.CostMeter] in its context (the dispatcher puts one there
// when its cost report is on, see [rgraphql.WithCostReport]), by the
// rules of the estimate, with the weights read from the schema's @cost
// and @listSize directives ([limits.NewCostModel]): a resolved field
// counts [limits.CostModel.FieldWeight] once for every value it returns (a
// list of 3 objects 3 times, nested lists every element, null and a field
// that failed 0), plus the @cost weight of each argument the query gives
// it, and a root field of a mutation adds [limits.MutationRootCost].
// Introspection and __typename count 0. Default false: no field
// middleware is installed at all, so execution costs nothing more.
func WithCostMeter(on bool) Option { return func(e *Executor) { e.costMeter = on } }

// costMiddleware returns the field middleware that counts the actual
// cost under model into the meter of the context.
func costMiddleware(model *limits.CostModel) graphql.FieldMiddleware {
	mutation := model.MutationType()
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		meter := rgraphql.CostMeterFromContext(ctx)
		if meter == nil {
			return next(ctx)
		}
		res, err := next(ctx)
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil {
			return res, err
		}
		parent, name := fc.Object, fc.Field.Name
		cost := 0
		if weight, _ := model.FieldWeight(parent, name); weight > 0 && err == nil && fc.Field.Definition != nil {
			cost = limits.SatMul(weight, values(reflect.ValueOf(res), fc.Field.Definition.Type))
		}
		if model.HasArgumentWeights(parent, name) {
			for _, a := range fc.Field.Arguments {
				cost = limits.SatAdd(cost, model.ArgumentWeight(parent, name, a.Name))
			}
		}
		if parent == mutation && mutation != "" && isRoot(fc) && isMutation(ctx) {
			cost = limits.SatAdd(cost, limits.MutationRootCost)
		}
		meter.Add(cost)
		return res, err
	}
}

// isRoot reports whether fc is a field of the operation's root type:
// gqlgen gives root fields a parent context without a field (the root
// object's), and list elements one with an index.
func isRoot(fc *graphql.FieldContext) bool {
	return fc.Parent == nil || (fc.Parent.Field.Field == nil && fc.Parent.Index == nil)
}

func isMutation(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Mutation
}

// values counts the non-null values of v, a resolver's result of type t:
// every element of a list, at every level of nesting, one for a non-list.
func values(v reflect.Value, t *ast.Type) int {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return 0
	}
	if t == nil || t.Elem == nil || (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) {
		return 1
	}
	n := 0
	for i := range v.Len() {
		n = limits.SatAdd(n, values(v.Index(i), t.Elem))
	}
	return n
}
