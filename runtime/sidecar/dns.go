package sidecar

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
)

// Resolver looks names up in DNS for discovery. *net.Resolver is one
// (net.DefaultResolver is the default); tests give a fake one, or a
// *net.Resolver whose Dial reaches a DNS server of theirs.
type Resolver interface {
	// LookupHost returns the addresses (A and AAAA records) of host.
	LookupHost(ctx context.Context, host string) ([]string, error)
	// LookupSRV returns the SRV records of name when service and proto
	// are empty, as *net.Resolver does.
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// WithResolver sets the resolver of DNS discovery. The default is
// net.DefaultResolver; a nil r keeps the default.
func WithResolver(r Resolver) Option {
	return func(o *options) { o.resolver = r }
}

// maxLookupTime bounds one resolution (all the lookups of one round).
const maxLookupTime = 10 * time.Second

// dnsSource finds endpoints in DNS: the A/AAAA records of a name with a
// port, or the targets of SRV records resolved to their addresses.
type dnsSource struct {
	host     string // A/AAAA name, or ""
	port     int    // with host
	srv      string // SRV name, or ""
	scheme   string
	interval time.Duration
	resolver Resolver
}

// newDNSSource returns the DNS source of d, with its defaults.
func newDNSSource(d config.Discovery, r Resolver) (*dnsSource, error) {
	s := &dnsSource{host: d.DNS, port: d.Port, srv: d.SRV, scheme: d.Scheme, interval: d.Interval, resolver: r}
	var errs []error
	if s.host != "" && s.srv != "" {
		errs = append(errs, errors.New("discovery sets both dns and srv: set one"))
	}
	if s.host != "" && (s.port < 1 || s.port > 65535) {
		errs = append(errs, fmt.Errorf("discovery.port %d: want 1 to 65535 with discovery.dns", s.port))
	}
	switch s.scheme {
	case "":
		s.scheme = "http"
	case "http", "https":
	default:
		errs = append(errs, fmt.Errorf("discovery.scheme %q: want http or https", s.scheme))
	}
	switch {
	case s.interval == 0:
		s.interval = config.DefaultDiscoveryInterval
	case s.interval < 0:
		errs = append(errs, fmt.Errorf("discovery.interval %s is negative", s.interval))
	}
	if s.resolver == nil {
		s.resolver = net.DefaultResolver
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Watch resolves at once, then every interval, until ctx is done.
func (s *dnsSource) Watch(ctx context.Context, update func([]string, error)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		urls, err := s.resolve(ctx)
		if ctx.Err() != nil {
			return
		}
		update(urls, err)
		t.Reset(s.interval)
	}
}

// resolve returns the endpoint URLs that DNS gives now, sorted. A name that
// does not exist or has no record gives no URL and no error; any other
// failure, of any lookup, is an error.
func (s *dnsSource) resolve(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, min(s.interval, maxLookupTime))
	defer cancel()
	var hostports []string
	if s.host != "" {
		addrs, err := s.lookupHost(ctx, s.host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			hostports = append(hostports, net.JoinHostPort(a, strconv.Itoa(s.port)))
		}
	} else {
		_, srvs, err := s.resolver.LookupSRV(ctx, "", "", s.srv)
		if notFound(err) {
			srvs, err = nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("look up SRV %s: %w", s.srv, err)
		}
		for _, r := range srvs {
			addrs, err := s.lookupHost(ctx, strings.TrimSuffix(r.Target, "."))
			if err != nil {
				return nil, err
			}
			for _, a := range addrs {
				hostports = append(hostports, net.JoinHostPort(a, strconv.Itoa(int(r.Port))))
			}
		}
	}
	urls := make([]string, 0, len(hostports))
	for _, hp := range hostports {
		urls = append(urls, s.scheme+"://"+hp)
	}
	slices.Sort(urls)
	return slices.Compact(urls), nil
}

// lookupHost returns the addresses of host; none when it does not exist.
func (s *dnsSource) lookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := s.resolver.LookupHost(ctx, host)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", host, err)
	}
	return addrs, nil
}

// notFound reports whether err says that a name does not exist or has no
// record of the type asked (NXDOMAIN, NODATA): an answer, not a failure.
func notFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
