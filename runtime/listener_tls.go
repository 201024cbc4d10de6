package runtime

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/certfile"
)

// listenerTLS returns the TLS configuration of the public listener that
// server.tls describes, or nil when it is off. The certificate, and the
// client CAs when client_ca_file is set, are read again at the next
// handshake after their files change (package runtime/internal/certfile).
// ALPN offers HTTP/1.1 only: the listener speaks no HTTP/2, with or
// without TLS (docs/security.md, IN-14).
func listenerTLS(c config.ServerTLS, logger *slog.Logger) (*tls.Config, error) {
	if !c.Enabled() {
		return nil, nil
	}
	report := func(key, path string) certfile.Reporter {
		return func(err error) {
			if err != nil {
				logger.Warn("listener TLS file changed but cannot be used: the previous one stays in use",
					slog.String("key", key), slog.String("file", path), slog.Any("error", err))
				return
			}
			logger.Info("listener TLS file reloaded", slog.String("key", key), slog.String("file", path))
		}
	}
	pair, err := certfile.LoadKeyPair(c.CertFile, c.KeyFile, report("server.tls.cert_file", c.CertFile))
	if err != nil {
		return nil, fmt.Errorf("server.tls.cert_file, server.tls.key_file: %w", err)
	}
	if err := certfile.Expiry(pair.Certificate(), time.Now()); err != nil {
		logger.Warn("listener certificate is not valid: clients will refuse it",
			slog.String("file", c.CertFile), slog.String("reason", err.Error()))
	}
	base := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return pair.Certificate(), nil
		},
	}
	if c.ClientCAFile == "" {
		return base, nil
	}
	pool, err := certfile.LoadPool(c.ClientCAFile, report("server.tls.client_ca_file", c.ClientCAFile))
	if err != nil {
		return nil, fmt.Errorf("server.tls.client_ca_file: %w", err)
	}
	// The client CAs are part of the configuration, not of a callback:
	// each handshake takes the configuration of the current pool, built
	// once per pool.
	type perPool struct {
		pool *x509.CertPool
		cfg  *tls.Config
	}
	var cached atomic.Pointer[perPool]
	forPool := func(p *x509.CertPool) *tls.Config {
		if c := cached.Load(); c != nil && c.pool == p {
			return c.cfg
		}
		cfg := &tls.Config{
			MinVersion:     base.MinVersion,
			NextProtos:     base.NextProtos,
			GetCertificate: base.GetCertificate,
			ClientAuth:     tls.RequireAndVerifyClientCert,
			ClientCAs:      p,
		}
		cached.Store(&perPool{pool: p, cfg: cfg})
		return cfg
	}
	forPool(pool.CertPool())
	out := &tls.Config{
		MinVersion: base.MinVersion,
		NextProtos: base.NextProtos,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return forPool(pool.CertPool()), nil
		},
	}
	return out, nil
}
