package gateway

import (
	"context"
	"fmt"
)

type valuesKey struct{}

// WithValue returns ctx carrying v under name, for the $context.<name>
// sources of request mappings: a user middleware (runtime.WithMiddleware)
// sets the values a backend call needs, such as a tenant resolved from the
// host name. Later values of the same name win.
func WithValue(ctx context.Context, name string, v any) context.Context {
	prev, _ := ctx.Value(valuesKey{}).(map[string]any)
	next := make(map[string]any, len(prev)+1)
	for k, x := range prev {
		next[k] = x
	}
	next[name] = v
	return context.WithValue(ctx, valuesKey{}, next)
}

// Value returns the value set with WithValue under name as a T. A missing
// value or one of another type is an error: the request mapping cannot be
// filled, and the field that needed it fails with INTERNAL (a server-side
// wiring mistake, not the client's).
func Value[T any](ctx context.Context, name string) (T, error) {
	var zero T
	values, _ := ctx.Value(valuesKey{}).(map[string]any)
	v, ok := values[name]
	if !ok {
		return zero, fmt.Errorf("context value %q is not set: a middleware must set it with gateway.WithValue", name)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("context value %q is a %T, want %T", name, v, zero)
	}
	return t, nil
}
