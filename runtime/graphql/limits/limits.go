package limits

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// The codes of [Error], in the style of Apollo Router's limits (the same
// strings where Apollo has the limit). Each is the extensions.code of the
// GraphQL error that rejects the document; runtime/errcode lists them too.
const (
	// CodeMaxTokens: the document has more than MaxTokens lexical tokens
	// (names, punctuators, values, comments); see [Parse].
	CodeMaxTokens = "MAX_TOKENS_LIMIT"
	// CodeMaxDepth: a field of the operation is nested deeper than MaxDepth
	// fields, or selections and fragment spreads nest deeper than
	// [MaxNesting] whatever MaxDepth is.
	CodeMaxDepth = "MAX_DEPTH_LIMIT"
	// CodeMaxIntrospectionDepth: an introspection field (__schema, __type)
	// nests the list fields fields, inputFields, interfaces and
	// possibleTypes deeper than [MaxIntrospectionListDepth], the shape of
	// the circular introspection attack. It applies whatever the Config.
	CodeMaxIntrospectionDepth = "MAX_INTROSPECTION_DEPTH_LIMIT"
	// CodeMaxAliases: the operation, fragments expanded, has more than
	// MaxAliases aliased fields.
	CodeMaxAliases = "MAX_ALIASES_LIMIT"
	// CodeMaxRootFields: the operation, fragments on the root expanded,
	// selects more than MaxRootFields root fields.
	CodeMaxRootFields = "MAX_ROOT_FIELDS_LIMIT"
	// CodeMaxDirectives: the document uses more than MaxDirectives
	// directives.
	CodeMaxDirectives = "MAX_DIRECTIVES_LIMIT"
	// CodeMaxFields: the operation, fragments expanded, selects more than
	// MaxFields fields, or the document as written holds more than
	// MaxFields field selections.
	CodeMaxFields = "MAX_FIELDS_LIMIT"
	// CodeMaxValidationWork: the estimated work of validating the
	// document is more than MaxValidationWork (see [Measure]).
	CodeMaxValidationWork = "MAX_VALIDATION_WORK_LIMIT"
	// CodeMaxCost: the estimated cost of the operation is more than
	// MaxCost.
	CodeMaxCost = "COST_ESTIMATED_TOO_EXPENSIVE"
)

// MaxNesting bounds how deep fields with selections, inline fragments and
// fragment spreads may nest, all counted together, whatever MaxDepth is: a
// deeper document is rejected with [CodeMaxDepth] and a Limit of
// MaxNesting. It keeps the recursion of [Config.Check] (and of the
// validator after it) bounded for a chain of thousands of fragments; the
// parser already rejects more than 1000 nested selection sets.
const MaxNesting = 1000

// MaxIntrospectionListDepth is how deep the list fields fields,
// inputFields, interfaces and possibleTypes may nest inside __schema or
// __type; one more level is rejected with [CodeMaxIntrospectionDepth], as
// graphql-js's MaxIntrospectionDepthRule (which Apollo Router applies
// too) rejects 3. The standard introspection query of GraphiQL nests 1
// and passes; graphql-cop's circular introspection query does not.
const MaxIntrospectionListDepth = 2

// Config holds the limits of one endpoint. Each limit is off when 0; a
// negative value is treated as 0. The zero Config checks nothing but
// [MaxNesting] and [MaxIntrospectionListDepth].
type Config struct {
	// MaxTokens bounds the lexical tokens of a document; [Parse] takes it.
	// Check does not read it.
	MaxTokens int
	// MaxDepth bounds how deep fields nest in the operation, fragments
	// expanded: `{ a { b } }` has depth 2. Introspection subtrees (__schema,
	// __type) and __typename do not count.
	MaxDepth int
	// MaxAliases bounds the aliased fields of the operation, fragments
	// expanded; an aliased __typename is free.
	MaxAliases int
	// MaxRootFields bounds the fields selected on the root type, fragments
	// on the root expanded.
	MaxRootFields int
	// MaxDirectives bounds the directive uses in the whole document,
	// counted as written (fragments not expanded).
	MaxDirectives int
	// MaxFields bounds the field selections of the operation, fragments
	// expanded, and the field selections of the whole document as written.
	MaxFields int
	// MaxValidationWork bounds the estimated work of validating the
	// document (see Measure.ValidationWork), so that a document within
	// every other limit cannot keep the validator busy for seconds.
	MaxValidationWork int
	// MaxCost bounds the estimated cost of the operation (see the package
	// documentation and [NewCostModel]).
	MaxCost int
	// DefaultListSize is the assumed length of a list field with no
	// @listSize and no slicing argument value, for the cost estimate. A
	// value below 1 counts as 1.
	DefaultListSize int
}

// Measure is what Check measured for the selected operation. Every count
// saturates at the largest int instead of overflowing.
type Measure struct {
	// Depth is the deepest field nesting, fragments expanded, without
	// introspection subtrees and __typename.
	Depth int
	// Aliases is the number of aliased fields, fragments expanded, without
	// __typename.
	Aliases int
	// RootFields is the number of fields selected on the root type,
	// fragments expanded.
	RootFields int
	// Directives is the number of directive uses in the whole document.
	Directives int
	// Fields is the number of field selections, fragments expanded.
	Fields int
	// Cost is the estimated cost.
	Cost int
	// ValidationWork estimates, for the whole document, the work of
	// gqlparser's validator in units of about 200 ns, from the shapes that
	// make it quadratic: fields with the same response name in one
	// selection set (pairs), fragments spread at the same level (pairs,
	// and times the fields), and fragments reached from each fragment
	// definition. 3500 `id` in one selection set measure 6 123 250 (the
	// validator takes 1.4 s); 1000 distinct fragments spread together,
	// about 5 000 000 (1.2 s); a typical query a few dozen.
	ValidationWork int
}

// Error is a limit that a document exceeds. It implements the Coder
// interface of runtime/errcode (GraphQLCode).
type Error struct {
	// Code is one of the Code constants, the extensions.code of the error.
	Code string
	// Limit is the configured limit.
	Limit int
	// Actual is what the document measured; for [CodeMaxTokens] it is
	// Limit+1, as lexing stops there, and for a nesting deeper than
	// [MaxNesting] it is MaxNesting+1.
	Actual int
}

// Error describes the exceeded limit, such as
// `query depth 14 exceeds the limit of 10`.
func (e *Error) Error() string {
	what := "query " + e.Code
	switch e.Code {
	case CodeMaxTokens:
		return fmt.Sprintf("query token count exceeds the limit of %d", e.Limit)
	case CodeMaxDepth:
		what = "query depth"
	case CodeMaxIntrospectionDepth:
		what = "introspection list depth"
	case CodeMaxAliases:
		what = "query alias count"
	case CodeMaxRootFields:
		what = "query root field count"
	case CodeMaxDirectives:
		what = "query directive count"
	case CodeMaxFields:
		what = "query field count"
	case CodeMaxCost:
		what = "query estimated cost"
	case CodeMaxValidationWork:
		what = "query estimated validation work"
	}
	return fmt.Sprintf("%s %d exceeds the limit of %d", what, e.Actual, e.Limit)
}

// GraphQLCode returns e.Code, for runtime/errcode.
func (e *Error) GraphQLCode() string { return e.Code }

// Parse lexes and parses query with a token budget, so a 10 MB document
// stops at maxTokens+1 tokens: it first counts the tokens with gqlparser's
// lexer alone (no AST, no allocation per token), then parses with
// gqlparser's parser.ParseQueryWithTokenLimit. maxTokens 0 (or negative)
// means no limit. Over the limit the error is an [*Error] with Code
// [CodeMaxTokens]; a syntax error is the parser's *gqlerror.Error, with its
// location.
func Parse(query string, maxTokens int) (*ast.QueryDocument, error) {
	maxTokens = max(maxTokens, 0)
	if c := scan(query, maxTokens); c.overTokens {
		return nil, tokenError(maxTokens)
	}
	return parse(query, maxTokens)
}

// Parse is [Parse] with c.MaxTokens that also rejects, before building an
// AST, a document with more directives than c.MaxDirectives
// ([CodeMaxDirectives]), more field selections as written than
// c.MaxFields ([CodeMaxFields]), or a lower bound of the validation work
// (same-name fields and fragment spreads of each selection set as
// written, and the fragments each fragment definition reaches) over
// c.MaxValidationWork ([CodeMaxValidationWork]), all counted in the same
// lexer pass as the tokens. Building the AST of the 10 000 duplicate fields that fit in 15 000
// tokens costs ten times more than lexing them; this rejects them first.
// The counts are exact for a valid document; [Config.Check] still applies
// every limit to the parsed document.
func (c Config) Parse(query string) (*ast.QueryDocument, error) {
	maxTokens := max(c.MaxTokens, 0)
	counts := scan(query, maxTokens)
	switch {
	case counts.overTokens:
		return nil, tokenError(maxTokens)
	case c.MaxDirectives > 0 && counts.directives > c.MaxDirectives:
		return nil, &Error{Code: CodeMaxDirectives, Limit: c.MaxDirectives, Actual: counts.directives}
	case c.MaxFields > 0 && counts.fields > c.MaxFields:
		return nil, &Error{Code: CodeMaxFields, Limit: c.MaxFields, Actual: counts.fields}
	case c.MaxValidationWork > 0 && counts.work > c.MaxValidationWork:
		return nil, &Error{Code: CodeMaxValidationWork, Limit: c.MaxValidationWork, Actual: counts.work}
	}
	return parse(query, maxTokens)
}

func tokenError(maxTokens int) *Error {
	return &Error{Code: CodeMaxTokens, Limit: maxTokens, Actual: maxTokens + 1}
}

// parse runs gqlparser's parser with the token limit, turning its token
// limit error into an [*Error].
func parse(query string, maxTokens int) (*ast.QueryDocument, error) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err == nil {
		return doc, nil
	}
	if ge, ok := errors.AsType[*gqlerror.Error](err); ok && maxTokens > 0 && len(ge.Locations) == 0 &&
		ge.Message == fmt.Sprintf("exceeded token limit of %d", maxTokens) {
		return nil, tokenError(maxTokens)
	}
	return nil, err
}
