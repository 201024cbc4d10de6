package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
	shopbench "github.com/bffgen/bffgen/examples/shop/bench"
	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	"github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1/catalogv1connect"
)

// BenchmarkProductsWithSellerAndReviews runs the shop's N+1 case through
// the generated BFF and its real backends on loopback: N products, each
// with two batched fields. It reports the backend calls per request, which
// must not grow with N, next to the latency.
func BenchmarkProductsWithSellerAndReviews(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			endpoint, c := countingBFF(b, "")
			query := fmt.Sprintf(`{ products(first: %d) { id name seller { displayName } reviews { rating reviewer { displayName } } } }`, n)
			c.reset()
			b.ReportAllocs()
			for b.Loop() {
				if _, res := post(b, endpoint, query, nil); len(res.Errors) > 0 {
					b.Fatalf("errors: %+v", res.Errors)
				}
			}
			calls := 0
			for _, v := range c.reset() {
				calls += v
			}
			b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
		})
	}
}

// BenchmarkLargeResponse measures the mapping of a large response: 100
// products with every scalar, list, map and oneof field. "backend-call" is
// the bare connect-go ListProducts call the BFF makes; "through-bff" is the
// GraphQL request that makes it and maps the result to JSON. The
// difference between the two is what the BFF adds per response: parsing
// and validating the document, executing the selection against the proto
// messages, and writing the JSON.
func BenchmarkLargeResponse(b *testing.B) {
	const query = `{ products(first: 100) { id name description priceCents currency category createdAt tags stock attributes { key value } percentOff amountOffCents displayPrice } }`
	var run *backends.Running
	endpoint := newBFFWith(b, bffOptions{backends: backends.Options{Products: 100}, started: func(r *backends.Running) { run = r }})
	b.Run("backend-call", func(b *testing.B) {
		client := catalogv1connect.NewCatalogServiceClient(http.DefaultClient, run.CatalogURL)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := client.ListProducts(ctx, connect.NewRequest(&catalogv1.ListProductsRequest{PageSize: 100}))
			if err != nil || len(res.Msg.GetProducts()) != 100 {
				b.Fatalf("ListProducts: %d products, %v", len(res.Msg.GetProducts()), err)
			}
		}
	})
	b.Run("through-bff", func(b *testing.B) {
		body, _ := json.Marshal(map[string]string{"query": query})
		if _, res := post(b, endpoint, query, nil); len(res.Errors) > 0 || len(res.Data["products"].([]any)) != 100 {
			b.Fatalf("want 100 products without errors, got %+v", res)
		}
		var size int64
		b.ReportAllocs()
		for b.Loop() {
			size = postDiscard(b, endpoint, body)
		}
		b.ReportMetric(float64(size), "response-bytes")
	})
}

// BenchmarkEdgeProfiles serves bench.Query through the two profiles of
// `make bench-edge` in one process, side by side: bench/bff-edge-on.yaml
// (every limit, trusted documents, a verified token, a rate limit) and
// bench/bff-edge-off.yaml. Run it with -count to alternate them; the
// difference in ns/op and allocs/op is what the edge costs a request that
// passes it, without the noise of a load generator and of other processes
// between rounds. The -parallel runs send 16 requests at once.
func BenchmarkEdgeProfiles(b *testing.B) {
	body, _ := json.Marshal(map[string]string{"query": shopbench.Query})
	auth := bearer(b, "u-1", "")
	for _, run := range []string{"on", "off", "on-parallel", "off-parallel"} {
		profile, parallel := strings.CutSuffix(run, "-parallel")
		b.Run(run, func(b *testing.B) {
			p := serveProfile(b, "bench/bff-edge-"+profile+".yaml", backends.Options{Products: 100, ReviewsPerProduct: 5})
			req := func() {
				r, err := http.NewRequest(http.MethodPost, p.GraphQL, bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set(auth[0], auth[1])
				res, err := http.DefaultClient.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			req()
			b.ReportAllocs()
			if parallel {
				// 16 requests at once on 2 cores, as make bench-edge's c=16.
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

// BenchmarkGeneratedVsHandWritten serves bench.Query (20 products, their
// sellers, 5 reviews each and their reviewers) through the generated BFF
// and through the two hand-written gqlgen BFFs, bench/handbff
// (dataloaders) and bench/handlookahead (lookahead batching), over the
// same in-process backends, side by side in one process: issue 12's
// "gqlgen path vs hand-written gqlgen" bar without a load generator. Run
// it with -count to alternate them. The serial runs send one request at a
// time (the dataloader BFF then waits for its 1 ms windows, so its ns/op
// is mostly waiting); the -parallel runs send 16 at once on the
// machine's cores, where ns/op is the CPU a request costs the whole
// process (BFF, backends and client), and allocs/op the garbage.
// goroutines/op counts the goroutines the process started per request,
// and cpu-ms/op the CPU time it used per request (on unix): the BFF's, and
// those of the HTTP client, server and backends alike. On a shared
// machine cpu-ms/op varies less than ns/op, which other processes' load
// stretches.
func BenchmarkGeneratedVsHandWritten(b *testing.B) {
	// The generated BFF as make bench-onehop serves it (bench/bff.yaml:
	// production mode, every upstream over Connect), with the access log
	// discarded.
	p := serveProfile(b, "bench/bff.yaml", backends.Options{Products: shopbench.Products, ReviewsPerProduct: shopbench.Reviews})
	generated := p.GraphQL
	handWritten := newHandBFF(b, p.Backends)
	lookahead := newLookaheadBFF(b, p.Backends)
	// The generated BFF runs shopbench.Query on its compiled path (the
	// operation Shop of operations/products.graphql); with a comment after
	// it, the same operation is not the compiled document's text and runs
	// on gqlgen, the path compared here, as make bench-onehop's (a).
	gqlgenQuery := shopbench.Query + "\n# not the compiled document's text: runs on gqlgen\n"
	for _, bff := range []struct{ name, endpoint, query string }{
		{"generated", generated, gqlgenQuery},
		{"handwritten", handWritten, shopbench.Query},
		{"lookahead", lookahead, shopbench.Query},
	} {
		body, _ := json.Marshal(map[string]string{"query": bff.query})
		req := func() {
			res, err := http.Post(bff.endpoint, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
		if res := postRaw(b, bff.endpoint, bff.query); len(res.Errors) > 0 {
			b.Fatalf("%s: errors: %+v", bff.name, res.Errors)
		}
		b.Run(bff.name, func(b *testing.B) {
			b.ReportAllocs()
			m := startProcessMeter()
			for b.Loop() {
				req()
			}
			m.report(b)
		})
		b.Run(bff.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			m := startProcessMeter()
			// 16 requests at once on 2 cores, as make bench-onehop's c=16.
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req()
				}
			})
			m.report(b)
		})
	}
	ranOnGQLGen(b, p.Admin)
}

// BenchmarkGeneratedVsLookaheadOneAtATime is the c=1 half of
// BenchmarkGeneratedVsHandWritten made robust to a shared machine: it sends
// one request at a time, alternately to the generated BFF's gqlgen path and
// to bench/handlookahead, and reports each one's median latency
// (generated-p50-us, lookahead-p50-us) and their ratio (p50-ratio, below 1
// when the generated BFF answers sooner). Alternating request by request
// puts both under the same load from other processes, and the median
// ignores the requests such load stretched most.
func BenchmarkGeneratedVsLookaheadOneAtATime(b *testing.B) {
	p := serveProfile(b, "bench/bff.yaml", backends.Options{Products: shopbench.Products, ReviewsPerProduct: shopbench.Reviews})
	lookahead := newLookaheadBFF(b, p.Backends)
	gqlgenQuery := shopbench.Query + "\n# not the compiled document's text: runs on gqlgen\n"
	genBody, _ := json.Marshal(map[string]string{"query": gqlgenQuery})
	laBody, _ := json.Marshal(map[string]string{"query": shopbench.Query})
	timed := func(endpoint string, body []byte) time.Duration {
		start := time.Now()
		postDiscard(b, endpoint, body)
		return time.Since(start)
	}
	for range 20 { // warm both: connections, query caches
		timed(p.GraphQL, genBody)
		timed(lookahead, laBody)
	}
	var gen, la []time.Duration
	for b.Loop() {
		gen = append(gen, timed(p.GraphQL, genBody))
		la = append(la, timed(lookahead, laBody))
	}
	ranOnGQLGen(b, p.Admin)
	genP50, laP50 := median(gen), median(la)
	b.ReportMetric(float64(genP50)/float64(time.Microsecond), "generated-p50-us")
	b.ReportMetric(float64(laP50)/float64(time.Microsecond), "lookahead-p50-us")
	b.ReportMetric(float64(genP50)/float64(laP50), "p50-ratio")
}

// ranOnGQLGen fails b unless the BFF whose admin base URL is admin has
// served requests, and none on its compiled path (its request counter,
// labelled by executor, in /metrics).
func ranOnGQLGen(b *testing.B, admin string) {
	b.Helper()
	res, err := http.Get(admin + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	text, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	gqlgen := false
	for line := range strings.Lines(string(text)) {
		if !strings.HasPrefix(line, "bffgen_graphql_requests_total{") {
			continue
		}
		if strings.Contains(line, `bffgen_graphql_executor="compiled"`) {
			b.Fatalf("a request ran on the compiled path: %s", line)
		}
		gqlgen = gqlgen || strings.Contains(line, `bffgen_graphql_executor="gqlgen"`)
	}
	if !gqlgen {
		b.Fatalf("%s/metrics counts no request on gqlgen", admin)
	}
}

// median returns the median of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// processMeter reads what the process used during a benchmark.
type processMeter struct {
	goroutines uint64
	cpu        time.Duration
	cpuOK      bool
}

// postDiscard posts the JSON body to endpoint, reads and discards the
// answer and returns its size; it fails b unless the status is 200.
func postDiscard(b testing.TB, endpoint string, body []byte) int64 {
	res, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	size, _ := io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("status %d", res.StatusCode)
	}
	return size
}

func startProcessMeter() processMeter {
	cpu, ok := processCPU()
	return processMeter{goroutines: goroutinesCreated(), cpu: cpu, cpuOK: ok}
}

// report adds goroutines/op and, where the CPU time can be read,
// cpu-ms/op to b's results.
func (m processMeter) report(b *testing.B) {
	b.ReportMetric(float64(goroutinesCreated()-m.goroutines)/float64(b.N), "goroutines/op")
	if cpu, ok := processCPU(); ok && m.cpuOK {
		b.ReportMetric(float64(cpu-m.cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

// goroutinesCreated is the number of goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
