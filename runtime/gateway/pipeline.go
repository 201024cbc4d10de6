package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/bffgen/bffgen/runtime/config"
)

// Phase names a stage of the inbound pipeline. Phases run in the order of
// their values: every middleware of PhaseEdge runs before any of
// PhaseAuthn, and so on; the GraphQL endpoint runs last.
type Phase uint8

const (
	// PhaseEdge protects the service before it knows who calls: recover
	// from panics, strip client-made identity headers, open the request
	// seam (request id), access log, metrics, CORS, body limit, deadline.
	PhaseEdge Phase = iota
	// PhaseAuthn establishes who calls (request.Principal).
	PhaseAuthn
	// PhaseRateLimit bounds how much a caller may ask, knowing who it is.
	PhaseRateLimit
	// PhaseUser holds the service's own middleware: it runs last, with the
	// request id, the principal and every protection already in place.
	PhaseUser
	numPhases
)

// String returns the name of the phase: "edge", "authn", "rate_limit" or
// "user".
func (p Phase) String() string {
	switch p {
	case PhaseEdge:
		return "edge"
	case PhaseAuthn:
		return "authn"
	case PhaseRateLimit:
		return "rate_limit"
	case PhaseUser:
		return "user"
	default:
		return fmt.Sprintf("phase(%d)", uint8(p))
	}
}

// Pipeline is the inbound pipeline of the GraphQL endpoint: middleware
// grouped by phase, composed once by [Pipeline.Then]. Build it with
// [NewPipeline].
type Pipeline struct {
	phases [numPhases][]Middleware
}

// PipelineOption configures NewPipeline.
type PipelineOption interface{ applyPipeline(*pipelineOptions) }

type pipelineOptions struct {
	logger  *slog.Logger
	metrics Middleware
	added   [numPhases][]Middleware
	err     error
}

type pipelineOptionFunc func(*pipelineOptions)

func (f pipelineOptionFunc) applyPipeline(o *pipelineOptions) { f(o) }

// WithPipelineLogger sets the logger of the built-in middleware (panics,
// access log). Default: nothing is logged.
func WithPipelineLogger(logger *slog.Logger) PipelineOption {
	return pipelineOptionFunc(func(o *pipelineOptions) { o.logger = logger })
}

// WithMetrics sets the middleware that records the HTTP metrics of the
// endpoint (see [Metrics]); it runs in the edge phase, after the access
// log. Default: no metrics.
func WithMetrics(mw Middleware) PipelineOption {
	return pipelineOptionFunc(func(o *pipelineOptions) { o.metrics = mw })
}

// WithPhase appends middleware to a phase, after the built-in middleware
// of that phase, in the order given; several WithPhase options add up. Nil
// middleware are skipped. An unknown phase makes NewPipeline fail.
func WithPhase(phase Phase, mws ...Middleware) PipelineOption {
	return pipelineOptionFunc(func(o *pipelineOptions) {
		if phase >= numPhases {
			o.err = fmt.Errorf("unknown pipeline phase %d", uint8(phase))
			return
		}
		o.added[phase] = append(o.added[phase], mws...)
	})
}

// NewPipeline builds the inbound pipeline from the configuration, once.
// The edge phase holds, in this order: [Recover], [HeaderLimit]
// (server.max_header_bytes, server.max_headers), [StripHeaders]
// (gateway.strip_headers and the headers of every
// upstreams.<name>.forward_claims, see config.Config.IdentityHeaders), [RequestID] (opens the request seam), [AccessLog],
// the metrics of WithMetrics, [CORS] (gateway.cors), [CSRF] (gateway.csrf),
// [BodyLimit] (gateway.limits.max_body_bytes) and [Timeout]
// (server.request_timeout). A CSRF configuration that does not build is an
// error.
// The authn and rate-limit phases have no built-in middleware here: the
// runtime adds the authenticator of gateway.auth (package
// github.com/bffgen/bffgen/runtime/gateway/auth) to the authn phase with
// WithPhase, and the options add the service's own to any phase.
func NewPipeline(cfg *config.Config, opts ...PipelineOption) (*Pipeline, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	var o pipelineOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyPipeline(&o)
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	gw := cfg.Gateway
	csrf, err := CSRF(gw.CSRF, gw.CORS)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{}
	p.phases[PhaseEdge] = []Middleware{
		Recover(o.logger),
		HeaderLimit(cfg.Server.MaxHeaderBytes, cfg.Server.MaxHeaders),
		StripHeaders(append(slices.Clone(gw.StripHeaders), cfg.IdentityHeaders()...)...),
		RequestID(gw.RequestID.Header),
		AccessLog(o.logger),
		o.metrics,
		CORS(gw.CORS),
		csrf, // after CORS, which answers preflights
		BodyLimit(gw.Limits.MaxBodyBytes),
		Timeout(cfg.Server.RequestTimeout),
	}
	for phase := range numPhases {
		p.phases[phase] = append(p.phases[phase], o.added[phase]...)
	}
	return p, nil
}

// Then returns h behind every middleware of the pipeline, phase by phase
// and, within a phase, in the order they were added: the first one runs
// first. The composition happens once, here.
func (p *Pipeline) Then(h http.Handler) http.Handler {
	var all []Middleware
	for _, mws := range p.phases {
		all = append(all, mws...)
	}
	return Chain(h, all...)
}
