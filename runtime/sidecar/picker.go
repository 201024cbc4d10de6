package sidecar

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
)

// endpoint is one address of an upstream, parsed once.
type endpoint struct {
	index   int    // 1-based position in the configuration, for messages
	scheme  string // "http" or "https"
	host    string // host[:port]
	path    string // path prefix without a trailing slash, or ""
	rawPath string // escaped form of path when it differs from the default, or ""
	addr    string // the configured URL, for debug logs only
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

// errNoEndpoint is the error of a pick when the upstream has no endpoint.
var errNoEndpoint = errors.New("no endpoint available")

// picker chooses the endpoint of each call. A picker never changes after it
// is built, apart from internal counters, and is safe for concurrent use:
// a balancer that sees the endpoints change builds a new picker and swaps it
// in.
type picker interface {
	// pick returns the endpoint for the next call, or errNoEndpoint.
	pick() (*endpoint, error)
	// size returns the number of endpoints the picker chooses from.
	size() int
}

// roundRobin picks its endpoints in turn.
type roundRobin struct {
	endpoints []*endpoint
	next      atomic.Uint64
}

// newRoundRobin returns a picker over endpoints, which it does not copy:
// the caller must not change the slice afterwards.
func newRoundRobin(endpoints []*endpoint) *roundRobin {
	return &roundRobin{endpoints: endpoints}
}

// pick returns the endpoint after the one of the previous pick.
func (p *roundRobin) pick() (*endpoint, error) {
	if len(p.endpoints) == 0 {
		return nil, errNoEndpoint
	}
	n := p.next.Add(1) - 1
	return p.endpoints[n%uint64(len(p.endpoints))], nil
}

// size returns the number of endpoints.
func (p *roundRobin) size() int { return len(p.endpoints) }
