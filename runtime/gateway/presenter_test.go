package gateway_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

const getProduct = "/catalog.v1.CatalogService/GetProduct"

func upstreamErr(err error) error {
	return &errcode.UpstreamError{Upstream: "catalog", Procedure: getProduct, Err: err}
}

// presenterServer serves the test schema, whose field "fail" returns err,
// behind RequestID, and returns its URL and logs.
func presenterServer(t *testing.T, dev bool, fail func(context.Context) error) (string, *logBuffer) {
	t.Helper()
	logger, logs := newLogger()
	mode := config.ModeProduction
	if dev {
		mode = config.ModeDevelopment
	}
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(mode))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, testschema.New(&testschema.Resolver{Fail: fail}), cfg.Gateway, dev, logger)
	srv := serve(t, gateway.Chain(h, gateway.RequestID("")))
	return srv.URL, logs
}

func queryFail(t *testing.T, url string) gqlResponse {
	t.Helper()
	req := newRequest(t, http.MethodPost, url, strings.NewReader(`{"query":"{fail hello}"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-7")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", resp.StatusCode, body)
	}
	r := decode(t, body)
	if string(r.Data) != `{"fail":null,"hello":"hello, world"}` {
		t.Errorf("data = %s, want the rest of the response intact", r.Data)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("errors = %s, want one", body)
	}
	if len(r.Errors[0].Path) != 1 || r.Errors[0].Path[0] != "fail" {
		t.Errorf("path = %v, want [fail]", r.Errors[0].Path)
	}
	return r
}

func TestErrorPresenter(t *testing.T) {
	t.Parallel()
	preset := gqlerror.Errorf("custom rejection")
	preset.Extensions = map[string]any{"code": "FORBIDDEN", "reason": "policy"}
	upstream := map[string]any{"name": "catalog", "procedure": getProduct}
	tests := []struct {
		name     string
		err      error
		dev      bool
		message  string
		code     string
		upstream map[string]any
	}{
		{name: "backend error keeps its message without the code prefix",
			err:     upstreamErr(connect.NewWireError(connect.CodeNotFound, errors.New("product 7 not found"))),
			message: "product 7 not found", code: "NOT_FOUND", upstream: upstream},
		{name: "invalid argument is bad user input",
			err:     upstreamErr(connect.NewWireError(connect.CodeInvalidArgument, errors.New("id must be positive"))),
			message: "id must be positive", code: "BAD_USER_INPUT", upstream: upstream},
		{name: "unauthenticated", err: upstreamErr(connect.NewWireError(connect.CodeUnauthenticated, errors.New("who are you"))),
			message: "who are you", code: "UNAUTHENTICATED", upstream: upstream},
		{name: "permission denied is forbidden", err: upstreamErr(connect.NewWireError(connect.CodePermissionDenied, errors.New("no"))),
			message: "no", code: "FORBIDDEN", upstream: upstream},
		{name: "already exists is a conflict", err: upstreamErr(connect.NewWireError(connect.CodeAlreadyExists, errors.New("dup"))),
			message: "dup", code: "CONFLICT", upstream: upstream},
		{name: "resource exhausted is rate limited", err: upstreamErr(connect.NewWireError(connect.CodeResourceExhausted, errors.New("quota"))),
			message: "quota", code: "RATE_LIMITED", upstream: upstream},
		{name: "backend deadline exceeded is a timeout", err: upstreamErr(connect.NewWireError(connect.CodeDeadlineExceeded, errors.New("slow db"))),
			message: "slow db", code: "TIMEOUT", upstream: upstream},
		{name: "backend internal error is masked in production",
			err:     upstreamErr(connect.NewWireError(connect.CodeInternal, errors.New("db at 10.0.0.3 exploded"))),
			message: "internal error", code: "INTERNAL", upstream: upstream},
		{name: "backend internal error is shown in development", dev: true,
			err:     upstreamErr(connect.NewWireError(connect.CodeInternal, errors.New("db exploded"))),
			message: "db exploded", code: "INTERNAL", upstream: upstream},
		{name: "failed call names the upstream, not the address",
			err:     upstreamErr(connect.NewError(connect.CodeUnavailable, errors.New("dial tcp 10.0.0.3:9001: connection refused"))),
			message: `upstream "catalog" is unavailable`, code: "UNAVAILABLE", upstream: upstream},
		{name: "failed call names the upstream in development too", dev: true,
			err:     upstreamErr(connect.NewError(connect.CodeDeadlineExceeded, errors.New("Post http://10.0.0.3:9001: deadline"))),
			message: `upstream "catalog" did not answer in time`, code: "TIMEOUT", upstream: upstream},
		{name: "plain error is masked in production", err: errors.New("secret detail"),
			message: "internal error", code: "INTERNAL"},
		{name: "plain error is shown in development", dev: true, err: errors.New("secret detail"),
			message: "secret detail", code: "INTERNAL"},
		{name: "resolver's connect error keeps its message", err: connect.NewError(connect.CodeInvalidArgument, errors.New("bad id")),
			message: "bad id", code: "BAD_USER_INPUT"},
		{name: "context deadline is a timeout", err: context.DeadlineExceeded,
			message: "context deadline exceeded", code: "TIMEOUT"},
		{name: "an error with a code is kept", err: preset,
			message: "custom rejection", code: "FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, _ := presenterServer(t, tt.dev, func(context.Context) error { return tt.err })
			got := queryFail(t, url).Errors[0]
			if got.Message != tt.message {
				t.Errorf("message = %q, want %q", got.Message, tt.message)
			}
			if got.Extensions["code"] != tt.code {
				t.Errorf("code = %v, want %s", got.Extensions["code"], tt.code)
			}
			up, _ := got.Extensions["upstream"].(map[string]any)
			if len(up) != len(tt.upstream) || up["name"] != tt.upstream["name"] || up["procedure"] != tt.upstream["procedure"] {
				t.Errorf("upstream = %v, want %v", got.Extensions["upstream"], tt.upstream)
			}
		})
	}
	if preset.Extensions["upstream"] != nil || len(preset.Extensions) != 2 {
		t.Errorf("the presenter changed the error the resolver returned: %v", preset.Extensions)
	}
}

func TestErrorPresenterLogsMaskedErrorsWithTheRequestID(t *testing.T) {
	t.Parallel()
	url, logs := presenterServer(t, false, func(context.Context) error {
		return upstreamErr(connect.NewWireError(connect.CodeDataLoss, errors.New("disk on fire")))
	})
	queryFail(t, url)
	for _, rec := range logs.records(t) {
		if rec["msg"] != "graphql error" {
			continue
		}
		if rec["level"] != "ERROR" || rec["request_id"] != "req-7" || rec["code"] != "INTERNAL" ||
			rec["upstream"] != "catalog" || rec["procedure"] != getProduct || rec["path"] != "fail" ||
			!strings.Contains(rec["error"].(string), "disk on fire") {
			t.Errorf("log record = %v", rec)
		}
		return
	}
	t.Errorf("no log record for the masked error: %s", logs)
}

func TestErrorPresenterHidesTheAddressOfAnUnreachableBackend(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	client := connect.NewClient[emptypb.Empty, emptypb.Empty](http.DefaultClient, "http://"+addr+getProduct)
	for _, dev := range []bool{false, true} {
		url, logs := presenterServer(t, dev, func(ctx context.Context) error {
			_, err := client.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
			return upstreamErr(err)
		})
		got := queryFail(t, url).Errors[0]
		if got.Message != `upstream "catalog" is unavailable` || got.Extensions["code"] != "UNAVAILABLE" {
			t.Errorf("dev %v: error = %+v", dev, got)
		}
		if !strings.Contains(logs.String(), addr) {
			t.Errorf("dev %v: the log lacks the real error, with the address %s: %s", dev, addr, logs)
		}
	}
}

func TestAPanicInAResolverBecomesAnInternalError(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	cfg := config.Default()
	srv := serve(t, newHandler(t, testschema.New(nil), cfg.Gateway, true, logger))
	_, body := post(t, srv.URL, "application/json", "", `{"query":"{panic hello}"}`)
	r := decode(t, body)
	if string(r.Data) != `{"panic":null,"hello":"hello, world"}` || len(r.Errors) != 1 ||
		r.Errors[0].Message != "internal error" || r.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Errorf("response = %s", body)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) || !strings.Contains(logs.String(), "resolver.go") {
		t.Errorf("the panic and its stack are not logged: %s", logs)
	}
}
