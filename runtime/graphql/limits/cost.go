package limits

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// MutationRootCost is what every root field of a mutation adds to the
// cost, estimated or actual, as Apollo Router's static estimate does for
// mutations.
const MutationRootCost = 10

// CostModel holds the costs read once from a schema's @cost and @listSize
// directives. It is immutable and safe for concurrent use. The zero
// CostModel and a nil *CostModel know no schema: every field then costs 0,
// so that only the structural limits apply.
type CostModel struct {
	schema *ast.Schema
	// types holds the @cost(weight:) of object, enum and scalar types.
	types map[string]int
	// fields holds the fields that carry @cost, @listSize or arguments
	// with @cost, by parent type then field name.
	fields map[string]map[string]*fieldCost
	// sizedNames numbers the distinct names of every
	// @listSize(sizedFields:), so that a selection set's measure can keep
	// one pair of sums per name.
	sizedNames map[string]int
}

// fieldCost is what the directives say about one field definition.
type fieldCost struct {
	weight    int
	hasWeight bool
	// argWeights are the @cost(weight:) of the field's arguments.
	argWeights map[string]int
	// listSize is set when the field has @listSize.
	listSize *listSize
}

// listSize is one @listSize directive.
type listSize struct {
	assumed    int
	hasAssumed bool
	// slicing are the slicing arguments that the field declares.
	slicing []*ast.ArgumentDefinition
	// sized are the indexes in CostModel.sizedNames of sizedFields.
	sized []int
}

// NewCostModel reads the @cost and @listSize directives of s (the
// directives of the bffgen prelude, declared as in the IBM cost
// specification):
//
//   - @cost(weight:) on a field definition is the weight of the field; on an
//     object, enum or scalar type it is the weight of every field that
//     returns the type, unless the field has its own; on an argument
//     definition it is added when a query gives the argument. A negative
//     weight counts as 0. @cost on input fields is not read.
//   - @listSize(slicingArguments:) names the arguments whose value is the
//     size of the list (the largest when several are given); a name that
//     is not an argument of the field is ignored (the schema checker
//     reports it). assumedSize is the size when no slicing argument has a
//     value. sizedFields names the list fields of the returned type that
//     the size applies to (cursor connections); the field itself then
//     counts once unless it is a list.
//
// A nil s gives a model under which every field costs 0.
func NewCostModel(s *ast.Schema) *CostModel {
	m := &CostModel{schema: s, types: map[string]int{}, fields: map[string]map[string]*fieldCost{}, sizedNames: map[string]int{}}
	if s == nil {
		return m
	}
	for name, def := range s.Types {
		if w, ok := weightOf(def.Directives); ok {
			m.types[name] = w
		}
		for _, f := range def.Fields {
			fc := &fieldCost{}
			used := false
			if w, ok := weightOf(f.Directives); ok {
				fc.weight, fc.hasWeight, used = w, true, true
			}
			for _, a := range f.Arguments {
				if w, ok := weightOf(a.Directives); ok {
					if fc.argWeights == nil {
						fc.argWeights = map[string]int{}
					}
					fc.argWeights[a.Name] = w
					used = true
				}
			}
			if d := f.Directives.ForName("listSize"); d != nil {
				fc.listSize = m.readListSize(f, d)
				used = true
			}
			if !used {
				continue
			}
			if m.fields[name] == nil {
				m.fields[name] = map[string]*fieldCost{}
			}
			m.fields[name][f.Name] = fc
		}
	}
	return m
}

// weightOf returns the weight of a @cost directive in dl.
func weightOf(dl ast.DirectiveList) (int, bool) {
	d := dl.ForName("cost")
	if d == nil {
		return 0, false
	}
	a := d.Arguments.ForName("weight")
	if a == nil || a.Value == nil {
		return 0, false
	}
	return literalInt(a.Value), true
}

func (m *CostModel) readListSize(f *ast.FieldDefinition, d *ast.Directive) *listSize {
	ls := &listSize{}
	if a := d.Arguments.ForName("assumedSize"); a != nil && a.Value != nil && a.Value.Kind == ast.IntValue {
		ls.assumed, ls.hasAssumed = literalInt(a.Value), true
	}
	if a := d.Arguments.ForName("slicingArguments"); a != nil && a.Value != nil {
		for _, name := range stringList(a.Value) {
			if ad := f.Arguments.ForName(name); ad != nil {
				ls.slicing = append(ls.slicing, ad)
			}
		}
	}
	if a := d.Arguments.ForName("sizedFields"); a != nil && a.Value != nil {
		for _, name := range stringList(a.Value) {
			i, ok := m.sizedNames[name]
			if !ok {
				i = len(m.sizedNames)
				m.sizedNames[name] = i
			}
			if !slices.Contains(ls.sized, i) {
				ls.sized = append(ls.sized, i)
			}
		}
	}
	return ls
}

// stringList reads a list of strings, or one string (input coercion of a
// single value to a list).
func stringList(v *ast.Value) []string {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return []string{v.Raw}
	case ast.ListValue:
		var out []string
		for _, c := range v.Children {
			if c.Value != nil && (c.Value.Kind == ast.StringValue || c.Value.Kind == ast.BlockValue) {
				out = append(out, c.Value.Raw)
			}
		}
		return out
	}
	return nil
}

// literalInt reads an Int literal, clamped to [0, MaxInt]; other literals
// are 0.
func literalInt(v *ast.Value) int {
	if v == nil || v.Kind != ast.IntValue {
		return 0
	}
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if err != nil {
		if len(v.Raw) > 0 && v.Raw[0] == '-' {
			return 0
		}
		return math.MaxInt
	}
	return clampInt64(n)
}

func clampInt64(n int64) int {
	switch {
	case n < 0:
		return 0
	case n > math.MaxInt:
		return math.MaxInt
	}
	return int(n)
}

// FieldWeight returns the weight of one value of the field name of the
// type parent, by the rule of the estimate: the field's @cost(weight:),
// else the @cost(weight:) of the type it returns, else 1 when that type is
// composite (object, interface or union), else 0. composite reports
// whether the field returns a composite type, whatever its weight. The
// weight of a list field is that of one element: the caller multiplies. A
// type or field unknown to the schema, introspection fields (__schema,
// __type, __typename) and the fields of the introspection types weigh 0;
// so does every field under a nil *CostModel. parent is the type the field
// is read from: for a field selected through an interface, the estimate
// reads the interface's field and an executor the concrete object's.
func (m *CostModel) FieldWeight(parent, name string) (weight int, composite bool) {
	if strings.HasPrefix(name, "__") || strings.HasPrefix(parent, "__") {
		return 0, false
	}
	def := m.typeDef(parent)
	if def == nil {
		return 0, false
	}
	fd := def.Fields.ForName(name)
	if fd == nil {
		return 0, false
	}
	child := m.typeDef(fd.Type.Name())
	composite = child != nil && child.IsCompositeType()
	return m.weight(parent, fd, composite), composite
}

// weight is the weight of one value of the field fd of parent.
func (m *CostModel) weight(parent string, fd *ast.FieldDefinition, composite bool) int {
	if fc := m.field(parent, fd.Name); fc != nil && fc.hasWeight {
		return fc.weight
	}
	if tw, ok := m.types[fd.Type.Name()]; ok {
		return tw
	}
	if composite {
		return 1
	}
	return 0
}

// ArgumentWeight returns the @cost(weight:) of the argument arg of the
// field name of the type parent, which the cost adds once for every value
// of the field's parent when a query gives the argument; 0 when the
// argument has none or is unknown.
func (m *CostModel) ArgumentWeight(parent, name, arg string) int {
	if fc := m.field(parent, name); fc != nil {
		return fc.argWeights[arg]
	}
	return 0
}

// HasArgumentWeights reports whether an argument of the field name of the
// type parent has a @cost(weight:), so that an executor can skip reading
// the arguments of every other field.
func (m *CostModel) HasArgumentWeights(parent, name string) bool {
	fc := m.field(parent, name)
	return fc != nil && len(fc.argWeights) > 0
}

// MutationType returns the name of the schema's mutation root type, "" when
// it has none.
func (m *CostModel) MutationType() string {
	if m == nil || m.schema == nil || m.schema.Mutation == nil {
		return ""
	}
	return m.schema.Mutation.Name
}

// field returns the directives of parent.name, nil when it has none.
func (m *CostModel) field(parent, name string) *fieldCost {
	if m == nil {
		return nil
	}
	return m.fields[parent][name]
}

// typeDef returns the definition of a named type, nil when unknown.
func (m *CostModel) typeDef(name string) *ast.Definition {
	if m == nil || m.schema == nil || name == "" {
		return nil
	}
	return m.schema.Types[name]
}

// root returns the root type of an operation.
func (m *CostModel) root(op ast.Operation) *ast.Definition {
	if m == nil || m.schema == nil {
		return nil
	}
	switch op {
	case ast.Mutation:
		return m.schema.Mutation
	case ast.Subscription:
		return m.schema.Subscription
	}
	return m.schema.Query
}

// SatAdd returns a+b for non-negative a and b, or math.MaxInt when the sum
// would overflow: counts of an attacker's document saturate instead of
// wrapping around.
func SatAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// SatMul returns a*b for non-negative a and b, or math.MaxInt when the
// product would overflow; 0 when either is 0.
func SatMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

// minus returns a-b for b <= a, keeping a saturated a saturated.
func minus(a, b int) int {
	if a == math.MaxInt {
		return a
	}
	return max(a-b, 0)
}
