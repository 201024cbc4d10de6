package authz

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/request"
)

// Error is a refusal of the package: a field the caller may not see, or a
// claim a request mapping needs that the caller's credential lacks. Its
// message names the scopes or the claim, never a claim's value.
type Error struct {
	code    string
	message string
}

// Error returns the message sent to the client.
func (e *Error) Error() string { return e.message }

// GraphQLCode returns errcode.Unauthenticated or errcode.Forbidden
// (errcode.Coder).
func (e *Error) GraphQLCode() string { return e.code }

func unauthenticated(msg string) *Error { return &Error{code: errcode.Unauthenticated, message: msg} }

// Check decides whether the caller in ctx may see a field that needs
// scopes: nil when the caller is authenticated (request.Principal has a
// Subject) and holds every one of scopes (none: any authenticated caller);
// else an [*Error] with code UNAUTHENTICATED for an anonymous caller (also
// when ctx carries no request) or FORBIDDEN naming the missing scopes.
func Check(ctx context.Context, scopes ...string) error {
	p := request.PrincipalOf(ctx)
	if p.Anonymous() {
		return unauthenticated("authentication required")
	}
	if p.HasScopes(scopes...) {
		return nil
	}
	var missing []string
	for _, s := range scopes {
		if !p.HasScopes(s) {
			missing = append(missing, s)
		}
	}
	noun := "scope "
	if len(missing) > 1 {
		noun = "scopes "
	}
	return &Error{code: errcode.Forbidden, message: "forbidden: this field needs the " + noun + strings.Join(missing, ", ")}
}

// Auth is the gqlgen implementation of the @auth(scopes:) directive that
// generated code installs: when [Check] refuses, the field resolves to null
// with that error and next (the field's resolver, with its backend call) is
// not called. A non-null field propagates the null to its parent, as
// GraphQL requires.
func Auth(ctx context.Context, _ any, next graphql.Resolver, scopes []string) (any, error) {
	if err := Check(ctx, scopes...); err != nil {
		return nil, err
	}
	return next(ctx)
}

// Allowed reports whether the caller in ctx is authenticated and holds
// scope: the condition under which @redact(unless: scope) shows a value.
func Allowed(ctx context.Context, scope string) bool {
	p := request.PrincipalOf(ctx)
	return !p.Anonymous() && p.HasScopes(scope)
}

// Redact is the gqlgen implementation of the @redact(unless:) directive:
// for a caller that is not [Allowed] the scope unless, the field is null,
// without an error (the value is masked, not missing), and next is not
// called; otherwise the field resolves as usual. The generator allows
// @redact only on nullable String and ID fields.
func Redact(ctx context.Context, _ any, next graphql.Resolver, unless string) (any, error) {
	if !Allowed(ctx, unless) {
		return nil, nil
	}
	return next(ctx)
}
