package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// options are the command's flags.
type options struct {
	out      string
	rounds   int
	duration time.Duration
	warmup   time.Duration
	levels   []int
	nginx    string
	wrk      string
	keep     bool
	mode     string
}

func main() {
	var o options
	var levels string
	flag.StringVar(&o.out, "out", ".bench/onehop", "directory for results.json, table.md, latency.svg and the processes' logs")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each runs every variant once at every concurrency")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of one run (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up of each variant before the first round")
	flag.StringVar(&levels, "c", "1,4,16,64", "concurrencies (connections), comma-separated")
	flag.StringVar(&o.nginx, "nginx", "nginx", "nginx binary")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	flag.StringVar(&o.mode, "mode", "onehop", `"onehop": one hop vs three vs the floor; "edge": the shop BFF with every protection on vs every limit off; "sidecar": the shop BFF with every sidecar policy on vs off, 3 replicas per backend`)
	flag.Parse()
	for _, s := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "onehop: -c %q: want positive whole numbers separated by commas, e.g. 1,4,16,64\n", levels)
			os.Exit(2)
		}
		o.levels = append(o.levels, n)
	}
	if o.rounds < 1 || o.duration < time.Second {
		fmt.Fprintln(os.Stderr, "onehop: -rounds must be at least 1 and -d at least 1s")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runMode := run
	switch o.mode {
	case "onehop":
	case "edge":
		runMode = runEdge
	case "sidecar":
		runMode = runSidecar
	default:
		fmt.Fprintf(os.Stderr, "onehop: -mode %q: want onehop, edge or sidecar\n", o.mode)
		os.Exit(2)
	}
	if err := runMode(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "onehop: %v\n", err)
		os.Exit(1)
	}
}

// backendURLs are the base URLs of the three example backends.
type backendURLs struct{ catalog, reviews, users string }

// variant is one way of answering bench.Query.
type variant struct {
	key, label string
	// middle are the processes between the client and the backends, whose
	// CPU time is the variant's cost; none for the floor.
	middle []*proc
	url    string // GraphQL endpoint; empty for the floor
	// header is sent with every request besides Content-Type.
	header map[string]string
	// body is the POST body of every request; nil sends the default one,
	// {"query": bench.Query}.
	body []byte
	// metrics is the URL of the BFF's Prometheus page and executor the
	// execution path (rgraphql.PathCompiled or PathGQLGen) that must have
	// run every request it served, checked after the rounds; both empty
	// for the variants that are not the generated BFF.
	metrics, executor string
	load              loader
	// tolerateBad keeps the runs in which some requests failed, counted
	// in sample.Bad, instead of stopping: the sidecar's policies-off
	// profile has no retry, so a rare connection reset reaches the client.
	tolerateBad bool
}

func run(ctx context.Context, o options) error {
	if err := lookTools(&o.nginx, &o.wrk); err != nil {
		return err
	}
	st, err := prepare(ctx, o.out, "work", "the shop BFF, the backends, the two hand-written BFFs and the floor client",
		".", "./cmd/backends", "./bench/cmd/handbff", "./bench/cmd/handlookahead", "./bench/cmd/floor")
	if st != nil {
		defer st.ps.stopAll()
	}
	if err != nil {
		return err
	}
	modRoot, out, work, ps, backends, urls, bin := st.modRoot, st.out, st.work, st.ps, st.backends, st.urls, st.bin
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	addrs, err := freeAddrs(9)
	if err != nil {
		return err
	}
	bffAddr, adminAddr, chainBFFAddr, directBFFAddr, gatewayAddr, sidecarAddr := addrs[0], addrs[1], addrs[2], addrs[3], addrs[4], addrs[5]
	lookaheadAddr, compiledAddr, compiledAdminAddr := addrs[6], addrs[7], addrs[8]

	// The three BFF binaries, started here for the runs and again, fresh, to
	// time their first answer.
	startShop := func(label, listen, admin string) (*proc, error) {
		return ps.start(label, []string{"BFF_LISTEN=" + listen, "BFF_ADMIN=" + admin,
			"CATALOG_URL=" + urls.catalog, "REVIEWS_URL=" + urls.reviews, "USERS_URL=" + urls.users},
			bin("shop"), "--config", filepath.Join(modRoot, "bench", "bff.yaml"))
	}
	startHand := func(label, listen string, u backendURLs) (*proc, error) {
		return ps.start(label, nil, bin("handbff"), "-listen", listen, "-catalog", u.catalog, "-reviews", u.reviews, "-users", u.users)
	}
	startLookahead := func(label, listen string) (*proc, error) {
		return ps.start(label, nil, bin("handlookahead"), "-listen", listen, "-catalog", urls.catalog, "-reviews", urls.reviews, "-users", urls.users)
	}
	startNginx := func(name, conf string) (*proc, error) {
		return ps.start("nginx-"+name, nil, o.nginx, "-p", work, "-e", filepath.Join(work, name+"-error.log"), "-c", conf, "-g", "daemon off;")
	}

	// (a) the generated BFF, in production mode with its default pipeline,
	// sent a document that is not a compiled one: the gqlgen path.
	bff, err := startShop("bffgen", bffAddr, adminAddr)
	if err != nil {
		return err
	}
	// (a') a second process of the same binary and config, sent the Shop
	// operation's hash: the compiled path. A process of its own, so that
	// its CPU, memory and executor counts are its own.
	compiledBFF, err := startShop("bffgen-compiled", compiledAddr, compiledAdminAddr)
	if err != nil {
		return err
	}
	// (b) the chain: gateway -> hand-written BFF -> sidecar -> backends.
	sidecarConfPath, err := writeConf(work, "sidecar", sidecarConf, map[string]string{"Dir": work, "Listen": sidecarAddr,
		"Catalog": hostPort(urls.catalog), "Reviews": hostPort(urls.reviews), "Users": hostPort(urls.users)})
	if err != nil {
		return err
	}
	gatewayConfPath, err := writeConf(work, "gateway", gatewayConf, map[string]string{"Dir": work, "Listen": gatewayAddr, "BFF": chainBFFAddr})
	if err != nil {
		return err
	}
	sidecar, err := startNginx("sidecar", sidecarConfPath)
	if err != nil {
		return err
	}
	sidecarURL := "http://" + sidecarAddr
	chainBFF, err := startHand("handbff-chain", chainBFFAddr, backendURLs{sidecarURL, sidecarURL, sidecarURL})
	if err != nil {
		return err
	}
	gateway, err := startNginx("gateway", gatewayConfPath)
	if err != nil {
		return err
	}
	// (b') the hand-written BFF without the two hops.
	directBFF, err := startHand("handbff-direct", directBFFAddr, urls)
	if err != nil {
		return err
	}
	// (b'') the hand-written BFF that batches by lookahead, without hops.
	lookaheadBFF, err := startLookahead("handlookahead", lookaheadAddr)
	if err != nil {
		return err
	}
	for p, addr := range map[*proc]string{bff: bffAddr, compiledBFF: compiledAddr, sidecar: sidecarAddr, chainBFF: chainBFFAddr, gateway: gatewayAddr, directBFF: directBFFAddr, lookaheadBFF: lookaheadAddr} {
		if err := waitTCP(startCtx, p, addr); err != nil {
			return err
		}
	}
	if err := waitReady(startCtx, bff, "http://"+adminAddr+"/readyz"); err != nil {
		return err
	}
	if err := waitReady(startCtx, compiledBFF, "http://"+compiledAdminAddr+"/readyz"); err != nil {
		return err
	}

	body, err := json.Marshal(map[string]string{"query": bench.Query})
	if err != nil {
		return err
	}
	gqlgenBody, err := json.Marshal(map[string]string{"query": gqlgenQuery})
	if err != nil {
		return err
	}
	hashBody := persistedBody(bench.Query)
	variants := []*variant{
		{key: "bffgen", label: "(a) bffgen, gqlgen path", middle: []*proc{bff}, url: "http://" + bffAddr + "/graphql", body: gqlgenBody,
			metrics: "http://" + adminAddr + "/metrics", executor: rgraphql.PathGQLGen},
		{key: "compiled", label: "(a') bffgen, compiled", middle: []*proc{compiledBFF}, url: "http://" + compiledAddr + "/graphql", body: hashBody,
			metrics: "http://" + compiledAdminAddr + "/metrics", executor: rgraphql.PathCompiled},
		{key: "chain", label: "(b) nginx -> gqlgen -> nginx", middle: []*proc{gateway, chainBFF, sidecar}, url: "http://" + gatewayAddr + "/graphql"},
		{key: "handwritten", label: "(b') gqlgen, no nginx", middle: []*proc{directBFF}, url: "http://" + directBFFAddr + "/graphql"},
		{key: "lookahead", label: "(b'') lookahead, no nginx", middle: []*proc{lookaheadBFF}, url: "http://" + lookaheadAddr + "/graphql"},
		{key: "floor", label: "(c) floor: connect-go", load: floorLoader(bin("floor"), urls)},
	}
	for _, v := range variants {
		if v.body == nil {
			v.body = body
		}
	}
	if err := checkSameData(ctx, variants); err != nil {
		return err
	}
	for _, v := range variants {
		if v.url == "" {
			continue
		}
		if v.load, err = wrkLoader(o.wrk, filepath.Join(work, v.key+".lua"), v.url, v.body, v.header); err != nil {
			return err
		}
	}

	maxC := slices.Max(o.levels)
	fmt.Fprintf(os.Stderr, "onehop: warming up each variant for %s at c=%d\n", o.warmup, maxC)
	for _, v := range variants {
		if _, err := v.load(ctx, maxC, max(o.warmup, time.Second)); err != nil {
			return fmt.Errorf("warm-up of %s: %w", v.key, err)
		}
	}

	rep := &report{Options: reportOptions{Rounds: o.rounds, Seconds: o.duration.Seconds(), Levels: o.levels}, Machine: machine(o.nginx, o.wrk)}
	total := o.rounds * len(o.levels) * len(variants)
	done := 0
	for round := range o.rounds {
		for ci, c := range o.levels {
			// Rotate the order so that no variant always runs right after
			// the same one, or always first.
			shift := (round + ci) % len(variants)
			order := append(append([]*variant{}, variants[shift:]...), variants[:shift]...)
			for _, v := range order {
				if err := ctx.Err(); err != nil {
					return err
				}
				r, err := measure(ctx, v, backends, c, o.duration)
				if ctx.Err() != nil {
					return errors.New("interrupted: every process it started is stopped, no results written")
				}
				if err != nil {
					return fmt.Errorf("%s at c=%d: %w", v.key, c, err)
				}
				r.Round = round + 1
				rep.Runs = append(rep.Runs, r)
				done++
				fmt.Fprintf(os.Stderr, "onehop: [%d/%d] round %d c=%-3d %-12s %8.0f rps  p50 %6.2f ms  p99 %6.2f ms\n",
					done, total, round+1, c, v.key, r.RPS, r.P50ms, r.P99ms)
			}
		}
	}
	// The processes must still be the ones measured: a crash mid-run would
	// have failed a run, but say so plainly if one is gone now.
	for _, p := range ps.list {
		if gone, logTail := p.exited(); gone {
			return fmt.Errorf("%s exited during the runs:\n%s", p.name, logTail)
		}
	}
	// Which path served each generated BFF's requests, from its metrics.
	for _, v := range variants {
		if v.metrics == "" {
			continue
		}
		counts, err := executorCounts(ctx, v.metrics)
		if err != nil {
			return fmt.Errorf("%s: %w", v.key, err)
		}
		if err := onlyPath(counts, v.executor); err != nil {
			return fmt.Errorf("%s: %w", v.key, err)
		}
		rep.Executors = append(rep.Executors, executorCount{Variant: v.key, Counts: counts})
	}
	// Footprint: the peak memory of each tier over all the runs, then fresh
	// starts of the three BFF binaries until their first answer.
	for _, v := range variants {
		if len(v.middle) == 0 {
			continue
		}
		var kib int64
		for _, p := range v.middle {
			kib += peakRSS(p.cmd.Process.Pid)
		}
		rep.Footprint = append(rep.Footprint, footprint{Variant: v.key, PeakRSSMiB: float64(kib) / 1024})
	}
	fmt.Fprintf(os.Stderr, "onehop: timing %d fresh starts of each BFF to its first answer\n", startRepeats)
	startFresh := func() (*proc, string, error) {
		a, err := freeAddrs(2)
		if err != nil {
			return nil, "", err
		}
		p, err := startShop("bffgen-start", a[0], a[1])
		return p, "http://" + a[0] + "/graphql", err
	}
	starts := map[string]func() (*proc, string, error){
		"bffgen":   startFresh,
		"compiled": startFresh,
		"handwritten": func() (*proc, string, error) {
			a, err := freeAddrs(1)
			if err != nil {
				return nil, "", err
			}
			p, err := startHand("handbff-start", a[0], urls)
			return p, "http://" + a[0] + "/graphql", err
		},
		"lookahead": func() (*proc, string, error) {
			a, err := freeAddrs(1)
			if err != nil {
				return nil, "", err
			}
			p, err := startLookahead("handlookahead-start", a[0])
			return p, "http://" + a[0] + "/graphql", err
		},
	}
	bodies := map[string][]byte{}
	for _, v := range variants {
		bodies[v.key] = v.body
	}
	for i, f := range rep.Footprint {
		if start := starts[f.Variant]; start != nil {
			d, err := medianStart(ctx, ps, start, bodies[f.Variant])
			if err != nil {
				return err
			}
			rep.Footprint[i].FirstAnswerMs = float64(d.Microseconds()) / 1e3
		}
	}
	rep.summarize(variants)
	return rep.write(os.Stdout, out)
}

// setup is a run's working directory, with the binaries built into its
// bin/ and the example backends started.
type setup struct {
	modRoot   string // the directory of examples/shop's go.mod
	out, work string
	ps        *procs
	backends  *proc
	urls      backendURLs
}

// bin returns the path of a built binary.
func (s *setup) bin(name string) string { return filepath.Join(s.work, "bin", name) }

// prepare empties out/dir, builds pkgs (of the module, what names them in
// the progress line) into its bin/, starts the example backends with
// bench.Products products and bench.Reviews reviews each, and waits for
// their URLs. When it returns a setup, the caller stops st.ps, also on
// error.
func prepare(ctx context.Context, outDir, dir, what string, pkgs ...string) (*setup, error) {
	modRoot, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	out, err := filepath.Abs(outDir)
	if err != nil {
		return nil, err
	}
	st := &setup{modRoot: modRoot, out: out, work: filepath.Join(out, dir)}
	os.RemoveAll(st.work)
	if err := os.MkdirAll(filepath.Join(st.work, "bin"), 0o755); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "onehop: building %s\n", what)
	build := exec.CommandContext(ctx, "go", append([]string{"build", "-o", filepath.Join(st.work, "bin") + "/"}, pkgs...)...)
	build.Dir = modRoot
	// Every Go program of the run is built static, as Go services ship in
	// containers (distroless, scratch): no libc mapped into the processes
	// whose RSS the footprint sums. Each variant is built the same way.
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build: %w", err)
	}
	st.ps = &procs{dir: st.work}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if st.backends, err = st.ps.start("backends", nil, st.bin("backends"), "-products", strconv.Itoa(bench.Products), "-reviews-per-product", strconv.Itoa(bench.Reviews)); err != nil {
		return st, err
	}
	line, err := waitLine(startCtx, st.backends, "CATALOG_URL=")
	if err != nil {
		return st, err
	}
	st.urls, err = parseBackends(line)
	return st, err
}

// lookTools resolves each tool on PATH in place.
func lookTools(tools ...*string) error {
	for _, tool := range tools {
		path, err := exec.LookPath(*tool)
		if err != nil {
			return fmt.Errorf("%s not found on PATH: run `make bench-onehop`, which installs it from Debian's packages, or pass -%s", *tool, *tool)
		}
		*tool = path
	}
	return nil
}

// measure runs v's load once and reads the CPU time its processes spent.
func measure(ctx context.Context, v *variant, backends *proc, c int, d time.Duration) (sample, error) {
	before := make([]time.Duration, len(v.middle))
	for i, p := range v.middle {
		before[i] = cpuTime(p.cmd.Process.Pid)
	}
	backendsBefore := cpuTime(backends.cmd.Process.Pid)
	m, err := v.load(ctx, c, d)
	if err != nil && !(v.tolerateBad && errors.Is(err, errBadAnswers)) {
		return sample{}, err
	}
	var middle time.Duration
	for i, p := range v.middle {
		middle += cpuTime(p.cmd.Process.Pid) - before[i]
	}
	r := sample{Variant: v.key, Concurrency: c, Requests: m.Requests, Seconds: m.Seconds,
		RPS: float64(m.Requests) / m.Seconds, P50ms: m.P50us / 1e3, P90ms: m.P90us / 1e3, P99ms: m.P99us / 1e3, MaxMs: m.MaxUs / 1e3,
		MiddleCPU: middle.Seconds(), BackendCPU: (cpuTime(backends.cmd.Process.Pid) - backendsBefore).Seconds(), ClientCPU: m.ClientCPU.Seconds(),
		Bad: m.Bad + m.SocketErrors}
	return r, nil
}

// checkSameData posts each GraphQL variant's body once to it and fails
// unless all answer 200 with the same data and no errors: the comparison is
// only fair when they do the same work.
func checkSameData(ctx context.Context, variants []*variant) error {
	var first []byte
	var firstKey string
	for _, v := range variants {
		if v.url == "" {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, bytes.NewReader(v.body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, val := range v.header {
			req.Header.Set(k, val)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", v.key, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", v.key, err)
		}
		var parsed struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if res.StatusCode != http.StatusOK || json.Unmarshal(b, &parsed) != nil || len(parsed.Errors) > 0 || len(parsed.Data) < 100 {
			return fmt.Errorf("%s answered %d: %.500s", v.key, res.StatusCode, b)
		}
		if first == nil {
			first, firstKey = parsed.Data, v.key
			fmt.Fprintf(os.Stderr, "onehop: %s answers %d bytes of data\n", v.key, len(first))
			continue
		}
		if !bytes.Equal(first, parsed.Data) {
			return fmt.Errorf("%s and %s answer different data:\n%s\n%s", firstKey, v.key, first, parsed.Data)
		}
		fmt.Fprintf(os.Stderr, "onehop: %s answers the same data\n", v.key)
	}
	return nil
}

// waitReady polls a readiness URL until it answers 200.
func waitReady(ctx context.Context, p *proc, url string) error {
	return p.waitFor(ctx, "ready at "+url, 20*time.Millisecond, func() bool {
		res, err := http.Get(url)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// parseBackends reads the line cmd/backends prints.
func parseBackends(line string) (backendURLs, error) {
	var u backendURLs
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "CATALOG_URL":
			u.catalog = v
		case "REVIEWS_URL":
			u.reviews = v
		case "USERS_URL":
			u.users = v
		}
	}
	if u.catalog == "" || u.reviews == "" || u.users == "" {
		return u, fmt.Errorf("backends printed %q, want CATALOG_URL=... REVIEWS_URL=... USERS_URL=...", line)
	}
	return u, nil
}

// hostPort strips the scheme of a base URL.
func hostPort(url string) string { return strings.TrimPrefix(url, "http://") }

// moduleRoot is the directory of examples/shop's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull || !strings.HasSuffix(filepath.Dir(mod), filepath.Join("examples", "shop")) {
		return "", errors.New("run onehop inside examples/shop (make bench-onehop does)")
	}
	return filepath.Dir(mod), nil
}
