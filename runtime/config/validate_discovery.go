package config

import (
	"fmt"
	"strings"
)

// discovery checks upstreams.<name>.discovery.
func (v *validator) discovery(name string, u Upstream) {
	d := u.Discovery
	p := "upstreams." + name + ".discovery"
	if !d.Enabled() {
		for _, k := range []struct {
			key string
			set bool
		}{{"port", d.Port != 0}, {"scheme", d.Scheme != ""}, {"interval", d.Interval != 0}, {"target", d.Target != ""}} {
			if k.set {
				v.errorf(p+"."+k.key, "%s.%s is set but nothing to discover: add %s.dns (with port), %s.srv or %s.source", p, k.key, p, p, p)
			}
		}
		return
	}
	if len(u.Endpoints) > 0 {
		v.errorf("upstreams."+name+".endpoints", "upstream %q has both endpoints and discovery: they are mutually exclusive, remove one", name)
	}
	var ways []string
	for _, k := range []struct {
		key string
		set bool
	}{{"dns", d.DNS != ""}, {"srv", d.SRV != ""}, {"source", d.Source != ""}} {
		if k.set {
			ways = append(ways, k.key)
		}
	}
	if len(ways) > 1 {
		v.errorf(p+"."+ways[1], "%s sets %s: set only one of dns, srv and source", p, strings.Join(ways, " and "))
		return
	}
	switch {
	case d.DNS != "":
		if reason := badHostName(d.DNS); reason != "" {
			v.errorf(p+".dns", "invalid dns name %q: %s", d.DNS, reason)
		}
		switch {
		case d.Port == 0:
			v.errorf(p+".dns", "%s.dns needs %s.port: the port of the endpoints, such as 9001", p, p)
		case d.Port < 0 || d.Port > 65535:
			v.errorf(p+".port", "port %d of upstream %q must be from 1 to 65535", d.Port, name)
		}
	case d.SRV != "":
		if reason := badHostName(d.SRV); reason != "" {
			v.errorf(p+".srv", "invalid srv name %q: %s", d.SRV, reason)
		}
		if d.Port != 0 {
			v.errorf(p+".port", "%s.port does not apply to srv: SRV records carry the port of each endpoint; remove it", p)
		}
	case d.Source != "":
		for _, k := range []struct {
			key string
			set bool
		}{{"port", d.Port != 0}, {"scheme", d.Scheme != ""}, {"interval", d.Interval != 0}} {
			if k.set {
				v.errorf(p+"."+k.key, "%s.%s does not apply to source %q: the source finds the endpoints; remove it, or pass it in %s.target", p, k.key, d.Source, p)
			}
		}
	}
	if d.Target != "" && d.Source == "" {
		v.errorf(p+".target", "%s.target needs %s.source: the name of the endpoint source it is given to", p, p)
	}
	switch d.Scheme {
	case "", "http", "https":
	default:
		v.errorf(p+".scheme", "unknown scheme %q for upstream %q: use %q or %q", d.Scheme, name, "http", "https")
	}
	if d.Scheme != "https" && d.Source == "" && u.TLS.Enabled() {
		v.errorf(p+".scheme", "the endpoints found in DNS are plain HTTP but %q is set: add %s.scheme: https, or remove %q", "upstreams."+name+".tls", p, "upstreams."+name+".tls")
	}
	if d.Interval != 0 && d.Interval < MinDiscoveryInterval {
		v.errorf(p+".interval", "interval of upstream %q must be at least %s, got %s: every lookup is a DNS query; leave it out for %s", name, MinDiscoveryInterval, d.Interval, DefaultDiscoveryInterval)
	}
}

// badHostName says why s cannot be a DNS name to look up, or "".
func badHostName(s string) string {
	switch {
	case strings.Contains(s, "://"):
		return "write the name alone, without a scheme, such as \"catalog.shop.svc.cluster.local\""
	case strings.Contains(s, ":"):
		return "write the name without a port (set port)"
	case strings.ContainsAny(s, " /?#@") || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "a DNS name has letters, digits, '-', '_' and '.' only"
	}
	return ""
}

// healthCheck checks upstreams.<name>.health_check.
func (v *validator) healthCheck(name string, h HealthCheck) {
	p := "upstreams." + name + ".health_check"
	if !h.Enabled {
		for _, k := range []struct {
			key string
			set bool
		}{{"interval", h.Interval != 0}, {"timeout", h.Timeout != 0}, {"service", h.Service != ""}, {"unhealthy_threshold", h.UnhealthyThreshold != 0}, {"healthy_threshold", h.HealthyThreshold != 0}} {
			if k.set {
				v.errorf(p+"."+k.key, "%s.%s is set but the health check is off: add %s.enabled: true", p, k.key, p)
			}
		}
		return
	}
	v.nonNegative(p+".interval", h.Interval)
	v.nonNegative(p+".timeout", h.Timeout)
	interval := h.Interval
	if interval == 0 {
		interval = DefaultHealthCheckInterval
	}
	timeout := h.Timeout
	if timeout == 0 {
		timeout = DefaultHealthCheckTimeout
	}
	if h.Interval >= 0 && h.Timeout >= 0 && timeout > interval {
		at := p + ".timeout"
		if !v.d.isSet(at) {
			at = p + ".interval"
		}
		v.errorf(at, "timeout (%s) of the health check of upstream %q is longer than its interval (%s): a check must end before the next one", timeout, name, interval)
	}
	for _, k := range []struct {
		key string
		n   int
	}{{"unhealthy_threshold", h.UnhealthyThreshold}, {"healthy_threshold", h.HealthyThreshold}} {
		if k.n < 0 {
			v.errorf(fmt.Sprintf("%s.%s", p, k.key), "%s of upstream %q must be at least 1, got %d: leave it out for the default", k.key, name, k.n)
		}
	}
}
