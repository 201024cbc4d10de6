package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/gateway/ratelimit"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore"
	"github.com/bffgen/bffgen/runtime/internal/redistest"
)

func TestOpenRefusesAURLGoRedisCannotUse(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"http://127.0.0.1:6379", "redis://127.0.0.1:6379/notanumber"} {
		if _, err := redisstore.Open(url, 50*time.Millisecond); err == nil {
			t.Errorf("Open(%q) accepted it", url)
		}
	}
}

func TestOpenDoesNotContactRedis(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: opening still succeeds, the first call fails.
	s, err := redisstore.Open("redis://127.0.0.1:1", 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a closed port succeeded")
	}
	if _, _, err := s.AllowN(ctx, "k", ratelimit.Limit{Rate: 1, Burst: 1, Period: time.Second}, 1); err == nil {
		t.Error("AllowN on a closed port succeeded")
	}
}

func TestAllowNCountsTheBurstThenRefusesWithRetryAfter(t *testing.T) {
	t.Parallel()
	s, err := redisstore.Open(redistest.URL(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	key := redistest.Prefix() + "burst"
	limit := ratelimit.Limit{Rate: 10, Burst: 3, Period: time.Hour}
	for i := range 3 {
		ok, _, err := s.AllowN(ctx, key, limit, 1)
		if err != nil || !ok {
			t.Fatalf("call %d within the burst: allowed %v, err %v", i, ok, err)
		}
	}
	ok, retry, err := s.AllowN(ctx, key, limit, 1)
	if err != nil || ok {
		t.Fatalf("call over the burst: allowed %v, err %v", ok, err)
	}
	// 10 per hour: one event every 6 minutes.
	if retry <= 5*time.Minute || retry > 6*time.Minute {
		t.Errorf("retry after %v, want about 6m", retry)
	}
	ok, _, err = s.AllowN(ctx, redistest.Prefix()+"other", limit, 4)
	if err != nil || ok {
		t.Errorf("4 at once over a burst of 3: allowed %v, err %v", ok, err)
	}
}
