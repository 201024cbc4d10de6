package sidecar

import (
	"maps"
	"slices"
	"time"
)

// Stats is a snapshot of the resilience state of an upstream. Its JSON
// form is what the admin endpoint /upstreams lists.
type Stats struct {
	// Name is the upstream's name, its key under upstreams: in bff.yaml.
	Name string `json:"name"`
	// Retries counts the retries of unary calls (attempts after the first
	// that a retry policy allowed), TransparentRetries the requests sent
	// again because the first endpoint provably never got them.
	Retries            int64 `json:"retries"`
	TransparentRetries int64 `json:"transparent_retries"`
	// BudgetExhausted counts the retries refused by the retry budget.
	BudgetExhausted int64 `json:"budget_exhausted"`
	// BreakerState is "closed", "open" or "half-open", or "" when the
	// upstream has no breaker; BreakerRejections counts the calls it
	// failed at once while open.
	BreakerState      string `json:"breaker_state,omitempty"`
	BreakerRejections int64  `json:"breaker_rejections"`
	// Discovery says where the endpoints come from: "static" (endpoints:
	// of bff.yaml), "dns", "srv", or the kind of a registered source
	// (discovery.source).
	Discovery string `json:"discovery"`
	// DiscoveryFailures counts the failed answers of the upstream's
	// source (a DNS lookup that failed: the last set was kept);
	// DiscoveryError is the error of the last answer, "" when it
	// succeeded. Both stay zero for static endpoints.
	DiscoveryFailures int64  `json:"discovery_failures"`
	DiscoveryError    string `json:"discovery_error,omitempty"`
	// HealthChecks counts the active health checks made, and
	// HealthCheckFailures those that failed; both zero when the upstream
	// has no health_check.
	HealthChecks        int64 `json:"health_checks"`
	HealthCheckFailures int64 `json:"health_check_failures"`
	// Endpoints are the endpoints, by id (Index).
	Endpoints []EndpointStats `json:"endpoints"`

	// Split lists the groups of the upstream's weighted split, the
	// upstream itself first; nil without a split. Mirror is its mirror,
	// Hedging its hedging counters; nil when off.
	Split   []SplitStats  `json:"split,omitempty"`
	Mirror  *MirrorStats  `json:"mirror,omitempty"`
	Hedging *HedgingStats `json:"hedging,omitempty"`
}

// Reasons an endpoint is unhealthy, the values of [EndpointStats.Reason].
const (
	// ReasonHealthCheck: it fails its active health check.
	ReasonHealthCheck = "health_check"
	// ReasonEjected: outlier detection ejected it.
	ReasonEjected = "ejected"
	// ReasonFailing: its attempts failed as many times in a row as eject
	// an endpoint, but the cap on ejections keeps it in use.
	ReasonFailing = "failing"
)

// EndpointStats is a snapshot of one endpoint of an upstream.
type EndpointStats struct {
	// Index is the endpoint's id, which logs and metrics use too: for an
	// endpoint of endpoints: in bff.yaml its 1-based position there; for a
	// discovered endpoint, the number of addresses the upstream had seen
	// when it appeared (the first three found are 1, 2, 3; an address
	// found later is 4, and so on). An endpoint keeps its id while it stays
	// in the set; an address that leaves and comes back gets a new one.
	Index int `json:"index"`
	// URL is the endpoint's configured or discovered URL (endpoint URLs
	// never hold credentials: the configuration refuses them).
	URL string `json:"url"`
	// Healthy is false while the endpoint fails its active health check,
	// is ejected, or has failed as many attempts in a row as ejects one
	// (the cap on ejections may keep it in use); Reason says which. With
	// outlier detection disabled and no health check it is always true.
	Healthy bool `json:"healthy"`
	// Reason is why the endpoint is unhealthy: [ReasonHealthCheck],
	// [ReasonEjected] or [ReasonFailing], the first that holds in that
	// order; "" when it is healthy.
	Reason string `json:"reason,omitempty"`
	// Ejected reports whether the endpoint is ejected now; Ejections
	// counts its ejections so far.
	Ejected   bool `json:"ejected"`
	Ejections int  `json:"ejections"`
	// Outstanding is the number of attempts in flight.
	Outstanding int64 `json:"outstanding"`
	// Attempts counts the attempts on the endpoint that ended so far, by
	// outcome (see [AttemptCounts]).
	Attempts AttemptCounts `json:"attempts"`
}

// AttemptCounts counts the attempts on one endpoint by outcome, as
// outlier detection, the balancer and the breaker see them (see
// docs/resilience.md, What counts as a failure). A call has one attempt
// per endpoint it was sent to: retries and transparent retries add
// attempts; a call failed by fault injection or an open breaker has none.
type AttemptCounts struct {
	// Success: the endpoint answered, with a response or an error that is
	// not its fault (NOT_FOUND, INVALID_ARGUMENT, ...).
	Success int64 `json:"success"`
	// Failure: a connection error, or UNAVAILABLE, INTERNAL, UNKNOWN,
	// DATA_LOSS or DEADLINE_EXCEEDED.
	Failure int64 `json:"failure"`
	// Canceled: the call ended before the endpoint answered (the caller
	// gave up, or its deadline passed while the request was being sent):
	// nothing is learnt about the endpoint.
	Canceled int64 `json:"canceled"`
}

// Stats returns a snapshot of the upstream's counters and endpoints.
func (u *Upstream) Stats() Stats {
	s := Stats{
		Name:               u.name,
		Retries:            u.retries.Load(),
		TransparentRetries: u.transparentRetries.Load(),
		BudgetExhausted:    u.budgetExhausted.Load(),
		BreakerRejections:  u.breakerRejections.Load(),
	}
	if u.breaker != nil {
		s.BreakerState = u.breaker.state()
	}
	s.Discovery = u.discovery
	s.DiscoveryFailures = u.discoveryFailures.Load()
	s.DiscoveryError, _ = u.discoveryErr.Load().(string)
	if u.checker != nil {
		s.HealthChecks = u.checker.checks.Load()
		s.HealthCheckFailures = u.checker.failedChecks.Load()
	}
	u.trafficStats(&s)
	now := time.Now()
	for _, ep := range (*u.picker.Load()).all() {
		es := EndpointStats{Index: ep.index, URL: ep.addr, Ejected: ep.ejected(now), Outstanding: ep.outstanding.Load()}
		es.Reason = u.unhealthy(ep, now)
		es.Healthy = es.Reason == ""
		es.Attempts = AttemptCounts{Success: ep.attempts[outcomeSuccess].Load(), Failure: ep.attempts[outcomeFailure].Load(), Canceled: ep.attempts[outcomeIgnored].Load()}
		ep.mu.Lock()
		es.Ejections = ep.ejectedTotal
		ep.mu.Unlock()
		s.Endpoints = append(s.Endpoints, es)
	}
	return s
}

// unhealthy returns why ep is unhealthy at now (see EndpointStats.Reason),
// or "".
func (u *Upstream) unhealthy(ep *endpoint, now time.Time) string {
	switch {
	case ep.checkFailing.Load():
		return ReasonHealthCheck
	case ep.ejected(now):
		return ReasonEjected
	case !u.outliers.healthy(ep, now):
		return ReasonFailing
	}
	return ""
}

// Stats returns a snapshot of every upstream of the set, sorted by name.
func (s *Set) Stats() []Stats {
	out := make([]Stats, 0, len(s.upstreams))
	for _, name := range slices.Sorted(maps.Keys(s.upstreams)) {
		out = append(out, s.upstreams[name].Stats())
	}
	return out
}

// healthyEndpoints returns the number of healthy endpoints (see
// EndpointStats.Healthy).
func (u *Upstream) healthyEndpoints() int {
	now := time.Now()
	n := 0
	for _, ep := range (*u.picker.Load()).all() {
		if u.unhealthy(ep, now) == "" {
			n++
		}
	}
	return n
}
