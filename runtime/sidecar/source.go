package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

// EndpointSource finds the endpoints of one upstream while the upstream
// lives: DNS (upstreams.<name>.discovery.dns or .srv), or a source of the
// program's, such as a Kubernetes EndpointSlice watch in a module of its
// own, registered with [WithEndpointSource]. The endpoints listed in
// bff.yaml are a [StaticSource].
//
// The upstream calls Watch once, on a goroutine of its own, when it is
// built, and cancels ctx when it is closed ([Set.Close], [Upstream.Close]).
type EndpointSource interface {
	// Watch calls update with the complete current set of endpoints, the
	// absolute http:// or https:// base URLs of the backend, each time it
	// learns it: at once, then on every change (calling it again with
	// the same set is harmless). update(nil, err) reports that the set
	// could not be learnt this time: the upstream keeps its last set and
	// logs err at warn, at most once a minute. An empty set with a nil
	// error is an answer: the backend has no endpoint (scaled to zero),
	// every call fails with UNAVAILABLE and /readyz answers 503.
	//
	// Watch must return once ctx is done, and must not call update after
	// it returned; it may return earlier when the set can no longer
	// change. Calls of update never overlap: the upstream serializes
	// them, and an update does not block on calls in flight.
	Watch(ctx context.Context, update func(endpoints []string, err error))
}

// StaticSource is a fixed set of endpoints: the endpoints: list of
// bff.yaml. Its Watch delivers the set once and returns. An upstream
// built from endpoints: applies the list while it is built, so that a bad
// URL is a configuration error of [NewSet], naming its 1-based position.
type StaticSource []string

// Watch calls update with the endpoints once.
func (s StaticSource) Watch(_ context.Context, update func([]string, error)) {
	update(slices.Clone(s), nil)
}

// SourceFunc builds the endpoint source of the upstream called upstream,
// from discovery.target of its configuration (the form of target is the
// source's to define). An error stops [NewSet] and names the upstream.
// It should only check target and build the source: Watch is where work
// starts, and it is not called when NewSet fails for another upstream.
type SourceFunc func(upstream, target string) (EndpointSource, error)

// WithEndpointSource registers an endpoint source under kind, the name an
// upstream's discovery.source gives in bff.yaml: a module of its own, such
// as a Kubernetes EndpointSlice source, plugs in this way without its
// dependencies in the core module. [NewSet] fails for an upstream whose
// discovery.source names no registered kind. Registering a kind twice keeps
// the last; a nil newSource removes it.
func WithEndpointSource(kind string, newSource SourceFunc) Option {
	return func(o *options) {
		if o.sources == nil {
			o.sources = map[string]SourceFunc{}
		}
		if newSource == nil {
			delete(o.sources, kind)
			return
		}
		o.sources[kind] = newSource
	}
}

// discoveryWarnEvery is the least time between two warnings of a source
// that keeps failing.
const discoveryWarnEvery = time.Minute

// update applies a set of endpoints from the upstream's source, or an error
// of it. It is the update function of EndpointSource.Watch.
func (u *Upstream) update(urls []string, err error) {
	u.setMu.Lock()
	defer u.setMu.Unlock()
	defer u.markKnown()
	now := time.Now()
	if err != nil {
		u.discoveryFailures.Add(1)
		u.discoveryErr.Store(err.Error())
		if now.Sub(u.lastWarn) >= discoveryWarnEvery {
			u.lastWarn = now
			u.logger.Warn("upstream discovery failed: keeping the last endpoints",
				slog.String("upstream", u.name),
				slog.Int("endpoints", u.endpoints()),
				slog.Any("error", err))
		}
		u.failing = true
		return
	}
	u.discoveryErr.Store("")
	if u.failing {
		u.failing = false
		u.lastWarn = time.Time{}
		u.logger.Info("upstream discovery works again", slog.String("upstream", u.name))
	}
	old := (*u.picker.Load()).all()
	byAddr := make(map[string]*endpoint, len(old))
	for _, ep := range old {
		byAddr[ep.addr] = ep
	}
	eps := make([]*endpoint, 0, len(urls))
	kept := make(map[*endpoint]bool, len(old))
	var added []string
	for _, raw := range urls {
		ep, err := parseEndpoint(0, raw)
		if err != nil {
			u.logger.Warn("upstream discovery: endpoint ignored",
				slog.String("upstream", u.name),
				slog.String("error", strings.Replace(err.Error(), "endpoint #0", "endpoint", 1)))
			continue
		}
		if prev, ok := byAddr[ep.addr]; ok {
			if !kept[prev] {
				kept[prev] = true
				eps = append(eps, prev)
			}
			continue
		}
		u.nextID++
		ep.index = u.nextID
		ep.ewma, ep.stamp = defaultRTT, now
		byAddr[ep.addr] = ep
		kept[ep] = true
		eps = append(eps, ep)
		added = append(added, "#"+strconv.Itoa(ep.index)+" "+ep.addr)
	}
	var removed []string
	for _, ep := range old {
		if !kept[ep] {
			removed = append(removed, "#"+strconv.Itoa(ep.index)+" "+ep.addr)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	slices.SortFunc(eps, func(a, b *endpoint) int { return a.index - b.index })
	u.setPicker(eps)
	u.logger.Info("upstream endpoints changed",
		slog.String("upstream", u.name),
		slog.Int("endpoints", len(eps)),
		slog.Any("added", added),
		slog.Any("removed", removed))
	if u.checker != nil && len(added) > 0 {
		u.checker.kick()
	}
}

// setPicker makes a picker of the upstream's policy over eps the current
// one. Endpoints that eps no longer holds finish their attempts in flight.
func (u *Upstream) setPicker(eps []*endpoint) {
	var p picker = newP2C(eps)
	if u.roundRobin {
		p = newRoundRobin(eps)
	}
	u.picker.Store(&p)
}

// markKnown records that the upstream's source answered once, releasing
// the calls that wait for its first answer.
func (u *Upstream) markKnown() {
	u.knownOnce.Do(func() { close(u.known) })
}

// awaitKnown waits, when the upstream's source has not answered yet, until
// it does or ctx ends, and reports whether the source has answered: a pick
// that found no endpoint is worth making again then, since the answer may
// have come in between.
func (u *Upstream) awaitKnown(ctx context.Context) bool {
	select {
	case <-u.known:
		return true
	case <-ctx.Done():
		return false
	}
}

// discoverySource returns the endpoint source of an upstream's configuration, or
// an error when it sets none or the source cannot be built.
func discoverySource(name string, d config.Discovery, o *options) (EndpointSource, error) {
	switch {
	case d.Source != "":
		newSource, ok := o.sources[d.Source]
		if !ok {
			return nil, fmt.Errorf("discovery.source %q is not registered: the program must pass sidecar.WithEndpointSource(%q, ...) (through runtime.WithUpstreamOptions)", d.Source, d.Source)
		}
		src, err := newSource(name, d.Target)
		if err != nil {
			return nil, fmt.Errorf("discovery.source %q: %w", d.Source, err)
		}
		if src == nil {
			return nil, fmt.Errorf("discovery.source %q returned no source", d.Source)
		}
		return src, nil
	case d.DNS != "" || d.SRV != "":
		return newDNSSource(d, o.resolver)
	}
	return nil, errors.New("no discovery configured")
}

// discoveryKind returns Stats.Discovery for d.
func discoveryKind(d config.Discovery) string {
	switch {
	case d.Source != "":
		return d.Source
	case d.DNS != "":
		return "dns"
	case d.SRV != "":
		return "srv"
	}
	return "static"
}
