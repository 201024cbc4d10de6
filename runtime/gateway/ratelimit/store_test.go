package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
)

// fakeStore is a Store in memory that records its calls and can be made
// unreachable.
type fakeStore struct {
	mu       sync.Mutex
	down     bool
	allowed  bool
	retry    time.Duration
	keys     []string
	limits   []ratelimit.Limit
	ns       []int
	pings    int
	closed   int
	deadline bool // every AllowN had a deadline
}

func (f *fakeStore) AllowN(ctx context.Context, key string, limit ratelimit.Limit, n int) (bool, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := ctx.Deadline()
	f.deadline = ok && (len(f.keys) == 0 || f.deadline)
	f.keys = append(f.keys, key)
	f.limits = append(f.limits, limit)
	f.ns = append(f.ns, n)
	if f.down {
		return false, 0, errors.New("connection refused")
	}
	return f.allowed, f.retry, nil
}

func (f *fakeStore) Ping(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pings++
	if f.down {
		return errors.New("connection refused")
	}
	return nil
}

func (f *fakeStore) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil
}

func (f *fakeStore) calls() (allowN, pings int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys), f.pings
}

func (f *fakeStore) set(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// open returns an OpenStore that hands out f and records its arguments.
func (f *fakeStore) open(gotURL *string, gotTimeout *time.Duration) ratelimit.OpenStore {
	return func(url string, timeout time.Duration) (ratelimit.Store, error) {
		*gotURL, *gotTimeout = url, timeout
		return f, nil
	}
}

func TestAGlobalRuleWithoutAStoreStopsTheStartSayingHow(t *testing.T) {
	t.Parallel()
	gw := gatewayConfig(t, `
redis: {url: "redis://127.0.0.1:6379"}
rules:
  - {name: per_ip, key: $client_ip, rate: 10/s}
  - {name: shared, key: $client_ip, rate: 100/s, scope: global}
`)
	_, err := ratelimit.New(gw.RateLimit)
	if err == nil {
		t.Fatal("New accepted a global rule without a store")
	}
	for _, want := range []string{`gateway.rate_limit.rules[1] ("shared")`, "scope: global", "runtime.WithRateLimitStore(redisstore.Open)", "github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Local rules alone need no store.
	if _, err := ratelimit.New(gatewayConfig(t, "rules:\n  - {name: per_ip, key: $client_ip, rate: 10/s}").RateLimit); err != nil {
		t.Errorf("local rules without a store: %v", err)
	}
}

func TestAStoreThatCannotOpenNamesTheURLSetting(t *testing.T) {
	t.Parallel()
	gw := gatewayConfig(t, `
redis: {url: "redis://127.0.0.1:6379"}
rules:
  - {name: shared, key: $client_ip, rate: 100/s, scope: global}
`)
	_, err := ratelimit.New(gw.RateLimit, ratelimit.WithStore(func(string, time.Duration) (ratelimit.Store, error) {
		return nil, errors.New("invalid database number")
	}))
	if err == nil || err.Error() != "gateway.rate_limit.redis.url: invalid database number" {
		t.Errorf("error = %v, want it under gateway.rate_limit.redis.url", err)
	}
}

func TestTheStoreCountsGlobalRulesWithTheirQuota(t *testing.T) {
	t.Parallel()
	store := &fakeStore{retry: 1500 * time.Millisecond}
	var url string
	var timeout time.Duration
	gw := gatewayConfig(t, `
redis: {url: "redis://127.0.0.1:6379/2", timeout: 80ms, key_prefix: "bff:"}
rules:
  - {name: shared, key: $client_ip, rate: 100/m, burst: 20, scope: global}
`)
	l, err := ratelimit.New(gw.RateLimit, ratelimit.WithStore(store.open(&url, &timeout)))
	if err != nil {
		t.Fatal(err)
	}
	if url != "redis://127.0.0.1:6379/2" || timeout != 80*time.Millisecond {
		t.Errorf("opened with %q, %v; want the configured url and timeout", url, timeout)
	}
	backend := &counter{}
	h := edge(l, backend)
	if r := call(h, "192.0.2.1:1"); r.status != http.StatusTooManyRequests || r.retryAfter != "2" || r.code != "RATE_LIMITED" {
		t.Errorf("store says no, retry in 1.5 s: %+v, want 429 RATE_LIMITED, Retry-After 2", r)
	}
	store.mu.Lock()
	store.allowed = true
	store.mu.Unlock()
	if r := call(h, "192.0.2.1:1"); r.status != http.StatusOK {
		t.Errorf("store says yes: status %d", r.status)
	}
	if backend.n.Load() != 1 {
		t.Errorf("backend calls = %d, want 1", backend.n.Load())
	}
	store.mu.Lock()
	want := ratelimit.Limit{Rate: 100, Burst: 20, Period: time.Minute}
	for i, k := range store.keys {
		if k != "bff:shared:ip:192.0.2.1" || store.limits[i] != want || store.ns[i] != 1 {
			t.Errorf("call %d: key %q, limit %+v, n %d; want bff:shared:ip:192.0.2.1, %+v, 1", i, k, store.limits[i], store.ns[i], want)
		}
	}
	if !store.deadline {
		t.Error("a store call had no deadline")
	}
	store.mu.Unlock()
	if err := l.Close(); err != nil || store.closed != 1 {
		t.Errorf("Close: %v, store closed %d times, want 1", err, store.closed)
	}
}

func TestADownStoreIsLeftAloneAndProbedOnceASecond(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := &fakeStore{allowed: true, down: true}
		var url string
		var timeout time.Duration
		gw := gatewayConfig(t, `
redis: {url: "redis://127.0.0.1:6379"}
rules:
  - {name: shared, key: $client_ip, rate: 1000/s, scope: global}
`)
		l, err := ratelimit.New(gw.RateLimit, ratelimit.WithStore(store.open(&url, &timeout)))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		h := edge(l, &counter{})
		for i := range 50 {
			if r := call(h, "192.0.2.1:1"); r.status != http.StatusOK {
				t.Fatalf("request %d while the store is down (on_error: local): status %d", i, r.status)
			}
		}
		if allowN, pings := store.calls(); allowN != 1 || pings != 0 {
			t.Errorf("store down: %d AllowN and %d pings for 50 requests, want 1 and 0 (no request waits for it)", allowN, pings)
		}
		time.Sleep(time.Second)
		call(h, "192.0.2.1:1") // starts a probe, which fails
		synctest.Wait()
		if allowN, pings := store.calls(); allowN != 1 || pings != 1 {
			t.Errorf("a second later: %d AllowN and %d pings, want 1 and 1", allowN, pings)
		}
		store.set(false)
		call(h, "192.0.2.1:1") // within the second after the failed probe: no new probe
		synctest.Wait()
		if _, pings := store.calls(); pings != 1 {
			t.Errorf("pings = %d within a second of the last, want 1", pings)
		}
		time.Sleep(time.Second)
		call(h, "192.0.2.1:1") // a probe that succeeds
		synctest.Wait()
		call(h, "192.0.2.1:1") // counted in the store again
		if allowN, pings := store.calls(); allowN != 2 || pings != 2 {
			t.Errorf("after the store is back: %d AllowN and %d pings, want 2 and 2", allowN, pings)
		}
	})
}
