package config

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// validator checks a decoded configuration with its defaults applied.
type validator struct {
	d    *decoder
	errs []*Error
}

func (v *validator) errorf(path string, format string, args ...any) {
	v.errs = append(v.errs, errorAt(v.d.file, v.d.position(path), format, args...))
}

func validate(c *Config, d *decoder) []*Error {
	v := &validator{d: d}
	switch c.Mode {
	case ModeProduction, ModeDevelopment:
	default:
		v.errorf("mode", "invalid mode %q: use %q or %q", c.Mode, ModeProduction, ModeDevelopment)
	}
	v.address("listen", c.Listen)
	v.address("admin", c.Admin)
	if c.Listen == c.Admin && !strings.HasSuffix(c.Admin, ":0") {
		v.errorf("admin", "%q and %q are both %q: give the admin endpoints their own port", "admin", "listen", c.Admin)
	}
	v.server(&c.Server)
	names := make([]string, 0, len(c.Upstreams))
	for name := range c.Upstreams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v.upstream(name, c.Upstreams[name])
	}
	v.traffic(c)
	v.gateway(&c.Gateway, c.Mode)
	v.auth(&c.Gateway.Auth, c.Mode, c.Gateway.CSRF)
	v.telemetry(&c.Telemetry)
	v.tls(c)
	return v.errs
}

func (v *validator) address(path, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.errorf(path, "invalid address %q for %q: use host:port or :port, such as \":8080\" or \"127.0.0.1:8080\"", addr, path)
		return
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		v.errorf(path, "invalid port %q in %q: use a number from 0 to 65535", port, path)
	}
	if strings.ContainsAny(host, " /") {
		v.errorf(path, "invalid host %q in %q", host, path)
	}
}

func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.errorf(path, "%q must be greater than zero, got %s", path, d)
	}
}

func (v *validator) server(s *Server) {
	v.positive("server.read_header_timeout", s.ReadHeaderTimeout)
	v.positive("server.read_timeout", s.ReadTimeout)
	v.positive("server.write_timeout", s.WriteTimeout)
	v.positive("server.idle_timeout", s.IdleTimeout)
	v.positive("server.request_timeout", s.RequestTimeout)
	v.positive("server.shutdown.timeout", s.Shutdown.Timeout)
	if s.MaxHeaderBytes <= 0 {
		v.errorf("server.max_header_bytes", "%q must be greater than zero, got %d", "server.max_header_bytes", s.MaxHeaderBytes)
	}
	if s.MaxHeaders <= 0 {
		v.errorf("server.max_headers", "%q must be greater than zero, got %d", "server.max_headers", s.MaxHeaders)
	}
	if s.MinHeapBytes < 0 {
		v.errorf("server.min_heap_bytes", "%q must not be negative, got %d: use 0 to turn the heap floor off", "server.min_heap_bytes", s.MinHeapBytes)
	}
	if s.Shutdown.DrainDelay < 0 {
		v.errorf("server.shutdown.drain_delay", "%q must not be negative, got %s; use 0s for no delay", "server.shutdown.drain_delay", s.Shutdown.DrainDelay)
	}
	if s.RequestTimeout > 0 && s.WriteTimeout > 0 && s.RequestTimeout >= s.WriteTimeout {
		at := "server.request_timeout"
		if v.d.isSet("server.write_timeout") && !v.d.isSet(at) {
			at = "server.write_timeout"
		}
		v.errorf(at, "%q (%s) must be shorter than %q (%s), or a request that runs out of time cannot be answered", "server.request_timeout", s.RequestTimeout, "server.write_timeout", s.WriteTimeout)
	}
}

func (v *validator) upstream(name string, u Upstream) {
	p := "upstreams." + name
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		v.errorf(p, "invalid upstream name %q: use letters, digits, \"-\" and \"_\"", name)
	}
	if len(u.Endpoints) == 0 && !u.Discovery.Enabled() {
		v.errorf(p, "upstream %q has no endpoints: add %s.endpoints: [\"http://host:port\"], or %s.discovery to find them in DNS", name, p, p)
	}
	for i, ep := range u.Endpoints {
		v.endpoint(fmt.Sprintf("%s.endpoints[%d]", p, i), ep)
	}
	switch u.Protocol {
	case ProtocolConnect, ProtocolGRPC, ProtocolGRPCWeb:
	default:
		v.errorf(p+".protocol", "unknown protocol %q for upstream %q: use %q, %q or %q", u.Protocol, name, ProtocolConnect, ProtocolGRPC, ProtocolGRPCWeb)
	}
	switch u.Compression {
	case "", CompressionGzip, CompressionNone:
	default:
		v.errorf(p+".compression", "unknown compression %q for upstream %q: use %q or %q", u.Compression, name, CompressionGzip, CompressionNone)
	}
	switch {
	case u.TimeoutOff && u.Timeout != 0:
		v.errorf(p+".timeout", "upstream %q has both a timeout (%s) and TimeoutOff: keep one", name, u.Timeout)
	case !u.TimeoutOff && u.Timeout <= 0:
		v.errorf(p+".timeout", "%q must be greater than zero, got %s: leave it out for the default of 1s, or write off for no timeout of the sidecar's own", p+".timeout", u.Timeout)
	}
	for i, h := range u.ForwardHeaders {
		if reason := unforwardable(h); reason != "" {
			v.errorf(fmt.Sprintf("%s.forward_headers[%d]", p, i), "header %q cannot be forwarded to upstream %q: %s", h, name, reason)
		}
	}
	for i, h := range u.ResponseHeaders {
		if reason := unforwardable(h); reason != "" {
			v.errorf(fmt.Sprintf("%s.response_headers[%d]", p, i), "response header %q of upstream %q cannot be forwarded: %s", h, name, reason)
		}
	}
	if u.MaxMessageBytes < 0 {
		v.errorf(p+".max_message_bytes", "max_message_bytes of upstream %q must not be negative, got %d: leave it out for the default of 4 MiB", name, u.MaxMessageBytes)
	}
	v.identity(name, u)
	v.resilience(name, u)
	v.discovery(name, u)
	v.healthCheck(name, u.HealthCheck)
	if u.MaxBatchSize < 0 {
		v.errorf(p+".max_batch_size", "max_batch_size of upstream %q must not be negative, got %d: use 0 for the spec's default", name, u.MaxBatchSize)
	}
}

func (v *validator) endpoint(path, ep string) {
	u, err := url.Parse(ep)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		v.errorf(path, "invalid endpoint %q: use an absolute URL such as \"http://127.0.0.1:9001\"", ep)
		return
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		v.errorf(path, "invalid endpoint %q: the scheme must be http or https, not %q", ep, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		v.errorf(path, "invalid endpoint %q: the URL has no host", ep)
	case u.User != nil:
		v.errorf(path, "invalid endpoint %q: remove the credentials from the URL", ep)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		v.errorf(path, "invalid endpoint %q: remove the query and fragment from the URL", ep)
	}
}

func (v *validator) gateway(g *Gateway, mode string) {
	if g.Subscriptions.MaxDuration < 0 {
		v.errorf("gateway.subscriptions.max_duration", "max_duration must not be negative, got %s: use 0 for no limit", g.Subscriptions.MaxDuration)
	}
	sub := &g.Subscriptions
	if sub.MaxPerConnection <= 0 {
		v.errorf("gateway.subscriptions.max_per_connection", "%q must be greater than zero, got %d", "gateway.subscriptions.max_per_connection", sub.MaxPerConnection)
	}
	if sub.MaxMessageBytes <= 0 {
		v.errorf("gateway.subscriptions.max_message_bytes", "%q must be greater than zero, got %d", "gateway.subscriptions.max_message_bytes", sub.MaxMessageBytes)
	}
	v.positive("gateway.subscriptions.init_timeout", sub.InitTimeout)
	v.positive("gateway.subscriptions.keep_alive", sub.KeepAlive)
	v.csrf(&g.CSRF)
	c := &g.CORS
	for i, o := range c.AllowedOrigins {
		p := fmt.Sprintf("gateway.cors.allowed_origins[%d]", i)
		if o == "*" {
			if c.AllowCredentials {
				v.errorf(p, "the origin \"*\" cannot be combined with allow_credentials: true; list the origins instead")
			}
			continue
		}
		u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || strings.Count(o, "*") > 1 {
			v.errorf(p, "invalid origin %q: use scheme://host[:port], such as \"https://app.example.com\", or \"*\"", o)
		}
	}
	for i, m := range c.AllowedMethods {
		if !isToken(m) {
			v.errorf(fmt.Sprintf("gateway.cors.allowed_methods[%d]", i), "invalid HTTP method %q", m)
		}
	}
	for i, h := range c.AllowedHeaders {
		if !isToken(h) {
			v.errorf(fmt.Sprintf("gateway.cors.allowed_headers[%d]", i), "invalid header name %q", h)
		}
	}
	if c.MaxAge < 0 {
		v.errorf("gateway.cors.max_age", "%q must not be negative, got %s", "gateway.cors.max_age", c.MaxAge)
	}
	if g.Limits.MaxBodyBytes <= 0 {
		v.errorf("gateway.limits.max_body_bytes", "%q must be greater than zero, got %d", "gateway.limits.max_body_bytes", g.Limits.MaxBodyBytes)
	}
	p := g.GraphQL.Path
	switch {
	case !strings.HasPrefix(p, "/"):
		v.errorf("gateway.graphql.path", "invalid path %q: it must start with \"/\", such as \"/graphql\"", p)
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("{}?#%\\", r) }):
		v.errorf("gateway.graphql.path", "invalid path %q: use letters, digits, \"/\", \"-\", \"_\" and \".\"", p)
	case path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/":
		v.errorf("gateway.graphql.path", "invalid path %q: write it without empty, \".\" or \"..\" segments, such as %q", p, path.Clean(p))
	case p == "/" && g.GraphQL.GraphiQL:
		v.errorf("gateway.graphql.path", "the path \"/\" is taken by GraphiQL: choose another path, such as \"/graphql\", or turn graphiql off")
	}
	if g.GraphQL.GraphiQL && mode == ModeProduction {
		v.errorf("gateway.graphql.graphiql", "GraphiQL cannot be served in production mode: remove %q, or set mode: development", "graphiql: true")
	}
	q := &g.GraphQL
	for _, l := range []struct {
		key string
		val int
	}{
		{"max_tokens", q.MaxTokens}, {"max_depth", q.MaxDepth}, {"max_aliases", q.MaxAliases},
		{"max_root_fields", q.MaxRootFields}, {"max_directives", q.MaxDirectives},
		{"max_fields", q.MaxFields}, {"max_validation_work", q.MaxValidationWork}, {"max_cost", q.MaxCost},
	} {
		if l.val < 0 {
			v.errorf("gateway.graphql."+l.key, "%q must not be negative, got %d: use 0 to turn the limit off", "gateway.graphql."+l.key, l.val)
		}
	}
	if q.DefaultListSize < 1 {
		v.errorf("gateway.graphql.default_list_size", "%q must be at least 1, got %d: it is the assumed length of a list field without @listSize", "gateway.graphql.default_list_size", q.DefaultListSize)
	}
	v.graphqlCaps(&g.GraphQL)
	v.rateLimit(&g.RateLimit)
	if h := g.RequestID.Header; !isToken(h) {
		v.errorf("gateway.request_id.header", "invalid header name %q for %q", h, "gateway.request_id.header")
	}
}

func (v *validator) csrf(c *CSRF) {
	if c.Enabled && len(c.RequiredHeaders) == 0 {
		v.errorf("gateway.csrf.required_headers", "%q is empty: list at least one header that forces a CORS preflight, such as %q, or set %q", "gateway.csrf.required_headers", "Apollo-Require-Preflight", "gateway.csrf.enabled: false")
	}
	for i, h := range c.RequiredHeaders {
		p := fmt.Sprintf("gateway.csrf.required_headers[%d]", i)
		switch {
		case !isToken(h):
			v.errorf(p, "invalid header name %q", h)
		case corsSafelisted(h):
			v.errorf(p, "header %q cannot force a CORS preflight: browsers send it freely (it is CORS-safelisted); use a custom header such as %q", h, "Apollo-Require-Preflight")
		}
	}
}

// corsSafelisted reports whether h is a CORS-safelisted request header,
// which a browser may send cross-origin without a preflight.
func corsSafelisted(h string) bool {
	switch http.CanonicalHeaderKey(h) {
	case "Accept", "Accept-Language", "Content-Language", "Content-Type", "Range":
		return true
	}
	return false
}

func (v *validator) graphqlCaps(q *GraphQL) {
	for _, c := range []struct {
		path string
		n    int
	}{
		{"gateway.graphql.variables.max_depth", q.Variables.MaxDepth},
		{"gateway.graphql.variables.max_list_length", q.Variables.MaxListLength},
		{"gateway.graphql.variables.max_string_length", q.Variables.MaxStringLength},
		{"gateway.graphql.variables.max_values", q.Variables.MaxValues},
		{"gateway.graphql.max_errors", q.MaxErrors},
		{"gateway.graphql.max_response_bytes", q.MaxResponseBytes},
	} {
		if c.n < 0 {
			v.errorf(c.path, "%q must not be negative, got %d: use 0 for no cap", c.path, c.n)
		}
	}
	p := q.Persisted
	switch p.Mode {
	case PersistedOff, PersistedAPQ:
	case PersistedAllowList:
		if p.Manifest == "" {
			v.errorf("gateway.graphql.persisted.mode", "mode %q needs a manifest of the allowed operations: set %q", p.Mode, "gateway.graphql.persisted.manifest")
		}
	default:
		v.errorf("gateway.graphql.persisted.mode", "invalid mode %q: use %q, %q or %q", p.Mode, PersistedOff, PersistedAPQ, PersistedAllowList)
	}
}

func (v *validator) telemetry(t *Telemetry) {
	levels := []string{"debug", "info", "warn", "error"}
	if !slices.Contains(levels, t.Log.Level) {
		v.errorf("telemetry.log.level", "invalid log level %q: use one of %s", t.Log.Level, strings.Join(levels, ", "))
	}
	if t.Log.Format != LogFormatJSON && t.Log.Format != LogFormatText {
		v.errorf("telemetry.log.format", "invalid log format %q: use %q or %q", t.Log.Format, LogFormatJSON, LogFormatText)
	}
}

// isToken reports whether s is an RFC 9110 token (a method or header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// unforwardable says why a header may not be forwarded to a backend, or "".
func unforwardable(h string) string {
	c := http.CanonicalHeaderKey(strings.TrimSpace(h))
	switch {
	case c == "" || strings.ContainsAny(c, " :"):
		return "it is not a header name"
	case c == "Connection" || c == "Keep-Alive" || c == "Te" || c == "Trailer" || c == "Transfer-Encoding" || c == "Upgrade" || strings.HasPrefix(c, "Proxy-"):
		return "it is a hop-by-hop header"
	case c == "Host" || c == "Content-Length" || c == "Content-Type" || c == "Content-Encoding" || c == "Accept-Encoding":
		return "it describes the inbound request itself, not the call"
	case strings.HasPrefix(c, "Connect-") || strings.HasPrefix(c, "Grpc-"):
		return "the RPC protocol sets it"
	}
	return ""
}
