package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"golang.org/x/time/rate"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/gateway"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/request"
)

// Limiter enforces the rules of gateway.rate_limit. Build it with [New],
// put [Limiter.Middleware] in the rate-limit phase and register
// [Limiter.Admission] with the GraphQL handler (gateway.WithAdmission);
// [Limiter.Close] it when the server stops. Safe for concurrent use.
type Limiter struct {
	http    []*rule // checked by the middleware
	ops     []*rule // checked at admission: cost or $operation
	trusted []netip.Prefix
	store   *guard // nil without global rules
	logger  *slog.Logger
	failRed bool // redis.on_error is fail_closed

	rejections metric.Int64Counter
	fallbacks  metric.Int64Counter
}

// rule is one configured quota with its buckets.
type rule struct {
	name  string
	kind  keyKind
	arg   string // claim name or canonical header name
	cost  bool
	burst int

	local    *buckets // scope local: the buckets; scope global: the fallback (nil when fail_closed)
	global   bool
	limit    Limit
	redisKey string // prefix of the rule's Redis keys

	// Attributes of the rule's measurements, built once.
	exceeded, unavailable, tooExpensive, ruleOnly metric.MeasurementOption
}

// Option configures [New].
type Option func(*options)

type options struct {
	logger *slog.Logger
	meters metric.MeterProvider
	open   OpenStore
}

// WithLogger sets the logger of the limiter, which logs when Redis becomes
// unreachable and when it answers again (once each, not per request). A
// nil logger, the default, logs nothing.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMeterProvider records the limiter's metrics with mp:
//
//   - bffgen.ratelimit.rejections, a counter of refused requests and
//     operations (Prometheus: bffgen_ratelimit_rejections_total), with the
//     attributes bffgen.ratelimit.rule (the rule's name) and
//     bffgen.ratelimit.reason: "exceeded" (429 over the rule),
//     "redis_unavailable" (429 by on_error: fail_closed) or
//     "too_expensive" (400, a cost over the rule's burst);
//   - bffgen.ratelimit.fallback.decisions, a counter of the decisions a
//     global rule made in its local fallback while Redis was unreachable,
//     admitted or not (Prometheus:
//     bffgen_ratelimit_fallback_decisions_total), with
//     bffgen.ratelimit.rule.
//
// A nil provider, the default, records nothing.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.meters = mp }
}

// Attribute keys of the limiter's metrics.
const (
	attrRule   = attribute.Key("bffgen.ratelimit.rule")
	attrReason = attribute.Key("bffgen.ratelimit.reason")
)

// New builds the limiter of cfg, which must come from the config package
// (validated, defaults applied). Local buckets start empty of keys; the
// store of the global rules (see [WithStore]) connects on first use, so
// New does not fail while Redis is down. It fails when a rule is global
// and no store was given, and on a Redis URL the store cannot use. With no
// rules it returns a limiter whose middleware and admission check do
// nothing.
func New(cfg config.RateLimit, opts ...Option) (*Limiter, error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Limiter{logger: logger, failRed: cfg.Redis.OnError == config.OnErrorFailClosed}
	mp := o.meters
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	meter := mp.Meter("github.com/bffgen/bffgen/runtime/gateway/ratelimit")
	var err error
	if l.rejections, err = meter.Int64Counter("bffgen.ratelimit.rejections",
		metric.WithDescription("Requests and operations refused by a rate-limit rule."),
		metric.WithUnit("{request}")); err != nil {
		return nil, err
	}
	if l.fallbacks, err = meter.Int64Counter("bffgen.ratelimit.fallback.decisions",
		metric.WithDescription("Decisions of global rate-limit rules made locally while Redis was unreachable."),
		metric.WithUnit("{decision}")); err != nil {
		return nil, err
	}
	for i, s := range cfg.TrustedProxies {
		p, err := config.ParseTrustedProxy(s)
		if err != nil {
			return nil, fmt.Errorf("gateway.rate_limit.trusted_proxies[%d]: invalid address or CIDR %q", i, s)
		}
		l.trusted = append(l.trusted, p)
	}
	hint := max(cfg.Redis.InstancesHint, 1)
	maxKeys := max(cfg.MaxKeys, 1)
	for i, rc := range cfg.Rules {
		n, per, err := config.ParseRate(rc.Rate)
		if err != nil {
			return nil, fmt.Errorf("gateway.rate_limit.rules[%d].rate: %w", i, err)
		}
		burst := rc.Burst
		if burst < 1 {
			burst = n
		}
		kind, arg := parseKey(rc.Key)
		r := &rule{name: rc.Name, kind: kind, arg: arg, cost: rc.Cost, burst: burst}
		reason := func(why string) metric.MeasurementOption {
			return metric.WithAttributeSet(attribute.NewSet(attrRule.String(rc.Name), attrReason.String(why)))
		}
		r.exceeded, r.unavailable, r.tooExpensive = reason("exceeded"), reason("redis_unavailable"), reason("too_expensive")
		r.ruleOnly = metric.WithAttributeSet(attribute.NewSet(attrRule.String(rc.Name)))
		perSecond := rate.Limit(float64(n) / per.Seconds())
		if rc.Scope == config.ScopeGlobal {
			if l.store == nil {
				if o.open == nil {
					return nil, fmt.Errorf("gateway.rate_limit.rules[%d] (%q) has scope: global, which counts in Redis, but this BFF was built without a Redis store; "+
						"pass runtime.WithRateLimitStore(redisstore.Open) to runtime.Main in main.go (package github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore), or make the rule scope: local", i, rc.Name)
				}
				st, err := o.open(cfg.Redis.URL, cfg.Redis.Timeout)
				if err != nil {
					return nil, fmt.Errorf("gateway.rate_limit.redis.url: %w", err)
				}
				l.store = &guard{store: st, timeout: cfg.Redis.Timeout, logger: logger}
			}
			r.global = true
			r.limit = Limit{Rate: n, Burst: burst, Period: per}
			r.redisKey = cfg.Redis.KeyPrefix + rc.Name + ":"
			if !l.failRed {
				r.local = newBuckets(perSecond/rate.Limit(hint), max(burst/hint, 1), maxKeys)
			}
		} else {
			r.local = newBuckets(perSecond, burst, maxKeys)
		}
		if rc.Cost || kind == keyOperation {
			l.ops = append(l.ops, r)
		} else {
			l.http = append(l.http, r)
		}
	}
	return l, nil
}

// Close closes the store of the global rules, if any.
func (l *Limiter) Close() error {
	if l == nil || l.store == nil {
		return nil
	}
	return l.store.close()
}

type clientIPKey struct{}

// Middleware returns the middleware of the rate-limit phase: it checks the
// rules that count HTTP requests (see the package documentation) and
// answers a request over one with 429 RATE_LIMITED and Retry-After, without
// calling the rest of the chain. When some rules are checked at admission,
// it also keeps the client address in the request context for them. With
// neither kind of rule it returns next itself.
func (l *Limiter) Middleware() gateway.Middleware {
	return func(next http.Handler) http.Handler {
		if l == nil || (len(l.http) == 0 && len(l.ops) == 0) {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := clientIP(r, l.trusted)
			if len(l.http) > 0 {
				req := request.From(r.Context())
				for _, ru := range l.http {
					d := l.take(r.Context(), ru, callerKey(ru.kind, ru.arg, req, r.Header, ip, ""), 1)
					if !d.ok {
						l.rejected(r.Context(), ru, d)
						w.Header().Set("Retry-After", strconv.Itoa(d.retrySeconds()))
						gateway.WriteError(w, r, http.StatusTooManyRequests, errcode.RateLimited, d.message(ru))
						return
					}
				}
			}
			if len(l.ops) > 0 {
				r = r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Admission returns the admission check of the rules that need the
// GraphQL operation (cost: true, or keyed by "$operation"), for
// gateway.WithAdmission; nil when there are none. An operation over a rule
// is refused with 429 RATE_LIMITED and Retry-After; one whose estimated
// cost is over a cost rule's burst, which could never pass, with 400
// COST_ESTIMATED_TOO_EXPENSIVE. The client address comes from
// [Limiter.Middleware], which must run before in the same request; without
// it, anonymous callers share one key.
func (l *Limiter) Admission() rgraphql.Admission {
	if l == nil || len(l.ops) == 0 {
		return nil
	}
	return func(ctx context.Context, cost int, opName string) *rgraphql.Failure {
		req := request.From(ctx)
		ip, _ := ctx.Value(clientIPKey{}).(string)
		var header http.Header
		if req != nil {
			header = req.Header
		}
		for _, ru := range l.ops {
			n := 1
			if ru.cost {
				n = max(cost, 1) // an operation of cost 0 ({ __typename }, scalars only) still counts 1
				if n > ru.burst {
					l.rejections.Add(ctx, 1, ru.tooExpensive)
					return &rgraphql.Failure{Status: http.StatusBadRequest, Errors: gqlerror.List{{
						Message: fmt.Sprintf("the estimated cost of the operation, %d, is over the burst of rate limit %q, %d: it can never pass; ask for fewer items", n, ru.name, ru.burst),
						Extensions: map[string]any{
							"code": errcode.CostEstimatedTooExpensive, "limit": ru.burst, "actual": n,
						},
					}}}
				}
			}
			d := l.take(ctx, ru, callerKey(ru.kind, ru.arg, req, header, ip, opName), n)
			if !d.ok {
				l.rejected(ctx, ru, d)
				return &rgraphql.Failure{
					Status: http.StatusTooManyRequests,
					Header: http.Header{"Retry-After": {strconv.Itoa(d.retrySeconds())}},
					Errors: gqlerror.List{{
						Message:    d.message(ru),
						Extensions: map[string]any{"code": errcode.RateLimited},
					}},
				}
			}
		}
		return nil
	}
}

// decision is the outcome of one rule for one request.
type decision struct {
	ok          bool
	retry       time.Duration
	unavailable bool // fail_closed while Redis is unreachable
}

// retrySeconds is the Retry-After of a rejection: whole seconds, rounded
// up, at least 1.
func (d decision) retrySeconds() int {
	if d.retry <= 0 {
		return 1
	}
	if d.retry >= time.Duration(math.MaxInt32)*time.Second {
		return math.MaxInt32
	}
	return int((d.retry + time.Second - 1) / time.Second)
}

func (d decision) message(ru *rule) string {
	if d.unavailable {
		return fmt.Sprintf("rate limit %q cannot be checked right now; retry after %d s", ru.name, d.retrySeconds())
	}
	return fmt.Sprintf("rate limit %q exceeded; retry after %d s", ru.name, d.retrySeconds())
}

// take counts n for key under ru.
func (l *Limiter) take(ctx context.Context, ru *rule, key string, n int) decision {
	if ru.global {
		ok, retry, usable := l.store.allow(ctx, ru.redisKey+key, ru.limit, n)
		if usable {
			return decision{ok: ok, retry: retry}
		}
		if ru.local == nil { // fail_closed
			return decision{retry: retryInterval, unavailable: true}
		}
		l.fallbacks.Add(ctx, 1, ru.ruleOnly)
		// The fallback's bucket is 1/instances_hint of the rule's: an
		// operation that costs more takes all of it rather than never
		// passing during the outage.
		n = min(n, ru.local.burst)
	}
	ok, retry := ru.local.take(key, n, time.Now())
	return decision{ok: ok, retry: retry}
}

// rejected records a refusal.
func (l *Limiter) rejected(ctx context.Context, ru *rule, d decision) {
	if d.unavailable {
		l.rejections.Add(ctx, 1, ru.unavailable)
	} else {
		l.rejections.Add(ctx, 1, ru.exceeded)
	}
}
