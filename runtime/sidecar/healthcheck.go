package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/bffgen/bffgen/runtime/config"
)

// healthCheckReadMax caps a health check's answer: a CheckResponse is a
// few bytes.
const healthCheckReadMax = 4 << 10

// healthChecker is the active health check of one upstream: every
// interval it calls grpc.health.v1.Health/Check on each endpoint, over the
// upstream's protocol and transport, and takes out of the picks the
// endpoints that fail it (see config.HealthCheck).
type healthChecker struct {
	u                    *Upstream
	interval, timeout    time.Duration
	service              string
	unhealthy, healthy   int
	client               connect.HTTPClient
	opts                 []connect.ClientOption
	kicks                chan struct{}
	checks, failedChecks atomic.Int64
}

// newHealthChecker returns the checker of cfg with its defaults, or nil
// when cfg is off.
func newHealthChecker(cfg config.HealthCheck, protocol connect.ClientOption, rt http.RoundTripper) (*healthChecker, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	h := &healthChecker{
		interval:  orDefault(cfg.Interval, config.DefaultHealthCheckInterval),
		timeout:   orDefault(cfg.Timeout, config.DefaultHealthCheckTimeout),
		service:   cfg.Service,
		unhealthy: orDefault(cfg.UnhealthyThreshold, config.DefaultHealthCheckUnhealthyThreshold),
		healthy:   orDefault(cfg.HealthyThreshold, config.DefaultHealthCheckHealthyThreshold),
		client:    roundTripClient{rt},
		opts:      []connect.ClientOption{connect.WithReadMaxBytes(healthCheckReadMax)},
		kicks:     make(chan struct{}, 1),
	}
	if protocol != nil {
		h.opts = append(h.opts, protocol)
	}
	var errs []error
	if h.interval < 0 || h.timeout < 0 {
		errs = append(errs, errors.New("health_check.interval and timeout must not be negative"))
	}
	if h.unhealthy < 0 || h.healthy < 0 {
		errs = append(errs, errors.New("health_check thresholds must not be negative"))
	}
	return h, errors.Join(errs...)
}

// roundTripClient sends requests on a round tripper, without redirects or
// cookies: the HTTP client of the health checks.
type roundTripClient struct{ rt http.RoundTripper }

// Do sends req.
func (c roundTripClient) Do(req *http.Request) (*http.Response, error) { return c.rt.RoundTrip(req) }

// kick asks for a round of checks now (new endpoints appeared).
func (h *healthChecker) kick() {
	select {
	case h.kicks <- struct{}{}:
	default:
	}
}

// run checks every endpoint at once, then every interval, until ctx is
// done.
func (h *healthChecker) run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		h.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.kicks:
		}
	}
}

// round checks every endpoint of the current picker, in parallel, and
// returns when every check has ended.
func (h *healthChecker) round(ctx context.Context) {
	var wg sync.WaitGroup
	for _, ep := range (*h.u.picker.Load()).all() {
		wg.Go(func() { h.check(ctx, ep) })
	}
	wg.Wait()
}

// check calls Health/Check on ep and records the result, unless ctx ended
// (the upstream is closing).
func (h *healthChecker) check(ctx context.Context, ep *endpoint) {
	cctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	res, err := grpchealth.NewClient(h.client, ep.baseURL(), h.opts...).Check(cctx, &grpchealth.CheckRequest{Service: h.service})
	if ctx.Err() != nil {
		return
	}
	var why string
	switch {
	case err != nil:
		why = fmt.Sprintf("%s: %v", connect.CodeOf(err), err)
	case res.Status != grpchealth.StatusServing:
		why = "status " + res.Status.String()
	}
	h.record(ep, why)
}

// record counts a check of ep that failed for why, or passed when why is
// "", and takes ep out or brings it back at the thresholds. An endpoint's
// first check decides alone.
func (h *healthChecker) record(ep *endpoint, why string) {
	h.checks.Add(1)
	if why != "" {
		h.failedChecks.Add(1)
	}
	ep.mu.Lock()
	first := !ep.checked
	ep.checked = true
	if why == "" {
		ep.checkPasses++
		ep.checkFails = 0
	} else {
		ep.checkFails++
		ep.checkPasses = 0
	}
	out := ep.checkFailing.Load()
	var change int // -1 out, +1 back
	switch {
	case !out && why != "" && (first || ep.checkFails >= h.unhealthy):
		ep.checkFailing.Store(true)
		change = -1
	case out && why == "" && (first || ep.checkPasses >= h.healthy):
		ep.checkFailing.Store(false)
		change = 1
	}
	ep.mu.Unlock()
	switch change {
	case -1:
		h.u.logger.Warn("upstream endpoint fails its health check: not picked",
			slog.String("upstream", h.u.name),
			slog.Int("endpoint", ep.index),
			slog.String("address", ep.addr),
			slog.String("reason", why))
	case 1:
		h.u.logger.Info("upstream endpoint passes its health check again",
			slog.String("upstream", h.u.name),
			slog.Int("endpoint", ep.index),
			slog.String("address", ep.addr))
	}
}

// baseURL returns the endpoint's base URL: scheme, host and path prefix.
func (ep *endpoint) baseURL() string {
	return (&url.URL{Scheme: ep.scheme, Host: ep.host, Path: ep.path, RawPath: ep.rawPath}).String()
}
