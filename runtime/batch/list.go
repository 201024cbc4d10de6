package batch

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// ListFields names the fields of a schema that decide how a list of
// objects is marshalled ([MarshalList]), by field name whatever their
// type (a name shared by two types counts for both, which only costs a
// list its inline path). The generated executor declares one.
type ListFields struct {
	// Concurrent are the fields gqlgen resolves in a goroutine of their
	// own: those the user resolves and those that call a backend per
	// parent. They may do I/O, so a list whose elements select one keeps a
	// goroutine per element and the calls stay parallel.
	Concurrent map[string]bool
	// Batched are the @batch fields. They read what their level
	// prefetched, unless nothing was prefetched for the parent (a parent
	// that a user resolver returned): then each calls its backend for that
	// one parent, so the elements of such a list keep a goroutine each.
	Batched map[string]bool
}

// MarshalList marshals the elements of a list of objects, v, that select
// sel: marshal(ctx, i) writes v[i]. It is gqlgen's
// graphql.MarshalSliceConcurrently, which starts a goroutine per element
// (at most workerLimit at once, 0 for no limit), when an element may wait
// for I/O: when sel selects, at any depth, a field of fields.Concurrent, or
// one of fields.Batched while the operation's cache holds nothing for
// v[0]. Otherwise every value an element needs is in memory, and
// MarshalList marshals the elements one after the other in the calling
// goroutine, which gives the same result without a goroutine and a stack
// per element. The inline path keeps the rest of gqlgen's contract: each
// element gets a field context with its index; a panic in an element
// (unless omitPanicHandler) is a GraphQL error at the element's path and
// makes the list null; once ctx is done, no further element starts, the
// error is reported at the next element's path and the list is null.
//
// The decision reads the selection set as the document wrote it: @skip
// and @include, and the type conditions of fragments, are not evaluated,
// so a field that the operation leaves out can still send the list down
// the concurrent path, never the other way.
func MarshalList[T any](ctx context.Context, sel ast.SelectionSet, fields *ListFields, v []T, workerLimit int64, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if len(v) > 1 && mayWait(ctx, sel, fields, v[0]) {
		return graphql.MarshalSliceConcurrently(ctx, len(v), workerLimit, omitPanicHandler, marshal)
	}
	ret := make(graphql.Array, len(v))
	failed := false
	for i := range v {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if err := ctx.Err(); err != nil {
			graphql.AddError(childCtx, err)
			failed = true
			break
		}
		if omitPanicHandler {
			ret[i] = marshal(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					failed = true
				}
			}()
			ret[i] = marshal(childCtx, i)
		}()
	}
	if failed {
		return nil
	}
	return ret
}

// mayWait reports whether marshalling an element of a list that selects
// sel may wait for I/O; first is the list's first element, whose presence
// in the cache tells whether its level was prefetched.
func mayWait[T any](ctx context.Context, sel ast.SelectionSet, fields *ListFields, first T) bool {
	concurrent, batched := selects(sel, fields, 0)
	if concurrent {
		return true
	}
	if !batched {
		return false
	}
	// Batched parents are pointers to proto messages; any other element
	// type cannot be a cache key, so it is treated as not prefetched.
	if reflect.TypeFor[T]().Kind() != reflect.Pointer {
		return true
	}
	c := FromContext(ctx)
	if c == nil {
		return true
	}
	return !c.prefetched(any(first))
}

// maxSelectionDepth bounds the walk of selects; a deeper selection (which
// the gateway's depth limit normally refuses long before) counts as
// selecting a concurrent field.
const maxSelectionDepth = 64

// selects reports whether sel selects, at any depth, a field of
// fields.Concurrent, and one of fields.Batched.
func selects(sel ast.SelectionSet, fields *ListFields, depth int) (concurrent, batched bool) {
	if depth > maxSelectionDepth {
		return true, true
	}
	for _, s := range sel {
		var sub ast.SelectionSet
		switch s := s.(type) {
		case *ast.Field:
			if fields.Concurrent[s.Name] {
				return true, batched
			}
			batched = batched || fields.Batched[s.Name]
			sub = s.SelectionSet
		case *ast.InlineFragment:
			sub = s.SelectionSet
		case *ast.FragmentSpread:
			if s.Definition == nil {
				return true, true
			}
			sub = s.Definition.SelectionSet
		}
		c, b := selects(sub, fields, depth+1)
		if c {
			return true, batched || b
		}
		batched = batched || b
	}
	return false, batched
}
