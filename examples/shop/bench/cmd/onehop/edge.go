package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench"
	"github.com/bffgen/bffgen/examples/shop/dev/devkey"
)

// Bars of the embedded edge (issues 8 and 10): with every limit,
// authentication and a rate limit on, the BFF keeps at least 97% of its
// throughput and adds at most 0.1 ms to the median.
const (
	edgeMinRPSRatio = 0.97
	edgeMaxP50Delta = 0.1 // ms
)

// edgeReport is what edge.json holds: the runs of the two profiles and,
// per concurrency, the medians and their comparison.
type edgeReport struct {
	When    time.Time         `json:"when"`
	Machine map[string]string `json:"machine"`
	Options reportOptions     `json:"options"`
	Runs    []sample          `json:"runs"`
	Compare []edgeCompare     `json:"compare"`
}

// edgeCompare sets the medians of the two profiles side by side at one
// concurrency.
type edgeCompare struct {
	Concurrency int     `json:"concurrency"`
	OnRPS       float64 `json:"on_rps"`
	OffRPS      float64 `json:"off_rps"`
	RPSRatio    float64 `json:"rps_ratio"`
	OnP50ms     float64 `json:"on_p50_ms"`
	OffP50ms    float64 `json:"off_p50_ms"`
	P50DeltaMs  float64 `json:"p50_delta_ms"`
	OnP99ms     float64 `json:"on_p99_ms"`
	OffP99ms    float64 `json:"off_p99_ms"`
	OnCPUk      float64 `json:"on_cpu_s_per_1k"`
	OffCPUk     float64 `json:"off_cpu_s_per_1k"`
	// PairedRPSRatio is the median over the rounds of each round's RPS
	// on/off: the two runs of a round are next to each other in time, so
	// a change of the machine's load between rounds cancels out.
	PairedRPSRatio float64 `json:"paired_rps_ratio"`
}

// runEdge measures what the embedded edge costs: the shop BFF with every
// protection of bench/bff-edge-on.yaml against the same binary with
// bench/bff-edge-off.yaml, on bench.Query, in interleaved rounds.
func runEdge(ctx context.Context, o options) error {
	if err := lookTools(&o.wrk); err != nil {
		return err
	}
	st, err := prepare(ctx, o.out, "work-edge", "the shop BFF and the backends", ".", "./cmd/backends")
	if st != nil {
		defer st.ps.stopAll()
	}
	if err != nil {
		return err
	}
	modRoot, out, work, ps, backends, urls, bin := st.modRoot, st.out, st.work, st.ps, st.backends, st.urls, st.bin
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	addrs, err := freeAddrs(4)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"query": bench.Query})
	if err != nil {
		return err
	}
	// bff-edge-on.yaml refuses anonymous callers and verifies this token
	// (ES256, the shop's development key; after the first request the
	// verified token comes from its cache, as a client's repeated token
	// does); edge-off ignores it.
	token, err := devkey.Mint(filepath.Join(modRoot, "dev"), devkey.Issuer, devkey.Audience, "u-1", "", 24*time.Hour, time.Now())
	if err != nil {
		return err
	}
	header := map[string]string{"Authorization": "Bearer " + token}
	var variants []*variant
	for i, profile := range []struct{ key, label, config string }{
		{"edge-on", "every protection on", "bff-edge-on.yaml"},
		{"edge-off", "every limit off", "bff-edge-off.yaml"},
	} {
		listen, admin := addrs[2*i], addrs[2*i+1]
		p, err := ps.start(profile.key, []string{"BFF_LISTEN=" + listen, "BFF_ADMIN=" + admin,
			"CATALOG_URL=" + urls.catalog, "REVIEWS_URL=" + urls.reviews, "USERS_URL=" + urls.users},
			bin("shop"), "--config", filepath.Join(modRoot, "bench", profile.config))
		if err != nil {
			return err
		}
		if err := waitReady(startCtx, p, "http://"+admin+"/readyz"); err != nil {
			return err
		}
		v := &variant{key: profile.key, label: profile.label, middle: []*proc{p}, url: "http://" + listen + "/graphql", header: header, body: body}
		if v.load, err = wrkLoader(o.wrk, filepath.Join(work, "post.lua"), v.url, body, header); err != nil {
			return err
		}
		variants = append(variants, v)
	}
	if err := checkSameData(ctx, variants); err != nil {
		return err
	}
	for _, v := range variants {
		if _, err := v.load(ctx, 16, max(o.warmup, time.Second)); err != nil {
			return fmt.Errorf("warm-up of %s: %w", v.key, err)
		}
	}
	rep := &edgeReport{Options: reportOptions{Rounds: o.rounds, Seconds: o.duration.Seconds(), Levels: o.levels}, Machine: machine("", o.wrk)}
	for round := range o.rounds {
		for ci, c := range o.levels {
			order := variants
			if (round+ci)%2 == 1 {
				order = []*variant{variants[1], variants[0]}
			}
			for _, v := range order {
				r, err := measure(ctx, v, backends, c, o.duration)
				if ctx.Err() != nil {
					return errors.New("interrupted: every process it started is stopped, no results written")
				}
				if err != nil {
					return fmt.Errorf("%s at c=%d: %w", v.key, c, err)
				}
				r.Round = round + 1
				rep.Runs = append(rep.Runs, r)
				fmt.Fprintf(os.Stderr, "edge: round %d c=%-3d %-9s %8.0f rps  p50 %6.3f ms  p99 %6.3f ms\n", round+1, c, v.key, r.RPS, r.P50ms, r.P99ms)
			}
		}
	}
	for _, p := range ps.list {
		if gone, logTail := p.exited(); gone {
			return fmt.Errorf("%s exited during the runs:\n%s", p.name, logTail)
		}
	}
	rep.summarize()
	return rep.write(os.Stdout, out)
}

// summarize computes the medians of both profiles at every concurrency.
func (r *edgeReport) summarize() {
	r.When = time.Now().UTC().Truncate(time.Second)
	r.Compare = compareProfiles(r.Runs, r.Options.Levels, "edge-on", "edge-off")
}

// compareProfiles sets the medians of the runs of the profiles on and off
// side by side at each concurrency of levels.
func compareProfiles(runs []sample, levels []int, on, off string) []edgeCompare {
	med := func(key string, c int, f func(sample) float64) float64 {
		var xs []float64
		for _, s := range runs {
			if s.Variant == key && s.Concurrency == c {
				xs = append(xs, f(s))
			}
		}
		return median(xs)
	}
	rps := func(s sample) float64 { return s.RPS }
	p50 := func(s sample) float64 { return s.P50ms }
	p99 := func(s sample) float64 { return s.P99ms }
	cpuk := func(s sample) float64 { return s.MiddleCPU / float64(max(s.Requests, 1)) * 1000 }
	var out []edgeCompare
	for _, c := range levels {
		x := edgeCompare{Concurrency: c,
			OnRPS: med(on, c, rps), OffRPS: med(off, c, rps),
			OnP50ms: med(on, c, p50), OffP50ms: med(off, c, p50),
			OnP99ms: med(on, c, p99), OffP99ms: med(off, c, p99),
			OnCPUk: med(on, c, cpuk), OffCPUk: med(off, c, cpuk)}
		if x.OffRPS > 0 {
			x.RPSRatio = x.OnRPS / x.OffRPS
		}
		x.P50DeltaMs = x.OnP50ms - x.OffP50ms
		x.PairedRPSRatio = pairedRatio(runs, c, on, off)
		out = append(out, x)
	}
	return out
}

// pairedRatio returns the median over the rounds of the RPS of profile on
// divided by that of off in the same round, at concurrency c.
func pairedRatio(runs []sample, c int, on, off string) float64 {
	rps := map[[2]int]map[string]float64{}
	for _, s := range runs {
		if s.Concurrency != c || (s.Variant != on && s.Variant != off) {
			continue
		}
		k := [2]int{s.Round, c}
		if rps[k] == nil {
			rps[k] = map[string]float64{}
		}
		rps[k][s.Variant] = s.RPS
	}
	var ratios []float64
	for _, r := range rps {
		if r[on] > 0 && r[off] > 0 {
			ratios = append(ratios, r[on]/r[off])
		}
	}
	return median(ratios)
}

// write prints the table to w and writes edge.json and edge.md into dir.
func (r *edgeReport) write(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "The embedded edge: bench.Query with every protection on (bench/bff-edge-on.yaml) vs every limit off (bench/bff-edge-off.yaml)\n")
	fmt.Fprintf(&b, "medians of %d interleaved rounds of %gs per profile and concurrency; wrk -t1, keep-alive; %s\n\n", r.Options.Rounds, r.Options.Seconds, r.Machine["cpu"])
	fmt.Fprintf(&b, "| c | RPS on | RPS off | on/off | p50 on ms | p50 off ms | p50 delta ms | p99 on ms | p99 off ms | BFF CPU-s/1k on | off |\n")
	fmt.Fprintf(&b, "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	var bars strings.Builder
	for _, x := range r.Compare {
		fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.3fx | %.3f | %.3f | %+.3f | %.3f | %.3f | %.3f | %.3f |\n", x.Concurrency,
			x.OnRPS, x.OffRPS, x.RPSRatio, x.OnP50ms, x.OffP50ms, x.P50DeltaMs, x.OnP99ms, x.OffP99ms, x.OnCPUk, x.OffCPUk)
		fmt.Fprintf(&bars, "- c=%d: RPS on/off >= %.2fx: %.3fx, %s; p50 <= +%.1f ms: %+.3f ms, %s\n", x.Concurrency,
			edgeMinRPSRatio, x.RPSRatio, verdict(x.RPSRatio >= edgeMinRPSRatio), edgeMaxP50Delta, x.P50DeltaMs, verdict(x.P50DeltaMs <= edgeMaxP50Delta))
	}
	b.WriteString("\nBars of issue 8:\n" + bars.String())
	return writeComparison(w, dir, "edge", b.String(), r)
}

// writeComparison prints the report md to w and writes it to
// dir/<name>.md, and r as JSON to dir/<name>.json.
func writeComparison(w io.Writer, dir, name, md string, r any) error {
	if _, err := io.WriteString(w, md); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	for file, data := range map[string][]byte{name + ".json": append(js, '\n'), name + ".md": []byte(md)} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nwrote %s/{%s.json,%s.md}\n", dir, name, name)
	return nil
}
