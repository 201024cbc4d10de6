package request_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bffgen/bffgen/runtime/request"
)

func TestValuesSetByMiddlewareAreReadByName(t *testing.T) {
	ctx := request.With(context.Background(), request.New("id-1", nil))
	if err := request.SetValue(ctx, "tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	if err := request.SetValue(ctx, "limit", int32(7)); err != nil {
		t.Fatal(err)
	}
	if v, err := request.Value[string](ctx, "tenant"); err != nil || v != "acme" {
		t.Errorf("tenant = %q, %v", v, err)
	}
	if v, err := request.Value[int32](ctx, "limit"); err != nil || v != 7 {
		t.Errorf("limit = %d, %v", v, err)
	}
	if err := request.SetValue(ctx, "tenant", "other"); err != nil {
		t.Fatal(err)
	}
	if v, _ := request.Value[string](ctx, "tenant"); v != "other" {
		t.Errorf("a later value does not win: %q", v)
	}
}

func TestValueErrorsNameTheProblem(t *testing.T) {
	ctx := request.With(context.Background(), request.New("id-1", nil))
	_ = request.SetValue(ctx, "limit", int32(7))
	for _, tc := range []struct {
		name string
		ctx  context.Context
		key  string
		want string
	}{
		{"missing value", ctx, "region", `"region" is not set`},
		{"wrong type", ctx, "limit", "is a int32, want string"},
		{"no request", context.Background(), "region", "carries no request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := request.Value[string](tc.ctx, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if err := request.SetValue(context.Background(), "x", 1); err == nil {
		t.Error("SetValue outside a request succeeded")
	}
}

func TestIDOutsideARequestIsEmpty(t *testing.T) {
	if id := request.ID(context.Background()); id != "" {
		t.Errorf("ID = %q", id)
	}
	if request.From(context.Background()) != nil {
		t.Error("From found a request in an empty context")
	}
	if id := request.ID(request.With(context.Background(), request.New("abc", nil))); id != "abc" {
		t.Errorf("ID = %q", id)
	}
}

func TestResponseHeadersCollectOnlyTheNamedOnesFromConcurrentCalls(t *testing.T) {
	req := request.New("id", nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			h := http.Header{}
			h.Add("Set-Cookie", "c"+string(rune('a'+i)))
			h.Add("X-Internal", "secret")
			req.AddResponseHeaders(h, []string{"Set-Cookie"})
		})
	}
	wg.Wait()
	dst := http.Header{}
	req.CopyResponseHeaders(dst)
	if n := len(dst.Values("Set-Cookie")); n != 20 {
		t.Errorf("got %d Set-Cookie values, want 20", n)
	}
	if dst.Get("X-Internal") != "" {
		t.Error("a header that was not named reached the response")
	}
}

func TestHasScopesNeedsEveryScope(t *testing.T) {
	p := request.Principal{Subject: "u1", Scopes: []string{"reviews:read", "reviews:write"}}
	for _, tc := range []struct {
		name   string
		p      request.Principal
		scopes []string
		want   bool
	}{
		{"one held", p, []string{"reviews:write"}, true},
		{"all held", p, []string{"reviews:read", "reviews:write"}, true},
		{"one missing", p, []string{"reviews:write", "admin"}, false},
		{"case matters", p, []string{"Reviews:Write"}, false},
		{"none asked", p, nil, true},
		{"anonymous, none asked", request.Principal{}, nil, true},
		{"anonymous, one asked", request.Principal{}, []string{"reviews:read"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.HasScopes(tc.scopes...); got != tc.want {
				t.Errorf("HasScopes(%q) = %v, want %v", tc.scopes, got, tc.want)
			}
		})
	}
}

func TestPrincipalOfReadsTheSeam(t *testing.T) {
	if p := request.PrincipalOf(context.Background()); !p.Anonymous() {
		t.Errorf("outside a request: %+v", p)
	}
	req := request.New("id", nil)
	req.Principal = request.Principal{Subject: "u1"}
	if p := request.PrincipalOf(request.With(context.Background(), req)); p.Subject != "u1" {
		t.Errorf("PrincipalOf = %+v", p)
	}
}

func TestExecutorIsEmptyUntilSet(t *testing.T) {
	r := request.New("id", nil)
	if got := r.Executor(); got != "" {
		t.Fatalf("Executor() = %q before SetExecutor, want empty", got)
	}
	r.SetExecutor("compiled")
	if got := r.Executor(); got != "compiled" {
		t.Fatalf("Executor() = %q, want compiled", got)
	}
}
