package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
)

// checkAuthz decides the authorization of every field of m's objects
// (Field.Auth, Field.Redact) from @auth and @redact, and checks them:
//
//   - @auth on a field applies to it; @auth on an object type applies to
//     every field that returns that type (lists included), and @auth on a
//     root operation type, which no field returns, to each of its fields.
//     The scopes of all that apply add up.
//   - a non-null field with @auth gets a note: when it is denied, GraphQL
//     nulls its parent too.
//   - @redact applies to nullable String and ID fields only (its mask is
//     null), and its scope must not be empty; so must no scope of @auth.
func checkAuthz(m *Model, diags *diag.List) {
	s := m.Schema
	typeAuth := map[string]*ast.Directive{}
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.BuiltIn {
			continue
		}
		if d := def.Directives.ForName("auth"); d != nil && checkScopes(d, diags) {
			typeAuth[name] = d
		}
	}
	roots := map[string]bool{}
	for _, d := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if d != nil {
			roots[d.Name] = true
		}
	}
	for _, name := range sortedKeys(m.Objects) {
		obj := m.Objects[name]
		for _, f := range obj.Fields {
			var scopes []string
			needed := false
			var where []string
			if d := f.Def.Directives.ForName("auth"); d != nil && checkScopes(d, diags) {
				needed, scopes, where = true, append(scopes, scopeList(d)...), append(where, "its @auth")
			}
			if d := typeAuth[f.Def.Type.Name()]; d != nil {
				needed, scopes, where = true, append(scopes, scopeList(d)...), append(where, "@auth on "+f.Def.Type.Name())
			}
			if d := typeAuth[name]; d != nil && roots[name] {
				needed, scopes, where = true, append(scopes, scopeList(d)...), append(where, "@auth on "+name)
			}
			if needed {
				slices.Sort(scopes)
				f.Auth = &Auth{Scopes: slices.Compact(scopes)}
				if f.Def.Type.NonNull {
					diags.Notef(span(f.Def.Position), "auth-non-null",
						"%s.%s is non-null and needs authorization (%s): when it is denied, its null propagates to the parent, so make it nullable (%s)",
						name, f.Def.Name, strings.Join(where, ", "), strings.TrimSuffix(f.Def.Type.String(), "!"))
				}
			}
			if d := f.Def.Directives.ForName("redact"); d != nil {
				f.Redact = checkRedact(name, f.Def, d, diags)
			}
		}
	}
}

// checkScopes reports whether the scopes of @auth are all non-empty.
func checkScopes(d *ast.Directive, diags *diag.List) bool {
	ok := true
	if a := d.Arguments.ForName("scopes"); a != nil && a.Value != nil {
		for _, v := range listElems(a.Value) {
			if strings.TrimSpace(v.Raw) == "" || v.Raw != strings.TrimSpace(v.Raw) {
				diags.Errorf(span(v.Position), "bad-auth", "name a scope the credentials carry, such as \"reviews:write\"; @auth without scopes needs only an authenticated caller", "@auth scope %q is empty or has surrounding spaces", v.Raw)
				ok = false
			}
		}
	}
	return ok
}

// scopeList returns the scopes of @auth.
func scopeList(d *ast.Directive) []string {
	var out []string
	if a := d.Arguments.ForName("scopes"); a != nil && a.Value != nil {
		for _, v := range listElems(a.Value) {
			out = append(out, v.Raw)
		}
	}
	return out
}

// checkRedact returns the scope of @redact(unless:) on f, or "" after an
// error.
func checkRedact(typeName string, f *ast.FieldDefinition, d *ast.Directive, diags *diag.List) string {
	where := typeName + "." + f.Name
	t := f.Type
	if t.Elem != nil || (t.NamedType != "String" && t.NamedType != "ID") {
		diags.Errorf(span(d.Position), "bad-redact", "@redact masks String and ID fields; keep it off other types", "@redact on %s (%s)", where, t.String())
		return ""
	}
	if t.NonNull {
		diags.Errorf(span(d.Position), "bad-redact", fmt.Sprintf("a redacted value is null for callers without the scope: make it %s", t.NamedType), "@redact on %s, which is non-null (%s)", where, t.String())
		return ""
	}
	unless, at, _ := stringArg(d, "unless")
	if strings.TrimSpace(unless) == "" || unless != strings.TrimSpace(unless) {
		diags.Errorf(at, "bad-redact", "name the scope that may see the value, such as \"pii:read\"", "@redact on %s: unless %q is empty or has surrounding spaces", where, unless)
		return ""
	}
	return unless
}
