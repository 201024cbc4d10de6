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
		if n <= 0 {
			return
		}
		e.maxResponseBytes = n
		e.exec.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			m := &sizeMeter{max: int64(n), cancel: cancel}
			resp := next(context.WithValue(ctx, sizeMeterKey{}, m))
			if resp == nil {
				return nil
			}
			if m.over.Load() || len(resp.Data) > n {
				resp.Data = []byte("null")
				resp.Errors = gqlerror.List{rgraphql.ResponseTooLarge(n)}
			}
			return resp
		})
	}
}

// sizeMeter adds up a lower bound of the size of the data an operation
// writes; it is shared by the goroutines of the operation.
type sizeMeter struct {
	max    int64
	bytes  atomic.Int64
	over   atomic.Bool
	once   sync.Once
	cancel context.CancelFunc
}

// add charges n bytes, and reports false once the total is over the cap:
// then it cancels the operation, once.
func (m *sizeMeter) add(n int64) bool {
	if m.bytes.Add(n) <= m.max {
		return true
	}
	m.over.Store(true)
	m.once.Do(m.cancel)
	return false
}

type sizeMeterKey struct{}

// sizeMeterExtension installs the size meter of WithMaxResponseBytes on
// every operation. It wraps the operation's resolver middleware itself
// rather than adding a gqlgen field interceptor: gqlgen chains
// interceptors with a closure allocated per field and interceptor, and
// the meter runs on every field of every response.
type sizeMeterExtension struct{ max int }

var (
	_ graphql.HandlerExtension        = sizeMeterExtension{}
	_ graphql.OperationContextMutator = sizeMeterExtension{}
)

// ExtensionName names the extension in gqlgen.
func (sizeMeterExtension) ExtensionName() string { return "BffgenSizeMeter" }

// Validate accepts every schema.
func (sizeMeterExtension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext makes the operation's field middleware charge
// each field's lower bound, after the middleware already there, and fail
// the fields of an operation that went over the cap.
func (x sizeMeterExtension) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	prev := opCtx.ResolverMiddleware
	opCtx.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		m, _ := ctx.Value(sizeMeterKey{}).(*sizeMeter)
		if m == nil {
			return prev(ctx, next)
		}
		if m.over.Load() {
			return nil, rgraphql.ResponseTooLarge(x.max)
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
			return nil, rgraphql.ResponseTooLarge(x.max)
		}
		return res, err
	}
	return nil
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
