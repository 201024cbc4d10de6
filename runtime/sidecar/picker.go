package sidecar

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is one address of an upstream, parsed once.
type endpoint struct {
	// index is the endpoint's id in messages, metrics and Stats: its
	// 1-based position in endpoints: of bff.yaml, or for a discovered
	// endpoint the number of addresses the upstream had seen when it
	// appeared (never reused while the process lives).
	index   int
	scheme  string // "http" or "https"
	host    string // host[:port]
	path    string // path prefix without a trailing slash, or ""
	rawPath string // escaped form of path when it differs from the default, or ""
	addr    string // the configured URL, for debug logs and the admin page only

	// outstanding counts the attempts in flight on the endpoint.
	outstanding atomic.Int64
	// checkFailing is true while the endpoint fails its active health
	// check: no pick chooses it (see avoided).
	checkFailing atomic.Bool
	// attempts counts the attempts that ended, by outcome.
	attempts [outcomeIgnored + 1]atomic.Int64

	// mu guards the fields below: the latency estimate and the outlier
	// detection state.
	mu sync.Mutex
	// ewma is the peak-sensitive moving average of the attempts' latency,
	// failures counting as at least the failure penalty, as of stamp.
	ewma  time.Duration
	stamp time.Time
	// consecutive counts the failures in a row since the last success or
	// ejection.
	consecutive int
	// ejectedUntil is the end of the current or last ejection.
	ejectedUntil time.Time
	// ejections is the multiplier of the next ejection's duration.
	ejections int
	// ejectedTotal counts every ejection, for Stats.
	ejectedTotal int
	// checked is true once the active health check has checked the
	// endpoint; checkPasses and checkFails count its passed and failed
	// checks in a row.
	checked                 bool
	checkPasses, checkFails int
}

// parseEndpoint parses the index-th (1-based) endpoint URL of an upstream.
// The messages never quote user info, which may hold a password.
func parseEndpoint(index int, raw string) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") { // may hold a password
			return nil, fmt.Errorf("endpoint #%d is not a URL: want an absolute http:// or https:// URL", index)
		}
		return nil, fmt.Errorf("endpoint #%d %q: want an absolute http:// or https:// URL", index, raw)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("endpoint #%d has user info: credentials do not belong in endpoint URLs", index)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("endpoint #%d %q: want an absolute http:// or https:// URL", index, u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("endpoint #%d %q has no host", index, u.Redacted())
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("endpoint #%d %q has a query: want a base URL", index, u.Redacted())
	case u.Fragment != "":
		return nil, fmt.Errorf("endpoint #%d %q has a fragment: want a base URL", index, u.Redacted())
	case u.Opaque != "":
		return nil, fmt.Errorf("endpoint #%d %q: want an absolute http:// or https:// URL", index, u.Redacted())
	}
	ep := &endpoint{
		index:  index,
		scheme: u.Scheme,
		host:   u.Host,
		path:   strings.TrimSuffix(u.Path, "/"),
		addr:   u.Redacted(),
	}
	if u.RawPath != "" {
		ep.rawPath = strings.TrimSuffix(u.RawPath, "/")
	}
	return ep, nil
}

// rewrite returns a copy of target aimed at the endpoint: its scheme and
// host, and its path prefixed to the target's path.
func (ep *endpoint) rewrite(target *url.URL) *url.URL {
	u := *target
	u.Scheme = ep.scheme
	u.Host = ep.host
	u.User = nil
	if ep.path != "" {
		u.Path = ep.path + target.Path
		if ep.rawPath != "" || target.RawPath != "" {
			prefix := ep.rawPath
			if prefix == "" {
				prefix = (&url.URL{Path: ep.path}).EscapedPath()
			}
			u.RawPath = prefix + target.EscapedPath()
		}
	}
	return &u
}
