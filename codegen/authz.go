package codegen

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"

	gqlcodegen "github.com/99designs/gqlgen/codegen"
	"github.com/bffgen/bffgen/codegen/plan"
	"github.com/bffgen/bffgen/schema"
)

const authzPkg = "github.com/bffgen/bffgen/runtime/authz"

// claimGoTypes are the Go types of the claim types of bffgen.yaml.
var claimGoTypes = map[string]types.BasicKind{
	"string": types.String, "bool": types.Bool, "int32": types.Int32, "int64": types.Int64,
	"uint32": types.Uint32, "uint64": types.Uint64, "float": types.Float32, "double": types.Float64,
}

// claimSource is the Go expression of a $claims source: a variable that
// authz.Claim fills, before the backend call, once per claim and function;
// a failed read (anonymous caller, missing claim, a value that does not
// convert) runs onErr with the UNAUTHENTICATED error.
func (p *goFile) claimSource(s *schema.Source, onErr string) srcExpr {
	var t types.Type = types.Typ[claimGoTypes[s.Claim.Scalar]]
	if s.Claim.List {
		t = types.NewSlice(t)
	}
	if v, ok := p.claimVars[s.Name]; ok {
		return srcExpr{expr: v, typ: t}
	}
	if p.claimVars == nil {
		p.claimVars = map[string]string{}
	}
	v := "claim" + goIdent(s.Name)
	for n := 2; ; n++ {
		taken := false
		for _, other := range p.claimVars {
			taken = taken || other == v
		}
		if !taken {
			break
		}
		v = "claim" + goIdent(s.Name) + strconv.Itoa(n)
	}
	p.claimVars[s.Name] = v
	pre := fmt.Sprintf("%s, err := %s.Claim[%s](ctx, %q)\nif err != nil {\n%s\n}\n", v, p.imports.lookup(authzPkg), p.typeStr(t), s.Name, onErr)
	return srcExpr{expr: v, typ: t, pre: pre}
}

// authGuard returns the statement that skips (with skip, e.g. "continue")
// the prefetch of a field the caller may not see, or "": the batch
// lookahead must not call the RPC of a field that @auth denies or that
// @redact masks, since the field's own resolver will not run.
func (p *goFile) authGuard(f *schema.Field, skip string) string {
	var conds []string
	az := p.imports.lookup(authzPkg)
	if f.Auth != nil {
		args := []string{"ctx"}
		for _, s := range f.Auth.Scopes {
			args = append(args, strconv.Quote(s))
		}
		conds = append(conds, fmt.Sprintf("%s.Check(%s) != nil", az, strings.Join(args, ", ")))
	}
	if f.Redact != "" {
		conds = append(conds, fmt.Sprintf("!%s.Allowed(ctx, %q)", az, f.Redact))
	}
	if len(conds) == 0 {
		return ""
	}
	return fmt.Sprintf("if %s {\n%s // the field's resolver will not run (@auth, @redact)\n}\n", strings.Join(conds, " || "), skip)
}

// redactedGetters returns, for an object type bound to a message, the Go
// expressions (on the parent variable v) of the values of its @redact
// fields that read a string of the message (plain, optional, or a
// google.protobuf.StringValue): the values Scrub keeps out of the errors of
// the type's other fields.
func (p *bffPlugin) redactedGetters(o *schema.Object, v string) ([]string, error) {
	if o == nil || o.Message == nil {
		return nil, nil
	}
	var out []string
	for _, sc := range plan.ScrubbedOf(o) {
		_, _, goName, err := p.fieldTypes(sc.Field)
		if err != nil {
			return nil, err
		}
		if sc.Wrapper {
			out = append(out, v+".Get"+goName+"().GetValue()")
		} else {
			out = append(out, v+".Get"+goName+"()")
		}
	}
	return out, nil
}

// scrubBody wraps the body of a resolver of a type with @redact fields so
// that its error holds none of the parent's redacted values.
func (p *goFile) scrubBody(f *gqlcodegen.Field, body string, getters []string) string {
	return fmt.Sprintf("v, err := func() (%s, error) {\n%s\n}()\nreturn v, %s.Scrub(err, %s)", p.typeStr(f.TypeReference.GO), body, p.imports.lookup(authzPkg), strings.Join(getters, ", "))
}
