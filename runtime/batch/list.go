package batch

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
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
// MarshalList marshals the elements without a goroutine and a stack per
// element: one after the other in the calling goroutine, or, for a list of
// at least 2*[MinPart] elements that is not inside another list so split,
// in up to GOMAXPROCS consecutive parts of at least MinPart elements side
// by side (the first in the calling goroutine), so that an idle core
// shares the marshalling of a long list, as gqlgen's goroutines would, at
// the cost of one goroutine per extra part. Either way the result is the
// serial one: the same values, and the errors in the order of the
// elements (each part collects its own and they are added part after
// part, presented by the operation's error presenter as they are added).
//
// The inline path keeps the rest of gqlgen's contract: each element gets a
// field context with its index; a panic in an element (unless
// omitPanicHandler) is a GraphQL error at the element's path and makes the
// list null; once ctx is done, no further element starts, the error is
// reported once, at the path of the first element not started, and the
// list is null.
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
	if parts := partsOf(ctx, len(v)); parts > 1 {
		return marshalParts(ctx, ret, parts, omitPanicHandler, marshal)
	}
	failed, done := marshalRange(ctx, ret, 0, len(v), omitPanicHandler, marshal)
	if done >= 0 {
		addDoneError(ctx, done)
	}
	if failed || done >= 0 {
		return nil
	}
	return ret
}

// addDoneError reports that ctx is done at the path of the element i of
// the list being marshalled.
func addDoneError(ctx context.Context, i int) {
	graphql.AddError(graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i}), ctx.Err())
}

// MinPart is the fewest elements of a part of a list that MarshalList
// splits across cores: below it, a goroutine costs more than the
// marshalling it would take off the calling goroutine.
const MinPart = 8

// splitKey marks the context of the parts of a split list; a list inside
// one is not split again, the outer split already keeps the cores busy.
type splitKey struct{}

// partsOf returns how many parts MarshalList splits a list of n elements
// into: 1 (no split) for a short list, inside a split list, outside a
// gqlgen operation, or with a single core.
func partsOf(ctx context.Context, n int) int {
	if n < 2*MinPart {
		return 1
	}
	parts := min(runtime.GOMAXPROCS(0), n/MinPart)
	if parts < 2 || ctx.Value(splitKey{}) != nil || !graphql.HasOperationContext(ctx) {
		return 1
	}
	return parts
}

// marshalRange marshals the elements [lo, hi) of a list into ret, one
// after the other, with gqlgen's error contract (see MarshalList), except
// for a done ctx: it stops without reporting the error and returns the
// index of the first element not started, done (-1 when ctx was not done);
// failed is whether an element panicked.
func marshalRange(ctx context.Context, ret graphql.Array, lo, hi int, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) (failed bool, done int) {
	for i := lo; i < hi; i++ {
		if ctx.Err() != nil {
			return failed, i
		}
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
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
	return failed, -1
}

// marshalParts marshals ret's elements in parts consecutive parts side by
// side: the first in the calling goroutine, which reports its errors
// straight to the operation, the others each in a goroutine with a
// response context of its own, whose errors are added to the operation
// part after part once all are done. Their presentation waits until then,
// so that each error is presented once, in the order of the elements.
func marshalParts(ctx context.Context, ret graphql.Array, parts int, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	n := len(ret)
	recoverFunc := graphql.GetOperationContext(ctx).RecoverFunc
	ctx = context.WithValue(ctx, splitKey{}, true)
	type part struct {
		ctx    context.Context
		failed bool
		done   int
	}
	ps := make([]part, parts)
	var wg sync.WaitGroup
	for k := parts - 1; k >= 0; k-- {
		lo, hi := k*n/parts, (k+1)*n/parts
		p := &ps[k]
		p.ctx = ctx
		if k == 0 {
			p.failed, p.done = marshalRange(p.ctx, ret, lo, hi, omitPanicHandler, marshal)
			break
		}
		if recoverFunc == nil {
			recoverFunc = graphql.DefaultRecover
		}
		p.ctx = graphql.WithResponseContext(ctx, deferPresentation, recoverFunc)
		wg.Go(func() { p.failed, p.done = marshalRange(p.ctx, ret, lo, hi, omitPanicHandler, marshal) })
	}
	wg.Wait()
	failed, done := false, -1
	for k := range ps {
		p := &ps[k]
		failed = failed || p.failed
		if k > 0 {
			for _, e := range graphql.GetErrors(p.ctx) {
				if e.Err != nil {
					graphql.AddError(ctx, e.Err)
				} else {
					graphql.AddError(ctx, e)
				}
			}
			for name, v := range graphql.GetExtensions(p.ctx) {
				if graphql.GetExtension(ctx, name) == nil {
					graphql.RegisterExtension(ctx, name, v)
				}
			}
		}
		if p.done >= 0 && done < 0 {
			done = p.done
		}
	}
	if done >= 0 {
		addDoneError(ctx, done)
	}
	if failed || done >= 0 {
		return nil
	}
	return ret
}

// deferPresentation is the error presenter of the response context of a
// part of a split list: it keeps the error as it comes (with its path, so
// that gqlgen's HasFieldError still sees it), for marshalParts to add to
// the operation, where the operation's presenter presents it.
func deferPresentation(_ context.Context, err error) *gqlerror.Error {
	out := &gqlerror.Error{Err: err, Message: err.Error()}
	var g *gqlerror.Error
	if errors.As(err, &g) {
		out.Path = g.Path
	}
	return out
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
