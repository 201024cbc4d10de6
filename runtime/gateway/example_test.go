package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

func ExampleNewGraphQLHandler() {
	cfg := config.Default()
	endpoint, err := gateway.NewGraphQLHandler(testschema.New(nil), cfg.Gateway, false, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := gateway.Chain(
		endpoint,
		gateway.RequestID(cfg.Gateway.RequestID.Header),
		gateway.BodyLimit(cfg.Gateway.Limits.MaxBodyBytes),
	)
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"query":"{hello(name: \"bffgen\")}"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// 200 OK application/json; charset=utf-8
	// {"data":{"hello":"hello, bffgen"}}
}

// A user middleware that rejects requests in the same shape as GraphQL
// errors.
func ExampleWriteError() {
	requireKey := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Api-Key") == "" {
				gateway.WriteError(w, r, http.StatusUnauthorized, "UNAUTHENTICATED", "missing API key")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	rec := httptest.NewRecorder()
	gateway.Chain(http.NotFoundHandler(), requireKey).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 401 {"errors":[{"message":"missing API key","extensions":{"code":"UNAUTHENTICATED"}}]}
}
