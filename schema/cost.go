package schema

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
)

// checkListSize reports the @listSize directives whose slicingArguments
// are not Int arguments of the field, or whose sizedFields are not fields
// of the type the field returns: the runtime's cost estimate would ignore
// them silently.
func checkListSize(s *ast.Schema, diags *diag.List) {
	names := make([]string, 0, len(s.Types))
	for name, def := range s.Types {
		if !def.BuiltIn {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, f := range s.Types[name].Fields {
			d := f.Directives.ForName("listSize")
			if d == nil {
				continue
			}
			where := name + "." + f.Name
			if a := d.Arguments.ForName("slicingArguments"); a != nil && a.Value != nil {
				var args []string
				for _, ad := range f.Arguments {
					args = append(args, ad.Name)
				}
				for _, v := range listElems(a.Value) {
					ad := f.Arguments.ForName(v.Raw)
					switch {
					case ad == nil:
						hint := "name an argument of the field"
						if len(args) == 0 {
							hint = fmt.Sprintf("%s has no arguments: add one such as first: Int, or use assumedSize", where)
						} else if sug := suggest(v.Raw, args); sug != "" {
							hint = fmt.Sprintf("did you mean %q?", sug)
						} else {
							hint = "use one of " + strings.Join(args, ", ")
						}
						diags.Errorf(span(v.Position), "listsize", hint, "@listSize slicing argument %q is not an argument of %s", v.Raw, where)
					case ad.Type.Name() != "Int" || ad.Type.Elem != nil:
						diags.Errorf(span(v.Position), "listsize", "a slicing argument gives the size of the list: make it an Int", "@listSize slicing argument %q of %s is a %s, not an Int", v.Raw, where, ad.Type.String())
					}
				}
			}
			if a := d.Arguments.ForName("sizedFields"); a != nil && a.Value != nil {
				ret := s.Types[f.Type.Name()]
				for _, v := range listElems(a.Value) {
					if ret == nil || ret.Fields.ForName(v.Raw) == nil {
						var fields []string
						if ret != nil {
							for _, rf := range ret.Fields {
								fields = append(fields, rf.Name)
							}
						}
						hint := fmt.Sprintf("name a list field of %s", f.Type.Name())
						if sug := suggest(v.Raw, fields); sug != "" {
							hint = fmt.Sprintf("did you mean %q?", sug)
						}
						diags.Errorf(span(v.Position), "listsize", hint, "@listSize sized field %q is not a field of %s, the type %s returns", v.Raw, f.Type.Name(), where)
					}
				}
			}
		}
	}
}

// listElems returns the string elements of a list value, or the value
// itself when it is one string (input coercion).
func listElems(v *ast.Value) []*ast.Value {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return []*ast.Value{v}
	case ast.ListValue:
		var out []*ast.Value
		for _, c := range v.Children {
			if c.Value != nil && (c.Value.Kind == ast.StringValue || c.Value.Kind == ast.BlockValue) {
				out = append(out, c.Value)
			}
		}
		return out
	}
	return nil
}
