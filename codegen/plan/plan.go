// Package plan decides, once per operation of the frontend, how a compiled
// executor runs it: for every selected field how its value is read from a
// proto message (or which call or user resolver produces it) and how it is
// written as JSON, for every root field how its request is filled, and for
// every level of the response which @batch calls serve all its parents at
// once. It holds no gqlgen types: it is built from schema.Model and the
// operation's validated AST, and the emitter of codegen turns it into Go.
//
// Not every operation compiles. Build returns a plan whose Reason says why
// an operation runs on gqlgen instead; `bffgen generate` prints one line per
// such operation. The first supported set is what the shop example's
// queries need (see [Build] for the exact rules); everything else falls
// back, never silently.
//
// The plan has two levels. [Schema] (fields.go, calls.go) is built once
// for the whole schema: how every bound field of every object type is
// read ([Read]: a Go field, a oneof member, a map, a union, an @rpc or
// @batch call, a user resolver), how the request of every @rpc and @batch
// is filled ([Fill]) and what its response becomes ([ResultKind]), and
// which object types prefetch their batched fields. codegen's gqlgen
// plugin is the adapter that maps gqlgen's fields to these decisions and
// prints the resolvers; the gqlgen bindings (which fields get a resolver)
// and the concurrency of fields come from it too. [Build] plans each
// operation of the frontend on top of it.
package plan

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/mapping"
)

// Operation is the plan of one operation.
type Operation struct {
	// Op is the operation of the model.
	Op *schema.Operation
	// Reason is why the operation runs on gqlgen: "" when it compiles.
	Reason string
	// Root is the selection of the root type: its fields are @rpc calls,
	// made in parallel.
	Root *Selection
}

// Selection is the selection set of one object type: the fields to write,
// in document order.
type Selection struct {
	// Object is the object type and its binding.
	Object *schema.Object
	// Fields are the selected fields, in document order, one per response
	// key.
	Fields []*Field
}

// Write says how a leaf value is written.
type Write int

const (
	// WriteString writes a Go string (String, ID).
	WriteString Write = iota
	// WriteInt writes a 32-bit integer (Int).
	WriteInt
	// WriteBool writes a bool (Boolean).
	WriteBool
	// WriteMarshal writes through the runtime scalar's marshaler
	// (MarshalFunc, e.g. scalar.MarshalInt64), as gqlgen's path does.
	WriteMarshal
	// WriteEnum writes through the generated enum mapping (EnumName):
	// the zero value and unknown values are null.
	WriteEnum
	// WriteTypename writes the name of the parent object type.
	WriteTypename
)

// Field is one selected field.
type Field struct {
	// Key is the response key: the alias, else the name.
	Key string
	// AST is the field in the operation (its position is the error's
	// location).
	AST *ast.Field
	// Bound is the field's binding; nil for __typename.
	Bound *schema.Field
	// Read is the schema-wide plan of the field (how its value is read,
	// the fills of its @rpc or @batch request), the one the gqlgen
	// resolvers are emitted from; nil for __typename.
	Read *FieldRead
	// Type is the field's GraphQL type.
	Type *ast.Type
	// Write, for a leaf, says how its value is written; MarshalFunc names
	// the runtime/scalar marshaler for WriteMarshal ("MarshalInt64"),
	// Context tells it returns a context marshaler; AppendFunc, when not
	// empty, names the runtime/scalar function that appends the same
	// bytes without a marshaler ("AppendInt64"), for the compiled
	// executors; EnumName the GraphQL enum for WriteEnum.
	Write Write
	// Optional: the proto field has presence (proto3 optional): its Go
	// field is a pointer, nil for null.
	Optional    bool
	MarshalFunc string
	Context     bool
	AppendFunc  string
	EnumName    string
	// Sel is the selection of an object (or list of objects) field; nil
	// for a leaf.
	Sel *Selection
	// Args are the argument values of a root @rpc or @batch field, by
	// argument name, in the order of the field's definition.
	Args []Arg
	// Conds are the run-time conditions of the field: @skip and @include
	// whose if is a variable, on the field or on the fragments it is
	// selected through. The field is in the response when all hold.
	Conds []Cond
	// Cost is the weight of one value of the field in the actual cost
	// (runtime/graphql.CostMeter), by the rules of the estimate: the
	// field's @cost(weight:), else the @cost(weight:) of the type it
	// returns, else 1 for an object type and 0 for a leaf; a negative
	// weight is 0, __typename weighs 0. The executor adds it once per
	// value the field returns (per non-null element of a list; null, a
	// failed field and a field @auth or @redact hides add nothing).
	Cost int
	// ArgCost is the sum of the @cost(weight:) of the arguments the
	// operation gives the field (as a literal or a variable): added
	// every time the field resolves, whatever its value, but not when
	// an argument fails to convert.
	ArgCost int
}

// Cond is a condition on a Boolean! variable: the field is selected when
// the variable is false (Skip, from @skip) or true (from @include).
type Cond struct {
	Var  string
	Skip bool
}

// Arg is the value of an argument: a literal, a variable, or absent (the
// argument's default, or null).
type Arg struct {
	Def *ast.ArgumentDefinition
	// Value is the value in the operation; nil when absent.
	Value *ast.Value
}

// Build plans every operation of m. An operation that does not compile has
// a Reason; the others have a Root.
//
// What compiles: queries and mutations (a mutation's root fields run one
// after the other, each with the levels below it; subscriptions do not
// compile), whose fields are read from the parent proto message (scalars
// String, ID, Int, Boolean, Float from a double, Int64, UInt64, DateTime,
// enums, repeated strings, messages and repeated messages), root @rpc
// calls filled from the field's scalar arguments, from $claims (of a
// scalar claim type that is the request field's), or whole from a
// variable of a non-null input object whose fields are scalars (the
// generated <input>ToProto converter), @batch fields with scalar
// arguments (literals, or variables read once per run), user resolvers
// of non-root fields without arguments, and __typename below the root.
// An argument that does not convert fails its field as gqlgen's does (the
// error on the argument's path, no location, the field null, no call). Fields with @auth (the error of authz.Check, no call)
// and @redact (null unless authz.Allowed, no call) compile as gqlgen's
// directives answer.
//
// Named and inline fragments on the type they are in are flattened, and
// fields of one response key merge (the first occurrence's position and
// arguments, the selections of all). @skip and @include with a literal are
// decided here; with a Boolean! variable they become the field's Conds,
// decided at run time. A response key selected twice when one of them is
// under a variable condition, a condition on a nullable variable,
// fragments on another type, other directives, oneofs, maps, unions and
// interfaces run on gqlgen.
//
// s is the schema-wide plan of m ([NewSchema]): each field's read and
// each call's fills are taken from it.
func Build(m *schema.Model, s *Schema) []*Operation {
	var out []*Operation
	b := &builder{m: m, s: s, cost: limits.NewCostModel(m.Schema)}
	for _, op := range m.Operations {
		p := &Operation{Op: op}
		sel, err := b.build(op)
		if err != nil {
			p.Reason = err.Error()
		} else {
			p.Root = sel
		}
		out = append(out, p)
	}
	return out
}

// Compiled returns the plans that compile.
func Compiled(ops []*Operation) []*Operation {
	var out []*Operation
	for _, op := range ops {
		if op.Reason == "" {
			out = append(out, op)
		}
	}
	return out
}

type unsupported struct{ msg string }

func (u unsupported) Error() string { return u.msg }

func fail(format string, args ...any) error { return unsupported{fmt.Sprintf(format, args...)} }

// builder plans the operations of m on the schema-wide plan s.
type builder struct {
	m *schema.Model
	s *Schema
	// cost weighs each field as the runtime's cost model does.
	cost *limits.CostModel
}

func (b *builder) build(op *schema.Operation) (*Selection, error) {
	m := b.m
	if op.Type == ast.Subscription {
		// runtime/graphql refuses a compiled subscription: a compiled
		// executor writes one result, and the streaming transports (SSE,
		// websocket) run gqlgen's executor.
		return nil, fail("a subscription (the streaming transports run gqlgen's executor; a compiled executor answers one result)")
	}
	if op.Type != ast.Query && op.Type != ast.Mutation {
		return nil, fail("a %s (queries and mutations compile)", op.Type)
	}
	if op.Doc == nil || len(op.Doc.Operations) != 1 {
		return nil, fail("its document is not one operation")
	}
	// The positions of errors are those of the document the client sends,
	// not of the operation's file: parse and validate it again.
	doc, errs := gqlparser.LoadQuery(m.Schema, op.Document)
	if errs != nil || len(doc.Operations) != 1 {
		return nil, fail("its document does not validate on its own")
	}
	def := doc.Operations[0]
	if len(def.Directives) > 0 {
		return nil, fail("it has directives")
	}
	root := m.Schema.Query
	if op.Type == ast.Mutation {
		root = m.Schema.Mutation
	}
	if root == nil || m.Objects[root.Name] == nil {
		return nil, fail("the schema has no bound %s type", op.Type)
	}
	sel, err := b.selection(def, m.Objects[root.Name], []ast.SelectionSet{def.SelectionSet}, true)
	if err != nil {
		return nil, err
	}
	// The executor keeps the result of each root field in a Go field
	// named after its response key, beside r (the resolver) and cost.
	for _, f := range sel.Fields {
		if f.Key == "r" || f.Key == "cost" {
			return nil, fail("the root response key %s is a name the executor uses for itself (alias the field)", f.Key)
		}
	}
	// The executor keeps each condition variable in a Go field named
	// after it with its first letter upper-cased: two that differ only
	// there would collide.
	seen := map[string]string{}
	var check func(s *Selection) error
	check = func(s *Selection) error {
		for _, f := range s.Fields {
			for _, c := range f.Conds {
				k := strings.ToUpper(c.Var[:1]) + c.Var[1:]
				if other, ok := seen[k]; ok && other != c.Var {
					return fail("the conditions $%s and $%s differ only in the case of their first letter", other, c.Var)
				}
				seen[k] = c.Var
			}
			if f.Sel != nil {
				if err := check(f.Sel); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := check(sel); err != nil {
		return nil, err
	}
	return sel, nil
}

// occurrence is one selection of a field, found through the fragments,
// with the run-time conditions of the @skip and @include on its way.
type occurrence struct {
	f     *ast.Field
	conds []Cond
}

// collect gathers the fields of sets for an object of type obj, as
// gqlgen's CollectFields does, in document order through named and
// inline fragments: fields excluded by a literal @skip or @include are
// left out; one whose condition is a variable gets it in its conds.
func collect(def *ast.OperationDefinition, obj *schema.Object, sets []ast.SelectionSet, conds []Cond, out *[]occurrence) error {
	for _, set := range sets {
		for _, s := range set {
			var dirs ast.DirectiveList
			switch s := s.(type) {
			case *ast.Field:
				dirs = s.Directives
			case *ast.InlineFragment:
				dirs = s.Directives
				if s.TypeCondition != "" && s.TypeCondition != obj.Def.Name {
					return fail("an inline fragment on %s inside %s (fragments compile on their own type only)", s.TypeCondition, obj.Def.Name)
				}
			case *ast.FragmentSpread:
				dirs = s.Directives
				if s.Definition == nil {
					return fail("fragment %s is not resolved by validation", s.Name)
				}
				if s.Definition.TypeCondition != obj.Def.Name {
					return fail("fragment %s on %s inside %s (fragments compile on their own type only)", s.Name, s.Definition.TypeCondition, obj.Def.Name)
				}
				if len(s.Definition.Directives) > 0 {
					return fail("fragment %s has directives", s.Name)
				}
			}
			c, include, err := conditions(def, dirs)
			if err != nil {
				return err
			}
			if !include {
				continue
			}
			all := append(slices.Clip(conds), c...)
			switch s := s.(type) {
			case *ast.Field:
				*out = append(*out, occurrence{f: s, conds: all})
			case *ast.InlineFragment:
				if err := collect(def, obj, []ast.SelectionSet{s.SelectionSet}, all, out); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if err := collect(def, obj, []ast.SelectionSet{s.Definition.SelectionSet}, all, out); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// conditions reads the @skip and @include of a selection: include is
// false when a literal excludes it; conds are the variable conditions.
// Any other directive does not compile.
func conditions(def *ast.OperationDefinition, dirs ast.DirectiveList) (conds []Cond, include bool, err error) {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			return nil, false, fail("it uses the directive @%s", d.Name)
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil {
			return nil, false, fail("@%s has no if argument", d.Name)
		}
		skip := d.Name == "skip"
		switch arg.Value.Kind {
		case ast.BooleanValue:
			if (arg.Value.Raw == "true") == skip {
				return nil, false, nil
			}
		case ast.Variable:
			v := def.VariableDefinitions.ForName(arg.Value.Raw)
			if v == nil || !v.Type.NonNull {
				// A nullable variable may be sent as null, which the
				// gqlgen path refuses before it runs (gqlgenexec's
				// null conditions); a compiled condition reads only a
				// Boolean!: leave it to gqlgen.
				return nil, false, fail("the condition $%s of @%s may be null", arg.Value.Raw, d.Name)
			}
			conds = append(conds, Cond{Var: arg.Value.Raw, Skip: skip})
		default:
			return nil, false, fail("@%s(if: %s)", d.Name, arg.Value.String())
		}
	}
	return conds, true, nil
}

func (b *builder) selection(def *ast.OperationDefinition, obj *schema.Object, sets []ast.SelectionSet, root bool) (*Selection, error) {
	var occs []occurrence
	if err := collect(def, obj, sets, nil, &occs); err != nil {
		return nil, err
	}
	// Fields of one response key merge, as the spec's field collection
	// merges them: the first occurrence's position and arguments, the
	// selections of all.
	type group struct {
		first *ast.Field
		conds []Cond
		sets  []ast.SelectionSet
		n     int
	}
	var keys []string
	groups := map[string]*group{}
	for _, o := range occs {
		key := o.f.Alias
		if key == "" {
			key = o.f.Name
		}
		g := groups[key]
		if g == nil {
			g = &group{first: o.f, conds: o.conds}
			groups[key] = g
			keys = append(keys, key)
		}
		g.n++
		g.sets = append(g.sets, o.f.SelectionSet)
		if g.n > 1 && (len(g.conds) > 0 || len(o.conds) > 0) {
			return nil, fail("the response key %s is selected twice, under a variable @skip or @include", key)
		}
	}
	sel := &Selection{Object: obj}
	for _, key := range keys {
		g := groups[key]
		pf, err := b.field(def, obj, g.first, key, root, g.sets)
		if err != nil {
			return nil, err
		}
		pf.Conds = g.conds
		sel.Fields = append(sel.Fields, pf)
	}
	return sel, nil
}

func (b *builder) field(def *ast.OperationDefinition, obj *schema.Object, f *ast.Field, key string, root bool, sets []ast.SelectionSet) (*Field, error) {
	m := b.m
	pf := &Field{Key: key, AST: f}
	if f.Name == "__typename" {
		if root {
			return nil, fail("it selects __typename on the root")
		}
		pf.Write = WriteTypename
		pf.Type = ast.NonNullNamedType("String", nil)
		return pf, nil
	}
	if f.Definition == nil {
		return nil, fail("field %s is not resolved by validation", f.Name)
	}
	fr := b.s.Field(obj.Def.Name, f.Name)
	if fr == nil {
		return nil, fail("field %s.%s has no binding", obj.Def.Name, f.Name)
	}
	bound := fr.Field
	pf.Bound, pf.Read, pf.Type = bound, fr, bound.Def.Type
	pf.Cost, pf.ArgCost = fieldCost(b.cost, obj.Def.Name, bound.Def, f)
	name := obj.Def.Name + "." + f.Name
	switch fr.Read {
	case ReadRPC:
		if !root {
			return nil, fail("field %s is an @rpc call below the root", name)
		}
		if err := rpcArgs(m, fr.Call, f); err != nil {
			return nil, fail("field %s: %s", name, err)
		}
	case ReadBatch:
		for _, a := range bound.Def.Arguments {
			if !scalarArg(a.Type) {
				return nil, fail("field %s: argument %s of type %s", name, a.Name, a.Type)
			}
		}
	case ReadUser:
		if root || len(bound.Def.Arguments) > 0 {
			return nil, fail("field %s is a user resolver of the root or with arguments", name)
		}
	case ReadMap, ReadOneofMember, ReadFieldMask:
		return nil, fail("field %s reads a map, oneof or field mask", name)
	case ReadUnion:
		return nil, fail("field %s is a oneof union", name)
	}
	if root && fr.Read != ReadRPC {
		return nil, fail("root field %s is not an @rpc call", name)
	}
	for _, a := range bound.Def.Arguments {
		arg := Arg{Def: a}
		if v := f.Arguments.ForName(a.Name); v != nil {
			if v.Value.Kind != ast.Variable && v.Value.Kind != ast.IntValue && v.Value.Kind != ast.StringValue &&
				v.Value.Kind != ast.BooleanValue && v.Value.Kind != ast.EnumValue && v.Value.Kind != ast.NullValue {
				return nil, fail("field %s: argument %s is not a scalar literal or a variable", name, a.Name)
			}
			arg.Value = v.Value
		}
		pf.Args = append(pf.Args, arg)
	}
	named := m.Schema.Types[bound.Def.Type.Name()]
	if named == nil {
		return nil, fail("field %s: unknown type %s", name, bound.Def.Type.Name())
	}
	switch named.Kind {
	case ast.Object:
		child := m.Objects[named.Name]
		if child == nil || child.Message == nil {
			return nil, fail("field %s: type %s is not bound to a proto message", name, named.Name)
		}
		if depth(bound.Def.Type) > 1 {
			return nil, fail("field %s: a list of lists", name)
		}
		if fr.Read == ReadGoField && bound.Proto.Message() == nil {
			return nil, fail("field %s: an object read from a scalar field", name)
		}
		if fr.Read == ReadUser {
			return nil, fail("field %s: a user resolver of an object type", name)
		}
		sel, err := b.selection(def, child, sets, false)
		if err != nil {
			return nil, err
		}
		pf.Sel = sel
		return pf, nil
	case ast.Scalar, ast.Enum:
		fromProto := fr.Read == ReadGoField || fr.Read == ReadBytes
		if bound.Def.Type.Elem != nil && (!fromProto || depth(bound.Def.Type) > 1) {
			return nil, fail("field %s: a list of scalars not read from a repeated proto field", name)
		}
		if fromProto {
			if err := leafFromProto(m, pf, named, bound.Proto); err != nil {
				return nil, fail("field %s: %s", name, err)
			}
			return pf, nil
		}
		if fr.Read != ReadUser {
			return nil, fail("field %s: a scalar from a call", name)
		}
		switch named.Name {
		case "String", "ID":
			pf.Write = WriteString
		default:
			return nil, fail("field %s: a user resolver of type %s", name, named.Name)
		}
		return pf, nil
	}
	return nil, fail("field %s: type %s is a %s", name, named.Name, named.Kind)
}

// fieldCost returns the weight of one value of the field fd of parent,
// and the sum of the weights of the arguments f gives, by the cost model
// the runtime estimates and counts with (limits.CostModel).
func fieldCost(cm *limits.CostModel, parent string, fd *ast.FieldDefinition, f *ast.Field) (weight, args int) {
	weight, _ = cm.FieldWeight(parent, fd.Name)
	for _, a := range fd.Arguments {
		if f.Arguments.ForName(a.Name) != nil {
			args = satAdd(args, cm.ArgumentWeight(parent, fd.Name, a.Name))
		}
	}
	return weight, args
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func depth(t *ast.Type) int {
	n := 0
	for ; t.Elem != nil; t = t.Elem {
		n++
	}
	return n
}

// leafFromProto decides how a scalar or enum read from a proto field is
// written: the scalar of the mapping (schema/mapping), and the runtime
// marshaler gqlgen's path uses for it.
func leafFromProto(m *schema.Model, pf *Field, named *ast.Definition, fd protoreflect.FieldDescriptor) error {
	if fd.IsList() != (pf.Type.Elem != nil) {
		return fmt.Errorf("list and proto field cardinality differ")
	}
	if fd.IsList() && named.Name != "String" && named.Name != "ID" {
		return fmt.Errorf("a list of %s", named.Name)
	}
	if named.Kind == ast.Enum {
		if m.Enums[named.Name] == nil || fd.Enum() == nil {
			return fmt.Errorf("enum %s is not bound to a proto enum", named.Name)
		}
		pf.Write, pf.EnumName = WriteEnum, named.Name
		return nil
	}
	if fd.Message() == nil && fd.HasPresence() {
		if fd.Kind() == protoreflect.BytesKind || mapping.RealOneof(fd) || pf.Type.NonNull {
			return fmt.Errorf("an optional proto scalar of this kind")
		}
		pf.Optional = true
	}
	if !mapping.ScalarFits(named.Name, fd, true) {
		return fmt.Errorf("scalar %s does not fit %s", named.Name, mapping.KindName(fd))
	}
	switch kind := fd.Kind(); {
	case fd.Message() != nil:
		if fd.Message().FullName() != "google.protobuf.Timestamp" {
			return fmt.Errorf("the well-known type %s", fd.Message().FullName())
		}
		pf.Write, pf.MarshalFunc, pf.Context, pf.AppendFunc = WriteMarshal, "MarshalDateTime", true, "AppendDateTime"
	case named.Name == "String" || named.Name == "ID":
		pf.Write = WriteString
	case named.Name == "Boolean":
		pf.Write = WriteBool
	case named.Name == "Int":
		pf.Write = WriteInt
	case named.Name == "Float" && kind == protoreflect.DoubleKind:
		pf.Write, pf.MarshalFunc, pf.Context = WriteMarshal, "MarshalFloat", true
	case named.Name == "Int64" && (kind == protoreflect.Int64Kind || kind == protoreflect.Sint64Kind || kind == protoreflect.Sfixed64Kind):
		pf.Write, pf.MarshalFunc, pf.AppendFunc = WriteMarshal, "MarshalInt64", "AppendInt64"
	case named.Name == "UInt64":
		pf.Write, pf.MarshalFunc, pf.AppendFunc = WriteMarshal, "MarshalUInt64", "AppendUInt64"
	default:
		return fmt.Errorf("scalar %s from %s", named.Name, mapping.KindName(fd))
	}
	return nil
}

// scalarArg reports whether an argument type is one the executors convert:
// Int, String, ID or Boolean, nullable or not.
func scalarArg(t *ast.Type) bool {
	if t.Elem != nil {
		return false
	}
	switch t.NamedType {
	case "Int", "String", "ID", "Boolean":
		return true
	}
	return false
}

// rpcArgs checks that every fill of a root call's request (the
// schema-wide plan's Call.Fill) sets a scalar request field from a scalar
// argument of the field, a claim or a literal, or the whole request from
// an input object variable.
func rpcArgs(m *schema.Model, call *Call, f *ast.Field) error {
	for _, a := range call.Fill {
		if a.Kind == FillWhole {
			if err := wholeInput(m, a.Source, f); err != nil {
				return err
			}
			continue
		}
		if Absent(a, f) {
			continue // absent, without a default: the request field stays unset
		}
		if a.Kind != FillField || len(a.Path) != 1 || a.Source == nil {
			return fmt.Errorf("a request field is filled from a oneof or a nested path")
		}
		fd := a.Path[0]
		if fd.IsList() || fd.Message() != nil || mapping.RealOneof(fd) || fd.HasPresence() && fd.Enum() == nil && fd.Message() == nil && fd.HasOptionalKeyword() {
			return fmt.Errorf("request field %s is not a plain scalar", fd.Name())
		}
		switch a.Source.Kind {
		case schema.SourceArg:
			if len(a.Source.ArgPath) > 0 {
				return fmt.Errorf("request field %s is filled from an input object field", fd.Name())
			}
			t := a.Source.Arg.Type
			if t.Elem != nil {
				return fmt.Errorf("argument %s is a list", a.Source.Arg.Name)
			}
			if !scalarArg(t) && fd.Enum() == nil {
				return fmt.Errorf("argument %s of type %s", a.Source.Arg.Name, t)
			}
			if fd.Enum() == nil && !mapping.ScalarFits(t.NamedType, fd, false) {
				return fmt.Errorf("argument %s does not fit request field %s", a.Source.Arg.Name, fd.Name())
			}
			if scalarArg(t) && t.NamedType == "Int" && fd.Kind() != protoreflect.Int32Kind {
				return fmt.Errorf("argument %s widens into %s", a.Source.Arg.Name, fd.Name())
			}
		case schema.SourceClaims:
			if a.Source.Claim.List {
				return fmt.Errorf("request field %s is filled from the list claim %s", fd.Name(), a.Source.Name)
			}
			if !claimFits(a.Source.Claim.Scalar, fd) {
				return fmt.Errorf("request field %s is filled from the claim %s of type %s", fd.Name(), a.Source.Name, a.Source.Claim.Scalar)
			}
		case schema.SourceLiteral:
			switch a.Source.Literal.(type) {
			case string, bool, protoreflect.EnumNumber:
			case int64:
				if fd.Kind() != protoreflect.Int32Kind && fd.Kind() != protoreflect.Int64Kind {
					return fmt.Errorf("literal for %s", fd.Name())
				}
			default:
				return fmt.Errorf("literal for %s", fd.Name())
			}
		default:
			return fmt.Errorf("request field %s comes from %s", fd.Name(), a.Source.Text)
		}
	}
	return nil
}

// Absent reports whether the fill a takes its value from an argument that
// the operation's field f does not give and that has no default: the
// request field then stays unset.
func Absent(a Fill, f *ast.Field) bool {
	return a.Source != nil && a.Source.Kind == schema.SourceArg && a.Source.Arg.DefaultValue == nil && f.Arguments.ForName(a.Source.Arg.Name) == nil
}

// wholeInput checks a request filled from one input object argument
// ("request: $args.input"): the argument is a variable of a non-null input
// object type whose fields are scalars (String, ID, Int, Boolean), each
// filling the message field of its name.
func wholeInput(m *schema.Model, src *schema.Source, f *ast.Field) error {
	if src.Kind != schema.SourceArg || len(src.ArgPath) > 0 {
		return fmt.Errorf("the request is filled from %s", src.Text)
	}
	a := f.Arguments.ForName(src.Arg.Name)
	if a == nil || a.Value.Kind != ast.Variable {
		return fmt.Errorf("the input object argument %s is not a variable", src.Arg.Name)
	}
	t := src.Arg.Type
	in := m.Inputs[t.NamedType]
	if t.Elem != nil || !t.NonNull || in == nil {
		return fmt.Errorf("argument %s of type %s is not a non-null bound input object", src.Arg.Name, t)
	}
	for _, fl := range in.Fields {
		if fl.Oneof != nil {
			return fmt.Errorf("input field %s.%s fills a oneof", t.NamedType, fl.Def.Name)
		}
	}
	for _, fd := range in.Def.Fields {
		if !scalarArg(fd.Type) {
			return fmt.Errorf("input field %s.%s of type %s", t.NamedType, fd.Name, fd.Type)
		}
	}
	return nil
}

// claimFits reports whether a claim of the scalar type of bffgen.yaml
// (claims:) is assigned to the request field fd as it is, with no
// conversion: string to string, int32 to int32 and so on.
func claimFits(scalar string, fd protoreflect.FieldDescriptor) bool {
	if fd.Enum() != nil {
		return false
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		return scalar == "string"
	case protoreflect.BoolKind:
		return scalar == "bool"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return scalar == "int32"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return scalar == "int64"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return scalar == "uint32"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return scalar == "uint64"
	case protoreflect.FloatKind:
		return scalar == "float"
	case protoreflect.DoubleKind:
		return scalar == "double"
	}
	return false
}

// IntLiteral returns the value of an Int literal.
func IntLiteral(v *ast.Value) (int64, error) { return strconv.ParseInt(v.Raw, 10, 32) }
