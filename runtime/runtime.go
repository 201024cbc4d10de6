package runtime

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// Version is the version of the runtime; `bffgen version` prints it.
const Version = "v0.1.0"

// SupportPackageIsVersion1 is referenced by generated code, so that code
// generated for a newer runtime fails to compile against an older one
// instead of misbehaving.
const SupportPackageIsVersion1 = true

// Service is what generated code hands to the runtime.
type Service struct {
	// Name is the name of the BFF, from bffgen.yaml; logs and metrics use
	// it unless telemetry.service_name is set.
	Name string
	// Upstreams are the names of the upstreams the generated clients call;
	// each must be configured under upstreams: in bff.yaml.
	Upstreams []string
	// NewSchema builds the executable schema on the upstreams of the
	// configuration. It is called once, by New. Required.
	NewSchema func(up *sidecar.Set) (graphql.ExecutableSchema, error)
	// NewCompiled builds the operations compiled to Go (one executor per
	// operation of the frontend, see rgraphql.Compiled) on the upstreams
	// of the configuration. It is called once, by New, after NewSchema. A
	// request whose document or persisted id is one of theirs runs the
	// compiled code, any other runs gqlgen; both behind the same edge
	// policies. A compiled document that does not pass the configured
	// limits or validation makes New fail with a configuration error that
	// names the operation. Optional: nil serves every operation with
	// gqlgen.
	NewCompiled func(up *sidecar.Set) ([]rgraphql.Compiled, error)
}

// Option configures a Server; see WithLogger, WithMiddleware, WithPhaseMiddleware and
// WithUpstreamOptions.
type Option func(*options)

type options struct {
	logger   *slog.Logger
	pipeline []gateway.PipelineOption
	upstream []sidecar.Option
	graphql  []gateway.GraphQLOption
	// subscriptionInit is the check of WithSubscriptionInit; it runs after
	// the authenticator's when gateway.auth is configured.
	subscriptionInit gateway.SubscriptionInitFunc
	// rateLimitStore opens the store of the global rate-limit rules; see
	// WithRateLimitStore.
	rateLimitStore ratelimit.OpenStore
}

// WithSubscriptionInit checks the connection_init payload of websocket
// subscriptions; an error closes the connection with 4403. When
// gateway.auth is configured, the authenticator checks the payload's
// credential first (and sets the connection's principal), then fn runs
// with the context it returned. Default: no check of the service's own. A
// later WithSubscriptionInit replaces an earlier one.
func WithSubscriptionInit(fn gateway.SubscriptionInitFunc) Option {
	return func(o *options) {
		o.subscriptionInit = fn
	}
}

// WithRateLimitStore sets the store of the global rate-limit rules
// (gateway.rate_limit.rules with scope: global): pass redisstore.Open,
// from package runtime/gateway/ratelimit/redisstore, for Redis or Valkey.
// Default: none, so that a BFF without global rules does not carry a Redis
// client; New then fails on a configuration with a global rule, with a
// message that names the rule and this option. A nil open keeps the
// default.
func WithRateLimitStore(open ratelimit.OpenStore) Option {
	return func(o *options) {
		if open != nil {
			o.rateLimitStore = open
		}
	}
}

// WithLogger sets the logger of the server. Default: a logger built from
// the telemetry.log settings of the configuration, writing to standard
// error. A nil logger keeps the default.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) {
		if logger != nil {
			o.logger = logger
		}
	}
}

// WithMiddleware appends user middleware to the user phase of the
// gateway pipeline (gateway.PhaseUser): they run after the built-in ones
// (so the request id, CORS, body limit, deadline and, once configured,
// authentication and rate limits already apply), in the order given, and
// before GraphQL. Nil middleware are skipped. Several WithMiddleware
// options add up. Use WithPhaseMiddleware to run earlier.
func WithMiddleware(mws ...gateway.Middleware) Option {
	return WithPhaseMiddleware(gateway.PhaseUser, mws...)
}

// WithPhaseMiddleware appends middleware to a phase of the gateway
// pipeline, after that phase's built-in middleware: gateway.PhaseEdge for
// what must run before authentication (a custom IP filter, say),
// gateway.PhaseAuthn for a custom authenticator that sets the request's
// principal, gateway.PhaseRateLimit, or gateway.PhaseUser (as
// WithMiddleware). An unknown phase makes New fail.
func WithPhaseMiddleware(phase gateway.Phase, mws ...gateway.Middleware) Option {
	return func(o *options) {
		o.pipeline = append(o.pipeline, gateway.WithPhase(phase, mws...))
	}
}

// WithUpstreamOptions passes options to the upstream set that New builds
// with sidecar.NewSet, such as sidecar.WithInterceptors for interceptors on
// every backend call, or sidecar.WithTransport to serve the backends in
// memory in tests. They apply after the runtime's own option, which sets
// the set's logger to the server's. Several WithUpstreamOptions options add
// up.
func WithUpstreamOptions(opts ...sidecar.Option) Option {
	return func(o *options) {
		o.upstream = append(o.upstream, opts...)
	}
}
