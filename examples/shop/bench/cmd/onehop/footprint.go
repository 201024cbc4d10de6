package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// footprint is what one variant's BFF tier costs besides CPU: its peak
// resident memory over the whole benchmark, and how soon a fresh process
// answers its first request.
type footprint struct {
	Variant string `json:"variant"`
	// PeakRSSMiB is the sum of VmHWM over the tier's processes (and their
	// children) after every run.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// FirstAnswerMs is the median over startRepeats fresh starts of the time
	// from exec to the first 200 answer with data; 0 when not measured.
	FirstAnswerMs float64 `json:"first_answer_ms,omitempty"`
}

// startRepeats is how many fresh starts the first-answer time is the
// median of.
const startRepeats = 5

// peakRSS is the sum of the peak resident set sizes (VmHWM) of pid and its
// live descendants, in KiB.
func peakRSS(pid int) int64 {
	var total int64
	for _, id := range descendants(pid) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/status")
		if err != nil {
			continue
		}
		total += statusKiB(b, "VmHWM:")
	}
	return total
}

// statusKiB reads a "Name:   1234 kB" line of /proc/PID/status.
func statusKiB(status []byte, name string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// firstAnswer starts a fresh process with start (which returns it and the
// GraphQL URL it will serve), posts body to it every millisecond until it
// answers 200 with data, and stops it. It returns the time from exec to that
// answer.
func firstAnswer(ctx context.Context, ps *procs, start func() (*proc, string, error), body []byte) (time.Duration, error) {
	t0 := time.Now()
	p, url, err := start()
	if err != nil {
		return 0, err
	}
	defer ps.stop(p)
	client := &http.Client{Timeout: time.Second}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = p.waitFor(wctx, "answering", time.Millisecond, func() bool {
		res, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var head [16]byte
		n, _ := io.ReadFull(res.Body, head[:])
		return res.StatusCode == http.StatusOK && bytes.HasPrefix(head[:n], []byte(`{"data":{`))
	})
	return time.Since(t0), err
}

// medianStart is firstAnswer's median over startRepeats starts.
func medianStart(ctx context.Context, ps *procs, start func() (*proc, string, error), body []byte) (time.Duration, error) {
	var ds []time.Duration
	for range startRepeats {
		d, err := firstAnswer(ctx, ps, start, body)
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}
