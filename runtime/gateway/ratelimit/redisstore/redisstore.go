package redisstore

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
)

// Open returns the Redis store at url: redis://[user:password@]host:port[/db],
// rediss:// for TLS, or unix:///path, as go-redis parses them. No call is
// made until the first request, so a BFF starts while Redis is down. Every
// step of a call (dial, write, read, waiting for a pooled connection) is
// bounded by timeout, and so is the whole call: one immediate retry lets a
// call that picked a pooled connection Redis has closed dial a new one, a
// dial is tried once, and the limiter's fallback answers when that fails.
// It fails on a URL go-redis cannot parse. It has the signature of
// ratelimit.OpenStore.
func Open(url string, timeout time.Duration) (ratelimit.Store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
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
	return &store{client: client, gcra: redis_rate.NewLimiter(client)}, nil
}

// store counts with the GCRA script of redis_rate, one EVALSHA per call.
type store struct {
	client *redis.Client
	gcra   *redis_rate.Limiter
}

func (s *store) AllowN(ctx context.Context, key string, limit ratelimit.Limit, n int) (bool, time.Duration, error) {
	res, err := s.gcra.AllowN(ctx, key, redis_rate.Limit{Rate: limit.Rate, Burst: limit.Burst, Period: limit.Period}, n)
	if err != nil {
		return false, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

func (s *store) Ping(ctx context.Context) error { return s.client.Ping(ctx).Err() }

func (s *store) Close() error { return s.client.Close() }
