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
	// Endpoints are the endpoints in configuration order.
	Endpoints []EndpointStats `json:"endpoints"`
}

// EndpointStats is a snapshot of one endpoint of an upstream.
type EndpointStats struct {
	// Index is the 1-based position of the endpoint in the configuration.
	Index int `json:"index"`
	// URL is the endpoint's configured URL (endpoint URLs never hold
	// credentials: the configuration refuses them).
	URL string `json:"url"`
	// Healthy is false while the endpoint is ejected, or has failed as
	// many attempts in a row as ejects one (the cap on ejections may keep
	// it in use); always true when outlier detection is disabled.
	Healthy bool `json:"healthy"`
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
	now := time.Now()
	for _, ep := range (*u.picker.Load()).all() {
		es := EndpointStats{Index: ep.index, URL: ep.addr, Healthy: u.outliers.healthy(ep, now), Ejected: ep.ejected(now), Outstanding: ep.outstanding.Load()}
		es.Attempts = AttemptCounts{Success: ep.attempts[outcomeSuccess].Load(), Failure: ep.attempts[outcomeFailure].Load(), Canceled: ep.attempts[outcomeIgnored].Load()}
		ep.mu.Lock()
		es.Ejections = ep.ejectedTotal
		ep.mu.Unlock()
		s.Endpoints = append(s.Endpoints, es)
	}
	return s
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
		if u.outliers.healthy(ep, now) {
			n++
		}
	}
	return n
}
