package sidecar

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Constants of the latency estimate of the p2c picker (Linkerd's PeakEWMA
// defaults).
const (
	// defaultRTT is the latency estimate of an endpoint before its first
	// answer.
	defaultRTT = 30 * time.Millisecond
	// ewmaDecay is the time constant of the estimate: an old sample weighs
	// 1/e after it, and an idle endpoint's estimate decays toward zero
	// with it, so that an endpoint that failed is tried again in time.
	ewmaDecay = 10 * time.Second
)

// errNoEndpoint is the error of a pick when the upstream has no endpoint.
var errNoEndpoint = errors.New("no endpoint available")

// picker chooses the endpoint of each attempt. A picker never changes after
// it is built (the state of its endpoints does) and is safe for concurrent
// use: a balancer that sees the endpoints change builds a new picker and
// swaps it in.
type picker interface {
	// pick returns the endpoint for the next attempt, or errNoEndpoint. It
	// avoids ejected endpoints (and those failing their active health
	// check: see avoided) and those in exclude (the endpoints a call
	// already tried), in that order of importance: with every endpoint
	// excluded it picks a tried one, and with every endpoint ejected any
	// one (rather than fail a call that might succeed, as Envoy's panic
	// mode does).
	pick(exclude []*endpoint, now time.Time) (*endpoint, error)
	// all returns the endpoints the picker chooses from.
	all() []*endpoint
}

// candidates returns the endpoints of eps a pick should choose from at
// now: those neither ejected nor excluded, else those not ejected, else
// all. buf is storage for the result.
func candidates(eps, exclude []*endpoint, now time.Time, buf []*endpoint) []*endpoint {
	out := buf[:0]
	for _, ep := range eps {
		if !ep.avoided(now) && !contains(exclude, ep) {
			out = append(out, ep)
		}
	}
	if len(out) > 0 || len(exclude) == 0 {
		if len(out) == 0 {
			return eps
		}
		return out
	}
	for _, ep := range eps {
		if !ep.avoided(now) {
			out = append(out, ep)
		}
	}
	if len(out) == 0 {
		return eps
	}
	return out
}

// contains reports whether eps holds ep.
func contains(eps []*endpoint, ep *endpoint) bool {
	for _, e := range eps {
		if e == ep {
			return true
		}
	}
	return false
}

// roundRobin picks its endpoints in turn, skipping the ejected and excluded
// ones.
type roundRobin struct {
	endpoints []*endpoint
	next      atomic.Uint64
}

// newRoundRobin returns a picker over endpoints, which it does not copy:
// the caller must not change the slice afterwards.
func newRoundRobin(endpoints []*endpoint) *roundRobin {
	return &roundRobin{endpoints: endpoints}
}

// pick returns the endpoint after the one of the previous pick among the
// candidates.
func (p *roundRobin) pick(exclude []*endpoint, now time.Time) (*endpoint, error) {
	n := uint64(len(p.endpoints))
	if n == 0 {
		return nil, errNoEndpoint
	}
	start := p.next.Add(1) - 1
	for i := range n {
		ep := p.endpoints[(start+i)%n]
		if !ep.avoided(now) && !contains(exclude, ep) {
			return ep, nil
		}
	}
	var buf [8]*endpoint
	c := candidates(p.endpoints, exclude, now, buf[:])
	return c[start%uint64(len(c))], nil
}

// all returns the endpoints.
func (p *roundRobin) all() []*endpoint { return p.endpoints }

// p2c is the power of two choices: it draws two different candidates at
// random and picks the one of lower cost, the latency estimate times one
// more than the attempts in flight. A failure counts as a latency of at
// least the failure penalty, so an endpoint that fails fast looks slow
// (linkerd2-proxy #4537).
type p2c struct {
	endpoints []*endpoint
}

// newP2C returns a picker over endpoints, which it does not copy.
func newP2C(endpoints []*endpoint) *p2c {
	return &p2c{endpoints: endpoints}
}

// pick returns the cheaper of two random candidates.
func (p *p2c) pick(exclude []*endpoint, now time.Time) (*endpoint, error) {
	if len(p.endpoints) == 0 {
		return nil, errNoEndpoint
	}
	var buf [8]*endpoint
	c := candidates(p.endpoints, exclude, now, buf[:])
	if len(c) == 1 {
		return c[0], nil
	}
	i := rand.IntN(len(c))
	j := rand.IntN(len(c) - 1)
	if j >= i {
		j++
	}
	a, b := c[i], c[j]
	if b.cost(now) < a.cost(now) {
		return b, nil
	}
	return a, nil
}

// all returns the endpoints.
func (p *p2c) all() []*endpoint { return p.endpoints }

// cost is the load of the endpoint as p2c compares it: the decayed latency
// estimate, in nanoseconds, times one more than the attempts in flight.
func (ep *endpoint) cost(now time.Time) float64 {
	ep.mu.Lock()
	est := decayed(ep.ewma, ep.stamp, now)
	ep.mu.Unlock()
	return est * float64(ep.outstanding.Load()+1)
}

// decayed returns est, set at stamp, decayed toward zero until now.
func decayed(est time.Duration, stamp, now time.Time) float64 {
	elapsed := now.Sub(stamp)
	if elapsed <= 0 {
		return float64(est)
	}
	return float64(est) * math.Exp(-float64(elapsed)/float64(ewmaDecay))
}

// observe adds a latency sample: a sample above the decayed estimate
// replaces it (peak), a lower one moves it by the weight of the time since
// the last sample.
func (ep *endpoint) observe(sample time.Duration, now time.Time) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	cur := decayed(ep.ewma, ep.stamp, now)
	if float64(sample) > cur {
		ep.ewma = sample
	} else {
		w := math.Exp(-float64(now.Sub(ep.stamp)) / float64(ewmaDecay))
		ep.ewma = time.Duration(float64(ep.ewma)*w + float64(sample)*(1-w))
	}
	ep.stamp = now
}

// ejected reports whether the endpoint is ejected at now.
func (ep *endpoint) ejected(now time.Time) bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return now.Before(ep.ejectedUntil)
}

// avoided reports whether picks avoid the endpoint at now: it fails its
// active health check, or outlier detection ejected it.
func (ep *endpoint) avoided(now time.Time) bool {
	return ep.checkFailing.Load() || ep.ejected(now)
}
