package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/examples/shop/backends"
	shopbench "github.com/bffgen/bffgen/examples/shop/bench"
	"github.com/bffgen/bffgen/runtime/config"
)

// sidecarProfile serves bench/bff-sidecar-<name>.yaml (name "on" or "off")
// over three replicas of the example backends, as `make bench-sidecar`
// does with three processes.
func sidecarProfile(t testing.TB, name string) profile {
	t.Helper()
	var opts []profileOption
	for i := 1; i <= 3; i++ {
		run, err := backends.Start(backends.Options{Products: shopbench.Products, ReviewsPerProduct: shopbench.Reviews})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(run.Close)
		n := strconv.Itoa(i)
		opts = append(opts, withEnv("CATALOG_URL_"+n, run.CatalogURL), withEnv("REVIEWS_URL_"+n, run.ReviewsURL), withEnv("USERS_URL_"+n, run.UsersURL))
	}
	return serveProfile(t, "bench/bff-sidecar-"+name+".yaml", backends.Options{}, opts...)
}

// TestSidecarBenchProfiles: the two profiles of `make bench-sidecar` load,
// answer bench.Query with the same data, and set what they claim: three
// endpoints per upstream, and the policies on (p2c, outlier detection,
// retries, breaker) or off.
func TestSidecarBenchProfiles(t *testing.T) {
	t.Parallel()
	var answers []string
	for _, name := range []string{"on", "off"} {
		cfg, err := config.Load("bench/bff-sidecar-"+name+".yaml", config.WithLookupEnv(func(v string) (string, bool) {
			if strings.HasPrefix(v, "BFF_") {
				return "127.0.0.1:0", true
			}
			return "http://127.0.0.1:1/" + v, true
		}))
		if err != nil {
			t.Fatal(err)
		}
		for up, u := range cfg.Upstreams {
			on := u.LoadBalancing == config.LoadBalancingP2C && !u.OutlierDetection.Disabled && u.Retry.MaxAttempts == 0 && u.CircuitBreaker.Enabled
			off := u.LoadBalancing == config.LoadBalancingRoundRobin && u.OutlierDetection.Disabled && u.Retry.MaxAttempts == 1 && !u.CircuitBreaker.Enabled
			if len(u.Endpoints) != 3 || (name == "on") != on || (name == "off") != off {
				t.Errorf("%s: upstream %s: %d endpoints, policies %+v", name, up, len(u.Endpoints), u)
			}
		}
		p := sidecarProfile(t, name)
		res, err := http.Post(p.GraphQL, "application/json", strings.NewReader(`{"query":`+strconv.Quote(shopbench.Query)+`}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte(`{"data":{"products":[`)) || bytes.Contains(b, []byte(`"errors"`)) {
			t.Fatalf("%s: %d %.300s", name, res.StatusCode, b)
		}
		answers = append(answers, string(b))
	}
	if answers[0] != answers[1] {
		t.Errorf("the profiles answer different data")
	}
}

// BenchmarkSidecarProfiles serves bench.Query through the two profiles of
// `make bench-sidecar` in one process, side by side: every sidecar policy
// on (bench/bff-sidecar-on.yaml) and off (bff-sidecar-off.yaml), three
// replicas of every backend. Run it with -count to alternate them; the
// difference in ns/op and allocs/op is what the policies cost, without the
// noise of a load generator. The -parallel runs send 16 requests at once.
func BenchmarkSidecarProfiles(b *testing.B) {
	body, _ := json.Marshal(map[string]string{"query": shopbench.Query})
	for _, run := range []string{"on", "off", "on-parallel", "off-parallel"} {
		name, parallel := strings.CutSuffix(run, "-parallel")
		b.Run(run, func(b *testing.B) {
			p := sidecarProfile(b, name)
			req := func() { postDiscard(b, p.GraphQL, body) }
			req()
			b.ReportAllocs()
			if parallel {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req()
					}
				})
				return
			}
			for b.Loop() {
				req()
			}
		})
	}
}
