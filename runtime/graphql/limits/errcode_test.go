package limits_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// TestCodesAreInErrcode keeps the codes of this package in runtime/errcode's
// closed list, and checks that errcode.Code reads them from an *Error.
func TestCodesAreInErrcode(t *testing.T) {
	t.Parallel()
	pairs := []struct{ limits, errcode string }{
		{limits.CodeMaxTokens, errcode.MaxTokens},
		{limits.CodeMaxDepth, errcode.MaxDepth},
		{limits.CodeMaxIntrospectionDepth, errcode.MaxIntrospectionDepth},
		{limits.CodeMaxAliases, errcode.MaxAliases},
		{limits.CodeMaxRootFields, errcode.MaxRootFields},
		{limits.CodeMaxDirectives, errcode.MaxDirectives},
		{limits.CodeMaxFields, errcode.MaxFields},
		{limits.CodeMaxValidationWork, errcode.MaxValidationWork},
		{limits.CodeMaxCost, errcode.CostEstimatedTooExpensive},
	}
	for _, p := range pairs {
		if p.limits != p.errcode {
			t.Errorf("limits code %q differs from errcode %q", p.limits, p.errcode)
		}
		err := fmt.Errorf("check: %w", &limits.Error{Code: p.limits, Limit: 1, Actual: 2})
		if got := errcode.Code(err); got != p.limits {
			t.Errorf("errcode.Code = %q, want %q", got, p.limits)
		}
		if !errcode.Safe(errcode.Code(err)) {
			t.Errorf("%s is not safe to show", p.limits)
		}
		if _, ok := errors.AsType[errcode.Coder](err); !ok {
			t.Errorf("*limits.Error is not an errcode.Coder")
		}
	}
}
