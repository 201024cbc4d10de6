package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// sample is one load run of one variant at one concurrency.
type sample struct {
	Variant     string  `json:"variant"`
	Concurrency int     `json:"concurrency"`
	Round       int     `json:"round"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// CPU seconds spent during the run by the tier between the client and
	// the backends, by the backends, and by the load generator.
	MiddleCPU  float64 `json:"middle_cpu_s"`
	BackendCPU float64 `json:"backend_cpu_s"`
	ClientCPU  float64 `json:"client_cpu_s"`
	// Bad counts the failed requests (bad answers and socket errors) of a
	// variant that tolerates them; the others stop at the first.
	Bad int `json:"bad,omitempty"`
}

// cell is the median over the rounds of one variant at one concurrency.
type cell struct {
	Variant     string  `json:"variant"`
	Label       string  `json:"label"`
	Concurrency int     `json:"concurrency"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	// CPU seconds per 1000 requests.
	MiddleCPUk  float64 `json:"middle_cpu_s_per_1k"`
	BackendCPUk float64 `json:"backend_cpu_s_per_1k"`
	ClientCPUk  float64 `json:"client_cpu_s_per_1k"`
}

type reportOptions struct {
	Rounds  int     `json:"rounds"`
	Seconds float64 `json:"seconds_per_run"`
	Levels  []int   `json:"concurrency"`
}

// report is what results.json holds.
type report struct {
	When    time.Time         `json:"when"`
	Machine map[string]string `json:"machine"`
	Options reportOptions     `json:"options"`
	Runs    []sample          `json:"runs"`
	Cells   []cell            `json:"medians"`
	// Footprint has one entry per variant with a BFF tier.
	Footprint []footprint `json:"footprint"`
	// Executors has, for each generated BFF variant, how many requests
	// each execution path served; the run fails unless all ran on the
	// variant's own path.
	Executors []executorCount `json:"executors,omitempty"`
	labels    map[string]string
	order     []string
}

// summarize computes the medians of every variant at every concurrency.
func (r *report) summarize(variants []*variant) {
	r.When = time.Now().UTC().Truncate(time.Second)
	r.labels = map[string]string{}
	for _, v := range variants {
		r.labels[v.key] = v.label
		r.order = append(r.order, v.key)
	}
	for _, c := range r.Options.Levels {
		for _, key := range r.order {
			var rps, p50, p99, mid, back, cli []float64
			for _, x := range r.Runs {
				if x.Variant != key || x.Concurrency != c {
					continue
				}
				perK := 1000 / float64(x.Requests)
				rps, p50, p99 = append(rps, x.RPS), append(p50, x.P50ms), append(p99, x.P99ms)
				mid, back, cli = append(mid, x.MiddleCPU*perK), append(back, x.BackendCPU*perK), append(cli, x.ClientCPU*perK)
			}
			r.Cells = append(r.Cells, cell{Variant: key, Label: r.labels[key], Concurrency: c,
				RPS: median(rps), P50ms: median(p50), P99ms: median(p99),
				MiddleCPUk: median(mid), BackendCPUk: median(back), ClientCPUk: median(cli)})
		}
	}
}

func (r *report) cell(key string, c int) cell {
	for _, x := range r.Cells {
		if x.Variant == key && x.Concurrency == c {
			return x
		}
	}
	return cell{}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// write prints the tables to w and writes results.json, table.md and
// latency.svg into dir.
func (r *report) write(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "One hop vs three: bench.Query (20 products, 5 reviews each, sellers and reviewers: 4 backend calls on 3 levels)\n")
	fmt.Fprintf(&b, "medians of %d interleaved rounds of %gs per variant and concurrency; wrk -t1, keep-alive; %s\n\n", r.Options.Rounds, r.Options.Seconds, r.Machine["cpu"])
	fmt.Fprintf(&b, "| c | variant | RPS | p50 ms | p99 ms | BFF tier CPU-s / 1k req | backends CPU-s / 1k | client CPU-s / 1k |\n")
	fmt.Fprintf(&b, "| --: | --- | --: | --: | --: | --: | --: | --: |\n")
	for _, c := range r.Options.Levels {
		for _, key := range r.order {
			x := r.cell(key, c)
			mid := fmt.Sprintf("%.3f", x.MiddleCPUk)
			if key == "floor" {
				mid = "none"
			}
			fmt.Fprintf(&b, "| %d | %s | %.0f | %.2f | %.2f | %s | %.3f | %.3f |\n", c, x.Label, x.RPS, x.P50ms, x.P99ms, mid, x.BackendCPUk, x.ClientCPUk)
		}
	}
	fmt.Fprintf(&b, "\nRatios (a)/(b), (a)/(b') and (a)/(c): RPS above 1 and latency below 1 favour (a)\n\n")
	fmt.Fprintf(&b, "| c | (a)/(b) RPS | p50 | p99 | BFF tier CPU | (a)/(b') RPS | p50 | p99 | (a)/(c) RPS | p50 | p99 |\n")
	fmt.Fprintf(&b, "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n")
	for _, c := range r.Options.Levels {
		a, ch, hw, fl := r.cell("bffgen", c), r.cell("chain", c), r.cell("handwritten", c), r.cell("floor", c)
		fmt.Fprintf(&b, "| %d | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n", c,
			a.RPS/ch.RPS, a.P50ms/ch.P50ms, a.P99ms/ch.P99ms, a.MiddleCPUk/ch.MiddleCPUk,
			a.RPS/hw.RPS, a.P50ms/hw.P50ms, a.P99ms/hw.P99ms,
			a.RPS/fl.RPS, a.P50ms/fl.P50ms, a.P99ms/fl.P99ms)
	}
	if slices.Contains(r.order, "lookahead") {
		fmt.Fprintf(&b, "\nRatios (a)/(b''), against the best hand-written baseline, and (b'')/(b'), lookahead against dataloaders: RPS above 1 and latency and CPU below 1 favour the first\n\n")
		fmt.Fprintf(&b, "| c | (a)/(b'') RPS | p50 | p99 | BFF tier CPU | (b'')/(b') RPS | p50 | p99 | BFF tier CPU |\n")
		fmt.Fprintf(&b, "| --: | --: | --: | --: | --: | --: | --: | --: | --: |\n")
		for _, c := range r.Options.Levels {
			a, hw, la := r.cell("bffgen", c), r.cell("handwritten", c), r.cell("lookahead", c)
			fmt.Fprintf(&b, "| %d | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n", c,
				a.RPS/la.RPS, a.P50ms/la.P50ms, a.P99ms/la.P99ms, a.MiddleCPUk/la.MiddleCPUk,
				la.RPS/hw.RPS, la.P50ms/hw.P50ms, la.P99ms/hw.P99ms, la.MiddleCPUk/hw.MiddleCPUk)
		}
	}
	if slices.Contains(r.order, "compiled") {
		fmt.Fprintf(&b, "\nRatios of the compiled path (a') to the three-hop chain (b), to the floor (c) and to the gqlgen path (a): RPS above 1 and latency and CPU below 1 favour (a')\n\n")
		fmt.Fprintf(&b, "| c | (a')/(b) RPS | p50 | p99 | BFF tier CPU | (a')/(c) RPS | p50 | p99 | (a')/(a) RPS | p50 | p99 | BFF CPU |\n")
		fmt.Fprintf(&b, "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n")
		for _, c := range r.Options.Levels {
			a, cp, ch, fl := r.cell("bffgen", c), r.cell("compiled", c), r.cell("chain", c), r.cell("floor", c)
			fmt.Fprintf(&b, "| %d | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx | %.2fx |\n", c,
				cp.RPS/ch.RPS, cp.P50ms/ch.P50ms, cp.P99ms/ch.P99ms, cp.MiddleCPUk/ch.MiddleCPUk,
				cp.RPS/fl.RPS, cp.P50ms/fl.P50ms, cp.P99ms/fl.P99ms,
				cp.RPS/a.RPS, cp.P50ms/a.P50ms, cp.P99ms/a.P99ms, cp.MiddleCPUk/a.MiddleCPUk)
		}
	}
	if len(r.Executors) > 0 {
		fmt.Fprintf(&b, "\nExecution path of the generated BFF's requests (its metric bffgen_graphql_requests_total by bffgen_graphql_executor, whole run)\n\n")
		fmt.Fprintf(&b, "| variant | compiled | gqlgen |\n| --- | --: | --: |\n")
		for _, e := range r.Executors {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", r.labels[e.Variant], e.Counts["compiled"], e.Counts["gqlgen"])
		}
	}
	if len(r.Footprint) > 0 {
		fmt.Fprintf(&b, "\nFootprint of the BFF tier: peak RSS over all runs (summed over its processes), and the time from exec to the first answer (median of %d fresh starts)\n\n", startRepeats)
		fmt.Fprintf(&b, "| variant | peak RSS MiB | first answer ms |\n| --- | --: | --: |\n")
		for _, f := range r.Footprint {
			first := "same binary as (b')"
			if f.FirstAnswerMs > 0 {
				first = fmt.Sprintf("%.1f", f.FirstAnswerMs)
			}
			fmt.Fprintf(&b, "| %s | %.1f | %s |\n", r.labels[f.Variant], f.PeakRSSMiB, first)
		}
	}
	b.WriteString("\n" + r.targets())
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"results.json": append(js, '\n'),
		"table.md":     []byte(b.String()),
		"latency.svg":  plot(r),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nwrote %s/{results.json,table.md,latency.svg}\n", dir)
	return nil
}

// targets compares the figures with DESIGN.md's quality bars, where the
// run has the concurrency they name: the one-hop bars for the gqlgen path
// (a) and, where the run has it, the compiled path (a'), which DESIGN.md
// names as the one that can reach them; then issue 12's bars.
func (r *report) targets() string {
	var b strings.Builder
	b.WriteString("Quality bars of DESIGN.md:\n")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	paths := []string{"bffgen"}
	if slices.Contains(r.order, "compiled") {
		paths = append(paths, "compiled")
	}
	name := map[string]string{"bffgen": "(a)", "compiled": "(a')"}
	for _, v := range paths {
		if slices.Contains(r.Options.Levels, 16) {
			a, ch := r.cell(v, 16), r.cell("chain", 16)
			fmt.Fprintf(&b, "- c=16, %s/(b) RPS >= 2x: %.2fx, %s; p99 <= 0.5x: %.2fx, %s\n",
				name[v], a.RPS/ch.RPS, verdict(a.RPS/ch.RPS >= 2), a.P99ms/ch.P99ms, verdict(a.P99ms/ch.P99ms <= 0.5))
		}
		if slices.Contains(r.Options.Levels, 1) {
			a, fl := r.cell(v, 1), r.cell("floor", 1)
			fmt.Fprintf(&b, "- c=1, %s/(c) p50 <= 2x: %.2fx, %s; p99 <= 2.5x: %.2fx, %s\n",
				name[v], a.P50ms/fl.P50ms, verdict(a.P50ms/fl.P50ms <= 2), a.P99ms/fl.P99ms, verdict(a.P99ms/fl.P99ms <= 2.5))
		}
	}
	// The CPU bar per path, beside what the floor's client spends making
	// the same backend calls and nothing else: no BFF spends less.
	worst := func(v string, cpu func(cell) float64) float64 {
		w := 0.0
		for _, c := range r.Options.Levels {
			w = max(w, cpu(r.cell(v, c)))
		}
		return w
	}
	for _, v := range paths {
		w := worst(v, func(c cell) float64 { return c.MiddleCPUk })
		fmt.Fprintf(&b, "- %s BFF CPU per 1000 requests <= 0.5 CPU-s: at most %.3f, %s\n", name[v], w, verdict(w <= 0.5))
	}
	if slices.Contains(r.order, "floor") {
		fmt.Fprintf(&b, "  (the floor's client, which makes the same backend calls with connect-go and nothing else, spends at most %.3f)\n",
			worst("floor", func(c cell) float64 { return c.ClientCPUk }))
	}
	if slices.Contains(r.order, "lookahead") {
		for _, c := range r.Options.Levels {
			a, la := r.cell("bffgen", c), r.cell("lookahead", c)
			fmt.Fprintf(&b, "- issue 12, c=%d, gqlgen path (a) vs the hand-written lookahead BFF (b''): RPS >= 1.0x: %.2fx, %s; CPU per request <= 1.0x: %.2fx, %s\n",
				c, a.RPS/la.RPS, verdict(a.RPS/la.RPS >= 1), a.MiddleCPUk/la.MiddleCPUk, verdict(a.MiddleCPUk/la.MiddleCPUk <= 1))
		}
	}
	if slices.Contains(r.order, "compiled") {
		if slices.Contains(r.Options.Levels, 16) {
			cp, ch := r.cell("compiled", 16), r.cell("chain", 16)
			fmt.Fprintf(&b, "- issue 12, c=16, compiled path (a') vs the three-hop chain (b): RPS >= 3.0x: %.2fx, %s; p99 <= 0.4x: %.2fx, %s\n",
				cp.RPS/ch.RPS, verdict(cp.RPS/ch.RPS >= 3), cp.P99ms/ch.P99ms, verdict(cp.P99ms/ch.P99ms <= 0.4))
		}
		if slices.Contains(r.Options.Levels, 1) {
			cp, fl := r.cell("compiled", 1), r.cell("floor", 1)
			fmt.Fprintf(&b, "- issue 12, c=1, compiled path (a') vs the floor (c): p50 <= 1.3x: %.2fx, %s; p99 <= 1.5x: %.2fx, %s; CPU-s per 1000 requests: BFF %.3f beside the floor client's %.3f\n",
				cp.P50ms/fl.P50ms, verdict(cp.P50ms/fl.P50ms <= 1.3), cp.P99ms/fl.P99ms, verdict(cp.P99ms/fl.P99ms <= 1.5), cp.MiddleCPUk, fl.ClientCPUk)
		}
	}
	for _, f := range r.Footprint {
		if f.Variant == "bffgen" || f.Variant == "compiled" {
			fmt.Fprintf(&b, "- %s: RSS under load <= 30 MiB: %.1f MiB, %s; first answer <= 50 ms after start: %.1f ms, %s\n",
				r.labels[f.Variant], f.PeakRSSMiB, verdict(f.PeakRSSMiB <= 30), f.FirstAnswerMs, verdict(f.FirstAnswerMs > 0 && f.FirstAnswerMs <= 50))
		}
	}
	return b.String()
}

// machine describes where the run happened.
func machine(nginx, wrk string) map[string]string {
	m := map[string]string{"go": runtime.Version(), "cores": fmt.Sprint(runtime.NumCPU()), "os": runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = fmt.Sprintf("%s, %d cores", strings.TrimSpace(v), runtime.NumCPU())
				break
			}
		}
	}
	if out, err := exec.Command(nginx, "-v").CombinedOutput(); err == nil {
		m["nginx"] = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command(wrk, "-v").CombinedOutput(); len(out) > 0 {
		_ = err // wrk -v exits 1 after printing its version
		m["wrk"] = strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0]
	}
	return m
}
