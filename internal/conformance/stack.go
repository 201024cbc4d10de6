package conformance

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/bffgen/bffgen/internal/conformance/conformancev1"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// stack makes the connect.HTTPClient, base URL and client options of one
// case; done releases what it holds once the case has finished.
type stack interface {
	client(req *v1.ClientCompatRequest) (hc connect.HTTPClient, baseURL string, opts []connect.ClientOption, done func(), err error)
	// forwards reports the inbound header and value the stack forwards on
	// every call, or "" when it forwards none.
	forwards() (header, value string)
}

// ForwardedHeader is the inbound request header the sidecar stack's
// upstream is configured to forward (forward_headers); every call carries
// it with the value [ForwardedValue], and the client checks that the
// server saw it.
const (
	ForwardedHeader = "X-Conformance-Forwarded"
	ForwardedValue  = "from-the-inbound-request"
)

// traceparent is the W3C trace context of the inbound request, forwarded
// on every call (always on in the sidecar).
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// SidecarTimeout is the upstream timeout of the sidecar stack (unless
// Options.TimeoutOff): above the longest timeout a case asks for (the
// suite's longest is a few seconds), so that a case's own timeout is what
// the server sees when it has one.
const SidecarTimeout = 30 * time.Second

// sidecarStack builds one sidecar.Upstream per case: the policies that
// keep state across calls (the circuit breaker, outlier detection, the
// latency estimates) then judge the calls of one case only. The suite
// sends failing calls on purpose, many of them UNAVAILABLE or INTERNAL,
// and an upstream shared by all cases would open its breaker, which is
// the breaker's job, not a protocol difference.
//
// With share (the client's -share flag), the cases that call the same
// server with the same protocol, certificates and read cap share one
// upstream instead: the breaker then opens on the suite's runs of failing
// calls, and the runner lists the cases it failed at once
// (docs/resilience.md, Conformance).
type sidecarStack struct {
	dir    string // PEM files of the cases' certificates
	logger *slog.Logger
	share  bool
	// breaker enables the circuit breaker of the upstreams.
	breaker bool
	// timeoutOff gives the upstreams timeout: off instead of
	// SidecarTimeout.
	timeoutOff bool

	mu        sync.Mutex
	files     map[string]string            // sha256 of the content -> file
	upstreams map[string]*sidecar.Upstream // by configuration, with share

	// counters of the upstreams of finished cases (without share) or of
	// all upstreams (with share), read by stats.
	retries, transparentRetries, breakerRejections atomic.Int64
}

// newSidecarStack returns a sidecar stack whose certificate files live in
// a new temporary directory.
func newSidecarStack(share, breaker, timeoutOff bool) (*sidecarStack, error) {
	dir, err := os.MkdirTemp("", "bffgen-conformance-")
	if err != nil {
		return nil, err
	}
	return &sidecarStack{
		dir: dir, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), share: share, breaker: breaker, timeoutOff: timeoutOff,
		files: map[string]string{}, upstreams: map[string]*sidecar.Upstream{},
	}, nil
}

// close closes the shared upstreams' connections and removes the
// certificate files.
func (s *sidecarStack) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.upstreams {
		s.count(u)
		u.CloseIdleConnections()
	}
	_ = os.RemoveAll(s.dir)
}

// count adds the counters of u to the stack's.
func (s *sidecarStack) count(u *sidecar.Upstream) {
	st := u.Stats()
	s.retries.Add(st.Retries)
	s.transparentRetries.Add(st.TransparentRetries)
	s.breakerRejections.Add(st.BreakerRejections)
}

// stats fills the sidecar counters of st.
func (s *sidecarStack) stats(st *Stats) {
	st.Retries = s.retries.Load()
	st.TransparentRetries = s.transparentRetries.Load()
	st.BreakerRejections = s.breakerRejections.Load()
}

func (s *sidecarStack) forwards() (string, string) { return ForwardedHeader, ForwardedValue }

// file returns a file holding b, written once per content.
func (s *sidecarStack) file(b []byte) (string, error) {
	sum := sha256.Sum256(b)
	key := hex.EncodeToString(sum[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[key]; ok {
		return f, nil
	}
	f := filepath.Join(s.dir, key+".pem")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		return "", err
	}
	s.files[key] = f
	return f, nil
}

func (s *sidecarStack) client(req *v1.ClientCompatRequest) (connect.HTTPClient, string, []connect.ClientOption, func(), error) {
	cfg := config.Upstream{
		Timeout:         SidecarTimeout,
		ForwardHeaders:  []string{ForwardedHeader},
		ResponseHeaders: []string{"X-Custom-Header"},
		CircuitBreaker:  config.CircuitBreaker{Enabled: s.breaker},
		// Outlier detection is on by default; retries keep their
		// defaults: two attempts of idempotent calls on UNAVAILABLE,
		// within the budget.
		MaxMessageBytes: int64(req.GetMessageReceiveLimit()), // 0: the 4 MiB default
	}
	if s.timeoutOff {
		cfg.Timeout, cfg.TimeoutOff = 0, true
	}
	switch req.GetProtocol() {
	case v1.Protocol_PROTOCOL_CONNECT:
		cfg.Protocol = config.ProtocolConnect
	case v1.Protocol_PROTOCOL_GRPC:
		cfg.Protocol = config.ProtocolGRPC
	case v1.Protocol_PROTOCOL_GRPC_WEB:
		cfg.Protocol = config.ProtocolGRPCWeb
	default:
		return nil, "", nil, nil, fmt.Errorf("protocol %v is not supported", req.GetProtocol())
	}
	scheme := "http"
	if len(req.GetServerTlsCert()) > 0 {
		scheme = "https"
		ca, err := s.file(req.GetServerTlsCert())
		if err != nil {
			return nil, "", nil, nil, err
		}
		cfg.TLS.CAFile = ca
		if creds := req.GetClientTlsCreds(); creds != nil {
			if cfg.TLS.CertFile, err = s.file(creds.GetCert()); err != nil {
				return nil, "", nil, nil, err
			}
			if cfg.TLS.KeyFile, err = s.file(creds.GetKey()); err != nil {
				return nil, "", nil, nil, err
			}
		}
	}
	cfg.Endpoints = []string{scheme + "://" + net.JoinHostPort(req.GetHost(), strconv.Itoa(int(req.GetPort())))}
	if !s.share {
		u, err := sidecar.NewUpstream("conformance", cfg, sidecar.WithLogger(s.logger))
		if err != nil {
			return nil, "", nil, nil, err
		}
		done := func() {
			s.count(u)
			u.CloseIdleConnections()
		}
		return u, u.BaseURL(), u.ClientOptions(), done, nil
	}
	key := fmt.Sprint(cfg.Endpoints, cfg.Protocol, cfg.TLS, cfg.MaxMessageBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.upstreams[key]
	if !ok {
		var err error
		if u, err = sidecar.NewUpstream("conformance", cfg, sidecar.WithLogger(s.logger)); err != nil {
			return nil, "", nil, nil, err
		}
		s.upstreams[key] = u
	}
	return u, u.BaseURL(), u.ClientOptions(), func() {}, nil
}

// plainStack is connect-go's client on net/http transports, one per
// HTTP version and set of certificates, shared by the cases that use the
// same.
type plainStack struct {
	mu         sync.Mutex
	transports map[string]*http.Transport
}

func newPlainStack() *plainStack { return &plainStack{transports: map[string]*http.Transport{}} }

func (*plainStack) forwards() (string, string) { return "", "" }

func (p *plainStack) client(req *v1.ClientCompatRequest) (connect.HTTPClient, string, []connect.ClientOption, func(), error) {
	var opts []connect.ClientOption
	switch req.GetProtocol() {
	case v1.Protocol_PROTOCOL_CONNECT:
	case v1.Protocol_PROTOCOL_GRPC:
		opts = append(opts, connect.WithGRPC())
	case v1.Protocol_PROTOCOL_GRPC_WEB:
		opts = append(opts, connect.WithGRPCWeb())
	default:
		return nil, "", nil, nil, fmt.Errorf("protocol %v is not supported", req.GetProtocol())
	}
	if limit := req.GetMessageReceiveLimit(); limit > 0 {
		opts = append(opts, connect.WithReadMaxBytes(int(limit)))
	}
	t, err := p.transport(req)
	if err != nil {
		return nil, "", nil, nil, err
	}
	scheme := "http"
	if len(req.GetServerTlsCert()) > 0 {
		scheme = "https"
	}
	base := scheme + "://" + net.JoinHostPort(req.GetHost(), strconv.Itoa(int(req.GetPort())))
	return &http.Client{Transport: t}, base, opts, func() {}, nil
}

// transport returns the transport of the case's HTTP version and
// certificates.
func (p *plainStack) transport(req *v1.ClientCompatRequest) (*http.Transport, error) {
	key := req.GetHttpVersion().String() + "|" + string(req.GetServerTlsCert()) + "|" + string(req.GetClientTlsCreds().GetCert())
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[key]; ok {
		return t, nil
	}
	var protocols http.Protocols
	tlsOn := len(req.GetServerTlsCert()) > 0
	switch req.GetHttpVersion() {
	case v1.HTTPVersion_HTTP_VERSION_1:
		protocols.SetHTTP1(true)
	case v1.HTTPVersion_HTTP_VERSION_2:
		if tlsOn {
			protocols.SetHTTP2(true)
		} else {
			protocols.SetUnencryptedHTTP2(true)
		}
	default:
		return nil, fmt.Errorf("HTTP version %v is not supported", req.GetHttpVersion())
	}
	t := &http.Transport{Protocols: &protocols}
	if tlsOn {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(req.GetServerTlsCert()) {
			return nil, errors.New("server_tls_cert holds no PEM certificate")
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if creds := req.GetClientTlsCreds(); creds != nil {
			cert, err := tls.X509KeyPair(creds.GetCert(), creds.GetKey())
			if err != nil {
				return nil, fmt.Errorf("client_tls_creds: %w", err)
			}
			t.TLSClientConfig.Certificates = []tls.Certificate{cert}
		}
	}
	p.transports[key] = t
	return t, nil
}
