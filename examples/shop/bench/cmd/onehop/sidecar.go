package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench"
)

// The bar of the sidecar's policies (issue 11, make bench): with every
// policy on, the BFF keeps at least 97% of its throughput.
const sidecarMinRPSRatio = 0.97

// sidecarReplicas is the number of backends processes, hence of endpoints
// of every upstream.
const sidecarReplicas = 3

// sidecarReport is what sidecar.json holds: the runs of the two profiles,
// per concurrency the medians and their comparison, and what each BFF's
// /upstreams said after the runs.
type sidecarReport struct {
	When    time.Time         `json:"when"`
	Machine map[string]string `json:"machine"`
	Options reportOptions     `json:"options"`
	Runs    []sample          `json:"runs"`
	Compare []edgeCompare     `json:"compare"`
	// Upstreams is each profile's /upstreams after the runs.
	Upstreams map[string][]upstreamStats `json:"upstreams"`
}

// upstreamStats is the part of an upstream of the admin page /upstreams
// that the report shows (sidecar.Stats in JSON).
type upstreamStats struct {
	Name         string `json:"name"`
	Retries      int64  `json:"retries"`
	BreakerState string `json:"breaker_state,omitempty"`
	Endpoints    []struct {
		Index    int `json:"index"`
		Attempts struct {
			Success  int64 `json:"success"`
			Failure  int64 `json:"failure"`
			Canceled int64 `json:"canceled"`
		} `json:"attempts"`
	} `json:"endpoints"`
}

// runSidecar measures what the sidecar's resilience policies cost: the
// shop BFF with bench/bff-sidecar-on.yaml (p2c, outlier detection, retries
// within the budget, circuit breaker) against the same binary with
// bench/bff-sidecar-off.yaml (round robin, no detection, one attempt, no
// breaker), both on three replicas of every backend, on bench.Query, in
// interleaved rounds.
func runSidecar(ctx context.Context, o options) error {
	if err := lookTools(&o.wrk); err != nil {
		return err
	}
	st, err := prepare(ctx, o.out, "work-sidecar", "the shop BFF and the backends", ".", "./cmd/backends")
	if st != nil {
		defer st.ps.stopAll()
	}
	if err != nil {
		return err
	}
	modRoot, out, work, ps, bin := st.modRoot, st.out, st.work, st.ps, st.bin
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Two more replicas of the backends, with the same data.
	env := []string{}
	replicas := []backendURLs{st.urls}
	for i := 2; i <= sidecarReplicas; i++ {
		p, err := ps.start("backends-"+strconv.Itoa(i), nil, bin("backends"), "-products", strconv.Itoa(bench.Products), "-reviews-per-product", strconv.Itoa(bench.Reviews))
		if err != nil {
			return err
		}
		line, err := waitLine(startCtx, p, "CATALOG_URL=")
		if err != nil {
			return err
		}
		urls, err := parseBackends(line)
		if err != nil {
			return err
		}
		replicas = append(replicas, urls)
	}
	for i, u := range replicas {
		n := strconv.Itoa(i + 1)
		env = append(env, "CATALOG_URL_"+n+"="+u.catalog, "REVIEWS_URL_"+n+"="+u.reviews, "USERS_URL_"+n+"="+u.users)
	}
	addrs, err := freeAddrs(4)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"query": bench.Query})
	if err != nil {
		return err
	}
	var variants []*variant
	admins := map[string]string{}
	for i, profile := range []struct{ key, label, config string }{
		{"sidecar-on", "every policy on", "bff-sidecar-on.yaml"},
		{"sidecar-off", "every policy off", "bff-sidecar-off.yaml"},
	} {
		listen, admin := addrs[2*i], addrs[2*i+1]
		p, err := ps.start(profile.key, append([]string{"BFF_LISTEN=" + listen, "BFF_ADMIN=" + admin}, env...),
			bin("shop"), "--config", filepath.Join(modRoot, "bench", profile.config))
		if err != nil {
			return err
		}
		if err := waitReady(startCtx, p, "http://"+admin+"/readyz"); err != nil {
			return err
		}
		v := &variant{key: profile.key, label: profile.label, middle: []*proc{p}, url: "http://" + listen + "/graphql", tolerateBad: true, body: body}
		if v.load, err = wrkLoader(o.wrk, filepath.Join(work, "post.lua"), v.url, body, nil); err != nil {
			return err
		}
		variants = append(variants, v)
		admins[profile.key] = "http://" + admin
	}
	if err := checkSameData(ctx, variants); err != nil {
		return err
	}
	for _, v := range variants {
		if _, err := v.load(ctx, 16, max(o.warmup, time.Second)); err != nil && !errors.Is(err, errBadAnswers) {
			return fmt.Errorf("warm-up of %s: %w", v.key, err)
		}
	}
	rep := &sidecarReport{Options: reportOptions{Rounds: o.rounds, Seconds: o.duration.Seconds(), Levels: o.levels}, Machine: machine("", o.wrk)}
	for round := range o.rounds {
		for ci, c := range o.levels {
			order := variants
			if (round+ci)%2 == 1 {
				order = []*variant{variants[1], variants[0]}
			}
			for _, v := range order {
				r, err := measure(ctx, v, st.backends, c, o.duration)
				if ctx.Err() != nil {
					return errors.New("interrupted: every process it started is stopped, no results written")
				}
				if err != nil {
					return fmt.Errorf("%s at c=%d: %w", v.key, c, err)
				}
				r.Round = round + 1
				rep.Runs = append(rep.Runs, r)
				fmt.Fprintf(os.Stderr, "sidecar: round %d c=%-3d %-11s %8.0f rps  p50 %6.3f ms  p99 %6.3f ms  failed %d\n", round+1, c, v.key, r.RPS, r.P50ms, r.P99ms, r.Bad)
			}
		}
	}
	for _, p := range ps.list {
		if gone, logTail := p.exited(); gone {
			return fmt.Errorf("%s exited during the runs:\n%s", p.name, logTail)
		}
	}
	// The policies must have been what the profiles say: read each BFF's
	// admin page.
	rep.Upstreams = map[string][]upstreamStats{}
	for key, admin := range admins {
		ups, err := readUpstreams(ctx, admin)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		rep.Upstreams[key] = ups
	}
	rep.summarize()
	return rep.write(os.Stdout, out)
}

// readUpstreams reads the admin page /upstreams of a BFF.
func readUpstreams(ctx context.Context, admin string) ([]upstreamStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, admin+"/upstreams", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var page struct {
		Upstreams []upstreamStats `json:"upstreams"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/upstreams: %d, %v", admin, res.StatusCode, err)
	}
	return page.Upstreams, nil
}

// summarize computes the medians of both profiles at every concurrency.
func (r *sidecarReport) summarize() {
	r.When = time.Now().UTC().Truncate(time.Second)
	r.Compare = compareProfiles(r.Runs, r.Options.Levels, "sidecar-on", "sidecar-off")
}

// write prints the table to w and writes sidecar.json and sidecar.md into
// dir.
func (r *sidecarReport) write(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "The sidecar's policies: bench.Query with every policy on (bench/bff-sidecar-on.yaml) vs every policy off (bench/bff-sidecar-off.yaml), %d replicas of every backend\n", sidecarReplicas)
	fmt.Fprintf(&b, "medians of %d interleaved rounds of %gs per profile and concurrency; wrk -t1, keep-alive; %s\n\n", r.Options.Rounds, r.Options.Seconds, r.Machine["cpu"])
	fmt.Fprintf(&b, "| c | RPS on | RPS off | on/off | on/off paired | p50 on ms | p50 off ms | p99 on ms | p99 off ms | BFF CPU-s/1k on | off |\n")
	fmt.Fprintf(&b, "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n")
	var bars strings.Builder
	verdict := func(ratio float64) string {
		if ratio < sidecarMinRPSRatio {
			return "NOT met"
		}
		return "met"
	}
	for _, x := range r.Compare {
		fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.3fx | %.3fx | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", x.Concurrency,
			x.OnRPS, x.OffRPS, x.RPSRatio, x.PairedRPSRatio, x.OnP50ms, x.OffP50ms, x.OnP99ms, x.OffP99ms, x.OnCPUk, x.OffCPUk)
		fmt.Fprintf(&bars, "- c=%d: RPS on/off >= %.2fx: ratio of the medians %.3fx, %s; median of the rounds' ratios %.3fx, %s\n", x.Concurrency,
			sidecarMinRPSRatio, x.RPSRatio, verdict(x.RPSRatio), x.PairedRPSRatio, verdict(x.PairedRPSRatio))
	}
	b.WriteString("\nBar of issue 11:\n" + bars.String())
	failed := map[string][2]int{}
	for _, run := range r.Runs {
		f := failed[run.Variant]
		f[0] += run.Bad
		f[1] += run.Requests
		failed[run.Variant] = f
	}
	fmt.Fprintf(&b, "\nFailed requests (GraphQL errors, other statuses, socket errors) of all requests: on %d of %d, off %d of %d\n",
		failed["sidecar-on"][0], failed["sidecar-on"][1], failed["sidecar-off"][0], failed["sidecar-off"][1])
	b.WriteString("\nAttempts per endpoint after the runs (admin /upstreams: success/failure/canceled), retries, breaker:\n")
	for _, key := range []string{"sidecar-on", "sidecar-off"} {
		for _, u := range r.Upstreams[key] {
			var eps []string
			for _, ep := range u.Endpoints {
				a := ep.Attempts
				eps = append(eps, fmt.Sprintf("#%d %d/%d/%d", ep.Index, a.Success, a.Failure, a.Canceled))
			}
			breaker := u.BreakerState
			if breaker == "" {
				breaker = "none"
			}
			fmt.Fprintf(&b, "- %s %s: %s; retries %d; breaker %s\n", key, u.Name, strings.Join(eps, ", "), u.Retries, breaker)
		}
	}
	return writeComparison(w, dir, "sidecar", b.String(), r)
}
