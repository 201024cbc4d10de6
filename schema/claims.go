package schema

import (
	"fmt"
	"strings"

	"github.com/bffgen/bffgen/schema/diag"
	"github.com/bffgen/bffgen/schema/mapping"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// claimSource reads "$claims.<name>": the name is all of the text after
// "$claims.", dots included (a namespaced claim such as
// "https://example.com/tenant"); its type must be declared in bffgen.yaml.
func (b *binder) claimSource(text, name string, at diag.Span) *Source {
	if name == "" {
		b.errorf(at, "bad-source", "write $claims.<name>, e.g. $claims.sub", nil, "source %q names no claim", text)
		return nil
	}
	t, ok := b.m.Config.ClaimType(name)
	if !ok {
		hint := fmt.Sprintf("declare its type in bffgen.yaml, e.g. `claims: {%s: string}`", yamlKey(name))
		declared := b.m.Config.DeclaredClaims()
		if s := suggest(name, declared); s != "" {
			hint = fmt.Sprintf("did you mean $claims.%s? Otherwise %s", s, hint)
		}
		b.errorf(at, "undeclared-claim", hint, nil, "claim %q has no declared type (declared: %s)", name, strings.Join(declared, ", "))
		return nil
	}
	return &Source{Kind: SourceClaims, Text: text, Name: name, Claim: t}
}

// claimFits lists, for each scalar claim type, the proto kinds it fills
// without loss: a claim fills a field whose every value range holds the
// claim's.
var claimFits = map[string][]protoreflect.Kind{
	"string": {protoreflect.StringKind},
	"bool":   {protoreflect.BoolKind},
	"int32": {protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind},
	"int64":  {protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind},
	"uint32": {protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind},
	"uint64": {protoreflect.Uint64Kind, protoreflect.Fixed64Kind},
	"float":  {protoreflect.FloatKind, protoreflect.DoubleKind},
	"double": {protoreflect.DoubleKind},
}

// claimTypeFor is the claim type that fills a proto kind exactly, for hints.
func claimTypeFor(k protoreflect.Kind) string {
	for _, t := range claimScalars {
		if fits := claimFits[t]; len(fits) > 0 && fits[0] == k {
			return t
		}
	}
	switch k {
	case protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "int32"
	case protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "int64"
	case protoreflect.Fixed32Kind:
		return "uint32"
	case protoreflect.Fixed64Kind:
		return "uint64"
	}
	return ""
}

// checkClaim checks that a claim of its declared type can fill fd: a
// scalar claim a singular scalar field (or its google.protobuf wrapper), a
// list claim a repeated one, of a kind that holds every value of the claim.
func (b *binder) checkClaim(src *Source, fd protoreflect.FieldDescriptor, at diag.Span) bool {
	kind, wrapper := fd.Kind(), false
	if md := fd.Message(); md != nil && !fd.IsMap() && strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.Name()), "Value") && md.Fields().Len() == 1 && md.Fields().Get(0).Name() == "value" {
		kind, wrapper = md.Fields().Get(0).Kind(), true // a wrapper: its value, of the exact type
	} else if fd.Message() != nil || fd.IsMap() || kind == protoreflect.EnumKind || kind == protoreflect.BytesKind {
		kind = 0
	}
	ok := kind != 0 && fd.IsList() == src.Claim.List
	if ok {
		ok = false
		for i, k := range claimFits[src.Claim.Scalar] {
			ok = ok || k == kind && (i == 0 || !wrapper)
		}
	}
	if ok {
		return true
	}
	hint := "claims fill scalar fields (and lists of them); map another source to this field"
	if want := claimTypeFor(kind); kind != 0 {
		if fd.IsList() {
			want = "[" + want + "]"
		}
		if want != "" && want != "[]" {
			hint = fmt.Sprintf("declare the claim as %s in bffgen.yaml (claims: {%s: %q}) if its values are such, or map another source", want, yamlKey(src.Name), want)
		}
	}
	b.errorf(at, "incompatible-type", hint, b.declaredAt(fd), "source %s (a claim declared %s) cannot fill request field %q (%s)", src.Text, src.Claim, fd.Name(), mapping.KindName(fd))
	return false
}
