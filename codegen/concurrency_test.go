package codegen

import (
	"strings"
	"testing"
)

func TestRewriteListsCallsMarshalList(t *testing.T) {
	const list = `func (ec *executionContext) marshalNReview2ᚕ(ctx context.Context, sel ast.SelectionSet, v []*Review) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 32, false, func(ctx context.Context, i int) graphql.Marshaler {`
	got, err := rewriteLists([]byte(list + "\n" + list))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), "ret := marshalList(ctx, sel, v, 32, false, func("); n != 2 || strings.Contains(string(got), "MarshalSliceConcurrently") {
		t.Errorf("%d calls rewritten, want 2:\n%s", n, got)
	}
}

func TestRewriteListsFailsWhenGqlgenChangedItsTemplate(t *testing.T) {
	if _, err := rewriteLists([]byte("ret := graphql.MarshalSliceInParallel(ctx, v)")); err == nil {
		t.Error("no error for an executor without the call to rewrite")
	}
}
