package runtime_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/request"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

var discard = slog.New(slog.DiscardHandler)

// service returns a Service over the test schema.
func service(r *testschema.Resolver, upstreams ...string) runtime.Service {
	return runtime.Service{
		Name:      "test-bff",
		Upstreams: upstreams,
		NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) { return testschema.New(r), nil },
	}
}

func parse(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "bff.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func newServer(t *testing.T, svc runtime.Service, cfg *config.Config, opts ...runtime.Option) *runtime.Server {
	t.Helper()
	srv, err := runtime.New(svc, cfg, append([]runtime.Option{runtime.WithLogger(discard)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, client *http.Client, method, url, body string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func TestPublicHandlerRoutes(t *testing.T) {
	t.Parallel()
	dev := httptest.NewServer(newServer(t, service(nil), parse(t, "mode: development\ngateway: {graphql: {path: /api/graphql}}\n")).Handler())
	t.Cleanup(dev.Close)
	prod := httptest.NewServer(newServer(t, service(nil), parse(t, `
gateway:
  limits: {max_body_bytes: 64}
  cors: {allowed_origins: ["https://app.example.com"]}
`)).Handler())
	t.Cleanup(prod.Close)

	tests := []struct {
		name   string
		url    string
		method string
		body   string
		header []string
		status int
		want   string // a substring of the body
	}{
		{name: "graphql at the configured path", url: dev.URL + "/api/graphql", method: "POST", body: `{"query":"{hello}"}`,
			status: 200, want: `{"data":{"hello":"hello, world"}}`},
		{name: "graphiql at the root in development", url: dev.URL + "/", method: "GET", status: 200, want: "/api/graphql"},
		{name: "no graphiql in production", url: prod.URL + "/", method: "GET", status: 404},
		{name: "other paths are not found", url: prod.URL + "/graphql/x", method: "POST", body: `{"query":"{hello}"}`, status: 404},
		{name: "the default path", url: prod.URL + "/graphql", method: "POST", body: `{"query":"{hello}"}`,
			status: 200, want: `"hello, world"`},
		{name: "the body limit applies", url: prod.URL + "/graphql", method: "POST", body: `{"query":"{hello}","pad":"` + strings.Repeat("x", 64) + `"}`,
			status: 413, want: "PAYLOAD_TOO_LARGE"},
		{name: "CORS preflight is answered", url: prod.URL + "/graphql", method: "OPTIONS",
			header: []string{"Origin", "https://app.example.com", "Access-Control-Request-Method", "POST"}, status: 204},
		{name: "production masks nothing safe", url: prod.URL + "/graphql", method: "POST", body: `{"query":"{nope}"}`,
			status: 200, want: "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := send(t, http.DefaultClient, tt.method, tt.url, tt.body, tt.header...)
			if got.status != tt.status || !strings.Contains(got.body, tt.want) {
				t.Errorf("got %d %q, want %d and %q", got.status, got.body, tt.status, tt.want)
			}
		})
	}

	got := send(t, http.DefaultClient, "POST", prod.URL+"/graphql", `{"query":"{hello}"}`, "X-Request-Id", "abc")
	if got.header.Get("X-Request-Id") != "abc" {
		t.Errorf("the request id is not echoed: %v", got.header)
	}
}

func TestUserMiddlewareRunsAfterTheBuiltInOnesAndBeforeGraphQL(t *testing.T) {
	t.Parallel()
	var order []string
	seen := func(name string) gateway.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, hasDeadline := r.Context().Deadline()
				if request.ID(r.Context()) == "" || !hasDeadline {
					t.Errorf("%s runs before RequestID or Timeout", name)
				}
				order = append(order, name)
				if r.Header.Get("X-Reject") != "" {
					gateway.WriteError(w, r, http.StatusUnauthorized, "UNAUTHENTICATED", "no token")
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	srv := httptest.NewServer(newServer(t, service(nil), config.Default(),
		runtime.WithMiddleware(seen("first")), runtime.WithMiddleware(nil, seen("second"))).Handler())
	t.Cleanup(srv.Close)

	if got := send(t, http.DefaultClient, "POST", srv.URL+"/graphql", `{"query":"{hello}"}`); got.status != 200 {
		t.Errorf("got %d %s", got.status, got.body)
	}
	if strings.Join(order, ",") != "first,second" {
		t.Errorf("order = %v, want [first second]", order)
	}
	got := send(t, http.DefaultClient, "POST", srv.URL+"/graphql", `{"query":"{hello}"}`, "X-Reject", "1")
	if got.status != 401 || got.body != `{"errors":[{"message":"no token","extensions":{"code":"UNAUTHENTICATED"}}]}` {
		t.Errorf("rejection = %d %s", got.status, got.body)
	}
}

func TestMiddlewareRunsPhaseByPhaseWhateverTheOrderOfTheOptions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	mark := func(name string) gateway.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				if name == "authn" {
					// An authenticator sets the principal on the request seam;
					// the later phases see it.
					request.From(r.Context()).Principal = request.Principal{Subject: "ada"}
				}
				if name == "user" && request.From(r.Context()).Principal.Subject != "ada" {
					t.Error("the user phase does not see the principal set by the authn phase")
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	srv := httptest.NewServer(newServer(t, service(nil), config.Default(),
		runtime.WithMiddleware(mark("user")),
		runtime.WithPhaseMiddleware(gateway.PhaseRateLimit, mark("rate_limit")),
		runtime.WithPhaseMiddleware(gateway.PhaseAuthn, mark("authn")),
		runtime.WithPhaseMiddleware(gateway.PhaseEdge, mark("edge")),
	).Handler())
	t.Cleanup(srv.Close)
	if got := send(t, http.DefaultClient, "POST", srv.URL+"/graphql", `{"query":"{hello}"}`); got.status != 200 {
		t.Fatalf("got %d %s", got.status, got.body)
	}
	if got := strings.Join(order, ","); got != "edge,authn,rate_limit,user" {
		t.Errorf("order = %s, want edge,authn,rate_limit,user", got)
	}
}

func TestAnUnknownPhaseIsAnError(t *testing.T) {
	t.Parallel()
	_, err := runtime.New(service(nil), config.Default(), runtime.WithLogger(discard),
		runtime.WithPhaseMiddleware(gateway.Phase(42), func(h http.Handler) http.Handler { return h }))
	if err == nil || !strings.Contains(err.Error(), "unknown pipeline phase 42") {
		t.Errorf("New: error %v, want one naming the unknown phase", err)
	}
}

func TestNewRequiresEveryUpstreamOfTheService(t *testing.T) {
	t.Parallel()
	_, err := runtime.New(service(nil, "catalog"), config.Default(), runtime.WithLogger(discard))
	if err == nil || !strings.Contains(err.Error(), `"catalog"`) {
		t.Errorf("New: error %v, want one naming the missing upstream \"catalog\"", err)
	}
	cfg := parse(t, "upstreams: {catalog: {endpoints: [\"http://127.0.0.1:1\"]}}\n")
	srv, err := runtime.New(service(nil, "catalog"), cfg, runtime.WithLogger(discard))
	if err != nil {
		t.Fatalf("New with the upstream configured: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestNewReportsSchemaErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name string
		svc  runtime.Service
		want string
	}{
		{"schema error", runtime.Service{Name: "x", NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) { return nil, boom }},
			`build the GraphQL schema of "x": boom`},
		{"no schema", runtime.Service{Name: "x", NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) { return nil, nil }},
			`the NewSchema function of "x" returned no schema: internal error, please report`},
		{"no constructor", runtime.Service{Name: "x"}, `service "x" has no NewSchema function: internal error, please report`},
	}
	for _, tt := range tests {
		_, err := runtime.New(tt.svc, nil, runtime.WithLogger(discard))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	srv := newServer(t, service(nil), config.Default())
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)
	admin := httptest.NewServer(srv.AdminHandler())
	t.Cleanup(admin.Close)

	send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{hello}"}`)
	send(t, http.DefaultClient, "PUT", public.URL+"/graphql", `{}`)

	tests := []struct {
		method, path string
		status       int
		want         []string
	}{
		{"GET", "/livez", 200, []string{"ok\n"}},
		{"GET", "/healthz", 200, []string{"ok\n"}},
		{"HEAD", "/livez", 200, nil},
		{"GET", "/readyz", 200, []string{"ok\n"}},
		{"POST", "/livez", 405, nil},
		{"GET", "/graphql", 404, nil},
		{"GET", "/metrics", 200, []string{
			`bffgen_graphql_requests_total{bffgen_graphql_executor="gqlgen",http_request_method="POST",http_response_status_code="200"`,
			`bffgen_graphql_requests_total{http_request_method="_OTHER",http_response_status_code="405"`,
			`# TYPE bffgen_graphql_request_duration_seconds histogram`,
			`bffgen_graphql_request_duration_seconds_count{bffgen_graphql_executor="gqlgen",http_request_method="POST",http_response_status_code="200"`,
			`service_name="test-bff"`,
			`go_goroutines `,
		}},
	}
	for _, tt := range tests {
		got := send(t, http.DefaultClient, tt.method, admin.URL+tt.path, "")
		if got.status != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, got.status, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(got.body, w) {
				t.Errorf("%s %s: the body lacks %q:\n%s", tt.method, tt.path, w, got.body)
			}
		}
	}
}

func TestServeShutsDownWhenTheContextIsDone(t *testing.T) {
	t.Parallel()
	srv := newServer(t, service(nil), parse(t, "mode: development\n"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, adminLn) }()

	client := &http.Client{Transport: &http.Transport{}}
	if got := send(t, client, "POST", "http://"+ln.Addr().String()+"/graphql", `{"query":"{hello}"}`); got.status != 200 {
		t.Fatalf("query: %d %s", got.status, got.body)
	}
	if got := send(t, client, "GET", "http://"+adminLn.Addr().String()+"/readyz", ""); got.status != 200 {
		t.Fatalf("readyz: %d %s", got.status, got.body)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	client.CloseIdleConnections()
	for _, addr := range []string{ln.Addr().String(), adminLn.Addr().String()} {
		if _, err := client.Get("http://" + addr + "/livez"); err == nil {
			t.Errorf("%s still answers after Serve returned", addr)
		}
	}
	if err := srv.Serve(context.Background(), ln, nil); err == nil {
		t.Error("a second Serve succeeded")
	}
}

func TestServeNeedsAListener(t *testing.T) {
	t.Parallel()
	srv := newServer(t, service(nil), config.Default())
	if err := srv.Serve(context.Background(), nil, nil); err == nil {
		t.Error("Serve without a listener succeeded")
	}
}
