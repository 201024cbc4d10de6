package testschema

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// This file is a TEST FIXTURE: compiled executors written by hand, the
// way the generator emits them, for three documents of this schema. Each
// writes exactly what gqlgen's executor writes for its document with the
// same Resolver (the runtime's tests check it byte for byte), so that the
// runtime's dispatch of compiled operations can be tested without the
// generator. Their positions (line, column) are those of the fields in
// the documents below. They do not count the actual cost.

// ProductPageDocument is the document of [CompiledProductPage]: a product
// with a field resolved one product at a time, an aliased field with a
// nullable argument, and a field that fails when Resolver.Fail says so.
const ProductPageDocument = `query ProductPage($id: ID!, $name: String) {
  product(id: $id) { id name detail }
  greeting: hello(name: $name)
  fail
}`

// ProductsDocument is the document of [CompiledProducts]: a list whose
// length (and estimated cost) is a variable.
const ProductsDocument = `query Products($first: Int = 3) { products(first: $first) { id name } }`

// EchoDocument is the document of [CompiledEcho]: a mutation.
const EchoDocument = `mutation Echo($text: String!) { echo(text: $text) }`

// Counter counts the runs of the compiled fixtures, to tell which path
// served a request.
type Counter struct{ n atomic.Int64 }

// Runs returns the number of runs so far.
func (c *Counter) Runs() int64 { return c.n.Load() }

func (c *Counter) inc() {
	if c != nil {
		c.n.Add(1)
	}
}

// Compiled returns the three compiled fixtures on r (nil: the defaults),
// counting their runs into c (nil: no count).
func Compiled(r *Resolver, c *Counter) []rgraphql.Compiled {
	return []rgraphql.Compiled{CompiledProductPage(r, c), CompiledProducts(r, c), CompiledEcho(c)}
}

// CompiledProductPage is the compiled fixture of [ProductPageDocument].
func CompiledProductPage(r *Resolver, c *Counter) rgraphql.Compiled {
	if r == nil {
		r = &Resolver{}
	}
	q, pr := queryResolver{r}, productResolver{r}
	return rgraphql.Compiled{
		Name:     "ProductPage",
		Document: ProductPageDocument,
		Execute: func(ctx context.Context, req *rgraphql.CompiledRequest, out *rgraphql.Result) {
			c.inc()
			// $id is an ID! that coercion checked: it unmarshals.
			id, _ := graphql.UnmarshalID(req.Variables["id"])
			var name *string
			if v, ok := req.Variables["name"]; ok && v != nil {
				s, _ := graphql.UnmarshalString(v)
				name = &s
			}
			out.Raw(`{"product":`)
			p, err := q.Product(ctx, id)
			switch {
			case err != nil:
				out.FieldError(ctx, err, 2, 3, ast.Path{ast.PathName("product")})
				out.Null()
			case p == nil:
				out.Null()
			default:
				out.Raw(`{"id":`)
				out.String(p.ID)
				out.Raw(`,"name":`)
				out.String(p.Name)
				out.Raw(`,"detail":`)
				d, err := pr.Detail(ctx, p)
				switch {
				case err != nil:
					out.FieldError(ctx, err, 2, 30, ast.Path{ast.PathName("product"), ast.PathName("detail")})
					out.Null()
				case d == nil:
					out.Null()
				default:
					out.String(*d)
				}
				out.Byte('}')
			}
			out.Raw(`,"greeting":`)
			g, _ := q.Hello(ctx, name)
			out.String(g)
			out.Raw(`,"fail":`)
			f, err := q.Fail(ctx)
			switch {
			case err != nil:
				out.FieldError(ctx, err, 4, 3, ast.Path{ast.PathName("fail")})
				out.Null()
			case f == nil:
				out.Null()
			default:
				out.String(*f)
			}
			out.Byte('}')
		},
	}
}

// CompiledProducts is the compiled fixture of [ProductsDocument].
func CompiledProducts(r *Resolver, c *Counter) rgraphql.Compiled {
	if r == nil {
		r = &Resolver{}
	}
	q := queryResolver{r}
	return rgraphql.Compiled{
		Name:     "Products",
		Document: ProductsDocument,
		Execute: func(ctx context.Context, req *rgraphql.CompiledRequest, out *rgraphql.Result) {
			c.inc()
			var first *int
			if v, ok := req.Variables["first"]; ok && v != nil {
				n, err := graphql.UnmarshalInt(v)
				if err != nil {
					out.FieldError(ctx, err, 1, 35, ast.Path{ast.PathName("products")})
					out.Raw(`null`)
					return
				}
				first = &n
			}
			ps, err := q.Products(ctx, first, nil)
			if err != nil {
				// products is non-null: the null reaches data.
				out.FieldError(ctx, err, 1, 35, ast.Path{ast.PathName("products")})
				out.Null()
				return
			}
			out.Raw(`{"products":[`)
			for i, p := range ps {
				if i > 0 {
					out.Byte(',')
				}
				out.Raw(`{"id":`)
				out.String(p.ID)
				out.Raw(`,"name":`)
				out.String(p.Name)
				out.Byte('}')
				if out.Over() {
					return // the dispatcher answers RESPONSE_TOO_LARGE
				}
			}
			out.Raw(`]}`)
		},
	}
}

// CompiledEcho is the compiled fixture of [EchoDocument].
func CompiledEcho(c *Counter) rgraphql.Compiled {
	return rgraphql.Compiled{
		Name:     "Echo",
		Document: EchoDocument,
		Execute: func(ctx context.Context, req *rgraphql.CompiledRequest, out *rgraphql.Result) {
			c.inc()
			text, _ := graphql.UnmarshalString(req.Variables["text"])
			out.Raw(`{"echo":`)
			out.String(text)
			out.Byte('}')
		},
	}
}
