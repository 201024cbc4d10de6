package errcode_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// codedError carries its own code, as gateway rejections do.
type codedError struct{ code string }

func (e *codedError) Error() string       { return "rejected" }
func (e *codedError) GraphQLCode() string { return e.code }

func TestCode(t *testing.T) {
	t.Parallel()
	connectErr := func(c connect.Code) error { return connect.NewError(c, errors.New("boom")) }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil has no code", nil, ""},
		{"invalid argument is bad user input", connectErr(connect.CodeInvalidArgument), errcode.BadUserInput},
		{"failed precondition is bad user input", connectErr(connect.CodeFailedPrecondition), errcode.BadUserInput},
		{"out of range is bad user input", connectErr(connect.CodeOutOfRange), errcode.BadUserInput},
		{"unauthenticated", connectErr(connect.CodeUnauthenticated), errcode.Unauthenticated},
		{"permission denied is forbidden", connectErr(connect.CodePermissionDenied), errcode.Forbidden},
		{"not found", connectErr(connect.CodeNotFound), errcode.NotFound},
		{"already exists is a conflict", connectErr(connect.CodeAlreadyExists), errcode.Conflict},
		{"aborted is a conflict", connectErr(connect.CodeAborted), errcode.Conflict},
		{"resource exhausted is rate limited", connectErr(connect.CodeResourceExhausted), errcode.RateLimited},
		{"deadline exceeded is a timeout", connectErr(connect.CodeDeadlineExceeded), errcode.Timeout},
		{"unavailable", connectErr(connect.CodeUnavailable), errcode.Unavailable},
		{"canceled is internal", connectErr(connect.CodeCanceled), errcode.Internal},
		{"unknown is internal", connectErr(connect.CodeUnknown), errcode.Internal},
		{"unimplemented is internal", connectErr(connect.CodeUnimplemented), errcode.Internal},
		{"internal is internal", connectErr(connect.CodeInternal), errcode.Internal},
		{"data loss is internal", connectErr(connect.CodeDataLoss), errcode.Internal},
		{"context deadline is a timeout", context.DeadlineExceeded, errcode.Timeout},
		{"wrapped context deadline is a timeout", fmt.Errorf("call: %w", context.DeadlineExceeded), errcode.Timeout},
		{"context canceled is internal", context.Canceled, errcode.Internal},
		{"plain error is internal", errors.New("boom"), errcode.Internal},
		{"upstream error takes the code of the connect error", &errcode.UpstreamError{Upstream: "catalog", Err: connectErr(connect.CodeNotFound)}, errcode.NotFound},
		{"upstream error without connect error is internal", &errcode.UpstreamError{Upstream: "catalog", Err: errors.New("boom")}, errcode.Internal},
		{"upstream error with nil error is internal", &errcode.UpstreamError{Upstream: "catalog"}, errcode.Internal},
		{"connect error wins over the context error it wraps", connect.NewError(connect.CodeUnavailable, context.DeadlineExceeded), errcode.Unavailable},
		{"coder wins over connect", fmt.Errorf("gateway: %w", &codedError{errcode.Forbidden}), errcode.Forbidden},
		{"coder wrapped in a connect error wins", connect.NewError(connect.CodeInternal, &codedError{errcode.RateLimited}), errcode.RateLimited},
		{"joined errors take the first code found", errors.Join(errors.New("a"), connectErr(connect.CodeNotFound)), errcode.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errcode.Code(tt.err); got != tt.want {
				t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestSafe(t *testing.T) {
	t.Parallel()
	for _, code := range []string{
		errcode.BadUserInput, errcode.Unauthenticated, errcode.Forbidden, errcode.NotFound,
		errcode.Conflict, errcode.RateLimited, errcode.Timeout, errcode.Unavailable,
		errcode.MaxTokens, errcode.MaxDepth, errcode.MaxIntrospectionDepth, errcode.MaxAliases,
		errcode.MaxRootFields, errcode.MaxDirectives, errcode.MaxFields, errcode.MaxValidationWork, errcode.CostEstimatedTooExpensive,
		errcode.VariablesDepth, errcode.VariablesList, errcode.VariablesString, errcode.VariablesValues,
		errcode.PersistedQueryNotFound, errcode.PersistedQueryNotSupported, errcode.PersistedQueryRequired,
		errcode.PersistedQueryHashMismatch, errcode.PersistedQueryVersionNotSupported,
		errcode.ErrorsTruncated, errcode.ResponseTooLarge,
		"", "GRAPHQL_VALIDATION_FAILED",
	} {
		if !errcode.Safe(code) {
			t.Errorf("Safe(%q) = false, want true", code)
		}
	}
	if errcode.Safe(errcode.Internal) {
		t.Errorf("Safe(%q) = true, want false", errcode.Internal)
	}
}

func TestUpstreamError(t *testing.T) {
	t.Parallel()
	cause := connect.NewError(connect.CodeNotFound, errors.New("no such product"))
	tests := []struct {
		name string
		err  *errcode.UpstreamError
		want string
	}{
		{
			"names upstream and procedure",
			&errcode.UpstreamError{Upstream: "catalog", Procedure: "/catalog.v1.CatalogService/GetProduct", Err: cause},
			`upstream "catalog" /catalog.v1.CatalogService/GetProduct: not_found: no such product`,
		},
		{
			"leaves out an empty procedure",
			&errcode.UpstreamError{Upstream: "catalog", Err: cause},
			`upstream "catalog": not_found: no such product`,
		},
		{
			"survives a nil error",
			&errcode.UpstreamError{Upstream: "catalog", Procedure: "/a.B/C"},
			`upstream "catalog" /a.B/C: <nil>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}

	var err error = fmt.Errorf("resolve product: %w", &errcode.UpstreamError{Upstream: "catalog", Err: cause})
	if ue, ok := errors.AsType[*errcode.UpstreamError](err); !ok || ue.Upstream != "catalog" {
		t.Errorf("errors.As did not find the UpstreamError in %v", err)
	}
	if ce, ok := errors.AsType[*connect.Error](err); !ok || ce.Code() != connect.CodeNotFound {
		t.Errorf("errors.As did not find the connect.Error in %v", err)
	}
}

func ExampleCode() {
	err := &errcode.UpstreamError{
		Upstream:  "catalog",
		Procedure: "/catalog.v1.CatalogService/GetProduct",
		Err:       connect.NewError(connect.CodeNotFound, errors.New("no such product")),
	}
	code := errcode.Code(err)
	fmt.Println(code, errcode.Safe(code))
	fmt.Println(err)
	// Output:
	// NOT_FOUND true
	// upstream "catalog" /catalog.v1.CatalogService/GetProduct: not_found: no such product
}
