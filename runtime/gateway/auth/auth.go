package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/MicahParks/jwkset"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/request"
)

// The kinds of credential, the Credential of a [CredentialError].
const (
	CredentialJWT    = "jwt"
	CredentialAPIKey = "api_key"
)

// ErrNoCredential is the error of [Authenticator.Authenticate] for a request
// that carries no credential: the caller is anonymous.
var ErrNoCredential = errors.New("auth: the request carries no credential")

// CredentialError is the error of a credential that does not verify. Its
// text names the kind of credential and the reason, never the credential.
type CredentialError struct {
	// Credential is CredentialJWT or CredentialAPIKey.
	Credential string
	// Reason is one of the Reason constants, such as ReasonExpired.
	Reason string
}

// Error returns "auth: invalid <credential>: <reason>".
func (e *CredentialError) Error() string {
	return "auth: invalid " + e.Credential + ": " + e.Reason
}

// Authenticator verifies the credentials of requests under gateway.auth.
// Build it with [New]; release it with [Authenticator.Close]. It is safe for
// concurrent use.
type Authenticator struct {
	jwt       *jwtVerifier // nil when gateway.auth.jwt is off
	keys      *apiKeys     // nil when gateway.auth.api_keys is off
	keyHeader string
	cookie    string
	anonymous bool
	logger    *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Option configures New.
type Option func(*options)

type options struct {
	logger *slog.Logger
	client *http.Client
}

// WithLogger sets the logger: refused credentials at debug level (kind and
// reason only, never the credential), key set and key file problems at
// warn and error levels. Default: nothing is logged. A nil logger keeps
// the default.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) {
		if logger != nil {
			o.logger = logger
		}
	}
}

// WithHTTPClient sets the client that fetches gateway.auth.jwt.jwks_url.
// Default: a client of its own that follows at most 3 redirects; each
// fetch is bounded by fetch_timeout. A nil client keeps the default.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) {
		if c != nil {
			o.client = c
		}
	}
}

// New builds the authenticator of cfg (validated by package config). A key
// set file is read, a key set URL fetched, and the API key file read, before
// it returns: an unreadable or invalid file is an error; a key set URL that
// cannot be fetched is not (it is logged, and [Authenticator.Ready] reports
// it until a fetch succeeds). It then refreshes the key set every
// refresh_interval and reads the API key file every reload_interval, in
// goroutines that Close stops. A cfg with no credential configured gives an
// authenticator that finds no credential in any request.
func New(cfg config.Auth, opts ...Option) (*Authenticator, error) {
	o := options{logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.client == nil {
		o.client = &http.Client{CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			return nil
		}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Authenticator{
		keyHeader: http.CanonicalHeaderKey(cfg.APIKeys.Header),
		cookie:    cfg.JWT.Cookie,
		anonymous: cfg.AllowAnonymous,
		logger:    o.logger,
		cancel:    cancel,
	}
	fail := func(err error) (*Authenticator, error) {
		_ = a.Close()
		return nil, err
	}
	if j := cfg.JWT; j.Enabled() {
		var keys *keySet
		if j.HMACSecret == "" {
			keys = &keySet{
				MemoryJWKSet: jwkset.NewMemoryStorage(),
				timeout:      j.FetchTimeout,
				unknownEvery: j.UnknownKIDRefreshInterval,
				logger:       o.logger,
			}
			if j.JWKSURL != "" {
				keys.source, keys.load = j.JWKSURL, httpLoad(o.client, j.JWKSURL)
			} else {
				keys.source, keys.load = j.JWKSFile, fileLoad(j.JWKSFile)
			}
			fctx, fcancel := context.WithTimeout(ctx, j.FetchTimeout)
			err := keys.refresh(fctx)
			fcancel()
			switch {
			case err != nil && j.JWKSFile != "":
				return fail(fmt.Errorf("gateway.auth.jwt.jwks_file %s: %w", j.JWKSFile, err))
			case err != nil:
				o.logger.LogAttrs(ctx, slog.LevelWarn, "key set: the first fetch failed; tokens are refused until one succeeds",
					slog.String("source", keys.source), slog.String("error", err.Error()))
			}
			a.wg.Go(func() { keys.run(ctx, j.RefreshInterval) })
		}
		v, err := newJWTVerifier(j, keys)
		if err != nil {
			return fail(err)
		}
		a.jwt = v
	}
	if k := cfg.APIKeys; k.Enabled() {
		keys, err := newAPIKeys(k.File, o.logger)
		if err != nil {
			return fail(err)
		}
		a.keys = keys
		a.wg.Go(func() { keys.run(ctx, k.ReloadInterval) })
	}
	return a, nil
}

// Close stops the refresh goroutines and waits for them. It is safe to call
// more than once.
func (a *Authenticator) Close() error {
	a.cancel()
	a.wg.Wait()
	return nil
}

// Ready reports an error while a key set URL has never been fetched: no
// token can be verified yet. /readyz answers 503 with it.
func (a *Authenticator) Ready() error {
	if a.jwt != nil && a.jwt.keys != nil && !a.jwt.keys.loaded.Load() {
		return fmt.Errorf("the key set %s has not been fetched yet", a.jwt.keys.source)
	}
	return nil
}

// Authenticate finds the credential of r and verifies it: the bearer token
// of the Authorization header (an Authorization header of another scheme
// is not a credential here), else the token cookie, else the API key
// header; the first one present is the credential, whatever the others
// hold. It returns ErrNoCredential when there is none, a *CredentialError
// when it does not verify.
func (a *Authenticator) Authenticate(r *http.Request) (request.Principal, error) {
	if a.jwt != nil {
		if token, ok := bearer(r.Header.Get("Authorization")); ok {
			return a.verifyJWT(r.Context(), token)
		}
		if a.cookie != "" {
			if c, err := r.Cookie(a.cookie); err == nil && c.Value != "" {
				return a.verifyJWT(r.Context(), c.Value)
			}
		}
	}
	if a.keys != nil {
		if key := r.Header.Get(a.keyHeader); key != "" {
			return a.verifyKey(key)
		}
	}
	return request.Principal{}, ErrNoCredential
}

// VerifyToken verifies a JWT under gateway.auth.jwt, as Authenticate does
// with a bearer token. Without gateway.auth.jwt, every token is refused
// (reason ReasonAlgorithm).
func (a *Authenticator) VerifyToken(ctx context.Context, token string) (request.Principal, error) {
	if a.jwt == nil {
		return request.Principal{}, &CredentialError{Credential: CredentialJWT, Reason: ReasonAlgorithm}
	}
	return a.verifyJWT(ctx, token)
}

func (a *Authenticator) verifyJWT(ctx context.Context, token string) (request.Principal, error) {
	p, reason := a.jwt.verify(ctx, token)
	if reason != "" {
		return request.Principal{}, &CredentialError{Credential: CredentialJWT, Reason: reason}
	}
	return p, nil
}

func (a *Authenticator) verifyKey(key string) (request.Principal, error) {
	p, reason := a.keys.verify(key)
	if reason != "" {
		return request.Principal{}, &CredentialError{Credential: CredentialAPIKey, Reason: reason}
	}
	return p, nil
}

// bearer returns the token of an "Authorization: Bearer <token>" value
// (the scheme is case-insensitive, RFC 9110).
func bearer(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(h[len(scheme):]), true
}

// Middleware returns the middleware of the authn phase (gateway.PhaseAuthn).
// A verified credential sets the principal of the request seam
// (request.Principal). A credential that does not verify is answered with
// 401, the code UNAUTHENTICATED and a WWW-Authenticate challenge (Bearer
// error="invalid_token" for a token), and the request goes no further: no
// backend is called; the reason is logged at debug level with the request
// id, never the credential. A request without a credential goes on as
// anonymous when allow_anonymous is true, and is answered with 401
// otherwise, except a websocket opening handshake, whose credential may
// come in its connection_init message (see SubscriptionInit): it goes on
// without its URL query, so that no operation can ride on it.
func (a *Authenticator) Middleware() gateway.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := a.Authenticate(r)
			switch {
			case err == nil:
				r = withPrincipal(r, p)
			case errors.Is(err, ErrNoCredential):
				if a.anonymous {
					break
				}
				if !isWebsocketHandshake(r) {
					a.logRefusal(r.Context(), "", "missing")
					a.challenge(w, r, nil)
					return
				}
				// The credential may come in connection_init. Nothing but
				// the websocket may run on this request: without its query
				// string, a GET cannot carry an operation past here.
				r = withoutQuery(r)
			default:
				var ce *CredentialError
				errors.As(err, &ce)
				a.logRefusal(r.Context(), ce.Credential, ce.Reason)
				a.challenge(w, r, ce)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withPrincipal sets p on the request seam of r, opening one when r has
// none (a pipeline without the edge phase).
func withPrincipal(r *http.Request, p request.Principal) *http.Request {
	req := request.From(r.Context())
	if req == nil {
		req = request.New("", r.Header)
		r = r.WithContext(request.With(r.Context(), req))
	}
	req.Principal = p
	return r
}

// challenge answers 401 UNAUTHENTICATED: ce is the refused credential, nil
// when none was sent.
func (a *Authenticator) challenge(w http.ResponseWriter, r *http.Request, ce *CredentialError) {
	h := w.Header()
	msg := "authentication required: send a credential"
	switch {
	case ce == nil:
		if a.jwt != nil {
			h.Add("WWW-Authenticate", "Bearer")
		}
		if a.keys != nil {
			h.Add("WWW-Authenticate", fmt.Sprintf("ApiKey header=%q", a.keyHeader))
		}
	case ce.Credential == CredentialJWT:
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		msg = "the token is not valid"
	default:
		h.Set("WWW-Authenticate", fmt.Sprintf(`ApiKey header=%q, error="invalid_key"`, a.keyHeader))
		msg = "the API key is not valid"
	}
	h.Set("Cache-Control", "no-store")
	gateway.WriteError(w, r, http.StatusUnauthorized, errcode.Unauthenticated, msg)
}

func (a *Authenticator) logRefusal(ctx context.Context, credential, reason string) {
	if !a.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	a.logger.LogAttrs(ctx, slog.LevelDebug, "credential refused",
		slog.String("request_id", request.ID(ctx)),
		slog.String("credential", credential),
		slog.String("reason", reason))
}

// isWebsocketHandshake reports whether r is a websocket opening handshake
// (RFC 6455 section 4.1: a GET with Upgrade: websocket, a
// Sec-WebSocket-Key and version 13).
func isWebsocketHandshake(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		r.Header.Get("Sec-WebSocket-Key") != "" && r.Header.Get("Sec-WebSocket-Version") == "13"
}

// withoutQuery returns r with an empty URL query.
func withoutQuery(r *http.Request) *http.Request {
	if r.URL.RawQuery == "" {
		return r
	}
	r = r.WithContext(r.Context())
	u := *r.URL
	u.RawQuery = ""
	r.URL = &u
	return r
}

// errInitRefused is the error of a refused connection_init: the client sees
// its text in the 4403 close frame, so it says nothing of the reason.
var errInitRefused = errors.New("forbidden: the credential is not valid")

// errInitRequired refuses an anonymous connection_init when anonymous
// callers are not allowed.
var errInitRequired = errors.New("forbidden: a credential is required")

// SubscriptionInit returns the check of a websocket's connection_init
// payload (runtime.WithSubscriptionInit, gateway.WithSubscriptionInit). The
// credential is the "Authorization" member ("Bearer <token>"; the name is
// case-insensitive), else the "token" member (the token alone), else the
// member named like the API key header; it is verified like a request's,
// and its principal becomes the principal of the connection's request
// seam, which every operation of the connection reads. A payload without a
// credential keeps the principal of the upgrade request (a cookie, say),
// and is refused when that one is anonymous and allow_anonymous is false.
// A refusal closes the connection with 4403; the reason is logged at debug
// level.
func (a *Authenticator) SubscriptionInit() gateway.SubscriptionInitFunc {
	return func(ctx context.Context, payload map[string]any) (context.Context, error) {
		p, err := a.fromInitPayload(ctx, payload)
		switch {
		case err == nil:
			req := request.From(ctx)
			if req == nil {
				req = request.New("", nil)
				ctx = request.With(ctx, req)
			}
			req.Principal = p
			return ctx, nil
		case errors.Is(err, ErrNoCredential):
			if !a.anonymous && request.PrincipalOf(ctx).Anonymous() {
				a.logRefusal(ctx, "", "missing")
				return ctx, errInitRequired
			}
			return ctx, nil
		default:
			var ce *CredentialError
			errors.As(err, &ce)
			a.logRefusal(ctx, ce.Credential, ce.Reason)
			return ctx, errInitRefused
		}
	}
}

// fromInitPayload finds and verifies the credential of a connection_init
// payload.
func (a *Authenticator) fromInitPayload(ctx context.Context, payload map[string]any) (request.Principal, error) {
	member := func(name string) (string, bool, bool) {
		for k, v := range payload {
			if strings.EqualFold(k, name) {
				s, ok := v.(string)
				return s, true, ok
			}
		}
		return "", false, false
	}
	if a.jwt != nil {
		if v, present, isString := member("Authorization"); present {
			token, ok := bearer(v)
			if !isString || !ok {
				return request.Principal{}, &CredentialError{Credential: CredentialJWT, Reason: ReasonMalformed}
			}
			return a.verifyJWT(ctx, token)
		}
		if v, present, isString := member("token"); present {
			if !isString {
				return request.Principal{}, &CredentialError{Credential: CredentialJWT, Reason: ReasonMalformed}
			}
			return a.verifyJWT(ctx, v)
		}
	}
	if a.keys != nil {
		if v, present, isString := member(a.keyHeader); present {
			if !isString {
				return request.Principal{}, &CredentialError{Credential: CredentialAPIKey, Reason: ReasonUnknownAPIKey}
			}
			return a.verifyKey(v)
		}
	}
	return request.Principal{}, ErrNoCredential
}
