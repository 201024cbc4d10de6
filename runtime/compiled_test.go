package runtime_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// compiledService is the test service with the compiled fixtures of the
// test schema, as generated code registers them.
func compiledService(runs *testschema.Counter) runtime.Service {
	return runtime.Service{
		Name:      "test-bff",
		NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) { return testschema.New(nil), nil },
		NewCompiled: func(*sidecar.Set) ([]rgraphql.Compiled, error) {
			return testschema.Compiled(nil, runs), nil
		},
	}
}

// TestTheAccessLogAndMetricsNameTheExecutor serves a compiled operation
// and another one through the whole server: the access log line and the
// request metrics of each say which path ran it.
func TestTheAccessLogAndMetricsNameTheExecutor(t *testing.T) {
	var logs syncBuffer
	var runs testschema.Counter
	srv := newServer(t, compiledService(&runs), parse(t, "listen: \"127.0.0.1:0\"\n"),
		runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)
	admin := httptest.NewServer(srv.AdminHandler())
	t.Cleanup(admin.Close)

	compiled := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":`+strconv.Quote(testschema.EchoDocument)+`,"variables":{"text":"x"}}`)
	other := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{hello}"}`)
	refused := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{nope}"}`)
	if compiled.body != `{"data":{"echo":"x"}}` || other.body != `{"data":{"hello":"hello, world"}}` || runs.Runs() != 1 {
		t.Fatalf("answers %s and %s, compiled runs %d", compiled.body, other.body, runs.Runs())
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="http request"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 || !strings.Contains(lines[0], "executor=compiled") || !strings.Contains(lines[1], "executor=gqlgen") || strings.Contains(lines[2], "executor=") {
		t.Fatalf("access log lines:\n%s\nwant executor=compiled, executor=gqlgen and none (%s)", strings.Join(lines, "\n"), refused.body)
	}
	metrics := send(t, http.DefaultClient, "GET", admin.URL+"/metrics", "").body
	for _, want := range []string{
		`bffgen_graphql_requests_total{bffgen_graphql_executor="compiled",http_request_method="POST",http_response_status_code="200"`,
		`bffgen_graphql_requests_total{bffgen_graphql_executor="gqlgen",http_request_method="POST",http_response_status_code="200"`,
		`bffgen_graphql_requests_total{http_request_method="POST",http_response_status_code="200"`, // the refused one
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
}
