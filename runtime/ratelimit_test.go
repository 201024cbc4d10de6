package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/gateway/ratelimit/redisstore"
	"github.com/bffgen/bffgen/runtime/internal/redistest"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// instance is one BFF on 127.0.0.1 with its own limiter, counting its
// backend calls.
type instance struct {
	url     string
	srv     *runtime.Server
	backend atomic.Int64
}

// logLines collects the messages a server logs.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *logLines) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

func startInstances(t *testing.T, n int, bffYAML string, logs *logLines) []*instance {
	t.Helper()
	cfg := parse(t, bffYAML)
	out := make([]*instance, n)
	for i := range out {
		in := &instance{}
		svc := service(&testschema.Resolver{Product: func(_ context.Context, id string) (*testschema.Product, error) {
			in.backend.Add(1)
			return &testschema.Product{ID: id, Name: "p"}, nil
		}})
		logger := discard
		if logs != nil {
			logger = slog.New(slog.NewTextHandler(logs, nil))
		}
		srv, err := runtime.New(svc, cfg, runtime.WithLogger(logger), runtime.WithRateLimitStore(redisstore.Open))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(func() {
			hs.Close()
			_ = srv.Close()
		})
		in.url = hs.URL + "/graphql"
		in.srv = srv
		out[i] = in
	}
	return out
}

// outcome is one request of a load run.
type outcome struct {
	at         time.Duration // when it was sent, from the start of the run
	status     int
	code       string
	retryAfter string
}

// load sends rps requests per second to each instance for d, spread over
// workers, and returns every outcome. A transport error fails the test.
func load(t *testing.T, client *http.Client, instances []*instance, rps int, d time.Duration, start time.Time) []outcome {
	t.Helper()
	const workers = 8
	body := []byte(`{"query":"{ product(id: \"1\") { id } }"}`)
	var mu sync.Mutex
	var out []outcome
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for _, in := range instances {
		for w := range workers {
			wg.Go(func() {
				interval := time.Second * workers / time.Duration(rps)
				next := time.Now().Add(interval * time.Duration(w) / workers)
				for {
					time.Sleep(time.Until(next))
					if time.Now().After(end) {
						return
					}
					next = next.Add(interval)
					at := time.Since(start)
					resp, err := client.Post(in.url, "application/json", bytes.NewReader(body))
					if err != nil {
						t.Errorf("request: %v", err)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					o := outcome{at: at, status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
					var r struct {
						Errors []struct {
							Extensions map[string]any `json:"extensions"`
						} `json:"errors"`
					}
					if json.Unmarshal(b, &r) == nil && len(r.Errors) > 0 {
						o.code, _ = r.Errors[0].Extensions["code"].(string)
					}
					mu.Lock()
					out = append(out, o)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return out
}

// tally counts the outcomes sent in [from, to) and checks that each is 200
// or a well-formed 429.
func tally(t *testing.T, outs []outcome, from, to time.Duration) (sent, accepted int) {
	t.Helper()
	bad := 0
	for _, o := range outs {
		if o.at < from || o.at >= to {
			continue
		}
		sent++
		switch {
		case o.status == http.StatusOK:
			accepted++
		case o.status == http.StatusTooManyRequests && o.code == "RATE_LIMITED" && o.retryAfter != "":
		default:
			if bad++; bad <= 3 {
				t.Errorf("at %s: status %d code %q Retry-After %q; want 200, or 429 RATE_LIMITED with Retry-After", o.at, o.status, o.code, o.retryAfter)
			}
		}
	}
	return sent, accepted
}

func newLoadClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// RL-1: three instances sharing Redis, offered 3 times a global limit,
// accept the limit within 5 %.
//
// Not parallel: it measures a rate, so it runs before this package's
// parallel tests start. The burst is a second of the rate (the default),
// so that a stall of the load generator on a busy machine does not waste
// capacity a smoother client would have used.
func TestGlobalLimitHoldsAcrossThreeInstances(t *testing.T) {
	redisURL := redistest.URL(t)
	const limit, burst = 100, 100
	// A generous timeout: this test measures the counting in Redis, not
	// the fallback of a busy machine's late answers (RL-2 does).
	logs := &logLines{}
	instances := startInstances(t, 3, fmt.Sprintf(`
gateway:
  rate_limit:
    redis: {url: %q, key_prefix: %q, timeout: 1s, instances_hint: 3}
    rules:
      - {name: global, key: $client_ip, rate: %d/s, burst: %d, scope: global}
`, redisURL, redistest.Prefix(), limit, burst), logs)
	client := newLoadClient(t)
	start := time.Now()
	const run = 4 * time.Second
	outs := load(t, client, instances, limit, run, start) // 3 x limit in all
	elapsed := time.Since(start)
	sent, accepted := tally(t, outs, 0, time.Hour)
	var backend int64
	for _, in := range instances {
		backend += in.backend.Load()
	}
	offered := float64(sent) / elapsed.Seconds()
	// The steady state, by send time: the burst is spent in the first
	// 0.6 s (100 / (300 - 100) per second).
	const from, to = time.Second, run - 500*time.Millisecond
	_, steady := tally(t, outs, from, to)
	rate := float64(steady) / (to - from).Seconds()
	t.Logf("RL-1: offered %.0f/s to 3 instances, accepted %d of %d in %s; from %s to %s: %d accepted, %.1f/s (limit %d/s, %+.1f %%); backend calls %d",
		offered, accepted, sent, elapsed.Round(time.Millisecond), from, to, steady, rate, limit, (rate/limit-1)*100, backend)
	if n := logs.count("Redis is unreachable"); n > 0 {
		t.Errorf("Redis did not answer within 1 s %d times: the run measured the fallback, not Redis", n)
	}
	if offered < 2*limit {
		t.Fatalf("offered only %.0f/s, not enough over the limit of %d/s to measure it", offered, limit)
	}
	if rate < limit*0.95 || rate > limit*1.05 {
		t.Errorf("accepted %.1f/s, want within 5 %% of %d/s", rate, limit)
	}
	if backend != int64(accepted) {
		t.Errorf("backend calls %d, want one per accepted request (%d): a rejection must not reach it", backend, accepted)
	}
}

// RL-2: Redis goes away mid-run: no 5xx, the local fallback (limit / 3
// per instance) counts from the first second, and global counting is back
// once Redis returns.
//
// Not parallel, as it measures rates.
func TestRedisOutageFallsBackLocallyAndRecovers(t *testing.T) {
	proxy := redistest.NewProxy(t, redistest.URL(t))
	// The burst is a second of the rate (the default), so that stalls of
	// the load generator on a busy machine waste no capacity; the timeout
	// is generous for the same reason (a late answer is an outage too, and
	// the hung-Redis test covers the 50 ms default).
	const limit, burst = 90, 90
	logs := &logLines{}
	instances := startInstances(t, 3, fmt.Sprintf(`
gateway:
  rate_limit:
    redis: {url: %q, key_prefix: %q, on_error: local, instances_hint: 3, timeout: 250ms}
    rules:
      - {name: global, key: $client_ip, rate: %d/s, burst: %d, scope: global}
`, proxy.URL(), redistest.Prefix(), limit, burst), logs)
	client := newLoadClient(t)
	start := time.Now()
	const up1, down, up2 = time.Second, 2 * time.Second, 4 * time.Second
	var outs []outcome
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		o := load(t, client, instances, limit, up1+down+up2, start)
		mu.Lock()
		outs = o
		mu.Unlock()
	})
	time.Sleep(up1)
	proxy.Stop()
	stopped := time.Since(start)
	time.Sleep(down)
	if err := proxy.Start(); err != nil {
		t.Fatalf("restart the proxy: %v", err)
	}
	restarted := time.Since(start)
	wg.Wait()

	// The first second of the outage: each instance grants limit/3 per
	// second and a burst of burst/3.
	sent, accepted := tally(t, outs, stopped, stopped+time.Second)
	want := float64(3 * (limit/3 + burst/3))
	t.Logf("RL-2: first second of the outage: accepted %d of %d (local fallback: %.0f)", accepted, sent, want)
	if float64(accepted) < want*0.8 || float64(accepted) > want*1.2 {
		t.Errorf("first second of the outage: accepted %d, want about %.0f from the local fallback (20 %%)", accepted, want)
	}
	sentAll, _ := tally(t, outs, 0, time.Hour)
	outages, recoveries := logs.count("Redis is unreachable"), logs.count("Redis answers again")
	t.Logf("RL-2: logged %d outages and %d recoveries", outages, recoveries)
	// A Redis call over the 50 ms timeout on a busy machine is an outage
	// too, so there may be more than the one of the test.
	if outages < 3 || recoveries < 3 {
		t.Errorf("logged %d outages and %d recoveries, want each of the 3 instances to log its outage and its recovery", outages, recoveries)
	}
	// Global counting again: from 2 s after Redis returned (the retry
	// interval is 1 s, then the burst saved during the outage is spent in
	// 0.5 s), the accepted rate is the limit.
	from := restarted + 2*time.Second
	to := up1 + down + up2 - 500*time.Millisecond
	sent, accepted = tally(t, outs, from, to)
	window := (to - from).Seconds()
	rate := float64(accepted) / window
	t.Logf("RL-2: after recovery: accepted %d of %d in %.1f s: %.1f/s (limit %d/s); %d requests in the run, no 5xx", accepted, sent, window, rate, limit, sentAll)
	if rate < limit*0.9 || rate > limit*1.1 {
		t.Errorf("after recovery: accepted %.1f/s, want the global limit %d/s (10 %%)", rate, limit)
	}
	if t.Failed() {
		t.Logf("the stop was at %s, the restart at %s; the limiter logged:", stopped, restarted)
		for _, l := range logs.all() {
			if strings.Contains(l, "Redis") {
				t.Log(strings.TrimSpace(l))
			}
		}
	}
}

// RL-2 with on_error: fail_closed: 429 with Retry-After: 1, no 5xx, no
// backend call.
func TestRedisOutageFailsClosedWith429(t *testing.T) {
	t.Parallel()
	proxy := redistest.NewProxy(t, redistest.URL(t))
	instances := startInstances(t, 1, fmt.Sprintf(`
gateway:
  rate_limit:
    redis: {url: %q, key_prefix: %q, on_error: fail_closed}
    rules:
      - {name: global, key: $client_ip, rate: 1000/s, scope: global}
`, proxy.URL(), redistest.Prefix()), nil)
	client := newLoadClient(t)
	body := `{"query":"{ product(id: \"1\") { id } }"}`
	if r := send(t, client, "POST", instances[0].url, body); r.status != http.StatusOK {
		t.Fatalf("with Redis up: status %d %s", r.status, r.body)
	}
	proxy.Stop()
	before := instances[0].backend.Load()
	for i := range 20 {
		r := send(t, client, "POST", instances[0].url, body)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || !strings.Contains(r.body, `"RATE_LIMITED"`) {
			t.Fatalf("request %d with Redis down: status %d Retry-After %q %s; want 429 RATE_LIMITED, Retry-After 1", i, r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	if n := instances[0].backend.Load() - before; n != 0 {
		t.Errorf("%d backend calls while failing closed", n)
	}
}

// A hung Redis costs at most one timeout per retry interval: the other
// requests do not wait for it.
func TestAHungRedisIsLeftAloneBetweenProbes(t *testing.T) {
	t.Parallel()
	proxy := redistest.NewProxy(t, redistest.URL(t))
	instances := startInstances(t, 1, fmt.Sprintf(`
gateway:
  rate_limit:
    redis: {url: %q, key_prefix: %q, timeout: 50ms}
    rules:
      - {name: global, key: $client_ip, rate: 100000/s, scope: global}
`, proxy.URL(), redistest.Prefix()), nil)
	client := newLoadClient(t)
	body := `{"query":"{ product(id: \"1\") { id } }"}`
	send(t, client, "POST", instances[0].url, body) // connects
	proxy.Blackhole(true)
	start := time.Now()
	n := 0
	for time.Since(start) < 1500*time.Millisecond {
		if r := send(t, client, "POST", instances[0].url, body); r.status != http.StatusOK {
			t.Fatalf("request %d with Redis hung: status %d %s; want 200 from the local fallback", n, r.status, r.body)
		}
		n++
	}
	// One request's call hangs; then only a background probe, a second
	// later, tries Redis: 2 attempts in 1.5 s, whatever the number of
	// requests.
	if n < 10 {
		t.Fatalf("only %d requests in 1.5 s: too few to tell whether each one tried Redis", n)
	}
	held := proxy.Held()
	t.Logf("%d requests in 1.5 s with Redis hung; %d Redis calls attempted", n, held)
	if held < 1 || held > 3 {
		t.Errorf("%d Redis calls attempted while it hung, want 1 to 3 (one per second)", held)
	}

}

// The server wires the rate-limit phase: rules that count requests in the
// middleware, cost and $operation rules at admission, over POST and over
// the SSE transport alike.
func TestServerEnforcesRateLimitRules(t *testing.T) {
	t.Parallel()
	instances := startInstances(t, 1, `
gateway:
  rate_limit:
    rules:
      - {name: per_ip, key: $client_ip, rate: 1/h, burst: 100}
      - {name: cost, key: $header.X-Client, rate: 1/h, burst: 5, cost: true}
      - {name: per_op, key: $operation, rate: 1/h, burst: 2}
`, nil)
	in := instances[0]
	client := newLoadClient(t)
	post := func(q string, header ...string) response {
		b, _ := json.Marshal(map[string]string{"query": q})
		return send(t, client, "POST", in.url, string(b), header...)
	}
	// Cost: two products cost 2 of the 5.
	for i := range 2 {
		if r := post(`query Two { a: product(id: "1") { id } b: product(id: "2") { id } }`); r.status != http.StatusOK {
			t.Fatalf("Two #%d: %d %s", i+1, r.status, r.body)
		}
	}
	// 4 of 5 spent: a third Two (cost 2) is over, and never reaches the backend.
	before := in.backend.Load()
	r := post(`query Other { a: product(id: "1") { id } b: product(id: "2") { id } }`)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, `"RATE_LIMITED"`) || !strings.Contains(r.body, `\"cost\"`) || r.header.Get("Retry-After") == "" {
		t.Errorf("cost over the budget: %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	if in.backend.Load() != before {
		t.Error("a refused operation called the backend")
	}
	rec := httptest.NewRecorder()
	in.srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `bffgen_ratelimit_rejections_total{bffgen_ratelimit_reason="exceeded",bffgen_ratelimit_rule="cost"`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics has no %s", want)
	}
	// $operation over SSE: Hello passes twice, then is refused inside
	// the stream (by per_op: another client's cost budget is untouched).
	for i, want := range []string{`"hello":"hello, world"`, `"hello":"hello, world"`, `\"per_op\"`} {
		r := post(`query Hello { hello }`, "Accept", "text/event-stream", "X-Client", "b")
		if !strings.Contains(r.body, want) {
			t.Errorf("Hello over SSE #%d: %d %s, want %s", i+1, r.status, r.body, want)
		}
	}
}

// RL-3, measured rather than asserted (timings belong to benchmarks): the
// latency of requests with Redis answering at once, then with 200 ms added
// to every Redis call. A call over redis.timeout (50 ms) is an outage: the
// global rule counts in its local fallback and only background probes
// wait for Redis, so no request after the first waits for it. The test
// asserts that (by counting fallback decisions through the log) and logs
// the percentiles.
func TestSlowRedisLatency(t *testing.T) {
	proxy := redistest.NewProxy(t, redistest.URL(t))
	logs := &logLines{}
	instances := startInstances(t, 1, fmt.Sprintf(`
gateway:
  rate_limit:
    redis: {url: %q, key_prefix: %q, timeout: 50ms, instances_hint: 3}
    rules:
      - {name: global, key: $client_ip, rate: 100000/s, scope: global}
`, proxy.URL(), redistest.Prefix()), logs)
	client := newLoadClient(t)
	body := `{"query":"{ product(id: \"1\") { id } }"}`
	run := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			start := time.Now()
			if r := send(t, client, "POST", instances[0].url, body); r.status != http.StatusOK {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			out[i] = time.Since(start)
		}
		slices.Sort(out)
		return out
	}
	pct := func(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }
	fast := run(1000)
	proxy.Delay(200 * time.Millisecond)
	slow := run(1000)
	if n := logs.count("Redis is unreachable"); n < 1 {
		t.Errorf("Redis at +200 ms was not treated as unreachable (timeout 50 ms)")
	}
	t.Logf("RL-3: Redis direct: p50 %s p99 %s max %s; Redis +200 ms: p50 %s p99 %s max %s (p99 %+.2f ms)",
		pct(fast, .5), pct(fast, .99), fast[len(fast)-1], pct(slow, .5), pct(slow, .99), slow[len(slow)-1],
		float64(pct(slow, .99)-pct(fast, .99))/float64(time.Millisecond))
}
