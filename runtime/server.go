package runtime

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/gateway/auth"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// Server is a running bffgen service: the public GraphQL endpoint, the
// admin endpoints and the upstreams. Build it with New, run it with Serve.
type Server struct {
	cfg       *config.Config
	logger    *slog.Logger
	upstreams *sidecar.Set
	meters    *sdkmetric.MeterProvider
	public    http.Handler
	admin     http.Handler
	streams   *gateway.Streams // subscription streams, ended at shutdown
	limiter   *ratelimit.Limiter
	authn     *auth.Authenticator // nil when gateway.auth configures no credential
	tls       *tls.Config         // of the public listener; nil when server.tls is off

	draining  atomic.Bool
	started   atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// configError marks the errors of New that the configuration causes, so
// that Main exits with 1 rather than 2.
type configError struct{ err error }

// Error returns the message of the underlying error.
func (e *configError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *configError) Unwrap() error { return e.err }

// New builds the server of svc with cfg: the upstream set (every name in
// svc.Upstreams must be configured; the set logs with the server's logger), the schema, the gateway chain of the
// GraphQL endpoint (with, when gateway.auth configures a credential, the
// authenticator of package runtime/gateway/auth first in the authn phase
// and first to check websocket connection_init payloads; its rate-limit
// phase enforces gateway.rate_limit, see package runtime/gateway/ratelimit)
// and the admin endpoints. An unreadable key set file or API key file, or
// an unreadable or invalid file of server.tls, is a configuration error. A nil cfg means
// config.Default(). cfg must come from the config package (Load, Parse or
// Default), which validates it. On error nothing is left open.
func New(svc Service, cfg *config.Config, opts ...Option) (*Server, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	if svc.NewSchema == nil {
		return nil, fmt.Errorf("service %q has no NewSchema function: internal error, please report", svc.Name)
	}
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	name := cfg.Telemetry.ServiceName
	if name == "" {
		name = svc.Name
	}
	logger := o.logger
	if logger == nil {
		logger = newLogger(cfg, name, os.Stderr)
	}

	upstreams, err := sidecar.NewSet(cfg.Upstreams, append([]sidecar.Option{sidecar.WithLogger(logger)}, o.upstream...)...)
	if err != nil {
		return nil, &configError{err}
	}
	s := &Server{cfg: cfg, logger: logger, upstreams: upstreams, streams: gateway.NewStreams()}
	fail := func(err error) (*Server, error) {
		return nil, errors.Join(err, s.Close())
	}
	// TLS of the public listener (server.tls): an unreadable or invalid
	// file stops here.
	if s.tls, err = listenerTLS(cfg.Server.TLS, logger); err != nil {
		return fail(&configError{err})
	}
	if err := upstreams.Require(svc.Upstreams...); err != nil {
		return fail(&configError{err})
	}
	schema, err := svc.NewSchema(upstreams)
	if err != nil {
		return fail(fmt.Errorf("build the GraphQL schema of %q: %w", svc.Name, err))
	}
	if schema == nil {
		return fail(fmt.Errorf("the NewSchema function of %q returned no schema: internal error, please report", svc.Name))
	}
	var compiled []rgraphql.Compiled
	if svc.NewCompiled != nil {
		if compiled, err = svc.NewCompiled(upstreams); err != nil {
			return fail(fmt.Errorf("build the compiled operations of %q: %w", svc.Name, err))
		}
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	exporter, err := otelprom.New(
		otelprom.WithRegisterer(registry),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
	)
	if err != nil {
		return fail(fmt.Errorf("create the Prometheus exporter: %w", err))
	}
	s.meters = sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exporter),
		sdkmetric.WithResource(resource.NewWithAttributes(semconv.SchemaURL,
			semconv.ServiceName(name), semconv.ServiceVersion(Version))),
	)
	metrics, err := gateway.Metrics(s.meters)
	if err != nil {
		return fail(fmt.Errorf("create the GraphQL metrics: %w", err))
	}
	if err := upstreams.RegisterMetrics(s.meters); err != nil {
		return fail(fmt.Errorf("create the upstream metrics: %w", err))
	}

	gw := cfg.Gateway
	// The rate-limit phase (gateway.rate_limit): its middleware runs first
	// in the phase, before the service's own; the rules that need the
	// operation (cost, $operation) are checked at GraphQL admission.
	if s.limiter, err = ratelimit.New(gw.RateLimit, ratelimit.WithLogger(logger), ratelimit.WithMeterProvider(s.meters),
		ratelimit.WithStore(o.rateLimitStore)); err != nil {
		return fail(&configError{err})
	}
	pipelineOpts := []gateway.PipelineOption{
		gateway.WithPipelineLogger(logger),
		gateway.WithMetrics(metrics),
		gateway.WithPhase(gateway.PhaseRateLimit, s.limiter.Middleware()),
	}
	graphqlOpts := append([]gateway.GraphQLOption{}, o.graphql...)
	initCheck := o.subscriptionInit
	if gw.Auth.Enabled() {
		// Authentication is the first middleware of the authn phase; a
		// key set file or API key file that cannot be read stops here.
		s.authn, err = auth.New(gw.Auth, auth.WithLogger(logger))
		if err != nil {
			return fail(&configError{err})
		}
		pipelineOpts = append(pipelineOpts, gateway.WithPhase(gateway.PhaseAuthn, s.authn.Middleware()))
		initCheck = chainInit(s.authn.SubscriptionInit(), o.subscriptionInit)
	}
	if initCheck != nil {
		graphqlOpts = append(graphqlOpts, gateway.WithSubscriptionInit(initCheck))
	}
	pipeline, err := gateway.NewPipeline(cfg, append(pipelineOpts, o.pipeline...)...)
	if err != nil {
		return fail(&configError{err})
	}
	// The GraphQL endpoint: fails when the persisted-operations manifest
	// is unreadable or invalid.
	graphqlHandler, err := gateway.NewGraphQLHandler(schema, gw, cfg.Development(), logger,
		append(graphqlOpts, gateway.WithStreams(s.streams), gateway.WithAdmission(s.limiter.Admission()),
			gateway.WithCompiled(compiled...))...)
	if err != nil {
		if len(compiled) > 0 {
			// The error names the compiled operation or the manifest.
			return fail(&configError{fmt.Errorf("gateway.graphql: %w", err)})
		}
		return fail(&configError{fmt.Errorf("gateway.graphql.persisted: %w", err)})
	}
	chain := pipeline.Then(graphqlHandler)
	public := http.NewServeMux()
	if err := handle(public, exactPattern(gw.GraphQL.Path), chain); err != nil {
		return fail(&configError{fmt.Errorf("gateway.graphql.path %q: %w", gw.GraphQL.Path, err)})
	}
	if cfg.Development() && gw.GraphQL.GraphiQL && gw.GraphQL.Path != "/" {
		public.Handle("GET /{$}", gateway.GraphiQL(gw.GraphQL.Path))
	}
	s.public = public

	admin := http.NewServeMux()
	admin.HandleFunc("GET /livez", s.live)
	admin.HandleFunc("GET /healthz", s.live)
	admin.HandleFunc("GET /readyz", s.ready)
	admin.HandleFunc("GET /upstreams", s.upstreamStats)
	admin.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}))
	s.admin = admin
	return s, nil
}

// exactPattern returns the ServeMux pattern that matches path exactly.
func exactPattern(path string) string {
	if strings.HasSuffix(path, "/") {
		return path + "{$}"
	}
	return path
}

// handle registers h for pattern, turning the panic of an invalid pattern
// into an error.
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("invalid path: %v", p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// Handler returns the handler of the public listener: the GraphQL endpoint
// behind the gateway chain and, in development mode, GraphiQL at /. Other
// paths are answered with 404.
func (s *Server) Handler() http.Handler { return s.public }

// AdminHandler returns the handler of the admin listener: /livez and
// /healthz (200 "ok" while the process runs), /upstreams (JSON: every
// upstream's endpoints, their health, ejections and calls in flight, and
// its retry and breaker counters), /readyz (200 "ok" when every
// upstream has a healthy endpoint, one that outlier detection has not
// ejected or seen failing (sidecar.Set.Ready), the key set of gateway.auth.jwt.jwks_url has
// been fetched once and the server is not draining, else 503 and the
// reason) and /metrics (Prometheus text format, with the
// bffgen_graphql_requests_total counter and the
// bffgen_graphql_request_duration_seconds histogram of the GraphQL endpoint,
// and the Go and process collectors).
func (s *Server) AdminHandler() http.Handler { return s.admin }

func (s *Server) live(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeText(w, http.StatusServiceUnavailable, "draining")
		return
	}
	if err := s.upstreams.Ready(); err != nil {
		writeText(w, http.StatusServiceUnavailable, "upstreams not ready: "+err.Error())
		return
	}
	if s.authn != nil {
		if err := s.authn.Ready(); err != nil {
			writeText(w, http.StatusServiceUnavailable, "authentication not ready: "+err.Error())
			return
		}
	}
	writeText(w, http.StatusOK, "ok")
}

// upstreamStats lists the upstreams, their endpoints and their health as
// JSON (sidecar.Stats, sorted by name).
func (s *Server) upstreamStats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"upstreams": s.upstreams.Stats()})
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}

// Serve serves the public endpoints on ln and the admin endpoints on
// adminLn (nil: no admin endpoints) until ctx is done, then shuts down
// gracefully: /readyz answers 503, the server keeps serving for
// server.shutdown.drain_delay, stops accepting connections, ends the
// subscription streams (websockets are closed with 1001 "going away", SSE
// responses get their "complete" event) and waits up to
// server.shutdown.timeout for the requests in flight (their contexts are
// not canceled by ctx) and the streams, then closes the admin listener,
// the upstreams and the metrics. With server.tls, the public endpoints are
// served over TLS on ln (the certificate is read again at the next
// handshake after its files change), the admin ones stay plain HTTP.
// It returns nil after a clean shutdown; an
// error when a listener fails, or when requests or streams were still
// running at the end of the shutdown timeout (they are cut). Serve closes
// the listeners; it can be called once.
func (s *Server) Serve(ctx context.Context, ln, adminLn net.Listener) error {
	if ln == nil {
		return errors.New("serve: no listener for the public endpoints")
	}
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("serve: the server is already serving or has been shut down")
	}
	errorLog := slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)
	sc := s.cfg.Server
	// Both listeners get the same hardened limits.
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: sc.ReadHeaderTimeout,
			ReadTimeout:       sc.ReadTimeout,
			WriteTimeout:      sc.WriteTimeout,
			IdleTimeout:       sc.IdleTimeout,
			MaxHeaderBytes:    sc.MaxHeaderBytes,
			ErrorLog:          errorLog,
		}
	}
	public := newServer(s.public)
	if s.tls != nil {
		// server.tls: the public listener serves TLS (HTTP/1.1 only, as
		// without TLS); the admin listener stays plain.
		ln = tls.NewListener(ln, s.tls)
	}
	// Shutdown sees neither hijacked websockets nor the end of an SSE
	// response: end them when it starts (1001, "complete"), wait for them
	// after it.
	public.RegisterOnShutdown(s.streams.Drain)
	servers := []*http.Server{public}
	listeners := []net.Listener{ln}
	if adminLn != nil {
		servers = append(servers, newServer(s.admin))
		listeners = append(listeners, adminLn)
	}
	failed := make(chan error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("serve %s: %w", listeners[i].Addr(), err)
			}
		})
	}

	var errs []error
	select {
	case <-ctx.Done():
		s.draining.Store(true)
		s.logger.LogAttrs(context.Background(), slog.LevelInfo, "shutting down: draining",
			slog.Duration("drain_delay", sc.Shutdown.DrainDelay))
		if sc.Shutdown.DrainDelay > 0 {
			timer := time.NewTimer(sc.Shutdown.DrainDelay)
			select {
			case <-timer.C:
			case err := <-failed:
				timer.Stop()
				errs = append(errs, err)
			}
		}
	case err := <-failed:
		s.draining.Store(true)
		errs = append(errs, err)
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), sc.Shutdown.Timeout)
	defer cancel()
	if err := public.Shutdown(shutdownCtx); err != nil {
		_ = public.Close()
		errs = append(errs, fmt.Errorf("shutdown: requests still running after %s were cut: %w", sc.Shutdown.Timeout, err))
	}
	if err := s.streams.Wait(shutdownCtx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	if len(servers) > 1 {
		if err := servers[1].Shutdown(shutdownCtx); err != nil {
			_ = servers[1].Close()
		}
	}
	wg.Wait()
	close(failed)
	for err := range failed {
		errs = append(errs, err)
	}
	if err := s.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.logger.LogAttrs(context.Background(), slog.LevelInfo, "shut down")
	return nil
}

// Close releases what New acquired (the upstreams, the rate limiter's
// Redis client, the metrics and the authenticator's refresh goroutines) for a
// server that is not served, or no longer is; Serve calls it when it
// returns. It is safe to call more than once and returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.authn != nil {
			_ = s.authn.Close()
		}
		if s.upstreams != nil {
			if err := s.upstreams.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close the upstreams: %w", err))
			}
		}
		if err := s.limiter.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the rate limiter's Redis client: %w", err))
		}
		if s.meters != nil {
			if err := s.meters.Shutdown(context.Background()); err != nil {
				errs = append(errs, fmt.Errorf("shut down the metrics: %w", err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// newLogger builds the logger that telemetry.log describes.
func newLogger(cfg *config.Config, service string, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Telemetry.Log.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.Telemetry.Log.Format == config.LogFormatText {
		h = slog.NewTextHandler(w, opts)
	}
	logger := slog.New(h)
	if service != "" {
		logger = logger.With(slog.String("service", service))
	}
	return logger
}

// chainInit runs the connection_init checks in order, each with the context
// the previous one returned; nil checks are skipped.
func chainInit(fns ...gateway.SubscriptionInitFunc) gateway.SubscriptionInitFunc {
	return func(ctx context.Context, payload map[string]any) (context.Context, error) {
		for _, fn := range fns {
			if fn == nil {
				continue
			}
			var err error
			if ctx, err = fn(ctx, payload); err != nil {
				return ctx, err
			}
		}
		return ctx, nil
	}
}
