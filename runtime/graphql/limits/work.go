package limits

import "github.com/vektah/gqlparser/v2/ast"

// Weights of the validation work estimate, in units of about 200 ns of
// gqlparser's validator on a 2024 server core (measured on v2.5.64).
const (
	// workFragmentPair is the cost of comparing two fragments spread at
	// the same level (OverlappingFieldsCanBeMerged), about 2 µs.
	workFragmentPair = 10
	// workFragmentVisit is the cost of entering a fragment again when the
	// validator walks each fragment definition on its own, about 800 ns.
	workFragmentVisit = 4
)

// workCounter estimates how much work gqlparser's validator will do on a
// document, from its shape as written, in linear time.
//
// The validator (v2.5.64) is quadratic in three ways, all measured:
// OverlappingFieldsCanBeMerged compares every pair of fields with the same
// response name in a selection set (3500 `id` in one set: 1.4 s) and every
// pair of fragments spread at the same level, transitively (1000 distinct
// fragments spread together: 1.2 s); and the walker enters, for every
// fragment definition, every fragment it reaches (a chain of 900 fragments:
// 0.34 s). The estimate sums, per selection set: the same-name field pairs,
// the fields times the fragments spread at its level, and workFragmentPair
// per pair of those fragments; and per fragment definition
// workFragmentVisit per fragment it reaches. Fragments are counted with
// multiplicity, an upper bound that saturates on fragment bombs.
type workCounter struct {
	frags map[string]*ast.FragmentDefinition
	// top and reach memoize, per fragment, the fragments spread at its top
	// level (transitively) and anywhere in it (transitively); -1 marks one
	// being counted (a cycle counts 0).
	top, reach map[string]int
	depth      int
	work       int
	names      map[string]int // scratch: response name counts of one set
}

func newWorkCounter(frags map[string]*ast.FragmentDefinition) *workCounter {
	return &workCounter{frags: frags, top: map[string]int{}, reach: map[string]int{}, names: map[string]int{}}
}

// document returns the estimate for every selection set of doc.
func (w *workCounter) document(doc *ast.QueryDocument) int {
	for _, op := range doc.Operations {
		w.sets(op.SelectionSet)
	}
	for _, fd := range doc.Fragments {
		w.sets(fd.SelectionSet)
		w.work = SatAdd(w.work, SatMul(workFragmentVisit, w.reachOf(fd.Name)))
	}
	return w.work
}

// sets adds the work of ss and of every selection set nested in it.
func (w *workCounter) sets(ss ast.SelectionSet) {
	if len(ss) == 0 {
		return
	}
	w.set(ss)
	for _, sel := range ss {
		switch sel := sel.(type) {
		case *ast.Field:
			w.sets(sel.SelectionSet)
		case *ast.InlineFragment:
			w.sets(sel.SelectionSet)
		}
	}
}

// set adds the work of comparing the fields and fragments of one
// selection set, inline fragments flattened as the validator does.
func (w *workCounter) set(ss ast.SelectionSet) {
	clear(w.names)
	fields, spreads := 0, 0
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, sel := range ss {
			switch sel := sel.(type) {
			case *ast.Field:
				name := sel.Alias
				if name == "" {
					name = sel.Name
				}
				w.work = SatAdd(w.work, w.names[name]) // pairs with the earlier ones
				w.names[name]++
				fields++
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				spreads = SatAdd(spreads, SatAdd(1, w.topOf(sel.Name)))
			}
		}
	}
	walk(ss)
	pairs := SatMul(spreads, spreads-1) / 2
	if spreads == maxInt {
		pairs = maxInt
	}
	w.work = SatAdd(w.work, SatAdd(SatMul(fields, spreads), SatMul(workFragmentPair, pairs)))
}

const maxInt = int(^uint(0) >> 1)

// topOf returns the fragments spread at the top level of fragment name,
// transitively, with multiplicity.
func (w *workCounter) topOf(name string) int {
	return w.memo(w.top, name, func(fd *ast.FragmentDefinition) int {
		n := 0
		var walk func(ss ast.SelectionSet)
		walk = func(ss ast.SelectionSet) {
			for _, sel := range ss {
				switch sel := sel.(type) {
				case *ast.InlineFragment:
					walk(sel.SelectionSet)
				case *ast.FragmentSpread:
					n = SatAdd(n, SatAdd(1, w.topOf(sel.Name)))
				}
			}
		}
		walk(fd.SelectionSet)
		return n
	})
}

// reachOf returns the fragments spread anywhere in fragment name,
// transitively, with multiplicity.
func (w *workCounter) reachOf(name string) int {
	return w.memo(w.reach, name, func(fd *ast.FragmentDefinition) int {
		n := 0
		var walk func(ss ast.SelectionSet)
		walk = func(ss ast.SelectionSet) {
			for _, sel := range ss {
				switch sel := sel.(type) {
				case *ast.Field:
					walk(sel.SelectionSet)
				case *ast.InlineFragment:
					walk(sel.SelectionSet)
				case *ast.FragmentSpread:
					n = SatAdd(n, SatAdd(1, w.reachOf(sel.Name)))
				}
			}
		}
		walk(fd.SelectionSet)
		return n
	})
}

// memo computes f for fragment name once; unknown fragments and cycles
// count 0, and a chain deeper than MaxNesting saturates.
func (w *workCounter) memo(m map[string]int, name string, f func(*ast.FragmentDefinition) int) int {
	if v, ok := m[name]; ok {
		return max(v, 0)
	}
	fd := w.frags[name]
	if fd == nil {
		return 0
	}
	if w.depth >= MaxNesting {
		return maxInt
	}
	m[name] = -1
	w.depth++
	v := f(fd)
	w.depth--
	m[name] = v
	return v
}
