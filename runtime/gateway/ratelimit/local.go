package ratelimit

import (
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// sweepPerTake is how many of the least recently used keys each take looks
// at to drop those whose bucket is full again.
const sweepPerTake = 2

// buckets holds the token buckets of one rule in memory, one per key,
// at most max keys: beyond it the least recently used key is dropped.
// A key whose bucket has refilled is indistinguishable from a new key, so
// such keys are dropped as requests pass, oldest first. Safe for
// concurrent use.
type buckets struct {
	limit rate.Limit
	burst int

	mu   sync.Mutex
	keys *simplelru.LRU[string, *rate.Limiter]
}

func newBuckets(limit rate.Limit, burst, max int) *buckets {
	keys, err := simplelru.NewLRU[string, *rate.Limiter](max, nil)
	if err != nil {
		panic(err) // max >= 1: config validation guarantees it
	}
	return &buckets{limit: limit, burst: burst, keys: keys}
}

// take takes n tokens for key at now. When the bucket has fewer, nothing
// is taken and retry is the time until it has n (math.MaxInt64 when n is
// over the burst).
func (b *buckets) take(key string, n int, now time.Time) (ok bool, retry time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range sweepPerTake {
		k, old, found := b.keys.GetOldest()
		if !found || k == key || old.TokensAt(now) < float64(b.burst) {
			break
		}
		b.keys.Remove(k)
	}
	lim, found := b.keys.Get(key)
	if !found {
		lim = rate.NewLimiter(b.limit, b.burst)
		b.keys.Add(key, lim)
	}
	if lim.AllowN(now, n) {
		return true, 0
	}
	if n > b.burst {
		return false, math.MaxInt64
	}
	missing := float64(n) - lim.TokensAt(now)
	return false, time.Duration(missing / float64(b.limit) * float64(time.Second))
}

// len returns the number of keys held.
func (b *buckets) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.keys.Len()
}
