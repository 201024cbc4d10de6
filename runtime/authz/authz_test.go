package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/authz"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/request"
)

func as(p request.Principal) context.Context {
	r := request.New("r1", nil)
	r.Principal = p
	return request.With(context.Background(), r)
}

func TestCheckCodesAnonymousAndMissingScopes(t *testing.T) {
	user := request.Principal{Subject: "u1", Scopes: []string{"reviews:read"}}
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		scopes []string
		want   string // extensions.code, "" for allowed
	}{
		{"no request at all is anonymous", context.Background(), nil, errcode.Unauthenticated},
		{"anonymous caller, no scope needed", as(request.Principal{}), nil, errcode.Unauthenticated},
		{"anonymous caller, a scope needed", as(request.Principal{}), []string{"reviews:read"}, errcode.Unauthenticated},
		{"authenticated, no scope needed", as(user), nil, ""},
		{"authenticated with the scope", as(user), []string{"reviews:read"}, ""},
		{"authenticated without the scope", as(user), []string{"reviews:write"}, errcode.Forbidden},
		{"one of two scopes is not enough", as(user), []string{"reviews:read", "reviews:write"}, errcode.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errcode.Code(authz.Check(tc.ctx, tc.scopes...)); got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAuthDoesNotCallTheResolverOfADeniedField(t *testing.T) {
	calls := 0
	next := func(ctx context.Context) (any, error) { calls++; return "v", nil }
	v, err := authz.Auth(as(request.Principal{Subject: "u"}), nil, next, []string{"admin"})
	if v != nil || errcode.Code(err) != errcode.Forbidden || calls != 0 {
		t.Fatalf("denied: got %v, %v, %d calls", v, err, calls)
	}
	if !strings.Contains(err.Error(), "admin") {
		t.Errorf("the message should name the missing scope: %v", err)
	}
	v, err = authz.Auth(as(request.Principal{Subject: "u", Scopes: []string{"admin"}}), nil, next, []string{"admin"})
	if v != "v" || err != nil || calls != 1 {
		t.Fatalf("allowed: got %v, %v, %d calls", v, err, calls)
	}
}

func TestRedactMasksWithoutTheScope(t *testing.T) {
	next := func(ctx context.Context) (any, error) { return "ada@example.com", nil }
	for _, tc := range []struct {
		name string
		p    request.Principal
		want any
	}{
		{"anonymous", request.Principal{}, nil},
		{"without the scope", request.Principal{Subject: "u", Scopes: []string{"other"}}, nil},
		{"with the scope", request.Principal{Subject: "u", Scopes: []string{"pii:read"}}, "ada@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := authz.Redact(as(tc.p), nil, next, "pii:read")
			if err != nil || v != tc.want {
				t.Errorf("got %v, %v; want %v", v, err, tc.want)
			}
		})
	}
}

func TestClaimConvertsJSONValuesWithRangeChecks(t *testing.T) {
	claims := map[string]any{
		"sub": "u-1", "level": float64(7), "big": float64(1 << 53), "neg": float64(-3), "half": 2.5,
		"num": json.Number("9007199254740993"), "huge": json.Number("18446744073709551615"),
		"over32": float64(math.MaxInt32 + 1), "roles": []any{"a", "b"}, "mixed": []any{"a", 1.0},
		"admin": true, "nan": math.NaN(), "text": "42", "null": nil, "exp": json.Number("1e3"),
	}
	ctx := as(request.Principal{Subject: "u-1", Claims: claims})
	check := func(name string, got any, err error, want any) {
		t.Helper()
		if want == nil {
			if errcode.Code(err) != errcode.Unauthenticated {
				t.Errorf("%s: got %v, %v; want UNAUTHENTICATED", name, got, err)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, %v; want %#v", name, got, err, want)
		}
	}
	s, err := authz.Claim[string](ctx, "sub")
	check("sub as string", s, err, "u-1")
	i, err := authz.Claim[int64](ctx, "level")
	check("level as int64", i, err, int64(7))
	i, err = authz.Claim[int64](ctx, "big")
	check("2^53 as int64", i, err, int64(1<<53))
	i, err = authz.Claim[int64](ctx, "num")
	check("json.Number beyond 2^53 keeps every digit", i, err, int64(9007199254740993))
	i, err = authz.Claim[int64](ctx, "exp")
	check("1e3 is whole", i, err, int64(1000))
	u, err := authz.Claim[uint64](ctx, "huge")
	check("max uint64", u, err, uint64(math.MaxUint64))
	_, err = authz.Claim[int64](ctx, "huge")
	check("max uint64 overflows int64", nil, err, nil)
	_, err = authz.Claim[uint32](ctx, "neg")
	check("negative to unsigned", nil, err, nil)
	_, err = authz.Claim[int64](ctx, "half")
	check("2.5 is not whole", nil, err, nil)
	_, err = authz.Claim[int32](ctx, "over32")
	check("over int32", nil, err, nil)
	f, err := authz.Claim[float64](ctx, "half")
	check("2.5 as double", f, err, 2.5)
	_, err = authz.Claim[float64](ctx, "nan")
	check("NaN", nil, err, nil)
	_, err = authz.Claim[int64](ctx, "text")
	check("a string is never a number", nil, err, nil)
	b, err := authz.Claim[bool](ctx, "admin")
	check("bool", b, err, true)
	l, err := authz.Claim[[]string](ctx, "roles")
	check("list of strings", l, err, []string{"a", "b"})
	_, err = authz.Claim[[]string](ctx, "mixed")
	check("a list with a number", nil, err, nil)
	_, err = authz.Claim[string](ctx, "missing")
	check("missing claim", nil, err, nil)
	_, err = authz.Claim[string](ctx, "null")
	check("null claim", nil, err, nil)
	_, err = authz.Claim[string](as(request.Principal{Claims: claims}), "sub")
	check("anonymous caller with claims", nil, err, nil)
	if _, err := authz.Claim[int64](ctx, "text"); strings.Contains(err.Error(), "42") {
		t.Errorf("the error echoes the claim's value: %v", err)
	}
}

func TestScrubKeepsCodeUpstreamAndWireness(t *testing.T) {
	const email = "ada@example.com"
	wire := connect.NewWireError(connect.CodeNotFound, errors.New("no orders for "+email))
	up := &errcode.UpstreamError{Upstream: "orders", Procedure: "/orders.v1.Orders/List", Err: wire}
	got := authz.Scrub(up, email, "")
	if strings.Contains(got.Error(), email) {
		t.Fatalf("scrubbed error still holds the value: %v", got)
	}
	var gotUp *errcode.UpstreamError
	var gotCE *connect.Error
	if !errors.As(got, &gotUp) || gotUp.Upstream != "orders" || !errors.As(got, &gotCE) || !connect.IsWireError(got) {
		t.Fatalf("lost the upstream or the wire connect error: %#v", got)
	}
	if errcode.Code(got) != errcode.NotFound || gotCE.Message() != "no orders for "+authz.Mask {
		t.Errorf("code %s, message %q", errcode.Code(got), gotCE.Message())
	}
	if plain := errors.New("unrelated"); authz.Scrub(plain, email) != plain {
		t.Error("an error without the value should be returned as is")
	}
	timeout := authz.Scrub(fmtErr{context.DeadlineExceeded, email}, email)
	if errcode.Code(timeout) != errcode.Timeout || strings.Contains(timeout.Error(), email) {
		t.Errorf("a flattened error keeps its code: %v (%s)", timeout, errcode.Code(timeout))
	}
	if authz.Scrub(nil, email) != nil {
		t.Error("nil should stay nil")
	}
}

type fmtErr struct {
	err  error
	text string
}

func (e fmtErr) Error() string { return e.text + ": " + e.err.Error() }
func (e fmtErr) Unwrap() error { return e.err }
