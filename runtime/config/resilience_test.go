package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestResilienceKeysDecode(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
upstreams:
  catalog:
    endpoints: ["http://127.0.0.1:9001"]
    load_balancing: round_robin
    outlier_detection: {consecutive_failures: 3, base_ejection_time: 10s, max_ejection_time: 1m, max_ejection_percent: 100}
    retry:
      max_attempts: 3
      methods: [catalog.v1.CatalogService/CreateProduct]
      initial_backoff: 10ms
      max_backoff: 100ms
      budget_percent: 10
      min_retries_per_second: 5
    circuit_breaker: {enabled: true, failure_percent: 80, min_requests: 50, window: 30s, open_time: 10s}
    fault: {delay: 200ms, delay_percent: 5, abort_code: unavailable, abort_percent: 2}
  users:
    endpoints: ["http://127.0.0.1:9002"]
`)
	got := cfg.Upstreams["catalog"]
	if got.LoadBalancing != config.LoadBalancingRoundRobin {
		t.Errorf("load_balancing = %q", got.LoadBalancing)
	}
	if want := (config.OutlierDetection{ConsecutiveFailures: 3, BaseEjectionTime: 10 * time.Second, MaxEjectionTime: time.Minute, MaxEjectionPercent: 100}); got.OutlierDetection != want {
		t.Errorf("outlier_detection = %+v, want %+v", got.OutlierDetection, want)
	}
	if want := (config.Retry{MaxAttempts: 3, Methods: []string{"catalog.v1.CatalogService/CreateProduct"}, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, BudgetPercent: 10, MinRetriesPerSecond: 5}); !reflect.DeepEqual(got.Retry, want) {
		t.Errorf("retry = %+v, want %+v", got.Retry, want)
	}
	if want := (config.CircuitBreaker{Enabled: true, FailurePercent: 80, MinRequests: 50, Window: 30 * time.Second, OpenTime: 10 * time.Second}); got.CircuitBreaker != want {
		t.Errorf("circuit_breaker = %+v, want %+v", got.CircuitBreaker, want)
	}
	if want := (config.Fault{Delay: 200 * time.Millisecond, DelayPercent: 5, AbortCode: "unavailable", AbortPercent: 2}); got.Fault != want {
		t.Errorf("fault = %+v, want %+v", got.Fault, want)
	}
	// Left out: zero values, which mean the documented defaults.
	if u := cfg.Upstreams["users"]; u.LoadBalancing != "" || u.OutlierDetection != (config.OutlierDetection{}) || u.CircuitBreaker != (config.CircuitBreaker{}) || u.Retry.MaxAttempts != 0 {
		t.Errorf("users = %+v, want zero resilience settings", u)
	}
}

func TestResilienceKeysProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown policy", "load_balancing: least_request", `bff.yaml:5:21: unknown load_balancing "least_request" for upstream "catalog": use "p2c" or "round_robin"`},
		{"negative failures", "outlier_detection: {consecutive_failures: -1}", `bff.yaml:5:47: consecutive_failures of upstream "catalog" must not be negative, got -1: leave it out for 5, or set disabled: true`},
		{"percent over 100", "outlier_detection: {max_ejection_percent: 150}", `bff.yaml:5:47: max_ejection_percent of upstream "catalog" must be from 1 to 100, got 150: leave it out for the default`},
		{"max ejection under base", "outlier_detection: {base_ejection_time: 1m, max_ejection_time: 30s}", `bff.yaml:5:68: max_ejection_time (30s) of upstream "catalog" is shorter than base_ejection_time (1m0s)`},
		{"too many attempts", "retry: {max_attempts: 6}", `bff.yaml:5:27: max_attempts of upstream "catalog" must be from 1 to 5, got 6: 1 turns retries off`},
		{"bad method", "retry: {methods: [CreateProduct]}", `bff.yaml:5:23: retry method "CreateProduct" of upstream "catalog": want "package.Service/Method"`},
		{"negative backoff", "retry: {initial_backoff: -1s}", `bff.yaml:5:30: "upstreams.catalog.retry.initial_backoff" must not be negative, got -1s: leave it out for the default`},
		{"negative per-try timeout", "retry: {per_try_timeout: -1s}", `bff.yaml:5:30: "upstreams.catalog.retry.per_try_timeout" must not be negative, got -1s: leave it out for the default`},
		{"budget over 100", "retry: {budget_percent: 101}", `bff.yaml:5:29: budget_percent of upstream "catalog" must be from 0 to 100, got 101`},
		{"fault share over 100", "fault: {abort_code: unavailable, abort_percent: 120}", `bff.yaml:5:53: abort_percent must be from 0 to 100, got 120`},
		{"fault abort without a code", "fault: {abort_percent: 10}", `bff.yaml:5:5: abort_percent is 10 but no abort_code is set: add one, such as "unavailable"`},
		{"fault with an unknown code", "fault: {abort_code: gone, abort_percent: 10}", `bff.yaml:5:25: unknown abort_code "gone": use one of canceled, unknown, invalid_argument, deadline_exceeded, not_found, already_exists, permission_denied, resource_exhausted, failed_precondition, aborted, out_of_range, unimplemented, internal, unavailable, data_loss, unauthenticated`},
		{"fault delay share without a delay", "fault: {delay_percent: 10}", `bff.yaml:5:5: delay_percent is 10 but no delay is set: add upstreams.catalog.fault.delay, such as 200ms`},
		{"typo in breaker", "circuit_breaker: {enable: true}", `bff.yaml:5:23: unknown key "enable" in "upstreams.catalog.circuit_breaker"; did you mean "enabled"? (allowed: enabled, failure_percent, min_requests, open_time, window)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "upstreams:\n  catalog:\n    endpoints: [\"http://127.0.0.1:9001\"]\n\n    " + tc.src + "\n"
			_, err := config.Parse([]byte(src), "bff.yaml")
			got := problems(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("problems:\n got: %q\nwant: [%q]", got, tc.want)
			}
		})
	}
}
