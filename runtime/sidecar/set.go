package sidecar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// Set is the upstreams of a configuration, sharing one pool of connections.
// It is safe for concurrent use.
type Set struct {
	upstreams  map[string]*Upstream
	transports *transports
}

// NewSet builds an upstream for every entry of cfg, the upstreams: section
// of bff.yaml, as [NewUpstream] does. It reports the problems of every
// entry at once, sorted by upstream name. A nil or empty cfg makes an empty
// set.
func NewSet(cfg map[string]config.Upstream, opts ...Option) (*Set, error) {
	o := newOptions(opts)
	s := &Set{upstreams: make(map[string]*Upstream, len(cfg)), transports: newTransports(o.transport)}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(cfg)) {
		t, err := s.transports.withTLS(name, cfg[name].TLS, o.logger)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		u, err := newUpstream(name, cfg[name], o, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.upstreams[name] = u
	}
	if len(errs) == 0 {
		errs = s.linkTraffic(cfg, o)
	}
	if len(errs) > 0 {
		s.transports.closeIdleConnections()
		return nil, errors.Join(errs...)
	}
	for _, u := range s.upstreams {
		u.start()
	}
	return s, nil
}

// Upstream returns the upstream called name, and whether it exists.
func (s *Set) Upstream(name string) (*Upstream, bool) {
	u, ok := s.upstreams[name]
	return u, ok
}

// Require returns an error that lists every name, sorted and once, that is
// not an upstream of the set, with how to add one to bff.yaml; nil when
// they all are. The runtime calls it with the upstreams of the generated
// service before it builds the schema, which is what makes [Client] safe.
func (s *Set) Require(names ...string) error {
	var missing []string
	for _, name := range names {
		u, ok := s.upstreams[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		u.called.Store(true)
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	quoted := make([]string, len(missing))
	for i, name := range missing {
		quoted[i] = fmt.Sprintf("%q", name)
	}
	if len(missing) == 1 {
		return fmt.Errorf("upstream %s is not configured: add it under `upstreams:` in bff.yaml, e.g. `%s: {endpoints: [\"http://127.0.0.1:9001\"]}`", quoted[0], missing[0])
	}
	return fmt.Errorf("upstreams %s are not configured: add them under `upstreams:` in bff.yaml, e.g. `%s: {endpoints: [\"http://127.0.0.1:9001\"]}`", strings.Join(quoted, ", "), missing[0])
}

// Ready returns nil when every upstream has a healthy endpoint, and else
// an error that lists the upstreams without one, sorted: an upstream with
// no endpoint at all (a discovered one whose DNS name has no address, or
// whose source has not answered yet), or whose endpoints are all ejected,
// failing, or failing their active health check (see
// [EndpointStats.Healthy]). A split target or a shadow that no generated
// client calls directly (see [Set.Require]) does not count: a split gives
// its calls back while it has no healthy endpoint, and a shadow's answers
// are dropped. /readyz answers 503 with it.
func (s *Set) Ready() error {
	var empty, unhealthy []string
	for _, name := range slices.Sorted(maps.Keys(s.upstreams)) {
		u := s.upstreams[name]
		switch {
		case u.readinessExempt():
		case u.endpoints() == 0:
			empty = append(empty, fmt.Sprintf("%q", name))
		case u.healthyEndpoints() == 0:
			unhealthy = append(unhealthy, fmt.Sprintf("%q", name))
		}
	}
	var errs []error
	switch len(empty) {
	case 0:
	case 1:
		errs = append(errs, fmt.Errorf("upstream %s has no endpoint", empty[0]))
	default:
		errs = append(errs, fmt.Errorf("upstreams %s have no endpoint", strings.Join(empty, ", ")))
	}
	switch len(unhealthy) {
	case 0:
	case 1:
		errs = append(errs, fmt.Errorf("upstream %s has no healthy endpoint (every one is ejected or failing)", unhealthy[0]))
	default:
		errs = append(errs, fmt.Errorf("upstreams %s have no healthy endpoint (every one is ejected or failing)", strings.Join(unhealthy, ", ")))
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}

// Close stops the endpoint sources (discovery) and health checks of the
// upstreams and waits until their goroutines have returned, then closes
// the idle connections of the set's transports. Calls in flight finish
// normally, and the set stays usable with the endpoints it has, opening
// new connections as needed. It is safe to call more than once and always
// returns nil.
func (s *Set) Close() error {
	for _, u := range s.upstreams {
		_ = u.Close()
	}
	s.transports.closeIdleConnections()
	return nil
}

// Client builds a generated connect client bound to the named upstream of s:
// newClient is a constructor that connect-go generates, such as
// catalogv1connect.NewCatalogServiceClient, and gets the upstream as its
// HTTP client, the upstream's logical base URL and its client options.
//
// Client panics if s has no such upstream: that is a bug, since the runtime
// calls [Set.Require] with every upstream of the generated service before it
// builds the schema that calls Client.
func Client[T any](s *Set, upstream string, newClient func(connect.HTTPClient, string, ...connect.ClientOption) T) T {
	u, ok := s.Upstream(upstream)
	if !ok {
		panic(fmt.Sprintf("sidecar.Client: upstream %q is not in the set: internal error, please report (Set.Require checks every upstream before the schema is built)", upstream))
	}
	return newClient(u, u.BaseURL(), u.ClientOptions()...)
}
