package config_test

import (
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestDiscoveryAndHealthCheckKeysDecode(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
upstreams:
  catalog:
    discovery: {dns: catalog.shop.svc.cluster.local, port: 9001, scheme: https, interval: 10s}
    tls: {server_name: catalog.internal}
    health_check: {enabled: true, interval: 5s, timeout: 1s, service: catalog.v1.CatalogService, unhealthy_threshold: 2, healthy_threshold: 1}
  reviews:
    discovery: {srv: _grpc._tcp.reviews.shop.svc.cluster.local}
  users:
    discovery: {source: kubernetes, target: "users.shop:grpc"}
`)
	for name, want := range map[string]config.Discovery{
		"catalog": {DNS: "catalog.shop.svc.cluster.local", Port: 9001, Scheme: "https", Interval: 10 * time.Second},
		"reviews": {SRV: "_grpc._tcp.reviews.shop.svc.cluster.local"},
		"users":   {Source: "kubernetes", Target: "users.shop:grpc"},
	} {
		if got := cfg.Upstreams[name].Discovery; got != want {
			t.Errorf("%s: discovery = %+v, want %+v", name, got, want)
		}
		if !cfg.Upstreams[name].Discovery.Enabled() {
			t.Errorf("%s: Discovery.Enabled() = false", name)
		}
	}
	if want := (config.HealthCheck{Enabled: true, Interval: 5 * time.Second, Timeout: time.Second, Service: "catalog.v1.CatalogService", UnhealthyThreshold: 2, HealthyThreshold: 1}); cfg.Upstreams["catalog"].HealthCheck != want {
		t.Errorf("health_check = %+v, want %+v", cfg.Upstreams["catalog"].HealthCheck, want)
	}
	// Left out: zero values, which mean the documented defaults.
	if h := cfg.Upstreams["reviews"].HealthCheck; h != (config.HealthCheck{}) {
		t.Errorf("reviews: health_check = %+v, want the zero value", h)
	}
}

func TestDiscoveryAndHealthCheckProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"both endpoints and discovery", "endpoints: [\"http://127.0.0.1:9001\"]\n    discovery: {dns: catalog, port: 9001}",
			`bff.yaml:3:5: upstream "catalog" has both endpoints and discovery: they are mutually exclusive, remove one`},
		{"neither endpoints nor discovery", "protocol: grpc",
			`bff.yaml:2:3: upstream "catalog" has no endpoints: add upstreams.catalog.endpoints: ["http://host:port"], or upstreams.catalog.discovery to find them in DNS`},
		{"dns and srv", "discovery: {dns: catalog, port: 9001, srv: _grpc._tcp.catalog}",
			`bff.yaml:3:48: upstreams.catalog.discovery sets dns and srv: set only one of dns, srv and source`},
		{"dns without a port", "discovery: {dns: catalog.shop.svc.cluster.local}",
			`bff.yaml:3:22: upstreams.catalog.discovery.dns needs upstreams.catalog.discovery.port: the port of the endpoints, such as 9001`},
		{"port out of range", "discovery: {dns: catalog, port: 70000}",
			`bff.yaml:3:37: port 70000 of upstream "catalog" must be from 1 to 65535`},
		{"dns with a port in the name", "discovery: {dns: \"catalog:9001\", port: 9001}",
			`bff.yaml:3:22: invalid dns name "catalog:9001": write the name without a port (set port)`},
		{"dns as a URL", "discovery: {dns: \"http://catalog\", port: 9001}",
			`bff.yaml:3:22: invalid dns name "http://catalog": write the name alone, without a scheme, such as "catalog.shop.svc.cluster.local"`},
		{"srv with a port", "discovery: {srv: _grpc._tcp.catalog, port: 9001}",
			`bff.yaml:3:48: upstreams.catalog.discovery.port does not apply to srv: SRV records carry the port of each endpoint; remove it`},
		{"unknown scheme", "discovery: {srv: _grpc._tcp.catalog, scheme: h2c}",
			`bff.yaml:3:50: unknown scheme "h2c" for upstream "catalog": use "http" or "https"`},
		{"interval under a second", "discovery: {srv: _grpc._tcp.catalog, interval: 100ms}",
			`bff.yaml:3:52: interval of upstream "catalog" must be at least 1s, got 100ms: every lookup is a DNS query; leave it out for 30s`},
		{"target without a source", "discovery: {srv: _grpc._tcp.catalog, target: x}",
			`bff.yaml:3:50: upstreams.catalog.discovery.target needs upstreams.catalog.discovery.source: the name of the endpoint source it is given to`},
		{"interval with a source", "discovery: {source: kubernetes, interval: 5s}",
			`bff.yaml:3:47: upstreams.catalog.discovery.interval does not apply to source "kubernetes": the source finds the endpoints; remove it, or pass it in upstreams.catalog.discovery.target`},
		{"port without dns", "endpoints: [\"http://127.0.0.1:9001\"]\n    discovery: {port: 9001}",
			`bff.yaml:4:23: upstreams.catalog.discovery.port is set but nothing to discover: add upstreams.catalog.discovery.dns (with port), upstreams.catalog.discovery.srv or upstreams.catalog.discovery.source`},
		{"tls on plain http discovery", "discovery: {srv: _grpc._tcp.catalog}\n    tls: {ca_file: /etc/ca.pem}",
			`bff.yaml:3:5: the endpoints found in DNS are plain HTTP but "upstreams.catalog.tls" is set: add upstreams.catalog.discovery.scheme: https, or remove "upstreams.catalog.tls"`},
		{"health check keys while off", "endpoints: [\"http://127.0.0.1:9001\"]\n    health_check: {interval: 5s}",
			`bff.yaml:4:30: upstreams.catalog.health_check.interval is set but the health check is off: add upstreams.catalog.health_check.enabled: true`},
		{"health check timeout over interval", "endpoints: [\"http://127.0.0.1:9001\"]\n    health_check: {enabled: true, interval: 1s, timeout: 3s}",
			`bff.yaml:4:58: timeout (3s) of the health check of upstream "catalog" is longer than its interval (1s): a check must end before the next one`},
		{"health check interval under the default timeout", "endpoints: [\"http://127.0.0.1:9001\"]\n    health_check: {enabled: true, interval: 1s}",
			`bff.yaml:4:45: timeout (2s) of the health check of upstream "catalog" is longer than its interval (1s): a check must end before the next one`},
		{"negative threshold", "endpoints: [\"http://127.0.0.1:9001\"]\n    health_check: {enabled: true, unhealthy_threshold: -1}",
			`bff.yaml:4:56: unhealthy_threshold of upstream "catalog" must be at least 1, got -1: leave it out for the default`},
		{"typo in health check", "endpoints: [\"http://127.0.0.1:9001\"]\n    health_check: {enable: true}",
			`bff.yaml:4:20: unknown key "enable" in "upstreams.catalog.health_check"; did you mean "enabled"? (allowed: enabled, healthy_threshold, interval, service, timeout, unhealthy_threshold)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "upstreams:\n  catalog:\n    " + tc.src + "\n"
			_, err := config.Parse([]byte(src), "bff.yaml")
			got := problems(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("problems:\n got: %q\nwant: [%q]", got, tc.want)
			}
		})
	}
}
