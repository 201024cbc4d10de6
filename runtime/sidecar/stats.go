package sidecar

import "time"

// Stats is a snapshot of the resilience state of an upstream.
type Stats struct {
	// Retries counts the retries of unary calls (attempts after the first
	// that a retry policy allowed), TransparentRetries the requests sent
	// again because the first endpoint provably never got them.
	Retries, TransparentRetries int64
	// BudgetExhausted counts the retries refused by the retry budget.
	BudgetExhausted int64
	// BreakerState is "closed", "open" or "half-open", or "" when the
	// upstream has no breaker; BreakerRejections counts the calls it
	// failed at once while open.
	BreakerState      string
	BreakerRejections int64
	// Endpoints are the endpoints in configuration order.
	Endpoints []EndpointStats
}

// EndpointStats is a snapshot of one endpoint of an upstream.
type EndpointStats struct {
	// Index is the 1-based position of the endpoint in the configuration.
	Index int
	// Healthy is false while the endpoint is ejected, or has failed as
	// many attempts in a row as ejects one (the cap on ejections may keep
	// it in use); always true when outlier detection is disabled.
	Healthy bool
	// Ejected reports whether the endpoint is ejected now; Ejections
	// counts its ejections so far.
	Ejected   bool
	Ejections int
	// Outstanding is the number of attempts in flight.
	Outstanding int64
}

// Stats returns a snapshot of the upstream's counters and endpoints.
func (u *Upstream) Stats() Stats {
	s := Stats{
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
		es := EndpointStats{Index: ep.index, Healthy: u.outliers.healthy(ep, now), Ejected: ep.ejected(now), Outstanding: ep.outstanding.Load()}
		ep.mu.Lock()
		es.Ejections = ep.ejectedTotal
		ep.mu.Unlock()
		s.Endpoints = append(s.Endpoints, es)
	}
	return s
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
