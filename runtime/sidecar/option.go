package sidecar

import (
	"log/slog"
	"net/http"

	"connectrpc.com/connect"
)

// Option configures a [Set] or a standalone [Upstream].
type Option func(*options)

// options is the configuration that Option values fill.
type options struct {
	transport    http.RoundTripper
	interceptors []connect.Interceptor
	logger       *slog.Logger
	// sources are the endpoint sources of WithEndpointSource, by kind.
	sources map[string]SourceFunc
	// resolver is the resolver of DNS discovery, nil for the default.
	resolver Resolver
}

// WithTransport sends every request on rt instead of the transports the
// package builds, whatever the protocol and scheme of the endpoint: tests use
// it to serve requests in memory. The default is a pooled *http.Transport
// per protocol family (see the package documentation). A nil rt keeps the
// default. The tls: blocks of the upstreams do not apply to rt, which owns
// its TLS.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.transport = rt }
}

// WithInterceptors adds connect interceptors to every client of the
// upstreams, after the upstream's own interceptor: they run inside the
// per-call timeout, and their errors are wrapped in an
// *errcode.UpstreamError too. Several WithInterceptors options add up, in
// order; the first listed runs first.
func WithInterceptors(interceptors ...connect.Interceptor) Option {
	return func(o *options) { o.interceptors = append(o.interceptors, interceptors...) }
}

// WithLogger sets the logger of transport failures, which are logged at
// debug level with the endpoint address that errors leave out. The default
// is slog.Default(); a nil logger keeps the default.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// newOptions applies opts over the defaults.
func newOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return o
}
