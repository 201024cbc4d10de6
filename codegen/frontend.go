package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/diag"
	"github.com/vektah/gqlparser/v2/ast"
)

// Frontend returns the files bffgen writes for the frontend from the
// model's operations (bffgen.yaml operations): the persisted-operation
// manifest in Apollo's format, the same operations as a hash-to-document
// map (Relay's format), and a TypeScript module with the types of each
// operation's variables and result and its document and hash. It returns
// no file when the model has no operations. A name of the TypeScript module
// declared twice (operation Level's type LevelQuery and an enum LevelQuery
// the operations use) is an error of type [diag.Diagnostic], at the second
// declaration. The output is a pure function
// of the model: the same model gives the same bytes.
func Frontend(m *schema.Model) ([]File, error) {
	if len(m.Operations) == 0 {
		return nil, nil
	}
	cfg := m.Config.Operations
	apollo, err := apolloManifest(m.Operations)
	if err != nil {
		return nil, err
	}
	relay, err := relayManifest(m.Operations)
	if err != nil {
		return nil, err
	}
	ts, err := typescript(m)
	if err != nil {
		return nil, err
	}
	clean := func(p string) string { return filepath.ToSlash(filepath.Clean(filepath.FromSlash(p))) }
	return []File{
		{Path: clean(cfg.Manifest), Data: apollo},
		{Path: clean(cfg.Relay), Data: relay},
		{Path: clean(cfg.TypeScript), Data: ts},
	}, nil
}

// marshalJSON indents v with two spaces, keeps <, > and & as they are
// (documents are not HTML), and ends with a newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// apolloManifest is the apollo-persisted-query-manifest of the operations,
// in name order.
func apolloManifest(ops []*schema.Operation) ([]byte, error) {
	type entry struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	}
	out := struct {
		Format     string  `json:"format"`
		Version    int     `json:"version"`
		Operations []entry `json:"operations"`
	}{Format: "apollo-persisted-query-manifest", Version: 1}
	for _, op := range ops {
		out.Operations = append(out.Operations, entry{ID: op.Hash, Name: op.Name, Type: string(op.Type), Body: op.Document})
	}
	return marshalJSON(out)
}

// relayManifest maps each operation's hash to its document (keys sorted,
// as encoding/json writes maps).
func relayManifest(ops []*schema.Operation) ([]byte, error) {
	out := map[string]string{}
	for _, op := range ops {
		out[op.Hash] = op.Document
	}
	return marshalJSON(out)
}

// operationSuffix is the suffix of an operation's TypeScript type names,
// by operation type, as graphql-codegen names them.
var operationSuffix = map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation", ast.Subscription: "Subscription"}

// tsTypeName is the name of an operation's result type: ShopQuery,
// AddReviewMutation; a name that already ends with the suffix keeps it
// once (ShopQuery -> ShopQuery).
func tsTypeName(op *schema.Operation) string {
	suffix := operationSuffix[op.Type]
	if strings.HasSuffix(op.Name, suffix) {
		return op.Name
	}
	return op.Name + suffix
}

// tsOutputScalars maps the GraphQL scalars to the TypeScript type of the
// JSON the BFF answers (docs/spec.md, Type mapping); a scalar of the schema
// that is not here is unknown.
var tsOutputScalars = map[string]string{
	"ID": "string", "String": "string", "Boolean": "boolean", "Int": "number", "Float": "number",
	"Int64": "string", "UInt64": "string", "DateTime": "string", "Duration": "string", "Bytes": "string",
	"JSON": "JSONValue",
}

// tsInputScalars maps the GraphQL scalars to the TypeScript type variables
// accept: Int64 and UInt64 take a string of digits or a whole number
// within ±2^53 (runtime/scalar).
var tsInputScalars = map[string]string{
	"ID": "string", "String": "string", "Boolean": "boolean", "Int": "number", "Float": "number",
	"Int64": "string | number", "UInt64": "string | number", "DateTime": "string", "Duration": "string", "Bytes": "string",
	"JSON": "JSONValue",
}

// tsGen writes the TypeScript module.
type tsGen struct {
	schema *ast.Schema
	// named are the enums and input objects the operations use, and
	// whether JSONValue is used.
	enums, inputs map[string]bool
	json          bool
	frags         map[string]*ast.FragmentDefinition
}

func typescript(m *schema.Model) ([]byte, error) {
	g := &tsGen{schema: m.Schema, enums: map[string]bool{}, inputs: map[string]bool{}}
	var body strings.Builder
	type declared struct {
		what string
		at   diag.Span
	}
	names := map[string]declared{} // TypeScript name -> what declares it
	// declare records a name of the module; a name declared twice is a
	// diagnostic at the second declaration, with a note at the first.
	declare := func(name, what string, at diag.Span) error {
		if prev, dup := names[name]; dup {
			d := diag.Diagnostic{Severity: diag.Error, Code: "typescript-name", Span: at,
				Message: fmt.Sprintf("the TypeScript name %q of %s is also the name of %s", name, what, prev.what),
				Hint:    "rename the operation or fragment: the TypeScript module names its types after them (docs/frontend.md)"}
			if prev.at.File != "" {
				d.Notes = []diag.Related{{Span: prev.at, Message: prev.what + " is declared here"}}
			}
			return d
		}
		names[name] = declared{what, at}
		return nil
	}
	for _, n := range []string{"PersistedOperation", "ResultOf", "VariablesOf", "JSONValue"} {
		names[n] = declared{what: "a type the module declares"}
	}
	fragments := map[string]*ast.FragmentDefinition{}
	for _, op := range m.Operations {
		name := tsTypeName(op)
		if err := declare(name, fmt.Sprintf("operation %q", op.Name), op.Span); err != nil {
			return nil, err
		}
		if err := declare(name+"Variables", fmt.Sprintf("the variables of operation %q", op.Name), op.Span); err != nil {
			return nil, err
		}
		if err := declare(op.Name+"Document", fmt.Sprintf("the document of operation %q", op.Name), op.Span); err != nil {
			return nil, err
		}
		g.frags = map[string]*ast.FragmentDefinition{}
		for _, f := range op.Doc.Fragments {
			g.frags[f.Name] = f
			fragments[f.Name] = f
		}
		def := op.Op()
		root := g.rootType(op.Type)
		if root == nil {
			return nil, fmt.Errorf("internal error, please report: operation %q has no root type %s", op.Name, op.Type)
		}
		fmt.Fprintf(&body, "/** The variables of the %s %s. */\n", op.Type, op.Name)
		fmt.Fprintf(&body, "export type %sVariables = %s;\n\n", name, g.variables(def.VariableDefinitions))
		fmt.Fprintf(&body, "/** The data of the %s %s (%s). */\n", op.Type, op.Name, op.Span.File)
		fmt.Fprintf(&body, "export type %s = %s;\n\n", name, g.selection(root, []ast.SelectionSet{def.SelectionSet}, 0))
		fmt.Fprintf(&body, "/** The %s %s: send its hash as extensions.persistedQuery.sha256Hash. */\n", op.Type, op.Name)
		fmt.Fprintf(&body, "export const %sDocument: PersistedOperation<%s, %sVariables> = {\n", op.Name, name, name)
		fmt.Fprintf(&body, "  name: %s,\n  type: %s,\n  hash: %s,\n  document: %s,\n};\n\n", tsString(op.Name), tsString(string(op.Type)), tsString(op.Hash), tsString(op.Document))
	}
	for _, fname := range sortedKeys(fragments) {
		f := fragments[fname]
		if err := declare(fname+"Fragment", fmt.Sprintf("fragment %q", fname), defSpan(f.Position)); err != nil {
			return nil, err
		}
		g.frags = fragments
		def := g.schema.Types[f.TypeCondition]
		fmt.Fprintf(&body, "/** The fields of fragment %s on %s. */\n", fname, f.TypeCondition)
		fmt.Fprintf(&body, "export type %sFragment = %s;\n\n", fname, g.selection(def, []ast.SelectionSet{f.SelectionSet}, 0))
	}

	// Input objects reach others: declare until no new one is found.
	inputTexts := map[string]string{}
	for {
		var next []string
		for _, n := range sortedKeys(g.inputs) {
			if _, ok := inputTexts[n]; !ok {
				next = append(next, n)
			}
		}
		if len(next) == 0 {
			break
		}
		for _, n := range next {
			inputTexts[n] = g.inputObject(g.schema.Types[n])
		}
	}
	var inputs strings.Builder
	for _, n := range sortedKeys(inputTexts) {
		if err := declare(n, fmt.Sprintf("input object %q of the schema", n), nameAt(g.schema.Types[n])); err != nil {
			return nil, err
		}
		inputs.WriteString(inputTexts[n])
	}
	var enums strings.Builder
	for _, n := range sortedKeys(g.enums) {
		if err := declare(n, fmt.Sprintf("enum %q of the schema", n), nameAt(g.schema.Types[n])); err != nil {
			return nil, err
		}
		def := g.schema.Types[n]
		if def.Description != "" {
			enums.WriteString(tsDoc(def.Description, ""))
		}
		var vals []string
		for _, v := range def.EnumValues {
			vals = append(vals, tsString(v.Name))
		}
		fmt.Fprintf(&enums, "export type %s = %s;\n\n", n, strings.Join(vals, " | "))
	}

	var b strings.Builder
	b.WriteString("// Code generated by bffgen. DO NOT EDIT.\n")
	b.WriteString("// Source: the operations of bffgen.yaml operations.documents, checked against the schema.\n")
	b.WriteString("/* eslint-disable */\n\n")
	b.WriteString(tsPrelude)
	if g.json {
		b.WriteString("/** Any JSON value: the GraphQL scalar JSON. */\nexport type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };\n\n")
	}
	b.WriteString(enums.String())
	b.WriteString(inputs.String())
	b.WriteString(strings.TrimRight(body.String(), "\n") + "\n")
	return []byte(b.String()), nil
}

// defSpan is the place of a definition of the schema or of the operations.
func defSpan(pos *ast.Position) diag.Span {
	if pos == nil || pos.Src == nil {
		return diag.Span{}
	}
	return diag.Span{File: pos.Src.Name, Line: pos.Line, Col: pos.Column}
}

// nameAt is the place of a type's name in the schema.
func nameAt(def *ast.Definition) diag.Span {
	at := defSpan(def.Position)
	if at.File != "" {
		at.Len = len(def.Name)
	}
	return at
}

// tsPrelude declares the types every module has.
const tsPrelude = `/**
 * A persisted operation of the BFF. Send its hash, and no document:
 *   {"variables": ..., "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}
 * or the document itself in "query" (exactly this text). TResult is the
 * type of "data" in the answer, TVariables the type of "variables".
 */
export interface PersistedOperation<TResult, TVariables> {
  readonly name: string;
  readonly type: "query" | "mutation" | "subscription";
  /** The SHA-256 of document, 64 lowercase hex digits. */
  readonly hash: string;
  readonly document: string;
  /** Never set: it carries TResult and TVariables (as TypedDocumentNode does). */
  readonly __apiType?: (variables: TVariables) => TResult;
}

/** The data type of a PersistedOperation. */
export type ResultOf<T> = T extends PersistedOperation<infer R, any> ? R : never;

/** The variables type of a PersistedOperation. */
export type VariablesOf<T> = T extends PersistedOperation<any, infer V> ? V : never;

`

func (g *tsGen) rootType(op ast.Operation) *ast.Definition {
	switch op {
	case ast.Mutation:
		return g.schema.Mutation
	case ast.Subscription:
		return g.schema.Subscription
	default:
		return g.schema.Query
	}
}

// variables is the object type of an operation's variables: a variable
// that is nullable or has a default value may be left out, and a
// nullable one may be null.
func (g *tsGen) variables(vars ast.VariableDefinitionList) string {
	if len(vars) == 0 {
		return "Record<string, never>"
	}
	var b strings.Builder
	b.WriteString("{\n")
	for _, v := range vars {
		opt := ""
		if !v.Type.NonNull || v.DefaultValue != nil {
			opt = "?"
		}
		fmt.Fprintf(&b, "  %s%s: %s;\n", v.Variable, opt, g.inputType(v.Type))
	}
	b.WriteString("}")
	return b.String()
}

// inputType is the TypeScript type of a value of GraphQL input type t. A
// list also takes a single item, as GraphQL's input coercion does.
func (g *tsGen) inputType(t *ast.Type) string {
	var s string
	if t.Elem != nil {
		item := g.inputType(t.Elem)
		s = "Array<" + item + "> | " + parenUnion(item)
	} else {
		def := g.schema.Types[t.NamedType]
		switch {
		case def != nil && def.Kind == ast.Enum:
			g.enums[def.Name] = true
			s = def.Name
		case def != nil && def.Kind == ast.InputObject:
			g.inputs[def.Name] = true
			s = def.Name
		default:
			s = g.scalar(t.NamedType, tsInputScalars)
		}
	}
	if !t.NonNull {
		s += " | null"
	}
	return s
}

// parenUnion wraps a union type in parentheses.
func parenUnion(s string) string {
	if strings.Contains(s, " | ") {
		return "(" + s + ")"
	}
	return s
}

func (g *tsGen) scalar(name string, table map[string]string) string {
	s, ok := table[name]
	if !ok {
		return "unknown"
	}
	if s == "JSONValue" {
		g.json = true
	}
	return s
}

// inputObject declares an input object type: a field that is nullable or
// has a default value may be left out. The fields of a @oneOf input are
// all optional, and exactly one must be set.
func (g *tsGen) inputObject(def *ast.Definition) string {
	var b strings.Builder
	doc := def.Description
	if def.Directives.ForName("oneOf") != nil {
		doc = strings.TrimSpace(doc + "\n\nSet exactly one field (@oneOf).")
	}
	if doc != "" {
		b.WriteString(tsDoc(doc, ""))
	}
	fmt.Fprintf(&b, "export type %s = {\n", def.Name)
	for _, f := range def.Fields {
		opt := ""
		if !f.Type.NonNull || f.DefaultValue != nil {
			opt = "?"
		}
		if f.Description != "" {
			b.WriteString(tsDoc(f.Description, "  "))
		}
		fmt.Fprintf(&b, "  %s%s: %s;\n", f.Name, opt, g.inputType(f.Type))
	}
	b.WriteString("};\n\n")
	return b.String()
}

// collected is one response key of a selection on a concrete type, with
// the sub-selections of every field merged under it.
type collected struct {
	key   string
	field *ast.Field
	sets  []ast.SelectionSet
	// optional: every occurrence is under @include or @skip, so the key
	// may be absent from the answer.
	optional bool
}

// conditional reports whether directives include or skip at run time.
func conditional(dirs ast.DirectiveList) bool {
	return dirs.ForName("include") != nil || dirs.ForName("skip") != nil
}

// applies reports whether a type condition matches the object type obj.
func (g *tsGen) applies(cond string, obj *ast.Definition) bool {
	if cond == "" || cond == obj.Name {
		return true
	}
	def := g.schema.Types[cond]
	if def == nil || !def.IsAbstractType() {
		return false
	}
	return slices.ContainsFunc(g.schema.GetPossibleTypes(def), func(d *ast.Definition) bool { return d.Name == obj.Name })
}

// collect gathers the fields that sets select on the object type obj, in
// order of first appearance, merging fields with the same response key and
// going through the fragments that apply to obj.
func (g *tsGen) collect(obj *ast.Definition, sets []ast.SelectionSet) []*collected {
	var out []*collected
	byKey := map[string]*collected{}
	var walk func(set ast.SelectionSet, cond bool)
	walk = func(set ast.SelectionSet, cond bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				opt := cond || conditional(s.Directives)
				c, ok := byKey[key]
				if !ok {
					c = &collected{key: key, field: s, optional: opt}
					byKey[key] = c
					out = append(out, c)
				}
				c.optional = c.optional && opt
				if len(s.SelectionSet) > 0 {
					c.sets = append(c.sets, s.SelectionSet)
				}
			case *ast.InlineFragment:
				if g.applies(s.TypeCondition, obj) {
					walk(s.SelectionSet, cond || conditional(s.Directives))
				}
			case *ast.FragmentSpread:
				f := g.frags[s.Name]
				if f != nil && g.applies(f.TypeCondition, obj) {
					walk(f.SelectionSet, cond || conditional(s.Directives))
				}
			}
		}
	}
	for _, set := range sets {
		walk(set, false)
	}
	return out
}

// selection is the TypeScript type of sets selected on def: an object
// type, or for an interface or union a union of one object type per
// possible type (identical members written once).
func (g *tsGen) selection(def *ast.Definition, sets []ast.SelectionSet, depth int) string {
	if !def.IsAbstractType() {
		return g.object(def, sets, depth)
	}
	var members []string
	possible := slices.Clone(g.schema.GetPossibleTypes(def))
	slices.SortFunc(possible, func(a, b *ast.Definition) int { return strings.Compare(a.Name, b.Name) })
	for _, obj := range possible {
		if s := g.object(obj, sets, depth); !slices.Contains(members, s) {
			members = append(members, s)
		}
	}
	if len(members) == 0 {
		return "never"
	}
	return strings.Join(members, " | ")
}

// object is the TypeScript object type of sets selected on the object
// type obj.
func (g *tsGen) object(obj *ast.Definition, sets []ast.SelectionSet, depth int) string {
	fields := g.collect(obj, sets)
	if len(fields) == 0 {
		return "Record<string, never>"
	}
	in := strings.Repeat("  ", depth+1)
	var b strings.Builder
	b.WriteString("{\n")
	for _, c := range fields {
		opt := ""
		if c.optional {
			opt = "?"
		}
		var typ string
		if c.field.Name == "__typename" {
			typ = tsString(obj.Name)
		} else {
			fd := obj.Fields.ForName(c.field.Name)
			if fd == nil {
				typ = "unknown" // the validator accepted it: an introspection field
				if c.field.Definition != nil {
					typ = g.outputType(c.field.Definition.Type, c.sets, depth+1)
				}
			} else {
				typ = g.outputType(fd.Type, c.sets, depth+1)
			}
		}
		fmt.Fprintf(&b, "%s%s%s: %s;\n", in, c.key, opt, typ)
	}
	b.WriteString(strings.Repeat("  ", depth) + "}")
	return b.String()
}

// outputType is the TypeScript type of a field of type t with the
// sub-selections sets.
func (g *tsGen) outputType(t *ast.Type, sets []ast.SelectionSet, depth int) string {
	var s string
	if t.Elem != nil {
		s = "Array<" + g.outputType(t.Elem, sets, depth) + ">"
	} else {
		def := g.schema.Types[t.NamedType]
		switch {
		case def == nil:
			s = "unknown"
		case def.Kind == ast.Enum:
			g.enums[def.Name] = true
			s = def.Name
		case def.Kind == ast.Scalar:
			s = g.scalar(def.Name, tsOutputScalars)
		default:
			s = g.selection(def, sets, depth)
		}
	}
	if !t.NonNull {
		s += " | null"
	}
	return s
}

// tsString quotes s as a TypeScript string literal (JSON's syntax, which
// TypeScript accepts, with U+2028 and U+2029 escaped).
func tsString(s string) string {
	b, _ := json.Marshal(s)
	return strings.NewReplacer("\\u003c", "<", "\\u003e", ">", "\\u0026", "&").Replace(string(b))
}

// tsDoc writes a JSDoc comment at indent.
func tsDoc(text, indent string) string {
	text = strings.ReplaceAll(strings.TrimSpace(text), "*/", "*\\/")
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		return indent + "/** " + lines[0] + " */\n"
	}
	var b strings.Builder
	b.WriteString(indent + "/**\n")
	for _, l := range lines {
		b.WriteString(strings.TrimRight(indent+" * "+l, " ") + "\n")
	}
	b.WriteString(indent + " */\n")
	return b.String()
}
