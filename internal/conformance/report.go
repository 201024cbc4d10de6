package conformance

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Report is what one run of the conformance runner printed, read by
// [ParseReport].
type Report struct {
	// Cases, Passed and Failed are the runner's totals; Failed counts the
	// unexpected failures and the known-failing cases that passed.
	Cases, Passed, Failed int
	// KnownFailing is the number of cases of the known-failing list that
	// failed, as they must.
	KnownFailing int
	// CouldNotRun is the number of cases the client never answered.
	CouldNotRun int
	// OtherReasons lists, for each known-failing case that failed for
	// another reason than the sidecar's deadline, the case and the reason.
	OtherReasons []string
	// ExitStatus is the runner's exit status, from the line the Makefile
	// appends; -1 when missing.
	ExitStatus int
}

// deadlineEcho is the only reason a known-failing case may fail for: the
// reference server saw the deadline the sidecar sends on every unary call.
var deadlineEcho = regexp.MustCompile(`^server echoed back a timeout \((\d+) ms\) but none was expected$`)

// ParseReport reads the output of connectconformance (client mode) and
// the "runner exit status: N" line the Makefile appends. A known-failing
// case must fail only because the server echoed a timeout between
// [SidecarTimeout] minus one second and SidecarTimeout, the deadline the
// sidecar sent; any other reason is listed in OtherReasons.
func ParseReport(r io.Reader) (Report, error) {
	rep := Report{ExitStatus: -1}
	var (
		known   string // the known-failing case whose reasons follow
		another = -1
		totals  bool
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "\t") && known != "" {
			if !isDeadlineEcho(strings.TrimPrefix(line, "\t")) {
				rep.OtherReasons = append(rep.OtherReasons, known+": "+strings.TrimSpace(line))
			}
			continue
		}
		known = ""
		switch {
		case strings.HasPrefix(line, "INFO: ") && strings.HasSuffix(line, " failed (as expected):"):
			known = strings.TrimSuffix(strings.TrimPrefix(line, "INFO: "), " failed (as expected):")
			rep.KnownFailing++
		case strings.HasPrefix(line, "Total cases: "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "Total cases: "))
			if err != nil {
				return rep, fmt.Errorf("unreadable totals %q", line)
			}
			rep.Cases, totals = n, true
		case strings.HasSuffix(line, " failed") && strings.Contains(line, " passed, "):
			if _, err := fmt.Sscanf(line, "%d passed, %d failed", &rep.Passed, &rep.Failed); err != nil {
				return rep, fmt.Errorf("unreadable totals %q", line)
			}
		case strings.HasPrefix(line, "Another ") && strings.Contains(line, "could not be run"):
			if _, err := fmt.Sscanf(line, "Another %d could not be run", &rep.CouldNotRun); err != nil {
				return rep, fmt.Errorf("unreadable line %q", line)
			}
		case strings.HasPrefix(line, "(Another ") && strings.Contains(line, "failed as expected"):
			if _, err := fmt.Sscanf(line, "(Another %d failed as expected", &another); err != nil {
				return rep, fmt.Errorf("unreadable line %q", line)
			}
		case strings.HasPrefix(line, "runner exit status: "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "runner exit status: "))
			if err != nil {
				return rep, fmt.Errorf("unreadable line %q", line)
			}
			rep.ExitStatus = n
		}
	}
	if err := sc.Err(); err != nil {
		return rep, err
	}
	if !totals {
		return rep, fmt.Errorf("the runner printed no totals (did it run?)")
	}
	if another >= 0 && another != rep.KnownFailing {
		return rep, fmt.Errorf("the runner counts %d expected failures but listed %d", another, rep.KnownFailing)
	}
	return rep, nil
}

// isDeadlineEcho reports whether reason is the server echoing the
// sidecar's deadline.
func isDeadlineEcho(reason string) bool {
	m := deadlineEcho.FindStringSubmatch(reason)
	if m == nil {
		return false
	}
	ms, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return false
	}
	limit := SidecarTimeout.Milliseconds()
	return ms <= limit && ms > limit-1000
}

// Err returns why the run does not pass, or nil: a case failed, a case
// could not run, a known-failing case failed for another reason than the
// sidecar's deadline, or the runner exited with an error.
func (r Report) Err() error {
	switch {
	case r.Failed > 0:
		return fmt.Errorf("%d of %d cases failed", r.Failed, r.Cases)
	case r.CouldNotRun > 0:
		return fmt.Errorf("%d cases could not be run", r.CouldNotRun)
	case len(r.OtherReasons) > 0:
		return fmt.Errorf("%d known-failing cases failed for another reason than the sidecar's deadline, such as %s", len(r.OtherReasons), r.OtherReasons[0])
	case r.ExitStatus != 0:
		return fmt.Errorf("the runner exited with status %d", r.ExitStatus)
	}
	return nil
}

// String summarizes the report in one line.
func (r Report) String() string {
	s := fmt.Sprintf("%d/%d passed", r.Passed, r.Cases)
	if r.KnownFailing > 0 {
		s += fmt.Sprintf(", %d failed as expected (known-failing: only the sidecar's %s deadline echoed by the server, every other check passed)", r.KnownFailing, SidecarTimeout)
	}
	if r.Failed > 0 {
		s += fmt.Sprintf(", %d FAILED", r.Failed)
	}
	return s
}
