package codegen

import (
	"bytes"
	"errors"
	"path"

	gqlcodegen "github.com/99designs/gqlgen/codegen"
	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
)

// Which resolver fields gqlgen runs in a goroutine of their own.
//
// gqlgen's executor runs every field that has a resolver (or a model method
// taking a context) "concurrently": for each object it resolves, it queues
// those fields and, when there are two or more, starts a goroutine for
// every one but the first (graphql.FieldSet.Dispatch). For a list of 20
// products that select seller and reviews, that is 20 goroutines, each of
// which grows its stack on the way into the executor; for fields that only
// read a value already in memory, the goroutines buy nothing and cost
// about a sixth of the BFF's CPU (docs/benchmarks.md, "the lean gqlgen
// path").
//
// gqlgen decides it in codegen.Field.IsConcurrent: a field is concurrent
// when it has a resolver or a method with a context, unless its object has
// DisableConcurrency (which gqlgen sets for Mutation alone). There is no
// setting per field, so inlineResolvers gives each inline field a copy of
// its object with DisableConcurrency set: gqlgen reads nothing else from a
// field's Object that the copy does not hold alike (its name, root and
// stream flags, Go type), and the object's own IsConcurrent, which decides
// whether its field set counts invalid fields atomically, then asks each
// field. When every resolver field of an object is inline, the object
// itself gets DisableConcurrency and no copy is made.

// inlineResolvers makes gqlgen call inline, in the goroutine that resolves
// their parent object, the resolver fields of data whose value is already
// in memory when gqlgen reaches them (see inMemory). Root objects keep
// gqlgen's rules: the fields of Query call the backends and run in
// parallel, those of Mutation run in order, Subscription streams. It must
// run before gqlgen renders its executor (the plugin's GenerateCode does).
func inlineResolvers(m *schema.Model, data *gqlcodegen.Data) {
	for _, o := range data.Objects {
		if o.Root || o.Stream || o.DisableConcurrency {
			continue
		}
		bound := m.Objects[o.Name]
		var inline, concurrent []*gqlcodegen.Field
		for _, f := range o.Fields {
			switch {
			case !f.IsConcurrent():
			case inMemory(fieldOf(bound, f.Name)):
				inline = append(inline, f)
			default:
				concurrent = append(concurrent, f)
			}
		}
		switch {
		case len(inline) == 0:
		case len(concurrent) == 0:
			o.DisableConcurrency = true
		default:
			sequential := *o
			sequential.DisableConcurrency = true
			for _, f := range inline {
				f.Object = &sequential
			}
		}
	}
}

// inMemory reports whether the generated resolver of a field of a non-root
// object reads a value the BFF already holds, so that a goroutine for it
// would only add cost:
//   - a proto field that needs a resolver to read it (a oneof member, a
//     map as a list of entries, a field mask, bytes), and a oneof as a
//     union: a getter of the parent message;
//   - a @batch field: it reads the result its level prefetched with one
//     call for all the parents. Only when nothing was prefetched for the
//     parent (a parent a user resolver returned) does it call the backend
//     for that one parent, and then the fields of that parent that do so
//     call one after the other; the elements of a list still resolve in
//     parallel (gqlgen marshals a list of objects with a goroutine per
//     element).
//
// An @rpc field of a non-root object (one call per parent) and a field the
// user resolves (which may do anything) stay concurrent, as does a field
// bffgen knows nothing of (f is nil). The decision is the plan's
// (plan.Read.InMemory).
func inMemory(f *schema.Field) bool {
	return f != nil && plan.ReadOf(f).InMemory()
}

// Lists of objects.
//
// gqlgen marshals every list of objects with a goroutine per element
// (graphql.MarshalSliceConcurrently, at most listWorkerLimit at once), so
// that elements whose fields wait for I/O wait in parallel. In a bffgen
// executor most elements wait for nothing: their batched fields were
// prefetched for the whole level. The executor therefore calls marshalList
// (templates/lists.gotpl, in the executor's package) instead, which asks
// batch.MarshalList to decide per list, from the selection set, whether an
// element can wait: only then does it take gqlgen's path.

// listData is the data of templates/lists.gotpl: the names of the fields
// that keep a goroutine per element in a list that selects them.
type listData struct {
	// Concurrent are the fields gqlgen still runs in a goroutine of their
	// own once inlineResolvers ran, Batched the @batch fields; both sorted,
	// without duplicates.
	Concurrent, Batched []string
}

// listFieldsOf builds the listData of data, after inlineResolvers.
func listFieldsOf(m *schema.Model, data *gqlcodegen.Data) listData {
	concurrent, batched := map[string]bool{}, map[string]bool{}
	for _, o := range data.Objects {
		if o.Root {
			continue
		}
		bound := m.Objects[o.Name]
		for _, f := range o.Fields {
			if f.IsConcurrent() {
				concurrent[f.Name] = true
			}
			if bf := fieldOf(bound, f.Name); bf != nil && bf.Kind == schema.FieldBatch {
				batched[f.Name] = true
			}
		}
	}
	return listData{Concurrent: sortedKeys(concurrent), Batched: sortedKeys(batched)}
}

// renderLists writes lists.go next to gqlgen's executor (execDir, relative
// to the project).
func (p *bffPlugin) renderLists(execDir string, data *gqlcodegen.Data) error {
	return p.render(path.Join(execDir, "lists.go"), "exec", "lists.gotpl", listFieldsOf(p.m, data), nil, nil)
}

// marshalSliceCall is how gqlgen's template (codegen/type.gotpl) starts
// the marshalling of a list of objects, and marshalListCall what
// rewriteLists makes of it; sel and v are the parameters of every
// generated marshal function of a list.
const (
	marshalSliceCall = "graphql.MarshalSliceConcurrently(ctx, len(v), "
	marshalListCall  = "marshalList(ctx, sel, v, "
)

// rewriteLists makes gqlgen's executor marshal its lists of objects with
// marshalList. Every executor has such lists (those of introspection), so
// finding none means gqlgen's template changed: an internal error.
func rewriteLists(exec []byte) ([]byte, error) {
	if !bytes.Contains(exec, []byte(marshalSliceCall)) {
		return nil, errors.New("gqlgen's executor has no call of graphql.MarshalSliceConcurrently to rewrite")
	}
	return bytes.ReplaceAll(exec, []byte(marshalSliceCall), []byte(marshalListCall)), nil
}
