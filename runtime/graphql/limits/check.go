package limits

import (
	"encoding/json"
	"math"

	"github.com/vektah/gqlparser/v2/ast"
)

// Check measures the operation named operationName (or the only one) of an
// UNVALIDATED document and returns the first exceeded limit as an
// [*Error], in the order depth, introspection depth, aliases, root fields,
// directives, fields, validation work, cost. variables are the request's variables (JSON
// decoded); they give slicing argument values for the cost. m may be nil:
// every field then costs 0.
//
// Check never expands a fragment twice: each fragment is measured once
// and its measure reused wherever it is spread, and counts saturate at the
// largest int, so fragment bombs and 10 000-alias documents are measured
// in time linear in their size. A spread of a fragment that is still
// being measured (a cycle) or of an unknown fragment counts nothing: the
// validator rejects both. Unknown fields and types count toward the
// structural limits but cost nothing.
//
// Because the validator runs over the whole document, the limits other
// than cost apply to every operation of the document, and MaxFields also
// to the field selections of the whole document as written, unused
// fragments included; Actual in the error is then the worst value found.
// The returned Measure is that of the selected operation (zero when there
// is no such operation, which the executor reports); its Directives and
// ValidationWork are those of the whole document.
func (c Config) Check(doc *ast.QueryDocument, operationName string, variables map[string]any, m *CostModel) (Measure, error) {
	if doc == nil {
		return Measure{}, nil
	}
	w := &walker{m: m, cfg: c, frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), memo: map[string]*stats{}}
	if m != nil {
		w.k = len(m.sizedNames)
	}
	for _, fd := range doc.Fragments {
		if _, dup := w.frags[fd.Name]; !dup {
			w.frags[fd.Name] = fd
		}
	}
	directives, docFields := countDocument(doc)

	var selected *ast.OperationDefinition
	if operationName == "" {
		if len(doc.Operations) == 1 {
			selected = doc.Operations[0]
		}
	} else {
		selected = doc.Operations.ForName(operationName)
	}
	measure := Measure{Directives: directives}
	worst := stats{fields: docFields}
	// The selected operation goes first: its variables and their defaults
	// give the slicing sizes of the fragments it spreads.
	ops := make([]*ast.OperationDefinition, 0, len(doc.Operations))
	if selected != nil {
		ops = append(ops, selected)
	}
	for _, op := range doc.Operations {
		if op != selected {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		w.op, w.vars = op, nil
		if op == selected {
			w.vars = variables
		}
		var st stats
		w.set(op.SelectionSet, m.root(op.Operation), &st)
		if w.tooDeep {
			return measure, &Error{Code: CodeMaxDepth, Limit: MaxNesting, Actual: MaxNesting + 1}
		}
		if op == selected {
			cost := st.cost
			if op.Operation == ast.Mutation {
				cost = SatAdd(cost, SatMul(st.roots, MutationRootCost))
			}
			measure = Measure{Depth: st.depth, Aliases: st.aliases, RootFields: st.roots, Directives: directives, Fields: st.fields, Cost: cost}
		}
		worst.depth = max(worst.depth, st.depth)
		worst.intro = max(worst.intro, st.intro)
		worst.aliases = max(worst.aliases, st.aliases)
		worst.roots = max(worst.roots, st.roots)
		worst.fields = max(worst.fields, st.fields)
	}
	measure.ValidationWork = newWorkCounter(w.frags).document(doc)
	checks := []struct {
		code          string
		limit, actual int
	}{
		{CodeMaxDepth, c.MaxDepth, worst.depth},
		{CodeMaxIntrospectionDepth, MaxIntrospectionListDepth, worst.intro},
		{CodeMaxAliases, c.MaxAliases, worst.aliases},
		{CodeMaxRootFields, c.MaxRootFields, worst.roots},
		{CodeMaxDirectives, c.MaxDirectives, directives},
		{CodeMaxFields, c.MaxFields, worst.fields},
		{CodeMaxValidationWork, c.MaxValidationWork, measure.ValidationWork},
		{CodeMaxCost, c.MaxCost, measure.Cost},
	}
	for _, ch := range checks {
		if ch.limit > 0 && ch.actual > ch.limit {
			return measure, &Error{Code: ch.code, Limit: ch.limit, Actual: ch.actual}
		}
	}
	return measure, nil
}

// stats is the measure of a selection set, or of a fragment.
type stats struct {
	fields, aliases, depth, roots, cost int
	// intro is the deepest nesting of introspection list fields under a
	// __schema or __type field of the set.
	intro int
	// listNest is the deepest nesting of fields named like the
	// introspection list fields, wherever they are; only an introspection
	// field reads it.
	listNest int
	// sized holds, per name of CostModel.sizedNames, the sums over the
	// set's top-level fields of that name of their unit cost (u) and of
	// their own cost (b), so that a @listSize(sizedFields:) above can
	// replace the fields' own size with its own.
	sized []sizedSum
	// inProgress marks a fragment being measured.
	inProgress bool
}

type sizedSum struct{ u, b int }

// merge adds the measure of a set spread at the same level.
func (s *stats) merge(o *stats) {
	s.fields = SatAdd(s.fields, o.fields)
	s.aliases = SatAdd(s.aliases, o.aliases)
	s.roots = SatAdd(s.roots, o.roots)
	s.cost = SatAdd(s.cost, o.cost)
	s.depth = max(s.depth, o.depth)
	s.intro = max(s.intro, o.intro)
	s.listNest = max(s.listNest, o.listNest)
	if o.sized != nil {
		if s.sized == nil {
			s.sized = make([]sizedSum, len(o.sized))
		}
		for i, p := range o.sized {
			s.sized[i].u = SatAdd(s.sized[i].u, p.u)
			s.sized[i].b = SatAdd(s.sized[i].b, p.b)
		}
	}
}

// walker measures the selection sets of one document.
type walker struct {
	m    *CostModel
	cfg  Config
	op   *ast.OperationDefinition
	vars map[string]any
	// frags are the fragments by name, the first definition of a name.
	frags map[string]*ast.FragmentDefinition
	memo  map[string]*stats
	// nest is the current nesting of fields with selections, inline
	// fragments and spreads; tooDeep is set past MaxNesting.
	nest    int
	tooDeep bool
	// k is the number of sized field names of the cost model.
	k int
}

// enter counts one more level of nesting and reports whether it is
// allowed; the caller calls leave when it is.
func (w *walker) enter() bool {
	if w.nest >= MaxNesting {
		w.tooDeep = true
		return false
	}
	w.nest++
	return true
}

func (w *walker) leave() { w.nest-- }

// set adds the measure of ss, whose fields belong to parent (nil when the
// type is unknown), to out.
func (w *walker) set(ss ast.SelectionSet, parent *ast.Definition, out *stats) {
	for _, sel := range ss {
		if w.tooDeep {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			w.field(sel, parent, out)
		case *ast.FragmentSpread:
			if w.enter() {
				if st := w.fragment(sel.Name); st != nil {
					out.merge(st)
				}
				w.leave()
			}
		case *ast.InlineFragment:
			p := parent
			if sel.TypeCondition != "" {
				p = w.m.typeDef(sel.TypeCondition)
			}
			if w.enter() {
				w.set(sel.SelectionSet, p, out)
				w.leave()
			}
		}
	}
}

// fragment returns the measure of a fragment, nil for an unknown fragment
// or one that is being measured (a cycle).
func (w *walker) fragment(name string) *stats {
	if st, ok := w.memo[name]; ok {
		if st.inProgress {
			return nil
		}
		return st
	}
	fd := w.frags[name]
	if fd == nil {
		return nil
	}
	st := &stats{inProgress: true}
	w.memo[name] = st
	w.set(fd.SelectionSet, w.m.typeDef(fd.TypeCondition), st)
	st.inProgress = false
	return st
}

// isIntrospectionList reports whether name is one of the list fields of
// the introspection types that graphql-js's MaxIntrospectionDepthRule
// counts.
func isIntrospectionList(name string) bool {
	switch name {
	case "fields", "interfaces", "possibleTypes", "inputFields":
		return true
	}
	return false
}

// field adds the measure of one field selection to out.
func (w *walker) field(f *ast.Field, parent *ast.Definition, out *stats) {
	var fd *ast.FieldDefinition
	if parent != nil {
		fd = parent.Fields.ForName(f.Name)
	}
	var child *ast.Definition
	if fd != nil {
		child = w.m.typeDef(fd.Type.Name())
	}
	var sub stats
	if len(f.SelectionSet) > 0 {
		if !w.enter() {
			return
		}
		w.set(f.SelectionSet, child, &sub)
		w.leave()
	}
	introspection := f.Name == "__schema" || f.Name == "__type"
	typename := f.Name == "__typename"

	out.fields = SatAdd(out.fields, SatAdd(1, sub.fields))
	out.roots = SatAdd(out.roots, 1)
	aliases := sub.aliases
	if f.Alias != "" && f.Alias != f.Name && !typename {
		aliases = SatAdd(aliases, 1)
	}
	out.aliases = SatAdd(out.aliases, aliases)
	nest := sub.listNest
	if isIntrospectionList(f.Name) {
		nest = SatAdd(nest, 1)
	}
	out.listNest = max(out.listNest, nest)
	out.intro = max(out.intro, sub.intro)
	switch {
	case introspection:
		// Neither depth nor cost: the subtree is answered in process and
		// bounded by the introspection list depth instead.
		out.intro = max(out.intro, sub.listNest)
		return
	case typename:
		return
	}
	out.depth = max(out.depth, SatAdd(1, sub.depth))
	if fd == nil {
		return // unknown to the schema: the validator rejects it
	}
	cost, unit, own := w.fieldCost(f, fd, parent, child, &sub)
	out.cost = SatAdd(out.cost, cost)
	if w.k > 0 {
		if i, ok := w.m.sizedNames[f.Name]; ok {
			if out.sized == nil {
				out.sized = make([]sizedSum, w.k)
			}
			out.sized[i].u = SatAdd(out.sized[i].u, unit)
			out.sized[i].b = SatAdd(out.sized[i].b, SatMul(own, unit))
		}
	}
}

// fieldCost returns the cost of a field whose selection measured sub, the
// cost of one of its values (unit) and how many values it counts (own).
func (w *walker) fieldCost(f *ast.Field, fd *ast.FieldDefinition, parent, child *ast.Definition, sub *stats) (cost, unit, own int) {
	fc := w.m.field(parent.Name, f.Name)
	weight := w.m.weight(parent.Name, fd, child != nil && child.IsCompositeType())
	isList := fd.Type.Elem != nil
	subCost := sub.cost
	own = 1
	switch {
	case fc != nil && fc.listSize != nil:
		ls := fc.listSize
		base := w.defaultListSize()
		if ls.hasAssumed {
			base = ls.assumed
		}
		slice := base
		if n, ok := w.slicingValue(f, ls); ok {
			slice = n
		}
		if len(ls.sized) == 0 {
			if isList {
				own = slice
			}
			break
		}
		// A connection: the slice sizes the list fields it names, and the
		// field itself counts once, or its assumed size when it is a list.
		if isList {
			own = base
		}
		if sub.sized != nil {
			for _, i := range ls.sized {
				subCost = SatAdd(minus(subCost, sub.sized[i].b), SatMul(slice, sub.sized[i].u))
			}
		}
	case isList:
		own = w.defaultListSize()
	}
	unit = SatAdd(weight, subCost)
	cost = SatMul(own, unit)
	if fc != nil {
		for _, a := range f.Arguments {
			if aw, ok := fc.argWeights[a.Name]; ok {
				cost = SatAdd(cost, aw)
			}
		}
	}
	return cost, unit, own
}

func (w *walker) defaultListSize() int { return max(w.cfg.DefaultListSize, 1) }

// slicingValue returns the largest value given to a slicing argument of f
// (in the query, through a variable or its default, or by the argument's
// default), and whether any has a value.
func (w *walker) slicingValue(f *ast.Field, ls *listSize) (int, bool) {
	best, found := 0, false
	for _, ad := range ls.slicing {
		var n int
		var ok bool
		if a := f.Arguments.ForName(ad.Name); a != nil {
			n, ok = w.intValue(a.Value)
		} else if ad.DefaultValue != nil {
			n, ok = w.intValue(ad.DefaultValue)
		}
		if ok {
			best, found = max(best, n), true
		}
	}
	return best, found
}

// intValue reads an Int argument value: a literal, or a variable from the
// request or from its default in the operation. Null, absent and non-Int
// values have none.
func (w *walker) intValue(v *ast.Value) (int, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Kind {
	case ast.IntValue:
		return literalInt(v), true
	case ast.Variable:
		if val, ok := w.vars[v.Raw]; ok {
			return anyInt(val)
		}
		if w.op != nil {
			if vd := w.op.VariableDefinitions.ForName(v.Raw); vd != nil && vd.DefaultValue != nil && vd.DefaultValue.Kind == ast.IntValue {
				return literalInt(vd.DefaultValue), true
			}
		}
	}
	return 0, false
}

// anyInt reads a JSON-decoded number, clamped to [0, MaxInt].
func anyInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return max(n, 0), true
	case int32:
		return clampInt64(int64(n)), true
	case int64:
		return clampInt64(n), true
	case uint64:
		if n > math.MaxInt {
			return math.MaxInt, true
		}
		return int(n), true
	case float64:
		return clampFloat(n)
	case float32:
		return clampFloat(float64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return clampInt64(i), true
		}
		if f, err := n.Float64(); err == nil {
			return clampFloat(f)
		}
		if len(n) > 0 && n[0] != '-' {
			return math.MaxInt, true
		}
		return 0, true
	}
	return 0, false
}

func clampFloat(f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f <= 0:
		return 0, true
	case f >= math.MaxInt:
		return math.MaxInt, true
	}
	return int(math.Ceil(f)), true
}

// countDocument counts the directive uses and the field selections of the
// whole document as written.
func countDocument(doc *ast.QueryDocument) (directives, fields int) {
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, sel := range ss {
			switch sel := sel.(type) {
			case *ast.Field:
				fields++
				directives += len(sel.Directives)
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				directives += len(sel.Directives)
			case *ast.InlineFragment:
				directives += len(sel.Directives)
				walk(sel.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		directives += len(op.Directives)
		for _, vd := range op.VariableDefinitions {
			directives += len(vd.Directives)
		}
		walk(op.SelectionSet)
	}
	for _, fd := range doc.Fragments {
		directives += len(fd.Directives)
		for _, vd := range fd.VariableDefinition {
			directives += len(vd.Directives)
		}
		walk(fd.SelectionSet)
	}
	return directives, fields
}
