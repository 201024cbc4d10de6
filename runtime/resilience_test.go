package runtime_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/sidecar"
)

// /readyz answers 503 once the only endpoint of an upstream is ejected
// after 5 failed calls in a row (outlier detection is on by default), and
// each failed call is a GraphQL error with code UNAVAILABLE.
func TestReadyzFailsWhenAnUpstreamHasNoHealthyEndpoint(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	svc := emptyCatalogService()
	cfg := parse(t, "upstreams:\n  catalog: {endpoints: [\""+dead.URL+"\"]}\n")
	srv := newServer(t, svc, cfg)
	public := httptest.NewServer(srv.Handler())
	t.Cleanup(public.Close)
	readyz := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}

	if code, body := readyz(); code != 200 {
		t.Fatalf("/readyz before any call = %d %q, want 200", code, body)
	}
	for i := range 5 {
		got := send(t, http.DefaultClient, "POST", public.URL+"/graphql", `{"query":"{product(id: \"7\"){name}}"}`)
		if got.status != 200 || !strings.Contains(got.body, `"code":"UNAVAILABLE"`) {
			t.Fatalf("call %d: %d %s, want 200 with an UNAVAILABLE error", i+1, got.status, got.body)
		}
		if code, _ := readyz(); i < 4 && code != 200 {
			t.Fatalf("/readyz = %d after %d failures, want 200 until the 5th", code, i+1)
		}
	}
	code, body := readyz()
	if want := "upstreams not ready: upstream \"catalog\" has no healthy endpoint (every one is ejected or failing)\n"; code != 503 || body != want {
		t.Errorf("/readyz after 5 failures = %d %q, want 503 %q", code, body, want)
	}

	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []struct{ series, value string }{
		{`bffgen_upstream_ejections_total{bffgen_upstream="catalog",bffgen_upstream_endpoint="1",`, "1"},
		{`bffgen_upstream_endpoints_healthy{bffgen_upstream="catalog",`, "0"},
		{`bffgen_upstream_retries_total{bffgen_retry_kind="transparent",bffgen_upstream="catalog",`, "0"},
		{`bffgen_upstream_attempts_total{bffgen_attempt_outcome="failure",bffgen_upstream="catalog",bffgen_upstream_endpoint="1",`, "5"},
		{`rpc_client_call_duration_seconds_count{bffgen_upstream="catalog",error_type="UNAVAILABLE",otel_scope_name="github.com/bffgen/bffgen/runtime/sidecar",otel_scope_schema_url="",otel_scope_version="",rpc_method="` + strings.TrimPrefix(getProduct, "/") + `",rpc_response_status_code="UNAVAILABLE",rpc_system_name="connectrpc"`, "5"},
	} {
		i := strings.Index(rec.Body.String(), want.series)
		if i < 0 {
			t.Errorf("/metrics lacks %s", want.series)
			continue
		}
		line, _, _ := strings.Cut(rec.Body.String()[i:], "\n")
		if !strings.HasSuffix(line, "} "+want.value) {
			t.Errorf("/metrics: %s, want the value %s", line, want.value)
		}
	}

	// The admin page lists the upstream with its ejected endpoint.
	rec = httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/upstreams", nil))
	var page struct {
		Upstreams []sidecar.Stats `json:"upstreams"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("/upstreams = %d %q %s (%v)", rec.Code, rec.Header().Get("Content-Type"), rec.Body, err)
	}
	want := []sidecar.Stats{{Name: "catalog", Discovery: "static", Endpoints: []sidecar.EndpointStats{{Index: 1, URL: dead.URL, Healthy: false, Reason: sidecar.ReasonEjected, Ejected: true, Ejections: 1, Attempts: sidecar.AttemptCounts{Failure: 5}}}}}
	if !reflect.DeepEqual(page.Upstreams, want) {
		t.Errorf("/upstreams = %+v\nwant %+v", page.Upstreams, want)
	}
}
