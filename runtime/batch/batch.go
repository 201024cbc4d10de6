package batch

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// Cache holds the results of batched fields for one operation, by
// response key (the field's alias, or its name) and parent object.
type Cache struct {
	mu sync.RWMutex
	// fields holds, per response key, the result of each parent (a
	// pointer to its proto message). One map per key, made at the size of
	// the level that stores it first, so storing a level does not grow
	// and rehash one map for the whole operation.
	fields map[string]map[any]entry
}

type entry struct {
	value any
	err   error
}

type cacheKey struct{}

// WithCache returns ctx with a new, empty cache.
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &Cache{fields: map[string]map[any]entry{}})
}

// FromContext returns the operation's cache, or nil outside an operation
// served through [Schema].
func FromContext(ctx context.Context) *Cache {
	c, _ := ctx.Value(cacheKey{}).(*Cache)
	return c
}

// Store records the result of field (a response key) for each parent;
// results and errs are indexed like parents. It does nothing without a
// cache in ctx.
func Store[P comparable, T any](ctx context.Context, field string, parents []P, results []T, errs []error) {
	c := FromContext(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.fields[field]
	if m == nil {
		m = make(map[any]entry, len(parents))
		c.fields[field] = m
	}
	for i, p := range parents {
		m[p] = entry{results[i], errs[i]}
	}
}

// prefetched reports whether something was stored for parent, under any
// response key: whether its level was prefetched.
func (c *Cache) prefetched(parent any) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, m := range c.fields {
		if _, ok := m[parent]; ok {
			return true
		}
	}
	return false
}

// Load returns the stored result of the field being resolved (its response
// key comes from the field context) for parent; ok is false when nothing was
// prefetched for it, and the caller must then fetch it itself.
func Load[T any](ctx context.Context, parent any) (value T, err error, ok bool) {
	c := FromContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	if c == nil || fc == nil {
		return value, nil, false
	}
	c.mu.RLock()
	e, ok := c.fields[fc.Field.Alias][parent]
	c.mu.RUnlock()
	if !ok {
		return value, nil, false
	}
	if e.value != nil {
		value = e.value.(T)
	}
	return value, e.err, true
}

// Chunks calls fn for consecutive ranges [lo, hi) of n keys, at most size
// keys each (size <= 0 means one chunk), in parallel, and returns each
// key's error: the error of the chunk it was in, or nil.
func Chunks(ctx context.Context, n, size int, fn func(ctx context.Context, lo, hi int) error) []error {
	errs := make([]error, n)
	if n == 0 {
		return errs
	}
	if size <= 0 || size > n {
		size = n
	}
	if size == n {
		if err := fn(ctx, 0, n); err != nil {
			for i := range errs {
				errs[i] = err
			}
		}
		return errs
	}
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		wg.Go(func() {
			if err := fn(ctx, lo, hi); err != nil {
				for i := lo; i < hi; i++ {
					errs[i] = err
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// Run calls every fn side by side and returns once all have returned: each
// but the last in a goroutine of its own, the last in the calling
// goroutine, which would otherwise only wait. So the loads of a level
// (see the package doc) start no goroutine when there is one, and one
// fewer than there are loads otherwise. An empty fns does nothing.
func Run(fns []func()) {
	var g Group
	for _, fn := range fns {
		g.Go(fn)
	}
	g.Wait()
}

// Group collects the loads of one level and runs them side by side, as
// [Run] does: Go only records fn; Wait calls every recorded fn but the last
// in a goroutine of its own and the last in the calling goroutine, then
// returns once all have returned. So a level with one load starts no
// goroutine, and the calling goroutine, whose stack has already grown,
// does work instead of waiting. The zero Group is ready to use; up to four
// loads need no allocation beyond their closures. A Group is used by one
// goroutine and is not reused after Wait.
type Group struct {
	n    int
	fns  [4]func()
	more []func()
}

// Go records fn, to be called by Wait.
func (g *Group) Go(fn func()) {
	if g.n < len(g.fns) {
		g.fns[g.n] = fn
	} else {
		g.more = append(g.more, fn)
	}
	g.n++
}

// Wait calls the recorded functions side by side and returns once all
// have returned; with none recorded it returns at once.
func (g *Group) Wait() {
	if g.n == 0 {
		return
	}
	var wg sync.WaitGroup
	for i := range g.n - 1 {
		wg.Go(g.at(i))
	}
	g.at(g.n - 1)()
	wg.Wait()
}

// at is the i-th recorded function.
func (g *Group) at(i int) func() {
	if i < len(g.fns) {
		return g.fns[i]
	}
	return g.more[i-len(g.fns)]
}

// Schema wraps a generated executable schema so that every response gets
// its own cache: once per query or mutation, once per event of a
// subscription (so a long subscription does not accumulate entries).
func Schema(s graphql.ExecutableSchema) graphql.ExecutableSchema {
	if es, ok := s.(graphql.ExecutableSchemaWithEventContext); ok {
		return eventSchema{schema{s}, es}
	}
	return schema{s}
}

type schema struct{ graphql.ExecutableSchema }

// Exec returns the operation's response handler; gqlgen resolves fields
// when the handler is called, so that is where the cache goes.
func (s schema) Exec(ctx context.Context) graphql.ResponseHandler {
	h := s.ExecutableSchema.Exec(ctx)
	return func(ctx context.Context) *graphql.Response { return h(WithCache(ctx)) }
}

type eventSchema struct {
	schema
	es graphql.ExecutableSchemaWithEventContext
}

// ExecWithEventContext is Exec for schemas that report a context per
// subscription event.
func (s eventSchema) ExecWithEventContext(ctx context.Context) graphql.ResponseHandlerWithContext {
	h := s.es.ExecWithEventContext(ctx)
	return func(ctx context.Context) (context.Context, *graphql.Response) { return h(WithCache(ctx)) }
}

// Args returns the raw argument values of a collected field, defaults
// applied; ok is false when they cannot be read (the per-parent resolver
// then reports the problem).
func Args(ctx context.Context, f graphql.CollectedField) (args map[string]any, ok bool) {
	defer func() {
		if recover() != nil {
			args, ok = nil, false
		}
	}()
	return f.ArgumentMap(graphql.GetOperationContext(ctx).Variables), true
}

// Fields collects the fields selected under f for objects of typeName.
func Fields(ctx context.Context, f graphql.CollectedField, typeName string) []graphql.CollectedField {
	return graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, []string{typeName})
}

// Selected collects the fields selected under the field being resolved for
// objects of typeName.
func Selected(ctx context.Context, typeName string) []graphql.CollectedField {
	return graphql.CollectFieldsCtx(ctx, []string{typeName})
}
