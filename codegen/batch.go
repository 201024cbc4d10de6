package codegen

import (
	"fmt"
	"go/types"
	"strings"

	gqlcodegen "github.com/99designs/gqlgen/codegen"
	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
)

const batchPkg = "github.com/bffgen/bffgen/runtime/batch"

func (p *bffPlugin) object(name string) *gqlcodegen.Object {
	for _, o := range p.data.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func gqlField(o *gqlcodegen.Object, name string) *gqlcodegen.Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// elemObject is the pointer type of the objects a Go value of type t holds:
// *T for *T and []*T.
func elemObject(t types.Type) (types.Type, bool) {
	if s, ok := t.(*types.Slice); ok {
		t = s.Elem()
	}
	_, ok := t.(*types.Pointer)
	return t, ok
}

// prefetchCall returns the statement that prefetches the selection of the
// field being resolved for the objects in expr (of type t), or "".
func (p *goFile) prefetchCall(typeName, expr string, t types.Type) string {
	const recv = "(*resolver)(r)" // the typed resolvers convert back to the root
	if !p.schema.Prefetch[typeName] {
		return ""
	}
	elem, ok := elemObject(t)
	if !ok {
		return ""
	}
	b := p.imports.lookup(batchPkg)
	if _, isSlice := t.(*types.Slice); isSlice {
		return fmt.Sprintf("%s.prefetch%s(ctx, %s.Selected(ctx, %q), %s)", recv, typeName, b, typeName, expr)
	}
	return fmt.Sprintf("if %s != nil {\n%s.prefetch%s(ctx, %s.Selected(ctx, %q), []%s{%s})\n}", expr, recv, typeName, b, typeName, p.typeStr(elem), expr)
}

// batchResolverBody is the per-parent resolver of a batched field: the
// value prefetched for its level, else (a parent that came another way) a
// call for this parent alone.
func (p *goFile) batchResolverBody(o *gqlcodegen.Object, f *gqlcodegen.Field) string {
	rt := f.TypeReference.GO
	b := p.imports.lookup(batchPkg)
	args := []string{"ctx", "[]" + p.typeStr(o.Reference()) + "{obj}"}
	for _, a := range f.Args {
		args = append(args, a.VarName)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "if v, err, ok := %s.Load[%s](ctx, obj); ok {\nreturn v, err\n}\n", b, p.typeStr(rt))
	fmt.Fprintf(&sb, "vs, errs := (*resolver)(r).batch%s%s(%s)\n", ucFirst(o.Name), f.GoFieldName, strings.Join(args, ", "))
	if call := p.prefetchCall(f.TypeReference.Definition.Name, "vs[0]", rt); call != "" {
		sb.WriteString(call + "\n")
	}
	sb.WriteString("return vs[0], errs[0]")
	return sb.String()
}

// fetchName names the function that makes the calls of a batch: shared by
// every batched field with the same call (method, key, results, by, shape)
// and no request mapping of its own, else specific to the field.
func (p *bffPlugin) fetchName(o *gqlcodegen.Object, f *gqlcodegen.Field, bc *plan.BatchCall) string {
	bt := bc.Batch
	if !bc.Shared {
		return "fetch" + ucFirst(o.Name) + f.GoFieldName
	}
	name := "fetch" + p.pg.methodGoName(bt.Method) + "By" + goIdent(string(bt.Key.Name()))
	if bt.KeyField != nil {
		name += goIdent(string(bt.KeyField.Name()))
	}
	switch bt.Shape {
	case schema.BatchInOrder:
		name += "InOrder"
	case schema.BatchGrouped:
		name += "GroupedBy" + goIdent(string(bt.By.Name()))
	case schema.BatchMap:
		name += "From" + goIdent(string(bt.Results.Name()))
	}
	return name
}

// batchKeyType is the Go type of one key of a batch: the element of a
// repeated scalar key field, or the type of the key message's key field.
func (p *bffPlugin) batchKeyType(bt *schema.Batch) (types.Type, error) {
	if bt.KeyField != nil {
		_, getter, _, err := p.fieldTypes(bt.KeyField)
		return getter, err
	}
	keyField, _, _, err := p.fieldTypes(bt.Key)
	if err != nil {
		return nil, err
	}
	return keyField.(*types.Slice).Elem(), nil
}

// fetchFunc writes the function that calls a batch method for a list of
// distinct keys: one call per chunk (in parallel), each result matched to
// its key by the shape of the batch (by field, position, grouping by field,
// map key). Results and errors are indexed like keys; a key without a result
// has nil (an empty group).
func (p *goFile) fetchFunc(o *gqlcodegen.Object, f *gqlcodegen.Field, bc *plan.BatchCall) (string, error) {
	bt := bc.Batch
	_, _, keyGo, err := p.fieldTypes(bt.Key)
	if err != nil {
		return "", err
	}
	keyType, err := p.batchKeyType(bt)
	if err != nil {
		return "", err
	}
	in := p.pg.message(bt.Method.Input())
	inType, err := p.namedType(in.GoIdent)
	if err != nil {
		return "", err
	}
	_, _, resultsGo, err := p.fieldTypes(bt.Results)
	if err != nil {
		return "", err
	}
	itemType, err := p.namedType(p.pg.message(bt.ResultMessage()).GoIdent)
	if err != nil {
		return "", err
	}
	result := "*" + p.typeStr(itemType)
	if bt.Shape == schema.BatchGrouped {
		result = "[]" + result
	}
	ctxPkg := p.imports.lookup("context")
	params := []string{"ctx " + ctxPkg + ".Context", "keys []" + p.typeStr(keyType)}
	if !bc.Shared {
		for _, a := range f.Args {
			params = append(params, a.VarName+" "+p.typeStr(a.TypeReference.GO))
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "// %s calls %s for keys:\n// one call per chunk of max_batch_size of upstream %q (else %d), in\n// parallel. Results and errors are indexed like keys; a key without a\n// result has a nil one.\n", p.fetchName(o, f, bc), bt.Method.FullName(), bt.Service.Upstream, bt.MaxBatchSize)
	fmt.Fprintf(&sb, "func (r *resolver) %s(%s) ([]%s, []error) {\n", p.fetchName(o, f, bc), strings.Join(params, ", "), result)
	fmt.Fprintf(&sb, "items := make([]%s, len(keys))\n", result)
	if bt.By != nil {
		fmt.Fprintf(&sb, "index := make(map[%s]int, len(keys))\nfor i, k := range keys {\nindex[k] = i\n}\n", p.typeStr(keyType))
	}
	fmt.Fprintf(&sb, "errs := %s.Chunks(ctx, len(keys), r.up.MaxBatchSize(%q, %d), func(ctx %s.Context, lo, hi int) error {\n", p.imports.lookup(batchPkg), bt.Service.Upstream, bt.MaxBatchSize, ctxPkg)
	fmt.Fprintf(&sb, "req := &%s{}\n", p.typeStr(inType))
	if bt.KeyField != nil {
		keyMsg, err := p.namedType(p.pg.message(bt.Key.Message()).GoIdent)
		if err != nil {
			return "", err
		}
		field, _, fieldGo, err := p.fieldTypes(bt.KeyField)
		if err != nil {
			return "", err
		}
		k := "k"
		if _, isPtr := field.(*types.Pointer); isPtr {
			k = "&k"
		}
		fmt.Fprintf(&sb, "req.%s = make([]*%s, 0, hi-lo)\nfor _, k := range keys[lo:hi] {\nreq.%s = append(req.%s, &%s{%s: %s})\n}\n", keyGo, p.typeStr(keyMsg), keyGo, keyGo, p.typeStr(keyMsg), fieldGo, k)
	} else {
		fmt.Fprintf(&sb, "req.%s = keys[lo:hi]\n", keyGo)
	}
	p.claimVars = nil
	for _, fl := range bc.Fill {
		stmt, err := p.fill("req", f, fl, "return err")
		if err != nil {
			return "", err
		}
		sb.WriteString(stmt)
	}
	fmt.Fprintf(&sb, "res, err := r.%s.%s(ctx, %s.NewRequest(req))\nif err != nil {\nreturn err\n}\n", clientField(bt.Service), p.pg.methodGoName(bt.Method), p.imports.lookup("connectrpc.com/connect"))
	switch bt.Shape {
	case schema.BatchByKey, schema.BatchGrouped:
		_, byGetter, byGo, err := p.fieldTypes(bt.By)
		if err != nil {
			return "", err
		}
		by := "item.Get" + byGo + "()"
		if !types.Identical(byGetter, keyType) {
			by = p.typeStr(keyType) + "(" + by + ")"
		}
		store := "items[i] = item"
		if bt.Shape == schema.BatchGrouped {
			store = "items[i] = append(items[i], item)"
		}
		fmt.Fprintf(&sb, "for _, item := range res.Msg.Get%s() {\nif i, ok := index[%s]; ok && i >= lo && i < hi {\n%s\n}\n}\n", resultsGo, by, store)
	case schema.BatchMap:
		fmt.Fprintf(&sb, "found := res.Msg.Get%s()\nfor i := lo; i < hi; i++ {\nitems[i] = found[keys[i]]\n}\n", resultsGo)
	default:
		fmt.Fprintf(&sb, "for j, item := range res.Msg.Get%s() {\nif lo+j < hi {\nitems[lo+j] = item\n}\n}\n", resultsGo)
	}
	sb.WriteString("return nil\n})\nreturn items, errs\n}\n")
	return sb.String(), nil
}

// batchFunc writes the function that resolves a batched field for many
// parents: their distinct keys, the fetch, and each parent's value.
func (p *goFile) batchFunc(o *gqlcodegen.Object, f *gqlcodegen.Field, bc *plan.BatchCall, nonNull bool) (string, error) {
	bt := bc.Batch
	parent := o.Reference()
	rt := f.TypeReference.GO
	keyType, err := p.batchKeyType(bt)
	if err != nil {
		return "", err
	}
	from := "p"
	var fromType types.Type
	for _, fd := range bt.From {
		_, getter, goName, err := p.fieldTypes(fd)
		if err != nil {
			return "", err
		}
		from, fromType = from+".Get"+goName+"()", getter
	}
	if !types.Identical(fromType, keyType) {
		from = p.typeStr(keyType) + "(" + from + ")"
	}
	itemType, err := p.namedType(p.pg.message(bt.ResultMessage()).GoIdent)
	if err != nil {
		return "", err
	}
	value, vt := "item", types.Type(types.NewPointer(itemType))
	if bt.Shape == schema.BatchGrouped {
		vt = types.NewSlice(vt)
	}
	for _, fd := range bt.Pick {
		_, getter, goName, err := p.fieldTypes(fd)
		if err != nil {
			return "", err
		}
		value, vt = value+".Get"+goName+"()", getter
	}
	switch {
	case types.Identical(vt, rt):
	case isNumeric(vt) && isNumeric(rt):
		value = p.typeStr(rt) + "(" + value + ")"
	default:
		return "", fmt.Errorf("internal error, please report: %s.%s: batch value %s does not convert to %s", o.Name, f.Name, vt, rt)
	}
	connectPkg := p.imports.lookup("connectrpc.com/connect")
	params := []string{"ctx " + p.imports.lookup("context") + ".Context", "parents []" + p.typeStr(parent)}
	fetchArgs := []string{"ctx", "keys"}
	for _, a := range f.Args {
		params = append(params, a.VarName+" "+p.typeStr(a.TypeReference.GO))
		if !bc.Shared {
			fetchArgs = append(fetchArgs, a.VarName)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "// batch%s%s resolves %s.%s for many parents with\n// %s; results and errors are indexed like parents.\n", ucFirst(o.Name), f.GoFieldName, o.Name, f.Name, p.fetchName(o, f, bc))
	fmt.Fprintf(&sb, "func (r *resolver) batch%s%s(%s) ([]%s, []error) {\n", ucFirst(o.Name), f.GoFieldName, strings.Join(params, ", "), p.typeStr(rt))
	fmt.Fprintf(&sb, "keys := make([]%s, 0, len(parents))\nindex := make(map[%s]int, len(parents))\n", p.typeStr(keyType), p.typeStr(keyType))
	fmt.Fprintf(&sb, "for _, p := range parents {\nk := %s\nif _, ok := index[k]; !ok {\nindex[k] = len(keys)\nkeys = append(keys, k)\n}\n}\n", from)
	fmt.Fprintf(&sb, "items, errs := r.%s(%s)\n", p.fetchName(o, f, bc), strings.Join(fetchArgs, ", "))
	fmt.Fprintf(&sb, "out := make([]%s, len(parents))\noutErrs := make([]error, len(parents))\n", p.typeStr(rt))
	getters, err := p.redactedGetters(p.m.Objects[o.Name], "q")
	if err != nil {
		return "", err
	}
	keyErr := "outErrs[i] = errs[k]"
	if len(getters) > 0 {
		// One call serves many parents: its error may echo the redacted
		// values of any of them.
		sb.WriteString("var redacted []string // the parents' @redact values, for errors\n")
		keyErr = fmt.Sprintf("if redacted == nil {\nredacted = make([]string, 0, %d*len(parents))\nfor _, q := range parents {\nredacted = append(redacted, %s)\n}\n}\noutErrs[i] = %s.Scrub(errs[k], redacted...)", len(getters), strings.Join(getters, ", "), p.imports.lookup(authzPkg))
	}
	fmt.Fprintf(&sb, "for i, p := range parents {\nk := index[%s]\nitem := items[k]\nswitch {\ncase errs[k] != nil:\n%s\n", from, keyErr)
	if nonNull && len(bt.Pick) == 0 && bt.Shape != schema.BatchGrouped {
		fmt.Fprintf(&sb, "case item == nil:\noutErrs[i] = %s.NewError(%s.CodeNotFound, %s.Errorf(\"%s has no result for key %%v\", keys[k]))\n", connectPkg, connectPkg, p.imports.lookup("fmt"), bt.Method.FullName())
	}
	if bt.Shape == schema.BatchGrouped {
		// A key with no items has an empty list, not null.
		fmt.Fprintf(&sb, "case item == nil:\nout[i] = %s{}\n", p.typeStr(rt))
	}
	fmt.Fprintf(&sb, "default:\nout[i] = %s\n}\n}\nreturn out, outErrs\n}\n", value)
	return sb.String(), nil
}

// prefetchFunc writes the lookahead of one type: for all parents of a
// level at once, the batched fields the selection asks for, then the next
// level with all their children. The loads of a level run side by side
// with batch.Run, the last in the calling goroutine, so a level that
// selects one batched field starts no goroutine.
func (p *goFile) prefetchFunc(name string) (string, error) {
	o := p.object(name)
	bound := p.m.Objects[name]
	if o == nil || bound == nil {
		return "", fmt.Errorf("internal error, please report: no object %q", name)
	}
	b := p.imports.lookup(batchPkg)
	gql := p.imports.lookup("github.com/99designs/gqlgen/graphql")
	var sb strings.Builder
	fmt.Fprintf(&sb, "// prefetch%s resolves, for all parents of a level at once, the batched\n// fields of %s that fields select, and then the next level.\n", name, name)
	fmt.Fprintf(&sb, "func (r *resolver) prefetch%s(ctx %s.Context, fields []%s.CollectedField, parents []%s) {\n", name, p.imports.lookup("context"), gql, p.typeStr(o.Reference()))
	fmt.Fprintf(&sb, "if len(parents) == 0 {\nreturn\n}\nloads := make([]func(), 0, len(fields))\nfor _, f := range fields {\nswitch f.Name {\n")
	for _, bf := range bound.Fields {
		gf := gqlField(o, bf.Def.Name)
		if gf == nil {
			continue
		}
		child := bf.Def.Type.Name()
		switch {
		case bf.Kind == schema.FieldBatch:
			fmt.Fprintf(&sb, "case %q:\n%sloads = append(loads, func() {\n", bf.Def.Name, p.authGuard(bf, "continue"))
			args := []string{"ctx", "parents"}
			if len(gf.Args) > 0 {
				fmt.Fprintf(&sb, "raw, ok := %s.Args(ctx, f)\nif !ok {\nreturn\n}\n", b)
				for _, a := range gf.Args {
					stmt, err := p.unmarshalArg(a)
					if err != nil {
						return "", err
					}
					sb.WriteString(stmt)
					args = append(args, a.VarName)
				}
			}
			fmt.Fprintf(&sb, "vs, errs := r.batch%s%s(%s)\n%s.Store(ctx, f.Alias, parents, vs, errs)\n", ucFirst(name), gf.GoFieldName, strings.Join(args, ", "), b)
			if p.schema.Prefetch[child] {
				rt := gf.TypeReference.GO
				elem, _ := elemObject(rt)
				fmt.Fprintf(&sb, "var children []%s\nfor _, v := range vs {\n", p.typeStr(elem))
				if _, isSlice := rt.(*types.Slice); isSlice {
					sb.WriteString("children = append(children, v...)\n}\n")
				} else {
					sb.WriteString("if v != nil {\nchildren = append(children, v)\n}\n}\n")
				}
				fmt.Fprintf(&sb, "r.prefetch%s(ctx, %s.Fields(ctx, f, %q), children)\n", child, b, child)
			}
			sb.WriteString("})\n")
		case bf.Kind == schema.FieldProto && p.schema.Prefetch[child] && bf.Proto.Message() != nil:
			co := p.object(child)
			_, _, goName, err := p.fieldTypes(bf.Proto)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&sb, "case %q:\n%svar children []%s\nfor _, p := range parents {\n", bf.Def.Name, p.authGuard(bf, "continue"), p.typeStr(co.Reference()))
			if bf.Proto.IsList() {
				fmt.Fprintf(&sb, "children = append(children, p.Get%s()...)\n}\n", goName)
			} else {
				fmt.Fprintf(&sb, "if c := p.Get%s(); c != nil {\nchildren = append(children, c)\n}\n}\n", goName)
			}
			fmt.Fprintf(&sb, "loads = append(loads, func() {\nr.prefetch%s(ctx, %s.Fields(ctx, f, %q), children)\n})\n", child, b, child)
		}
	}
	fmt.Fprintf(&sb, "}\n}\n%s.Run(loads)\n}\n", b)
	return sb.String(), nil
}

// unmarshalArg reads one argument of a batched field from its raw value,
// with the unmarshaler gqlgen binds for its type; on error the goroutine
// returns without prefetching (the per-parent resolver reports it).
func (p *goFile) unmarshalArg(a *gqlcodegen.FieldArgument) (string, error) {
	ref := a.TypeReference
	if ref.Unmarshaler == nil {
		return "", fmt.Errorf("internal error, please report: argument %q has no function unmarshaler", a.Name)
	}
	fn := p.imports.lookup(ref.Unmarshaler.Pkg().Path()) + "." + ref.Unmarshaler.Name()
	call := fn + "(v)"
	if ref.IsContext {
		call = fn + "(ctx, v)"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "var %s %s\n", a.VarName, p.typeStr(ref.GO))
	if _, isPtr := ref.GO.(*types.Pointer); isPtr {
		fmt.Fprintf(&sb, "if v := raw[%q]; v != nil {\nx, err := %s\nif err != nil {\nreturn\n}\n%s = &x\n}\n", a.Name, call, a.VarName)
	} else {
		fmt.Fprintf(&sb, "if v := raw[%q]; v != nil {\nx, err := %s\nif err != nil {\nreturn\n}\n%s = x\n}\n", a.Name, call, a.VarName)
	}
	return sb.String(), nil
}
