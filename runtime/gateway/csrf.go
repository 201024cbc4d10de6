package gateway

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/rs/cors"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
)

// CSRF returns the middleware that refuses cross-site request forgery on
// the GraphQL endpoint, with status 403 and the code
// [errcode.CSRFRejected]. It combines net/http's CrossOriginProtection and
// the CSRF prevention of Apollo Router:
//
//   - A request is foreign when it comes from a browser (it carries
//     Sec-Fetch-Site or Origin) on another origin than the endpoint's,
//     judged as [http.CrossOriginProtection] judges it (Sec-Fetch-Site
//     "same-origin" or "none", or an Origin whose host is the request's
//     Host, is not foreign), and that origin is not trusted. The trusted
//     origins are cors.AllowedOrigins, wildcard patterns
//     ("https://*.example.com") included, except "*".
//   - A foreign request with an unsafe method (POST and every method but
//     GET, HEAD and OPTIONS) is refused, unless cors.AllowedOrigins holds
//     "*" (every origin may then send preflighted requests).
//   - A foreign GET or HEAD, or a foreign POST allowed by "*", is refused
//     unless a browser would have sent a CORS preflight for it: it carries
//     one of cfg.RequiredHeaders, or a Content-Type other than text/plain,
//     application/x-www-form-urlencoded and multipart/form-data.
//
// Requests without Sec-Fetch-Site and Origin (curl, server-to-server)
// pass, unless cfg.Strict: then every request, foreign or not, must be
// preflighted as a foreign GET must. OPTIONS requests (CORS preflights)
// and websocket upgrades always pass: the websocket handshake checks their
// origin (a foreign one is refused with 403 there). A mutation over GET is still answered with 405
// by the GraphQL handler when it passes. With cfg.Enabled false the
// middleware does nothing. The error is about an origin of
// cors.AllowedOrigins that CrossOriginProtection does not accept; origins
// validated by the config package never cause one.
func CSRF(cfg config.CSRF, corsCfg config.CORS) (Middleware, error) {
	if !cfg.Enabled {
		return func(next http.Handler) http.Handler { return next }, nil
	}
	g := &csrfGuard{cop: http.NewCrossOriginProtection()}
	var patterns []string
	for _, o := range corsCfg.AllowedOrigins {
		switch {
		case o == "*":
			g.anyOrigin = true
		case strings.Contains(o, "*"):
			patterns = append(patterns, o)
		default:
			if err := g.cop.AddTrustedOrigin(strings.ToLower(strings.TrimSuffix(o, "/"))); err != nil {
				return nil, fmt.Errorf("gateway.cors.allowed_origins: %w", err)
			}
		}
	}
	if len(patterns) > 0 {
		g.patterns = cors.New(cors.Options{AllowedOrigins: patterns})
	}
	for _, h := range cfg.RequiredHeaders {
		g.required = append(g.required, http.CanonicalHeaderKey(h))
	}
	g.strict = cfg.Strict
	g.strictHint = fmt.Sprintf("this server accepts a GET or a form-encoded POST only with one of the headers %s, "+
		"so that no browser can send it on another site's behalf", quoteAll(g.required))
	g.hint = fmt.Sprintf("this request has been blocked as a possible cross-site request forgery: "+
		"send it from an allowed origin, or with one of the headers %s to have the browser check CORS first",
		quoteAll(g.required))
	return g.middleware, nil
}

type csrfGuard struct {
	cop        *http.CrossOriginProtection
	patterns   *cors.Cors // wildcard origins of the CORS config; nil when none
	anyOrigin  bool       // the CORS config allows "*"
	required   []string   // canonical header names
	strict     bool       // also same-origin and origin-less requests must be preflighted
	hint       string
	strictHint string
}

func (g *csrfGuard) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions || isWebsocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !g.foreign(r) {
			if g.strict && !g.preflighted(r) {
				WriteError(w, r, http.StatusForbidden, errcode.CSRFRejected, g.strictHint)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead
		if !safe && !g.anyOrigin {
			WriteError(w, r, http.StatusForbidden, errcode.CSRFRejected,
				"cross-origin "+r.Method+" requests are only accepted from the allowed origins")
			return
		}
		if !g.preflighted(r) {
			WriteError(w, r, http.StatusForbidden, errcode.CSRFRejected, g.hint)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// foreign reports whether r comes from a browser on an origin that is
// neither the endpoint's own nor a trusted one.
func (g *csrfGuard) foreign(r *http.Request) bool {
	probe := r
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// CrossOriginProtection lets safe methods through without looking:
		// ask it about the same request as a POST.
		p := *r
		p.Method = http.MethodPost
		probe = &p
	}
	if g.cop.Check(probe) == nil {
		return false
	}
	return !(g.patterns != nil && r.Header.Get("Origin") != "" && g.patterns.OriginAllowed(r))
}

// preflighted reports whether a browser sends a CORS preflight before r:
// r carries a required header, or a Content-Type that is not
// CORS-safelisted (as the Fetch standard parses it, a malformed one is not).
func (g *csrfGuard) preflighted(r *http.Request) bool {
	for _, h := range g.required {
		if len(r.Header[h]) > 0 {
			return true
		}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	switch mt {
	case "text/plain", "application/x-www-form-urlencoded", "multipart/form-data":
		return false
	}
	return true
}

// isWebsocketUpgrade reports whether r asks for a websocket.
func isWebsocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
