package sidecar

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"connectrpc.com/connect"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"golang.org/x/time/rate"

	"github.com/bffgen/bffgen/runtime/config"
)

// callState is what the attempts of one unary call share: the interceptor
// puts it in the context, [Upstream.Do] reads it.
type callState struct {
	// tried are the endpoints the call's attempts went to, avoided by the
	// next pick.
	tried []*endpoint
	// pending is the attempt Do returned a response for; the interceptor
	// finishes it with the outcome connect decoded (a gRPC error is in the
	// trailers of a 200 response).
	pending *attempt

	// group is the upstream a split chose for the call, nil for the
	// upstream itself; Do sends the call's attempts there.
	group *Upstream
	// mirror, when not nil, copies the call's first attempt to a shadow.
	mirror *mirrorer
	// hedged makes Do hedge the call (hedge.go).
	hedged bool
}

type callStateKey struct{}

// withCallState returns ctx carrying st.
func withCallState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

// callStateFrom returns the call state of ctx, or nil.
func callStateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// retryPolicy is the retry configuration of an upstream, defaults applied.
type retryPolicy struct {
	maxAttempts    int
	methods        map[string]bool // procedures, "/pkg.Service/Method"
	initialBackoff time.Duration
	maxBackoff     time.Duration
	perTry         time.Duration // 0: none
	budget         *retryBudget
}

// newRetryPolicy returns the policy of cfg with its defaults.
func newRetryPolicy(cfg config.Retry) *retryPolicy {
	p := &retryPolicy{
		maxAttempts:    min(orDefault(cfg.MaxAttempts, config.DefaultMaxAttempts), config.MaxMaxAttempts),
		initialBackoff: orDefault(cfg.InitialBackoff, config.DefaultInitialBackoff),
		maxBackoff:     orDefault(cfg.MaxBackoff, config.DefaultMaxBackoff),
		perTry:         cfg.PerTryTimeout,
		budget: newRetryBudget(
			float64(orDefault(cfg.BudgetPercent, config.DefaultBudgetPercent))/100,
			orDefault(cfg.MinRetriesPerSecond, config.DefaultMinRetriesPerSecond)),
	}
	if len(cfg.Methods) > 0 {
		p.methods = make(map[string]bool, len(cfg.Methods))
		for _, m := range cfg.Methods {
			p.methods["/"+strings.TrimPrefix(m, "/")] = true
		}
	}
	return p
}

// idempotent reports whether the procedure of spec may be sent twice: its
// proto says so (idempotency_level), or retry.methods lists it.
func (p *retryPolicy) idempotent(spec connect.Spec) bool {
	return spec.IdempotencyLevel != connect.IdempotencyUnknown || p.methods[spec.Procedure]
}

// backoff returns the wait before retry n (1 for the first retry): gRPC A6's
// min(initial*2^(n-1), max) times a random factor in [0.8, 1.2).
func (p *retryPolicy) backoff(n int) time.Duration {
	d := p.initialBackoff
	for i := 1; i < n && d < p.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.maxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// retryable reports whether an attempt that failed with err may be
// retried: UNAVAILABLE only, and not when the upstream had no endpoint or
// its breaker is open.
func retryable(err error) bool {
	return connect.CodeOf(err) == connect.CodeUnavailable && !errors.Is(err, errNoEndpoint) && !errors.Is(err, ErrBreakerOpen)
}

// pushback returns the wait the backend asked for before a retry, from
// grpc-retry-pushback-ms (milliseconds) or Retry-After (seconds or an HTTP
// date), and whether a retry is allowed at all: a negative or unreadable
// value forbids it (gRPC A6). With neither header, it returns 0 and true.
func pushback(err error, now time.Time) (time.Duration, bool) {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return 0, true
	}
	meta := ce.Meta()
	if v := meta.Get("Grpc-Retry-Pushback-Ms"); v != "" {
		ms, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if perr != nil || ms < 0 {
			return 0, false
		}
		return time.Duration(ms) * time.Millisecond, true
	}
	if v := meta.Get("Retry-After"); v != "" {
		v = strings.TrimSpace(v)
		if s, perr := strconv.ParseInt(v, 10, 64); perr == nil {
			if s < 0 {
				return 0, false
			}
			return time.Duration(s) * time.Second, true
		}
		t, perr := http.ParseTime(v)
		if perr != nil {
			return 0, false
		}
		return max(0, t.Sub(now)), true
	}
	return 0, true
}

// budgetWindow is the period over which the retry budget compares retries
// with calls (Linkerd's ttl).
const budgetWindow = 10 * time.Second

// retryBudget bounds retries to a ratio of the calls of the last
// budgetWindow, plus a minimum rate that is always allowed (Linkerd's
// retryRatio and minRetriesPerSecond).
type retryBudget struct {
	ratio float64
	min   *rate.Limiter

	mu      sync.Mutex
	buckets [10]budgetBucket // one per second of the window
}

// budgetBucket counts the calls and retries of one second.
type budgetBucket struct {
	sec            int64
	calls, retries int
}

// newRetryBudget returns a budget of ratio (0.2 = 20%) plus minPerSecond
// retries a second, with a burst of as many.
func newRetryBudget(ratio float64, minPerSecond int) *retryBudget {
	return &retryBudget{ratio: ratio, min: rate.NewLimiter(rate.Limit(minPerSecond), minPerSecond)}
}

// bucket returns the bucket of now, emptied when it held an older second.
func (b *retryBudget) bucket(now time.Time) *budgetBucket {
	sec := now.Unix()
	bk := &b.buckets[sec%int64(len(b.buckets))]
	if bk.sec != sec {
		*bk = budgetBucket{sec: sec}
	}
	return bk
}

// call counts a call (its first attempt).
func (b *retryBudget) call(now time.Time) {
	b.mu.Lock()
	b.bucket(now).calls++
	b.mu.Unlock()
}

// withdraw reports whether one more retry fits the budget, and counts it
// when it does.
func (b *retryBudget) withdraw(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	oldest := now.Unix() - int64(len(b.buckets)) + 1
	calls, retries := 0, 0
	for _, bk := range b.buckets {
		if bk.sec >= oldest {
			calls += bk.calls
			retries += bk.retries
		}
	}
	if float64(retries+1) > b.ratio*float64(calls) && !b.min.AllowN(now, 1) {
		return false
	}
	b.bucket(now).retries++
	return true
}

// ErrBreakerOpen is the cause of the error of a call refused by an open
// circuit breaker, a connect.CodeUnavailable error: errors.Is(err,
// ErrBreakerOpen) tells such a call from one that reached a backend.
var ErrBreakerOpen = errors.New("circuit breaker open: the upstream failed most recent calls")

// breaker is the circuit breaker of an upstream, a failsafe-go breaker
// behind our own type.
type breaker struct {
	cb circuitbreaker.CircuitBreaker[any]
}

// newBreaker returns the breaker of cfg with its defaults, or nil when cfg
// does not enable it.
func newBreaker(cfg config.CircuitBreaker) *breaker {
	if !cfg.Enabled {
		return nil
	}
	pct := orDefault(cfg.FailurePercent, config.DefaultBreakerFailurePercent)
	cb := circuitbreaker.NewBuilder[any]().
		WithFailureRateThreshold(float64(pct)/100, uint(orDefault(cfg.MinRequests, config.DefaultBreakerMinRequests)), orDefault(cfg.Window, config.DefaultBreakerWindow)).
		WithDelay(orDefault(cfg.OpenTime, config.DefaultBreakerOpenTime)).
		WithSuccessThreshold(1).
		Build()
	return &breaker{cb: cb}
}

// allow reports whether an attempt may go; when it does, the attempt must
// be recorded.
func (b *breaker) allow() bool { return b.cb.TryAcquirePermit() }

// record records the outcome of an allowed attempt; an ignored outcome
// counts as a success, which releases a half-open probe's permit.
func (b *breaker) record(o outcome) {
	if o == outcomeFailure {
		b.cb.RecordFailure()
		return
	}
	b.cb.RecordSuccess()
}

// state returns "closed", "open" or "half-open".
func (b *breaker) state() string {
	switch b.cb.State() {
	case circuitbreaker.OpenState:
		return "open"
	case circuitbreaker.HalfOpenState:
		return "half-open"
	}
	return "closed"
}

// neverSent reports whether a transport error proves that the request did
// not reach the endpoint, so that sending it elsewhere cannot run it twice:
// the connection could not be made (dial failed, refused, name lookup or
// TLS handshake failed), or an HTTP/2 server refused the stream before
// reading it (REFUSED_STREAM, which net/http reports only as text). A reset
// or EOF after the connection was made proves nothing: the request may
// have been written.
func neverSent(err error) bool {
	var (
		oe       *net.OpError
		dnsErr   *net.DNSError
		certErr  *tls.CertificateVerificationError
		alertErr tls.AlertError
		recErr   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &oe) && oe.Op == "dial",
		errors.Is(err, syscall.ECONNREFUSED),
		errors.As(err, &dnsErr),
		errors.As(err, &certErr),
		errors.As(err, &alertErr),
		errors.As(err, &recErr):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "stream error: ") && strings.Contains(msg, "REFUSED_STREAM")
}
