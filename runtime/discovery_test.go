package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// emptyCatalogService is a service that needs the upstream "catalog": its
// product query calls /test.v1.CatalogService/GetProduct with an empty
// message and answers null, or the call's error.
func emptyCatalogService() runtime.Service {
	return runtime.Service{
		Name:      "shop",
		Upstreams: []string{"catalog"},
		NewSchema: func(up *sidecar.Set) (graphql.ExecutableSchema, error) {
			client := sidecar.Client(up, "catalog", func(hc connect.HTTPClient, base string, opts ...connect.ClientOption) *connect.Client[emptypb.Empty, emptypb.Empty] {
				return connect.NewClient[emptypb.Empty, emptypb.Empty](hc, base+getProduct, opts...)
			})
			return testschema.New(&testschema.Resolver{
				Product: func(ctx context.Context, _ string) (*testschema.Product, error) {
					_, err := client.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
					return nil, err
				},
			}), nil
		},
	}
}

// readyz returns the status and body of the server's /readyz.
func readyz(srv *runtime.Server) (int, string) {
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	return rec.Code, rec.Body.String()
}

// upstreamsPage returns the server's GET /upstreams.
func upstreamsPage(t *testing.T, srv *runtime.Server) []sidecar.Stats {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/upstreams", nil))
	var page struct {
		Upstreams []sidecar.Stats `json:"upstreams"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatalf("/upstreams: %v", err)
	}
	return page.Upstreams
}

// until polls cond for up to 10s.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 10s", what)
		}
	}
}

// /readyz answers 503 while the only endpoint fails its active health
// check, and /upstreams says why; 200 once it passes again.
func TestReadyzFollowsTheActiveHealthCheck(t *testing.T) {
	t.Parallel()
	health := grpchealth.NewStaticChecker()
	health.SetStatus("", grpchealth.StatusNotServing)
	backend := httptest.NewServer(func() http.Handler { _, h := grpchealth.NewHandler(health); return h }())
	t.Cleanup(backend.Close)
	cfg := parse(t, "upstreams:\n  catalog:\n    endpoints: [\""+backend.URL+"\"]\n    health_check: {enabled: true, interval: 20ms, timeout: 20ms, healthy_threshold: 1}\n")
	srv := newServer(t, emptyCatalogService(), cfg)

	until(t, "503", func() bool { code, _ := readyz(srv); return code == 503 })
	if _, body := readyz(srv); body != "upstreams not ready: upstream \"catalog\" has no healthy endpoint (every one is ejected or failing)\n" {
		t.Errorf("/readyz body %q", body)
	}
	if ep := upstreamsPage(t, srv)[0].Endpoints[0]; ep.Healthy || ep.Reason != sidecar.ReasonHealthCheck {
		t.Errorf("/upstreams endpoint %+v, want unhealthy for its health check", ep)
	}
	health.SetStatus("", grpchealth.StatusServing)
	until(t, "200", func() bool { code, _ := readyz(srv); return code == 200 })
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, series := range []string{
		`bffgen_upstream_health_checks_total{bffgen_health_check_result="failed",bffgen_upstream="catalog",`,
		`bffgen_upstream_health_checks_total{bffgen_health_check_result="passed",bffgen_upstream="catalog",`,
	} {
		if !strings.Contains(rec.Body.String(), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

// runtimeDNS answers A records for one name, or NXDOMAIN.
type runtimeDNS struct {
	mu    sync.Mutex
	addrs []string
	asked int
}

func (d *runtimeDNS) lookups() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asked
}

func (d *runtimeDNS) LookupHost(_ context.Context, host string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked++
	if len(d.addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return d.addrs, nil
}

func (d *runtimeDNS) LookupSRV(context.Context, string, string, string) (string, []*net.SRV, error) {
	return "", nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

// An upstream found in DNS: /readyz answers 503 while the name has no
// address (scaled to zero), 200 once it has one; /upstreams lists the
// discovered endpoint.
func TestReadyzWithDNSDiscovery(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(backend.Close)
	u, _ := url.Parse(backend.URL)
	for _, tc := range []struct {
		name  string
		addrs []string
		code  int
		body  string
	}{
		{"no address", nil, 503, "upstreams not ready: upstream \"catalog\" has no endpoint\n"},
		{"one address", []string{u.Hostname()}, 200, "ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parse(t, "upstreams:\n  catalog:\n    discovery: {dns: catalog.shop.svc.cluster.local, port: "+u.Port()+"}\n")
			dns := &runtimeDNS{addrs: tc.addrs}
			srv := newServer(t, emptyCatalogService(), cfg, runtime.WithUpstreamOptions(sidecar.WithResolver(dns)))
			until(t, "the first answer", func() bool { return dns.lookups() > 0 && len(upstreamsPage(t, srv)[0].Endpoints) == len(tc.addrs) })
			if got := upstreamsPage(t, srv)[0].Discovery; got != "dns" {
				t.Errorf("/upstreams discovery %q, want dns", got)
			}
			if code, body := readyz(srv); code != tc.code || body != tc.body {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, tc.code, tc.body)
			}
			if tc.addrs != nil {
				if got := upstreamsPage(t, srv)[0].Endpoints[0]; got.URL != backend.URL || got.Index != 1 {
					t.Errorf("/upstreams endpoint %+v, want %s with id 1", got, backend.URL)
				}
			}
			rec := httptest.NewRecorder()
			srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			for _, series := range []string{
				fmt.Sprintf(`bffgen_upstream_endpoints{bffgen_upstream="catalog",otel_scope_name="github.com/bffgen/bffgen/runtime/sidecar",otel_scope_schema_url="",otel_scope_version=""} %d`, len(tc.addrs)),
				`bffgen_upstream_discovery_failures_total{bffgen_upstream="catalog",otel_scope_name="github.com/bffgen/bffgen/runtime/sidecar",otel_scope_schema_url="",otel_scope_version=""} 0`,
			} {
				if !strings.Contains(rec.Body.String(), series) {
					t.Errorf("/metrics lacks %s", series)
				}
			}
		})
	}
}
