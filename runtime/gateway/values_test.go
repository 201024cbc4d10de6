package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/gateway"
)

func TestContextValues(t *testing.T) {
	ctx := gateway.WithValue(context.Background(), "tenant", "acme")
	ctx = gateway.WithValue(ctx, "limit", int32(7))
	if v, err := gateway.Value[string](ctx, "tenant"); err != nil || v != "acme" {
		t.Errorf("tenant = %q, %v", v, err)
	}
	if v, err := gateway.Value[int32](ctx, "limit"); err != nil || v != 7 {
		t.Errorf("limit = %d, %v", v, err)
	}
	if _, err := gateway.Value[string](ctx, "region"); err == nil || !strings.Contains(err.Error(), `"region" is not set`) {
		t.Errorf("missing value: %v", err)
	}
	if _, err := gateway.Value[string](ctx, "limit"); err == nil || !strings.Contains(err.Error(), "is a int32, want string") {
		t.Errorf("wrong type: %v", err)
	}
	if v, _ := gateway.Value[string](gateway.WithValue(ctx, "tenant", "other"), "tenant"); v != "other" {
		t.Errorf("a later value must win, got %q", v)
	}
}
