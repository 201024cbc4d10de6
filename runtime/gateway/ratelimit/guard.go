package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// retryInterval is how long global rules leave the store alone after a
// failed call or probe; then a background probe tries it again.
const retryInterval = time.Second

// guard is the limiter's side of the store of the global rules: it bounds
// every call by the timeout and remembers whether the store is reachable,
// so that no request waits for a store that is down. Safe for concurrent
// use.
type guard struct {
	store   Store
	timeout time.Duration
	logger  *slog.Logger

	down    atomic.Bool
	probing atomic.Bool
	retryAt atomic.Int64 // time.Time.UnixNano of the next try while down
}

// allow counts n for key under limit in the store. usable is false when
// the store was not asked (it is down) or did not answer in time; the
// caller then applies redis.on_error. While the store is down no request
// waits for it: at most once per retryInterval, a request starts a
// background probe (a Ping bounded by the timeout) whose success brings
// the store back.
func (g *guard) allow(ctx context.Context, key string, limit Limit, n int) (allowed bool, retry time.Duration, usable bool) {
	if g.down.Load() {
		if time.Now().UnixNano() >= g.retryAt.Load() && g.probing.CompareAndSwap(false, true) {
			go g.probe()
		}
		return false, 0, false
	}
	// A client that goes away must not look like a store failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
	defer cancel()
	allowed, retry, err := g.store.AllowN(ctx, key, limit, n)
	if err != nil {
		g.retryAt.Store(time.Now().Add(retryInterval).UnixNano())
		if g.down.CompareAndSwap(false, true) {
			g.logger.LogAttrs(ctx, slog.LevelWarn, "rate limit: Redis is unreachable; global rules follow redis.on_error",
				slog.String("error", err.Error()))
		}
		return false, 0, false
	}
	return allowed, retry, true
}

// probe pings the store once, within the timeout: an answer brings global
// counting back, a failure waits retryInterval before the next probe.
func (g *guard) probe() {
	defer g.probing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	if err := g.store.Ping(ctx); err != nil {
		g.retryAt.Store(time.Now().Add(retryInterval).UnixNano())
		return
	}
	if g.down.CompareAndSwap(true, false) {
		g.logger.LogAttrs(ctx, slog.LevelInfo, "rate limit: Redis answers again; global rules count in Redis")
	}
}

// close closes the store; the limiter's Close calls it once.
func (g *guard) close() error { return g.store.Close() }
