package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bffgen/bffgen/examples/shop/bench"
)

// wrkScript makes wrk POST the operation, count every 200 answer without
// data or with errors (wrk counts the other statuses itself), and print
// one JSON line at the end.
const wrkScript = `-- written by onehop: POST one GraphQL operation, check every answer
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%swrk.body = [==[%s]==]
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status == 200 and (body:find('"errors"', 1, true) or not body:find('{"data":{"products":[{', 1, true)) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format('{"requests":%%d,"seconds":%%f,"bad":%%d,"socket_errors":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration / 1e6, b + e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`

// measurement is what one load run reports: wrk's JSON line or floor's,
// and the CPU time of the load generator itself.
type measurement struct {
	bench.Result
	ClientCPU time.Duration
}

// loader runs one load at a concurrency for a duration.
type loader func(ctx context.Context, conc int, d time.Duration) (measurement, error)

// wrkLoader returns a loader that points wrk at url with one thread (the
// machine has two cores; one wrk thread drives tens of thousands of
// requests per second, more than any variant here serves), with its Lua
// script written to the path script (one per distinct body and header).
// Every request posts body and carries header besides Content-Type; its
// values must not hold "]==]" or a double quote.
func wrkLoader(wrk, script, url string, body []byte, header map[string]string) (loader, error) {
	var extra strings.Builder
	for _, k := range slices.Sorted(maps.Keys(header)) {
		if strings.ContainsAny(k+header[k], "\"\n") {
			return nil, fmt.Errorf("header %q: a name or value with a quote or a newline cannot go into the wrk script", k)
		}
		fmt.Fprintf(&extra, "wrk.headers[%q] = %q\n", k, header[k])
	}
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, extra.String(), body), 0o644); err != nil {
		return nil, err
	}
	return func(ctx context.Context, conc int, d time.Duration) (measurement, error) {
		secs := strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
		cmd := exec.CommandContext(ctx, wrk, "-t1", "-c"+strconv.Itoa(conc), "-d"+secs+"s", "--timeout", "10s", "-s", script, url)
		return runLoad(cmd)
	}, nil
}

// floorLoader returns a loader that runs the floor client.
func floorLoader(bin string, urls backendURLs) loader {
	return func(ctx context.Context, conc int, d time.Duration) (measurement, error) {
		cmd := exec.CommandContext(ctx, bin, "-catalog", urls.catalog, "-reviews", urls.reviews, "-users", urls.users,
			"-c", strconv.Itoa(conc), "-d", d.String())
		return runLoad(cmd)
	}
}

// runLoad runs a load generator and reads the last JSON line it printed.
func runLoad(cmd *exec.Cmd) (measurement, error) {
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var m measurement
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), &m.Result); err != nil {
		return m, fmt.Errorf("%s: no result line (%v): %s %s", filepath.Base(cmd.Path), runErr, out.String(), errOut.String())
	}
	m.ClientCPU = childCPU(cmd.ProcessState)
	if m.Bad > 0 || m.SocketErrors > 0 {
		return m, fmt.Errorf("%s: %w: %d bad answers and %d socket errors of %d requests %s", filepath.Base(cmd.Path), errBadAnswers, m.Bad, m.SocketErrors, m.Requests, m.FirstErr)
	}
	return m, nil
}

// errBadAnswers is the error of a load run in which some requests failed;
// the measurement is complete.
var errBadAnswers = errors.New("failed requests")
