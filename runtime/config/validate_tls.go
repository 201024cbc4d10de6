package config

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// tls checks server.tls and the tls of every upstream.
func (v *validator) tls(c *Config) {
	s := c.Server.TLS
	switch {
	case s.CertFile != "" && s.KeyFile == "":
		v.errorf("server.tls.cert_file", "%q is set without %q: set both to serve TLS", "server.tls.cert_file", "server.tls.key_file")
	case s.CertFile == "" && s.KeyFile != "":
		v.errorf("server.tls.key_file", "%q is set without %q: set both to serve TLS", "server.tls.key_file", "server.tls.cert_file")
	}
	if s.ClientCAFile != "" && s.CertFile == "" {
		v.errorf("server.tls.client_ca_file", "%q needs TLS on the listener: set %q and %q too", "server.tls.client_ca_file", "server.tls.cert_file", "server.tls.key_file")
	}
	names := make([]string, 0, len(c.Upstreams))
	for name := range c.Upstreams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v.upstreamTLS(name, c.Upstreams[name], c.Mode)
	}
}

// upstreamTLS checks upstreams.<name>.tls.
func (v *validator) upstreamTLS(name string, u Upstream, mode string) {
	t := u.TLS
	if !t.Enabled() {
		return
	}
	p := "upstreams." + name + ".tls"
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		v.errorf(p+".cert_file", "%q is set without %q: set both for mTLS, or neither", p+".cert_file", p+".key_file")
	case t.CertFile == "" && t.KeyFile != "":
		v.errorf(p+".key_file", "%q is set without %q: set both for mTLS, or neither", p+".key_file", p+".cert_file")
	}
	if t.InsecureSkipVerify {
		if mode == ModeProduction {
			v.errorf(p+".insecure_skip_verify", "insecure_skip_verify cannot be used in production mode: anyone on the path could read and change the calls to upstream %q; trust the backend's CA with %q instead, or set mode: development", name, p+".ca_file")
		}
		if t.CAFile != "" {
			v.errorf(p+".insecure_skip_verify", "insecure_skip_verify ignores %q: remove one of them", p+".ca_file")
		}
	}
	if sn := t.ServerName; sn != "" {
		if reason := badServerName(sn); reason != "" {
			v.errorf(p+".server_name", "invalid server_name %q: %s", sn, reason)
		}
	}
	for i, ep := range u.Endpoints {
		if pu, err := url.Parse(ep); err == nil && pu.Scheme == "http" {
			v.errorf(fmt.Sprintf("upstreams.%s.endpoints[%d]", name, i), "endpoint %q is plain HTTP but %q is set: use https://, or remove %q", ep, p, p)
		}
	}
}

// badServerName says why s cannot be the name checked in a certificate, or
// "".
func badServerName(s string) string {
	switch {
	case strings.Contains(s, "://"):
		return "write the host name alone, without a scheme, such as \"catalog.internal\""
	case strings.ContainsAny(s, " /?#@") || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "a host name has letters, digits, '-' and '.' only"
	case net.ParseIP(s) != nil:
		return ""
	case strings.Contains(s, ":"):
		return "write the host name without a port"
	}
	return ""
}
