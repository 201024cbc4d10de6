package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench"
)

func TestParseStatReadsParentAndCPUTicks(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		ppid      int
		ticks     int64
		wantParse bool
	}{
		{"plain name", "4242 (nginx) S 4241 4242 4242 0 -1 4194624 96 0 0 0 150 25 0 0 20 0 1 0 1 1 1", 4241, 175, true},
		{"name with spaces and parentheses", "7 (my (odd) proc) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 1", 1, 7, true},
		{"truncated", "7 (x) R 1 7", 0, 0, false},
		{"no parenthesis", "garbage", 0, 0, false},
		{"non-numeric ticks", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 a b 0 0 20 0 1 0 1 1 1", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ppid, ticks, ok := parseStat([]byte(tt.line))
			if ok != tt.wantParse || ppid != tt.ppid || ticks != tt.ticks {
				t.Errorf("parseStat = %d, %d, %v; want %d, %d, %v", ppid, ticks, ok, tt.ppid, tt.ticks, tt.wantParse)
			}
		})
	}
}

func TestCPUTimeCountsChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	// A child that burns CPU for a while: its time must show in ours.
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	own := cpuTime(os.Getpid())
	deadline := time.Now().Add(20 * time.Second)
	for cpuTime(os.Getpid())-own < 50*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("the child's CPU time never showed in the parent's: %v", cpuTime(os.Getpid())-own)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestParseBackendsNeedsAllThreeURLs(t *testing.T) {
	u, err := parseBackends("CATALOG_URL=http://127.0.0.1:1 REVIEWS_URL=http://127.0.0.1:2 USERS_URL=http://127.0.0.1:3")
	if err != nil || u.catalog != "http://127.0.0.1:1" || u.reviews != "http://127.0.0.1:2" || u.users != "http://127.0.0.1:3" {
		t.Errorf("parseBackends = %+v, %v", u, err)
	}
	if _, err := parseBackends("CATALOG_URL=http://127.0.0.1:1 USERS_URL=http://127.0.0.1:3"); err == nil {
		t.Error("a line without REVIEWS_URL was accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// testReport is a report of two rounds at c=1 and c=16 where bffgen serves
// twice the chain's throughput.
func testReport() *report {
	r := &report{Options: reportOptions{Rounds: 2, Seconds: 5, Levels: []int{1, 16}}, Machine: map[string]string{"cpu": "test"}}
	rps := map[string]float64{"bffgen": 1000, "compiled": 2000, "chain": 500, "handwritten": 800, "floor": 4000}
	for round := 1; round <= 2; round++ {
		for _, c := range []int{1, 16} {
			for key, v := range rps {
				v := v * float64(round) // medians average the two rounds
				r.Runs = append(r.Runs, sample{Variant: key, Concurrency: c, Round: round, Requests: int(v * 5), Seconds: 5, RPS: v,
					P50ms: 1000 * float64(c) / v, P99ms: 3000 * float64(c) / v, MiddleCPU: v * 5 / 1000, BackendCPU: 1, ClientCPU: 0.5})
			}
		}
	}
	var vs []*variant
	for _, k := range []string{"bffgen", "compiled", "chain", "handwritten", "floor"} {
		vs = append(vs, &variant{key: k, label: "(" + k + ")"})
	}
	r.summarize(vs)
	return r
}

func TestReportRatiosAndTargets(t *testing.T) {
	r := testReport()
	a := r.cell("bffgen", 16)
	if a.RPS != 1500 || a.MiddleCPUk != 1 {
		t.Errorf("median cell = %+v, want RPS 1500 and 1 CPU-s per 1000 requests", a)
	}
	var out strings.Builder
	if err := r.write(&out, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| 16 | 2.00x | 0.50x | 0.50x | 1.00x | 1.25x |",
		"- c=16, (a)/(b) RPS >= 2x: 2.00x, met; p99 <= 0.5x: 0.50x, met",
		"- c=1, (a)/(c) p50 <= 2x: 4.00x, NOT met",
		"- (a) BFF CPU per 1000 requests <= 0.5 CPU-s: at most 1.000, NOT met",
		// compiled: twice (a)'s RPS, the same CPU per request
		"- c=16, (a')/(b) RPS >= 2x: 4.00x, met; p99 <= 0.5x: 0.25x, met",
		"- c=1, (a')/(c) p50 <= 2x: 2.00x, met; p99 <= 2.5x: 2.00x, met",
		"- (a') BFF CPU per 1000 requests <= 0.5 CPU-s: at most 1.000, NOT met",
		"spends at most 0.019)",
		"| 16 | 4.00x | 0.25x | 0.25x | 1.00x | 0.50x | 2.00x | 2.00x | 2.00x | 0.50x | 0.50x | 1.00x |",
		"- issue 12, c=16, compiled path (a') vs the three-hop chain (b): RPS >= 3.0x: 4.00x, met; p99 <= 0.4x: 0.25x, met",
		"- issue 12, c=1, compiled path (a') vs the floor (c): p50 <= 1.3x: 2.00x, NOT met; p99 <= 1.5x: 2.00x, NOT met; CPU-s per 1000 requests: BFF 1.000 beside the floor client's 0.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestPlotIsSVGWithOneLinePerVariantAndPanel(t *testing.T) {
	svg := plot(testReport())
	var doc struct {
		XMLName   xml.Name   `xml:"svg"`
		Polylines []struct{} `xml:"polyline"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if len(doc.Polylines) != 3*5 {
		t.Errorf("%d polylines, want 15 (3 panels x 5 variants)", len(doc.Polylines))
	}
}

func TestWrkLoaderCountsAnswersWithErrors(t *testing.T) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (make bench-onehop installs it)")
	}
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if n.Add(1)%10 == 0 {
			fmt.Fprint(w, `{"data":{"products":[{"id":"1"}]},"errors":[{"message":"backend down"}]}`)
			return
		}
		fmt.Fprint(w, `{"data":{"products":[{"id":"1"}]}}`)
	}))
	defer ts.Close()
	load, err := wrkLoader(wrk, filepath.Join(t.TempDir(), "post.lua"), ts.URL, []byte(`{"query":"{ products { id } }"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := load(context.Background(), 2, time.Second)
	if err == nil || m.Bad == 0 || m.Requests < 10 {
		t.Fatalf("one answer in ten had errors; got %d bad of %d, err %v", m.Bad, m.Requests, err)
	}
	if got := float64(m.Bad) / float64(m.Requests); got < 0.05 || got > 0.15 {
		t.Errorf("bad share %.3f, want about 0.1", got)
	}
}

func TestStatusKiBReadsOneField(t *testing.T) {
	status := []byte("Name:\tnginx\nVmPeak:\t  20000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t    4096 kB\n")
	if got := statusKiB(status, "VmHWM:"); got != 5120 {
		t.Errorf("VmHWM = %d, want 5120", got)
	}
	if got := statusKiB(status, "VmSwap:"); got != 0 {
		t.Errorf("a missing field reads %d, want 0", got)
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	if kib := peakRSS(os.Getpid()); kib < 1024 {
		t.Errorf("peak RSS of the test process is %d KiB, want at least 1 MiB", kib)
	}
}

func TestPairedRatioIsTheMedianOfEachRoundsRatio(t *testing.T) {
	runs := []sample{
		{Variant: "on", Concurrency: 1, Round: 1, RPS: 100}, {Variant: "off", Concurrency: 1, Round: 1, RPS: 200},
		{Variant: "on", Concurrency: 1, Round: 2, RPS: 300}, {Variant: "off", Concurrency: 1, Round: 2, RPS: 300},
		{Variant: "off", Concurrency: 1, Round: 3, RPS: 100}, {Variant: "on", Concurrency: 1, Round: 3, RPS: 110},
		{Variant: "on", Concurrency: 16, Round: 1, RPS: 1}, {Variant: "off", Concurrency: 16, Round: 1, RPS: 9},
		{Variant: "on", Concurrency: 1, Round: 4, RPS: 500}, // no pair: left out
		{Variant: "other", Concurrency: 1, Round: 4, RPS: 1},
	}
	// Ratios at c=1: 0.5, 1, 1.1; the ratio of the medians would be 300/200.
	if got := pairedRatio(runs, 1, "on", "off"); got != 1 {
		t.Errorf("pairedRatio = %v, want 1", got)
	}
	if got := pairedRatio(runs, 16, "on", "off"); got != 1.0/9 {
		t.Errorf("pairedRatio at c=16 = %v, want 1/9", got)
	}
}

// metricsPage is a Prometheus page as the BFF's admin serves it, trimmed.
const metricsPage = `# HELP bffgen_graphql_requests_total GraphQL HTTP requests served.
# TYPE bffgen_graphql_requests_total counter
bffgen_graphql_requests_total{bffgen_graphql_executor="compiled",http_request_method="POST",http_response_status_code="200",otel_scope_name="github.com/bffgen/bffgen/runtime/gateway",otel_scope_version=""} 41
bffgen_graphql_requests_total{bffgen_graphql_executor="compiled",http_request_method="GET",http_response_status_code="200",otel_scope_name="github.com/bffgen/bffgen/runtime/gateway",otel_scope_version=""} 1
bffgen_graphql_requests_total{http_request_method="POST",http_response_status_code="400",otel_scope_name="github.com/bffgen/bffgen/runtime/gateway",otel_scope_version=""} 7
bffgen_graphql_request_duration_seconds_count{bffgen_graphql_executor="gqlgen",http_request_method="POST",http_response_status_code="200",otel_scope_name="github.com/bffgen/bffgen/runtime/gateway",otel_scope_version=""} 99
bffgen_graphql_requests_total{bffgen_graphql_executor="gqlgen",http_request_method="POST",http_response_status_code="200",otel_scope_name="github.com/bffgen/bffgen/runtime/gateway",otel_scope_version=""} 2.5e+06
`

func TestExecutorCountsSumRequestsByPath(t *testing.T) {
	got, err := parseExecutorCounts(strings.NewReader(metricsPage))
	if err != nil {
		t.Fatal(err)
	}
	if got["compiled"] != 42 || got["gqlgen"] != 2500000 || len(got) != 2 {
		t.Errorf("counts = %v, want compiled 42 (POST and GET), gqlgen 2500000, nothing else", got)
	}
}

func TestOnlyPath(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts map[string]int64
		want   string
		ok     bool
	}{
		{"all on the wanted path", map[string]int64{"compiled": 10}, "compiled", true},
		{"none on the wanted path", map[string]int64{}, "compiled", false},
		{"one on the other path", map[string]int64{"compiled": 10, "gqlgen": 1}, "compiled", false},
		{"all on the other path", map[string]int64{"gqlgen": 10}, "compiled", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := onlyPath(tc.counts, tc.want); (err == nil) != tc.ok {
				t.Errorf("onlyPath(%v, %q) = %v, want ok %v", tc.counts, tc.want, err, tc.ok)
			}
		})
	}
}

func TestPersistedBodyNamesTheQueryByItsHash(t *testing.T) {
	var body struct {
		Query      *string `json:"query"`
		Extensions struct {
			PersistedQuery struct {
				Version    int    `json:"version"`
				SHA256Hash string `json:"sha256Hash"`
			} `json:"persistedQuery"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(persistedBody("{ a }"), &body); err != nil {
		t.Fatal(err)
	}
	const want = "1c7e1e347f726166b5b1c55afd61f278cc9b45e00c108ec33d540a566379811b" // printf '{ a }' | sha256sum
	if pq := body.Extensions.PersistedQuery; body.Query != nil || pq.Version != 1 || pq.SHA256Hash != want {
		t.Errorf("body = %+v, want no query, version 1 and hash %s", body, want)
	}
}

func TestGQLGenQueryIsTheSameOperationInOtherText(t *testing.T) {
	if gqlgenQuery == bench.Query || !strings.HasPrefix(gqlgenQuery, bench.Query) {
		t.Errorf("gqlgenQuery must be bench.Query followed by something that does not change the operation:\n%s", gqlgenQuery)
	}
}
