package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/gateway"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

func withDetails(code connect.Code, details ...proto.Message) error {
	err := connect.NewError(code, errors.New("backend says no"))
	for _, d := range details {
		detail, derr := connect.NewErrorDetail(d)
		if derr != nil {
			panic(derr)
		}
		err.AddDetail(detail)
	}
	return &errcode.UpstreamError{Upstream: "catalog", Procedure: "/catalog.v1.CatalogService/GetProduct", Err: err}
}

func TestErrorPresenterShowsSafeDetails(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)
	tests := []struct {
		name string
		dev  bool
		err  error
		want string
	}{
		{"retry info and a localized message", false,
			withDetails(connect.CodeResourceExhausted, &errdetails.RetryInfo{RetryDelay: durationpb.New(1500 * time.Millisecond)}, &errdetails.LocalizedMessage{Locale: "fr-FR", Message: "Trop de requêtes"}),
			`{"code":"RATE_LIMITED","localizedMessage":{"locale":"fr-FR","message":"Trop de requêtes"},"retryAfter":"1.500s","upstream":{"name":"catalog","procedure":"/catalog.v1.CatalogService/GetProduct"}}`},
		{"debug info is never shown", true,
			withDetails(connect.CodeInvalidArgument, &errdetails.DebugInfo{Detail: "secret"}),
			`{"code":"BAD_USER_INPUT","upstream":{"name":"catalog","procedure":"/catalog.v1.CatalogService/GetProduct"}}`},
		{"an internal error in production shows no details", false,
			withDetails(connect.CodeInternal, &errdetails.ErrorInfo{Reason: "DB_DOWN"}),
			`{"code":"INTERNAL","upstream":{"name":"catalog","procedure":"/catalog.v1.CatalogService/GetProduct"}}`},
		{"an internal error in development shows them", true,
			withDetails(connect.CodeInternal, &errdetails.ErrorInfo{Reason: "DB_DOWN"}),
			`{"code":"INTERNAL","reason":"DB_DOWN","upstream":{"name":"catalog","procedure":"/catalog.v1.CatalogService/GetProduct"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := gateway.ErrorPresenter(tt.dev, nil)(ctx, tt.err)
			ext, _ := json.Marshal(got.Extensions)
			if string(ext) != tt.want {
				t.Errorf("extensions\n got %s\nwant %s", ext, tt.want)
			}
		})
	}
}
