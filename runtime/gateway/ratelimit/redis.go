package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// retryInterval is how long global rules leave Redis alone after a failed
// call or probe; then a background probe tries it again.
const retryInterval = time.Second

// store is the Redis side of the global rules: one client, the GCRA
// limiter of redis_rate, and whether Redis is reachable. Safe for
// concurrent use.
type store struct {
	client  *redis.Client
	gcra    *redis_rate.Limiter
	timeout time.Duration
	logger  *slog.Logger

	down    atomic.Bool
	probing atomic.Bool
	retryAt atomic.Int64 // time.Time.UnixNano of the next try while down
}

// newStore connects lazily: no call is made until the first request.
func newStore(url string, timeout time.Duration, logger *slog.Logger) (*store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("gateway.rate_limit.redis.url: %w", err)
	}
	// Every step of a call is bounded by the timeout, and so is the whole
	// call (its context): one immediate retry lets a call that picked a
	// pooled connection Redis closed meanwhile dial a new one, a dial is
	// tried once, and the fallback answers when that fails.
	opts.DialTimeout = timeout
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.PoolTimeout = timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = 1
	opts.MinRetryBackoff = -1
	opts.MaxRetryBackoff = -1
	opts.DialerRetries = 1
	opts.DisableIdentity = true
	client := redis.NewClient(opts)
	return &store{client: client, gcra: redis_rate.NewLimiter(client), timeout: timeout, logger: logger}, nil
}

// allow counts n for key under limit in Redis. usable is false when Redis
// was not asked (it is down) or did not answer in time; the caller then
// applies redis.on_error. While Redis is down no request waits for it: at
// most once per retryInterval, a request starts a background probe (a
// PING bounded by the timeout) whose success brings Redis back.
func (s *store) allow(ctx context.Context, key string, limit redis_rate.Limit, n int) (allowed bool, retry time.Duration, usable bool) {
	if s.down.Load() {
		if time.Now().UnixNano() >= s.retryAt.Load() && s.probing.CompareAndSwap(false, true) {
			go s.probe()
		}
		return false, 0, false
	}
	// A client that goes away must not look like a Redis failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	res, err := s.gcra.AllowN(ctx, key, limit, n)
	if err != nil {
		s.retryAt.Store(time.Now().Add(retryInterval).UnixNano())
		if s.down.CompareAndSwap(false, true) {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "rate limit: Redis is unreachable; global rules follow redis.on_error",
				slog.String("error", err.Error()))
		}
		return false, 0, false
	}
	return res.Allowed > 0, res.RetryAfter, true
}

// probe pings Redis once, within the timeout: an answer brings global
// counting back, a failure waits retryInterval before the next probe.
func (s *store) probe() {
	defer s.probing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		s.retryAt.Store(time.Now().Add(retryInterval).UnixNano())
		return
	}
	if s.down.CompareAndSwap(true, false) {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "rate limit: Redis answers again; global rules count in Redis")
	}
}

func (s *store) close() error { return s.client.Close() }
