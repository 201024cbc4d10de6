package schema

import (
	"github.com/bffgen/bffgen/schema/mapping"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// PreludeName is the source name of the bffgen prelude in diagnostics.
const PreludeName = "bffgen/prelude.graphql"

// preludeDirectives declares the binding directives; users' SDL needs no
// `directive` lines for them. They are stripped from the schema served to
// clients.
const preludeDirectives = `
"Mapping is the value of @rpc(request:): an object from request field names to sources, or one source string such as \"$args.input\"."
scalar _Mapping

"Calls a unary RPC to resolve the field. method is \"pkg.Service.Method\"; request maps request fields to sources ($args.x, $parent.x, literals); result is a dotted path into the response."
directive @rpc(method: String!, request: _Mapping, result: String) on FIELD_DEFINITION

"Resolves the field for all sibling parents of a level with one call (per chunk of maxBatchSize keys, default 100): the keys come from each parent's from field, fill the repeated request field key, and each result of the repeated response field results is matched to its key by its field by (or by position), then pick takes a sub-field of it."
directive @batch(method: String!, key: String!, from: String!, results: String!, by: String, pick: String, request: _Mapping, maxBatchSize: Int) on FIELD_DEFINITION

"Marks a field that user code resolves: a method scaffolded once in the resolvers directory and never overwritten. A field of a type bound to a proto message needs it when the message has no field of that name; otherwise the mismatch is an error, so a renamed proto field never turns silently into a resolver."
directive @resolver on FIELD_DEFINITION

"Authorizes a field, or every field returning an object type (on a root operation type: every root field). Without an authenticated caller the field is null with an error UNAUTHENTICATED; without every one of scopes, null with FORBIDDEN; its siblings are served, and its resolver, backend call and batched prefetch are skipped. Make such fields nullable: a denied non-null field nulls its parent."
directive @auth(scopes: [String!]) on FIELD_DEFINITION | OBJECT

"Masks a String or ID field for callers without the scope unless: the field is null (no error) and its resolver does not run. The values of such fields read from the parent message are also kept out of the error messages of the parent's other fields."
directive @redact(unless: String!) on FIELD_DEFINITION

"Binds a type to a proto message or enum (type:), renames a field (field:) or an enum value (value:); required: true asserts that a field with presence is always set."
directive @proto(type: String, field: String, value: String, required: Boolean) on OBJECT | INPUT_OBJECT | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
`

// BindingDirectives are the directives of the prelude that exist only for
// the generator.
var BindingDirectives = []string{"rpc", "batch", "proto", "resolver"}

// AuthDirectives are the authorization directives of the prelude. The
// generator moves an @auth on a type onto the fields it applies to, and
// serves both directives with runtime handlers (runtime/authz).
var AuthDirectives = []string{"auth", "redact"}

// CostDirectives are the directives of the prelude that the runtime reads:
// the IBM GraphQL cost specification's @cost and @listSize, declared as
// Apollo Router and WunderGraph Cosmo declare them. Unlike the binding
// directives they stay in the schema served at run time (without runtime
// handlers), where the limit checker reads them for the cost estimate.
// A schema may declare them itself; the prelude then leaves them out.
var CostDirectives = []string{"cost", "listSize"}

// costDirectiveDecls are the declarations of CostDirectives, by name.
var costDirectiveDecls = map[string]string{
	"cost": `"The weight of a field, of every field returning a type, or of giving an argument, in the estimated cost of an operation (default: 1 for an object, 0 for a scalar or enum)."
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR`,
	"listSize": `"The size of a list field, for the estimated cost: the value of one of slicingArguments, else assumedSize; sizedFields names the lists of the returned type that the size applies to."
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION`,
}

// CostDirectiveSDL returns the declaration of the cost directive name, one
// of CostDirectives, with its description.
func CostDirectiveSDL(name string) string { return costDirectiveDecls[name] }

// Prelude returns the prelude source for a schema whose own files declare the
// type names in declared, and the directives in declared as "@name";
// scalars and cost directives the user declares are left out.
func Prelude(declared map[string]bool) *ast.Source {
	var b strings.Builder
	b.WriteString(preludeDirectives)
	for _, name := range CostDirectives {
		if !declared["@"+name] {
			b.WriteString("\n" + costDirectiveDecls[name] + "\n")
		}
	}
	for _, s := range mapping.Scalars {
		if declared[s.Name] {
			continue
		}
		b.WriteString("\n\"" + s.Doc + "\"\nscalar " + s.Name + "\n")
	}
	return &ast.Source{Name: PreludeName, Input: b.String(), BuiltIn: true}
}

// IsPreludeScalar reports whether name is a custom scalar of the mapping.
func IsPreludeScalar(name string) bool {
	return slices.ContainsFunc(mapping.Scalars, func(s mapping.CustomScalar) bool { return s.Name == name })
}
