package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Defaults of the resilience settings of an upstream (docs/resilience.md).
// A zero field of [OutlierDetection], [Retry] or [CircuitBreaker] means
// these values, both in a loaded file and in a Config built in Go, so
// the loaded Config keeps the zeros.
const (
	DefaultConsecutiveFailures   = 5
	DefaultBaseEjectionTime      = 30 * time.Second
	DefaultMaxEjectionTime       = 300 * time.Second
	DefaultMaxEjectionPercent    = 50
	DefaultMaxAttempts           = 2
	MaxMaxAttempts               = 5
	DefaultInitialBackoff        = 25 * time.Millisecond
	DefaultMaxBackoff            = 250 * time.Millisecond
	DefaultBudgetPercent         = 20
	DefaultMinRetriesPerSecond   = 10
	DefaultBreakerFailurePercent = 50
	DefaultBreakerMinRequests    = 20
	DefaultBreakerWindow         = 10 * time.Second
	DefaultBreakerOpenTime       = 5 * time.Second
)

// resilience checks the resilience settings of upstream name.
func (v *validator) resilience(name string, u Upstream) {
	p := "upstreams." + name
	v.fault(p+".fault", u.Fault)
	switch u.LoadBalancing {
	case "", LoadBalancingP2C, LoadBalancingRoundRobin:
	default:
		v.errorf(p+".load_balancing", "unknown load_balancing %q for upstream %q: use %q or %q", u.LoadBalancing, name, LoadBalancingP2C, LoadBalancingRoundRobin)
	}
	o := u.OutlierDetection
	if o.ConsecutiveFailures < 0 {
		v.errorf(p+".outlier_detection.consecutive_failures", "consecutive_failures of upstream %q must not be negative, got %d: leave it out for %d, or set disabled: true", name, o.ConsecutiveFailures, DefaultConsecutiveFailures)
	}
	v.nonNegative(p+".outlier_detection.base_ejection_time", o.BaseEjectionTime)
	v.nonNegative(p+".outlier_detection.max_ejection_time", o.MaxEjectionTime)
	if o.BaseEjectionTime > 0 && o.MaxEjectionTime > 0 && o.MaxEjectionTime < o.BaseEjectionTime {
		v.errorf(p+".outlier_detection.max_ejection_time", "max_ejection_time (%s) of upstream %q is shorter than base_ejection_time (%s)", o.MaxEjectionTime, name, o.BaseEjectionTime)
	}
	v.percent(p+".outlier_detection", "max_ejection_percent", name, o.MaxEjectionPercent)
	r := u.Retry
	if r.MaxAttempts < 0 || r.MaxAttempts > MaxMaxAttempts {
		v.errorf(p+".retry.max_attempts", "max_attempts of upstream %q must be from 1 to %d, got %d: 1 turns retries off", name, MaxMaxAttempts, r.MaxAttempts)
	}
	for i, m := range r.Methods {
		if !validMethod(m) {
			v.errorf(fmt.Sprintf("%s.retry.methods[%d]", p, i), "retry method %q of upstream %q: want \"package.Service/Method\"", m, name)
		}
	}
	v.nonNegative(p+".retry.initial_backoff", r.InitialBackoff)
	v.nonNegative(p+".retry.max_backoff", r.MaxBackoff)
	v.nonNegative(p+".retry.per_try_timeout", r.PerTryTimeout)
	if r.BudgetPercent < 0 || r.BudgetPercent > 100 {
		v.errorf(p+".retry.budget_percent", "budget_percent of upstream %q must be from 0 to 100, got %d", name, r.BudgetPercent)
	}
	if r.MinRetriesPerSecond < 0 {
		v.errorf(p+".retry.min_retries_per_second", "min_retries_per_second of upstream %q must not be negative, got %d", name, r.MinRetriesPerSecond)
	}
	b := u.CircuitBreaker
	v.percent(p+".circuit_breaker", "failure_percent", name, b.FailurePercent)
	if b.MinRequests < 0 {
		v.errorf(p+".circuit_breaker.min_requests", "min_requests of upstream %q must not be negative, got %d", name, b.MinRequests)
	}
	v.nonNegative(p+".circuit_breaker.window", b.Window)
	v.nonNegative(p+".circuit_breaker.open_time", b.OpenTime)
}

// nonNegative reports a negative duration at path.
func (v *validator) nonNegative(path string, d time.Duration) {
	if d < 0 {
		v.errorf(path, "%q must not be negative, got %s: leave it out for the default", path, d)
	}
}

// percent reports a percentage key of parent outside 0..100 (0 is the
// default).
func (v *validator) percent(parent, key, name string, pct int) {
	if pct < 0 || pct > 100 {
		v.errorf(parent+"."+key, "%s of upstream %q must be from 1 to 100, got %d: leave it out for the default", key, name, pct)
	}
}

// validMethod reports whether m reads "package.Service/Method", with or
// without a leading slash.
func validMethod(m string) bool {
	svc, method, ok := strings.Cut(strings.TrimPrefix(m, "/"), "/")
	return ok && svc != "" && method != "" && !strings.Contains(method, "/") && strings.Contains(svc, ".") && !strings.ContainsAny(m, " \t")
}

// faultCodes are the codes an injected failure may have: connect's, in
// snake case, but "ok".
var faultCodes = []string{"canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
	"already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted",
	"out_of_range", "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated"}

// fault checks the fault injection at path p.
func (v *validator) fault(p string, f Fault) {
	for _, x := range []struct {
		key string
		pct int
	}{{"delay_percent", f.DelayPercent}, {"abort_percent", f.AbortPercent}} {
		if x.pct < 0 || x.pct > 100 {
			v.errorf(p+"."+x.key, "%s must be from 0 to 100, got %d", x.key, x.pct)
		}
	}
	v.nonNegative(p+".delay", f.Delay)
	if f.DelayPercent > 0 && f.Delay == 0 {
		v.errorf(p+".delay", "delay_percent is %d but no delay is set: add %s, such as 200ms", f.DelayPercent, p+".delay")
	}
	switch {
	case f.AbortCode == "" && f.AbortPercent > 0:
		v.errorf(p+".abort_code", "abort_percent is %d but no abort_code is set: add one, such as %q", f.AbortPercent, "unavailable")
	case f.AbortCode != "" && !slices.Contains(faultCodes, f.AbortCode):
		v.errorf(p+".abort_code", "unknown abort_code %q: use one of %s", f.AbortCode, strings.Join(faultCodes, ", "))
	}
}
