package runtime_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// The main function of a generated service; gen.Service() returns the
// Service that bffgen generates.
func ExampleMain() {
	svc := runtime.Service{
		Name:      "shop",
		Upstreams: nil, // the generated code lists the upstreams its clients call
		NewSchema: func(up *sidecar.Set) (graphql.ExecutableSchema, error) {
			return testschema.New(nil), nil
		},
	}
	os.Exit(runtime.Main(svc))
}

func ExampleNew() {
	svc := runtime.Service{
		Name: "shop",
		NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) {
			return testschema.New(nil), nil
		},
	}
	srv, err := runtime.New(svc, config.Default(), runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	public := httptest.NewServer(srv.Handler())
	defer public.Close()

	resp, err := http.Post(public.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{hello}"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 {"data":{"hello":"hello, world"}}
}
