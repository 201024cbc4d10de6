package gqlgenexec

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// WithMaxResponseBytes caps the size of the data of every response, also
// on the streaming transports (each event of a subscription is one
// response): larger data is replaced by null and one error with code
// RESPONSE_TOO_LARGE; the errors of the fields it replaces are dropped
// with it. Default 0: no cap.
//
// The cap bounds the memory of execution, not only what is sent. While the
// operation runs, a field middleware adds up a lower bound of the JSON
// each resolved field will write (its key, its punctuation, the bytes of
// a string, a comma per list element). When that lower bound passes n,
// the data would be over the cap whatever comes next, so execution stops
// there: the operation's context is cancelled (backend calls in flight
// end, lists of the generated code stop starting elements: gqlgen's
// exec.worker_limit makes them wait on a semaphore that gives up once the
// context is done), and every field resolved afterwards fails at once
// without calling its resolver. The memory an operation holds is then
// about n times the overhead of gqlgen's result tree, instead of the size
// of whatever the backends returned.
func WithMaxResponseBytes(n int) Option {
	return func(e *Executor) {
		e.maxResponseBytes = max(n, 0)
	}
}

// sizeMeterMiddleware is the operation middleware of WithMaxResponseBytes.
// It gives each operation one meter, held by closures rather than looked
// up in the context: the lookup would walk the context chain on every
// field of every response. It wraps the operation's resolver middleware
// (not a gqlgen field interceptor, which costs an allocation per field)
// and its response handler, which starts the meter again for each
// response (each event of a subscription).
func sizeMeterMiddleware(max int) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		m := &sizeMeter{max: int64(max)}
		prev := oc.ResolverMiddleware
		oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
			if m.over.Load() {
				return nil, rgraphql.ResponseTooLarge(max)
			}
			res, err := prev(ctx, next)
			n := int64(4) // "":, and a comma or brace: the least a field writes
			if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
				n += int64(len(fc.Field.Alias))
			}
			if err == nil {
				n += minJSONSize(res)
			}
			if !m.add(n) {
				return nil, rgraphql.ResponseTooLarge(max)
			}
			return res, err
		}
		responses := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			m.start(cancel)
			resp := responses(ctx)
			if resp == nil {
				return nil
			}
			if m.over.Load() || len(resp.Data) > max {
				resp.Data = []byte("null")
				resp.Errors = gqlerror.List{rgraphql.ResponseTooLarge(max)}
			}
			return resp
		}
	}
}

// sizeMeter adds up a lower bound of the size of the data of one response;
// it is shared by the goroutines of the operation. The responses of one
// operation (the events of a subscription) come one after the other.
type sizeMeter struct {
	max    int64
	bytes  atomic.Int64
	over   atomic.Bool
	mu     sync.Mutex
	cancel context.CancelFunc // of the response being built
}

// start starts counting a new response, whose context cancel cancels.
func (m *sizeMeter) start(cancel context.CancelFunc) {
	m.mu.Lock()
	m.cancel = cancel
	m.mu.Unlock()
	m.bytes.Store(0)
	m.over.Store(false)
}

// add charges n bytes, and reports false once the total is over the cap:
// then it cancels the response's context (backend calls in flight end,
// lists stop starting elements).
func (m *sizeMeter) add(n int64) bool {
	if m.bytes.Add(n) <= m.max {
		return true
	}
	if !m.over.Swap(true) {
		m.mu.Lock()
		if m.cancel != nil {
			m.cancel()
		}
		m.mu.Unlock()
	}
	return false
}

// minJSONSize is a lower bound of the size of v written as JSON by the
// generated marshalers: the bytes of a string with its quotes, "null" for
// nil, a byte per list element (its comma) plus the brackets, one byte
// for any other value. Fields of objects are charged when they resolve.
func minJSONSize(v any) int64 {
	switch v := v.(type) {
	case nil:
		return 4
	case string:
		return int64(len(v)) + 2
	case *string:
		if v == nil {
			return 4
		}
		return int64(len(*v)) + 2
	case []byte:
		return int64(len(v)) + 2
	case bool, int, int32, int64, uint32, uint64, float32, float64:
		return 1
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return int64(r.Len()) + 1
	case reflect.Pointer, reflect.Interface:
		if r.IsNil() {
			return 4
		}
	}
	return 1
}
