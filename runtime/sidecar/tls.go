package sidecar

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/certfile"
)

// The reasons of a [TLSError], values of TLSError.Reason.
const (
	// TLSUnknownAuthority: the endpoint's certificate is not signed by a
	// CA the upstream trusts (tls.ca_file, or the system's CAs).
	TLSUnknownAuthority = "unknown_authority"
	// TLSExpired: the endpoint's certificate, or one of its chain, has
	// expired.
	TLSExpired = "expired"
	// TLSNotYetValid: the endpoint's certificate, or one of its chain, is
	// not valid yet.
	TLSNotYetValid = "not_yet_valid"
	// TLSNameMismatch: the endpoint's certificate does not hold the name
	// the upstream expects (tls.server_name, or the endpoint's host) in its
	// subject alternative names.
	TLSNameMismatch = "name_mismatch"
	// TLSBadCertificate: any other reason the endpoint's certificate is
	// refused (wrong key usage, malformed, a CA constraint).
	TLSBadCertificate = "bad_certificate"
	// TLSRefusedByEndpoint: the endpoint ended the handshake with a TLS
	// alert, usually because it refused the client certificate (none, an
	// untrusted CA, expired); the alert is quoted in the message.
	TLSRefusedByEndpoint = "refused_by_endpoint"
)

// TLSError is the failure to verify the certificate of an endpoint during
// the TLS handshake. A call that meets it fails with
// connect.CodeUnavailable (extensions.code UNAVAILABLE), and its message
// says the reason, never the endpoint's address or name:
//
//	upstream "catalog" /catalog.v1.CatalogService/GetProduct: unavailable: endpoint #1: tls: expired: the endpoint's certificate has expired
//
// The verifier's own error, which names hosts, is logged at warn level for
// an upstream with a tls: block (at most once a second per upstream), and
// is what Unwrap returns.
type TLSError struct {
	// Reason is one of TLSUnknownAuthority, TLSExpired, TLSNotYetValid,
	// TLSNameMismatch, TLSBadCertificate and TLSRefusedByEndpoint.
	Reason string
	// alert is the text of the endpoint's alert, for TLSRefusedByEndpoint.
	alert string
	err   error
}

// Error returns "tls: <reason>: <what it means>".
func (e *TLSError) Error() string {
	text := "the endpoint's certificate is refused"
	switch e.Reason {
	case TLSUnknownAuthority:
		text = "the endpoint's certificate is not signed by a trusted CA (tls.ca_file, or the system's CAs)"
	case TLSExpired:
		text = "the endpoint's certificate has expired"
	case TLSNotYetValid:
		text = "the endpoint's certificate is not valid yet"
	case TLSNameMismatch:
		text = "the endpoint's certificate is not valid for the expected name (tls.server_name, or the endpoint's host)"
	case TLSRefusedByEndpoint:
		text = "the endpoint refused the handshake (" + e.alert + "); check the client certificate (tls.cert_file)"
	}
	return "tls: " + e.Reason + ": " + text
}

// Unwrap returns the error of the verifier, whose message may hold the
// endpoint's name or address.
func (e *TLSError) Unwrap() error { return e.err }

// verifyError turns a certificate verification failure into a *TLSError,
// and returns nil for any other error.
func verifyError(err error, now time.Time) *TLSError {
	var (
		ve       *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if !errors.As(err, &ve) {
		return nil
	}
	reason := TLSBadCertificate
	switch {
	case errors.As(err, &unknown):
		reason = TLSUnknownAuthority
	case errors.As(err, &hostname):
		reason = TLSNameMismatch
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		reason = TLSExpired
		if invalid.Cert != nil && now.Before(invalid.Cert.NotBefore) {
			reason = TLSNotYetValid
		}
	}
	return &TLSError{Reason: reason, err: err}
}

// alertError turns the TLS alert an endpoint sent into a *TLSError, and
// returns nil for any other error. The text of an alert is fixed ("tls:
// bad certificate") and holds no address.
func alertError(err error) *TLSError {
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "remote error" || oe.Err == nil {
		return nil
	}
	return &TLSError{Reason: TLSRefusedByEndpoint, alert: oe.Err.Error(), err: err}
}

// clientTLS is the TLS of the https:// endpoints of an upstream with a
// tls: block: the trusted CAs and the client certificate, read again from
// their files when they change (package runtime/internal/certfile), and
// the name checked in the endpoint's certificate.
type clientTLS struct {
	upstream   string
	serverName string // "" : the host of the endpoint
	insecure   bool
	roots      *certfile.Pool    // nil: the system's CAs
	cert       *certfile.KeyPair // nil: no client certificate
	logger     *slog.Logger
	lastWarn   atomic.Int64 // unix nanoseconds of the last verification warning
	dialer     *net.Dialer
	handshake  time.Duration
	now        func() time.Time
}

// newClientTLS reads the files of cfg for the upstream called name.
func newClientTLS(name string, cfg config.UpstreamTLS, logger *slog.Logger) (*clientTLS, error) {
	c := &clientTLS{
		upstream:   name,
		serverName: cfg.ServerName,
		insecure:   cfg.InsecureSkipVerify,
		logger:     logger,
		dialer:     &net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive},
		handshake:  tlsHandshakeTimeout,
		now:        time.Now,
	}
	var errs []error
	if cfg.CAFile != "" {
		pool, err := certfile.LoadPool(cfg.CAFile, c.reported("tls.ca_file", cfg.CAFile))
		if err != nil {
			errs = append(errs, fmt.Errorf("tls.ca_file: %w", err))
		}
		c.roots = pool
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		pair, err := certfile.LoadKeyPair(cfg.CertFile, cfg.KeyFile, c.reported("tls.cert_file", cfg.CertFile))
		if err != nil {
			errs = append(errs, fmt.Errorf("tls.cert_file, tls.key_file: %w", err))
		} else if err := certfile.Expiry(pair.Certificate(), c.now()); err != nil {
			logger.Warn("upstream client certificate is not valid: the backend will refuse it",
				slog.String("upstream", name), slog.String("file", cfg.CertFile), slog.String("reason", err.Error()))
		}
		c.cert = pair
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("upstream %q: %w", name, errors.Join(errs...))
	}
	if c.insecure {
		logger.Warn("upstream certificates are not verified (tls.insecure_skip_verify): development only",
			slog.String("upstream", name))
	}
	return c, nil
}

// reported returns the certfile.Reporter of the file at path, which logs
// every reload.
func (c *clientTLS) reported(key, path string) certfile.Reporter {
	return func(err error) {
		if err != nil {
			c.logger.Warn("upstream TLS file changed but cannot be used: the previous one stays in use",
				slog.String("upstream", c.upstream), slog.String("key", key), slog.String("file", path), slog.Any("error", err))
			return
		}
		c.logger.Info("upstream TLS file reloaded",
			slog.String("upstream", c.upstream), slog.String("key", key), slog.String("file", path))
	}
}

// config returns the TLS configuration of one new connection to host.
func (c *clientTLS) config(host string, nextProtos []string) *tls.Config {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.serverName,
		NextProtos:         nextProtos,
		InsecureSkipVerify: c.insecure, // refused by config validation outside development mode
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if c.roots != nil {
		cfg.RootCAs = c.roots.CertPool()
	}
	if c.cert != nil {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return c.cert.Certificate(), nil
		}
	}
	return cfg
}

// dialTLS returns the DialTLSContext of a transport that offers
// nextProtos by ALPN. Each connection gets the CAs and client certificate
// current at its handshake.
func (c *clientTLS) dialTLS(nextProtos []string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		raw, err := c.dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, c.config(host, nextProtos))
		hctx, cancel := context.WithTimeout(ctx, c.handshake)
		defer cancel()
		if err := conn.HandshakeContext(hctx); err != nil {
			_ = raw.Close()
			if te := verifyError(err, c.now()); te != nil {
				c.warn(te)
				return nil, te
			}
			return nil, err
		}
		return conn, nil
	}
}

// warn logs a verification failure, at most once a second.
func (c *clientTLS) warn(te *TLSError) {
	now := c.now().UnixNano()
	last := c.lastWarn.Load()
	if now-last < int64(time.Second) || !c.lastWarn.CompareAndSwap(last, now) {
		return
	}
	c.logger.Warn("upstream certificate refused",
		slog.String("upstream", c.upstream), slog.String("reason", te.Reason), slog.Any("error", te.err))
}

// tlsTransport is the transport of an upstream with a tls: block: it logs
// the TLS alerts that endpoints send after the handshake (TLS 1.3 servers
// refuse a client certificate that way, when the first response is read).
type tlsTransport struct {
	*http.Transport
	c *clientTLS
}

// RoundTrip sends req on the transport, logging an endpoint's TLS alert.
func (t *tlsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.Transport.RoundTrip(req)
	if err != nil {
		if te := alertError(err); te != nil {
			t.c.warn(te)
		}
	}
	return res, err
}

// nextProtos returns the ALPN protocols of a transport that speaks p.
func nextProtos(p *http.Protocols) []string {
	var out []string
	if p.HTTP2() {
		out = append(out, "h2")
	}
	if p.HTTP1() {
		out = append(out, "http/1.1")
	}
	return out
}
