package testschema

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

// Resolver implements the schema. A nil function field gives the default
// behaviour documented on it.
type Resolver struct {
	// Fail is the error of Query.fail; nil resolves the field to null.
	Fail func(ctx context.Context) error
	// Product resolves Query.product; nil returns a product named
	// "Product <id>".
	Product func(ctx context.Context, id string) (*Product, error)
	// Slow resolves Query.slow; nil returns "done" at once.
	Slow func(ctx context.Context) (string, error)
	// Products resolves Query.products; nil returns first products
	// ("p-1", "p-2", ...) with two related products each, which have no
	// related products.
	Products func(ctx context.Context, first int) ([]*Product, error)
	// Detail resolves Product.detail; nil resolves it to null.
	Detail func(ctx context.Context, p *Product) (*string, error)
	// Ticks is called with the context of each Subscription.ticks before
	// it sends its event; nil does nothing. A non-nil error fails the
	// subscription.
	Ticks func(ctx context.Context) error
}

// New returns the executable schema with r as its resolvers; a nil r uses
// the defaults.
func New(r *Resolver) graphql.ExecutableSchema {
	if r == nil {
		r = &Resolver{}
	}
	return NewExecutableSchema(Config{Resolvers: root{r}})
}

// root is the ResolverRoot of a Resolver.
type root struct{ r *Resolver }

// Query returns the resolvers of Query.
func (r root) Query() QueryResolver { return queryResolver{r.r} }

// Mutation returns the resolvers of Mutation.
func (r root) Mutation() MutationResolver { return mutationResolver{r.r} }

// Product returns the resolvers of Product.
func (r root) Product() ProductResolver { return productResolver{r.r} }

// Subscription returns the resolvers of Subscription.
func (r root) Subscription() SubscriptionResolver { return subscriptionResolver{r.r} }

type queryResolver struct{ r *Resolver }

// Hello greets name, or the world.
func (q queryResolver) Hello(_ context.Context, name *string) (string, error) {
	if name == nil {
		return "hello, world", nil
	}
	return "hello, " + *name, nil
}

// Fail returns the error of Resolver.Fail.
func (q queryResolver) Fail(ctx context.Context) (*string, error) {
	if q.r.Fail == nil {
		return nil, nil
	}
	return nil, q.r.Fail(ctx)
}

// Product calls Resolver.Product.
func (q queryResolver) Product(ctx context.Context, id string) (*Product, error) {
	if q.r.Product == nil {
		return &Product{ID: id, Name: "Product " + id}, nil
	}
	return q.r.Product(ctx, id)
}

// Slow calls Resolver.Slow.
func (q queryResolver) Slow(ctx context.Context) (string, error) {
	if q.r.Slow == nil {
		return "done", nil
	}
	return q.r.Slow(ctx)
}

// Products calls Resolver.Products.
func (q queryResolver) Products(ctx context.Context, first *int, _ *bool) ([]*Product, error) {
	n := 3
	if first != nil {
		n = *first
	}
	if q.r.Products != nil {
		return q.r.Products(ctx, n)
	}
	out := make([]*Product, 0, max(n, 0))
	for i := range n {
		id := fmt.Sprintf("p-%d", i+1)
		out = append(out, &Product{ID: id, Name: "Product " + id, Related: []*Product{
			{ID: id + "-a", Name: "Product " + id + "-a", Related: []*Product{}},
			{ID: id + "-b", Name: "Product " + id + "-b", Related: []*Product{}},
		}})
	}
	return out, nil
}

// Panic panics with "boom".
func (q queryResolver) Panic(context.Context) (*string, error) {
	panic("boom")
}

type productResolver struct{ r *Resolver }

// Detail calls Resolver.Detail.
func (p productResolver) Detail(ctx context.Context, obj *Product) (*string, error) {
	if p.r.Detail == nil {
		return nil, nil
	}
	return p.r.Detail(ctx, obj)
}

type mutationResolver struct{ r *Resolver }

// Echo returns text.
func (mutationResolver) Echo(_ context.Context, text string) (string, error) {
	return text, nil
}

type subscriptionResolver struct{ r *Resolver }

// Ticks calls Resolver.Ticks, sends 1, then keeps the subscription open
// until its context ends.
func (s subscriptionResolver) Ticks(ctx context.Context) (<-chan int, error) {
	if s.r.Ticks != nil {
		if err := s.r.Ticks(ctx); err != nil {
			return nil, err
		}
	}
	out := make(chan int)
	go func() {
		defer close(out)
		select {
		case out <- 1:
		case <-ctx.Done():
			return
		}
		<-ctx.Done()
	}()
	return out, nil
}
