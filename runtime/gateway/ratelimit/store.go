package ratelimit

import (
	"context"
	"time"
)

// Limit is the quota of a global rule as a [Store] counts it, with the
// generic cell rate algorithm (GCRA): Rate events per Period, at most
// Burst at once. New fills it from the rule: rate "100/s" is Rate 100,
// Period one second; Burst is the rule's burst (default: Rate).
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// Store counts the global rules (scope: global) in a store that every
// instance shares, atomically across them. Package redisstore is the one
// for Redis and Valkey. Implementations must be safe for concurrent use.
type Store interface {
	// AllowN counts n events for key under limit. allowed reports
	// whether they fit; when they do not, nothing is counted and
	// retryAfter is the time until they would. An error means the store
	// could not decide (unreachable, or slower than ctx's deadline,
	// which is gateway.rate_limit.redis.timeout): the limiter then
	// follows redis.on_error and stops asking the store until Ping
	// succeeds.
	AllowN(ctx context.Context, key string, limit Limit, n int) (allowed bool, retryAfter time.Duration, err error)
	// Ping checks that the store answers within ctx's deadline. While
	// the store is down, a background probe calls it at most once a
	// second; its first success brings global counting back.
	Ping(ctx context.Context) error
	// Close releases the store's connections; the limiter calls it once,
	// from [Limiter.Close].
	Close() error
}

// OpenStore opens the store of the global rules at url (the value of
// gateway.rate_limit.redis.url) whose every call is bounded by timeout
// (redis.timeout). It must not contact the store, so that a BFF starts
// while the store is down: the first request does. It fails only on a URL
// it cannot use; the error is shown after "gateway.rate_limit.redis.url: ".
type OpenStore func(url string, timeout time.Duration) (Store, error)

// WithStore sets how the global rules reach their store. New calls open
// once, when the configuration has a global rule; a configuration with a
// global rule and no WithStore makes New fail, naming the rule and how to
// add the Redis store (redisstore.Open). Default: none, so that a binary
// without global rules does not carry a Redis client. A nil open keeps the
// default.
func WithStore(open OpenStore) Option {
	return func(o *options) {
		if open != nil {
			o.open = open
		}
	}
}
