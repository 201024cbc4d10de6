package sidecar_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/internal/certtest"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// tlsBackend is a test backend served over TLS, whose certificate can be
// swapped while it runs, and which counts the client certificates it saw
// by serial number and its own certificates by handshake.
type tlsBackend struct {
	*backend
	cert atomic.Pointer[tls.Certificate]

	mu          sync.Mutex
	clientSeen  map[int64]int // serial of the client certificate -> calls
	serverShown map[int64]int // serial of the server certificate -> handshakes
}

// tlsBackendOptions configure a tlsBackend.
type tlsBackendOptions struct {
	clientCAs *x509.CertPool // non-nil: a client certificate they sign is required
	h2        bool           // offer HTTP/2 by ALPN
	noReuse   bool           // close every connection after one call: each call is a handshake
}

func newTLSBackend(t *testing.T, name string, cert *certtest.Leaf, o tlsBackendOptions) *tlsBackend {
	t.Helper()
	b := &tlsBackend{backend: &backend{name: name}, clientSeen: map[int64]int{}, serverShown: map[int64]int{}}
	b.setCert(t, cert)
	srv := httptest.NewUnstartedServer(nil)
	inner := b.handler(srv, nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			b.mu.Lock()
			b.clientSeen[r.TLS.PeerCertificates[0].SerialNumber.Int64()]++
			b.mu.Unlock()
		}
		inner.ServeHTTP(w, r)
	})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some tests
	protos := []string{"http/1.1"}
	if o.h2 {
		srv.EnableHTTP2 = true
		protos = []string{"h2", "http/1.1"}
	}
	if o.noReuse {
		srv.Config.SetKeepAlivesEnabled(false)
	}
	srv.TLS = &tls.Config{
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			c := b.cert.Load()
			b.mu.Lock()
			b.serverShown[c.Leaf.SerialNumber.Int64()]++
			b.mu.Unlock()
			cfg := &tls.Config{Certificates: []tls.Certificate{*c}, NextProtos: protos, MinVersion: tls.VersionTLS12}
			if o.clientCAs != nil {
				cfg.ClientAuth = tls.RequireAndVerifyClientCert
				cfg.ClientCAs = o.clientCAs
			}
			return cfg, nil
		},
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	b.srv = srv
	return b
}

// setCert makes the backend present leaf from its next handshake on.
func (b *tlsBackend) setCert(t *testing.T, leaf *certtest.Leaf) {
	t.Helper()
	c := leaf.TLS(t)
	b.cert.Store(&c)
}

// seen returns the calls made with the client certificate leaf.
func (b *tlsBackend) seenClient(leaf *certtest.Leaf) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.clientSeen[leaf.Cert.SerialNumber.Int64()]
}

// shown returns the handshakes in which the backend presented leaf.
func (b *tlsBackend) shown(leaf *certtest.Leaf) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.serverShown[leaf.Cert.SerialNumber.Int64()]
}

// pki is the certificates of an mTLS test, written to files.
type pki struct {
	dir                  string
	serverCA, clientCA   *certtest.CA
	caFile, certFile     string
	keyFile              string
	serverLeaf, clientLf *certtest.Leaf
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), serverCA: certtest.NewCA(t, "server CA"), clientCA: certtest.NewCA(t, "client CA")}
	p.caFile = filepath.Join(p.dir, "ca.pem")
	p.certFile = filepath.Join(p.dir, "client.crt")
	p.keyFile = filepath.Join(p.dir, "client.key")
	p.serverLeaf = p.serverCA.Issue(t, certtest.Options{})
	p.clientLf = p.clientCA.Issue(t, certtest.Options{Client: true})
	certtest.Write(t, p.caFile, p.serverCA.PEM)
	certtest.Write(t, p.certFile, p.clientLf.CertPEM)
	certtest.Write(t, p.keyFile, p.clientLf.KeyPEM)
	return p
}

// upstreamTLS is the tls: block that trusts the server CA and presents
// the client certificate.
func (p *pki) upstreamTLS() config.UpstreamTLS {
	return config.UpstreamTLS{CAFile: p.caFile, CertFile: p.certFile, KeyFile: p.keyFile}
}

func TestMTLSCallsSucceedOnEveryProtocol(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	b := newTLSBackend(t, "catalog-1", p.serverLeaf, tlsBackendOptions{clientCAs: certtest.Pool(p.clientCA), h2: true})
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: protocol, TLS: p.upstreamTLS()}},
				sidecar.WithLogger(slog.New(slog.DiscardHandler)))
			got, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x")
			if err != nil {
				t.Fatalf("call over mTLS: %v", err)
			}
			if got != "catalog-1" {
				t.Errorf("answer = %q, want catalog-1", got)
			}
			if o := b.last(t); o.protoMajor != 2 {
				t.Errorf("the call used HTTP/%d, want HTTP/2 (ALPN h2)", o.protoMajor)
			}
		})
	}
	if n := b.seenClient(p.clientLf); n != 3 {
		t.Errorf("the backend saw the client certificate on %d calls, want 3", n)
	}
}

func TestServerNameOverridesTheEndpointHost(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	leaf := p.serverCA.Issue(t, certtest.Options{DNSNames: []string{"catalog.internal"}})
	b := newTLSBackend(t, "catalog-1", leaf, tlsBackendOptions{})
	cfg := config.UpstreamTLS{CAFile: p.caFile, ServerName: "catalog.internal"}
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, TLS: cfg}})
	if _, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x"); err != nil {
		t.Fatalf("call with server_name: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, for logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestRefusedCertificatesFailTheCallWithACodedReason(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	otherCA := certtest.NewCA(t, "other CA")
	now := time.Now()
	const prefix = `upstream "catalog" /test.v1.EchoService/Echo: unavailable: endpoint #1: `
	tests := []struct {
		name       string
		serverLeaf *certtest.Leaf
		tls        func(config.UpstreamTLS) config.UpstreamTLS
		wantReason string
		wantMsg    string
		// racesTheAlert: in TLS 1.3 the client may write its request
		// before it reads the backend's alert, and then fails with the
		// write's error (the peer closed) instead: the reason is lost.
		// The test calls again until the alert is read first.
		racesTheAlert bool
	}{
		{
			name:       "wrong CA",
			serverLeaf: otherCA.Issue(t, certtest.Options{}),
			wantReason: sidecar.TLSUnknownAuthority,
			wantMsg:    prefix + "tls: unknown_authority: the endpoint's certificate is not signed by a trusted CA (tls.ca_file, or the system's CAs)",
		},
		{
			name:       "expired",
			serverLeaf: p.serverCA.Issue(t, certtest.Options{NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Hour)}),
			wantReason: sidecar.TLSExpired,
			wantMsg:    prefix + "tls: expired: the endpoint's certificate has expired",
		},
		{
			name:       "not yet valid",
			serverLeaf: p.serverCA.Issue(t, certtest.Options{NotBefore: now.Add(time.Hour), NotAfter: now.Add(2 * time.Hour)}),
			wantReason: sidecar.TLSNotYetValid,
			wantMsg:    prefix + "tls: not_yet_valid: the endpoint's certificate is not valid yet",
		},
		{
			name:       "SAN mismatch with the endpoint host",
			serverLeaf: p.serverCA.Issue(t, certtest.Options{DNSNames: []string{"catalog.internal"}}),
			wantReason: sidecar.TLSNameMismatch,
			wantMsg:    prefix + "tls: name_mismatch: the endpoint's certificate is not valid for the expected name (tls.server_name, or the endpoint's host)",
		},
		{
			name:       "SAN mismatch with server_name",
			serverLeaf: p.serverCA.Issue(t, certtest.Options{DNSNames: []string{"reviews.internal"}}),
			tls: func(c config.UpstreamTLS) config.UpstreamTLS {
				c.ServerName = "catalog.internal"
				return c
			},
			wantReason: sidecar.TLSNameMismatch,
			wantMsg:    prefix + "tls: name_mismatch: the endpoint's certificate is not valid for the expected name (tls.server_name, or the endpoint's host)",
		},
		{
			name:       "client certificate from a CA the backend does not trust",
			serverLeaf: p.serverLeaf,
			tls: func(c config.UpstreamTLS) config.UpstreamTLS {
				leaf := otherCA.Issue(t, certtest.Options{Client: true})
				c.CertFile, c.KeyFile = filepath.Join(t.TempDir(), "c.crt"), filepath.Join(t.TempDir(), "c.key")
				certtest.Write(t, c.CertFile, leaf.CertPEM)
				certtest.Write(t, c.KeyFile, leaf.KeyPEM)
				return c
			},
			// TLS 1.3: the backend's alert arrives after the client's side
			// of the handshake, when the response is read.
			wantReason:    sidecar.TLSRefusedByEndpoint,
			wantMsg:       prefix + "tls: refused_by_endpoint: the endpoint refused the handshake (tls: unknown certificate authority); check the client certificate (tls.cert_file)",
			racesTheAlert: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newTLSBackend(t, "catalog-1", tt.serverLeaf, tlsBackendOptions{clientCAs: certtest.Pool(p.clientCA)})
			cfg := p.upstreamTLS()
			if tt.tls != nil {
				cfg = tt.tls(cfg)
			}
			var logs syncBuffer
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, TLS: cfg}},
				sidecar.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			client := sidecar.Client(set, "catalog", newEchoClient)
			_, err := client.Echo(t.Context(), "x")
			for try := 1; tt.racesTheAlert && err != nil && err.Error() != tt.wantMsg && try < 10; try++ {
				// The connection broke, by a reset, a broken pipe or
				// HTTP/2's "connection lost": any failure of the transport
				// that is not about TLS.
				if !strings.HasPrefix(err.Error(), prefix) || strings.Contains(err.Error(), "tls:") || connect.CodeOf(err) != connect.CodeUnavailable {
					t.Fatalf("call %d: %v", try, err)
				}
				t.Logf("call %d: %v (the request was written before the alert was read)", try, err)
				_, err = client.Echo(t.Context(), "x")
			}
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if got := err.Error(); got != tt.wantMsg {
				t.Errorf("error = %q\n       want %q", got, tt.wantMsg)
			}
			if got := connect.CodeOf(err); got != connect.CodeUnavailable {
				t.Errorf("code = %v, want unavailable", got)
			}
			if got := errcode.Code(err); got != errcode.Unavailable {
				t.Errorf("errcode.Code = %q, want UNAVAILABLE", got)
			}
			if host := strings.TrimPrefix(b.srv.URL, "https://"); strings.Contains(err.Error(), host) || strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("error %q holds the endpoint address %s", err, host)
			}
			if n := b.calls.Load(); n != 0 {
				t.Errorf("the backend served %d calls, want 0", n)
			}
			if tt.wantReason == "" {
				return
			}
			var te *sidecar.TLSError
			if !errors.As(err, &te) || te.Reason != tt.wantReason {
				t.Errorf("error %v: TLSError %+v, want reason %q", err, te, tt.wantReason)
			}
			if want := "reason=" + tt.wantReason; !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "upstream=catalog") {
				t.Errorf("log %q does not hold upstream=catalog and %s", logs.String(), want)
			}
		})
	}
}

func TestUnusableTLSFilesStopNewSet(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := p.clientCA.Issue(t, certtest.Options{Client: true})
	mismatchedKey := filepath.Join(p.dir, "other.key")
	certtest.Write(t, mismatchedKey, other.KeyPEM)
	empty := filepath.Join(p.dir, "empty.pem")
	certtest.Write(t, empty, []byte("not PEM\n"))
	tests := []struct {
		name string
		tls  config.UpstreamTLS
		want string
	}{
		{"missing CA file", config.UpstreamTLS{CAFile: filepath.Join(p.dir, "missing.pem")}, `upstream "catalog": tls.ca_file: stat ` + filepath.Join(p.dir, "missing.pem") + `: no such file or directory`},
		{"CA file without a certificate", config.UpstreamTLS{CAFile: empty}, `upstream "catalog": tls.ca_file: ` + empty + ` holds no PEM certificate`},
		{"key of another certificate", config.UpstreamTLS{CertFile: p.certFile, KeyFile: mismatchedKey}, `upstream "catalog": tls.cert_file, tls.key_file: certificate ` + p.certFile + ` and key ` + mismatchedKey + `: tls: private key does not match public key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {Endpoints: []string{"https://127.0.0.1:1"}, TLS: tt.tls}})
			if err == nil || err.Error() != tt.want {
				t.Errorf("NewSet error = %v\n                want %s", err, tt.want)
			}
		})
	}
}

// load calls the upstream from workers until stop is closed, counting the
// calls that succeed and those that fail.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string // the first failures
	wg         sync.WaitGroup
	stop       chan struct{}
}

func startLoad(t *testing.T, c *echoClient, workers int) *load {
	l := &load{stop: make(chan struct{})}
	for range workers {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				if _, err := c.Echo(t.Context(), "x"); err != nil {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.errs) < 5 {
						l.errs = append(l.errs, err.Error())
					}
					l.mu.Unlock()
					continue
				}
				l.ok.Add(1)
			}
		})
	}
	return l
}

// waitOK waits for n more successful calls; it fails the test after a
// minute, which only a stuck load takes.
func (l *load) waitOK(t *testing.T, n int64) {
	t.Helper()
	target := l.ok.Load() + n
	deadline := time.Now().Add(time.Minute)
	for l.ok.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the load is stuck: %d calls succeeded, %d failed: %q", l.ok.Load(), l.failed.Load(), l.errs)
		}
		time.Sleep(time.Millisecond)
	}
}

// end stops the load and returns the counts.
func (l *load) end() (ok, failed int64) {
	close(l.stop)
	l.wg.Wait()
	return l.ok.Load(), l.failed.Load()
}

func TestCertificateRotationUnderLoadFailsNoCall(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	// Every call is a new connection, so every call is a handshake that
	// reads the files as they are at that moment.
	b := newTLSBackend(t, "catalog-1", p.serverLeaf, tlsBackendOptions{clientCAs: certtest.Pool(p.clientCA), noReuse: true})
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, TLS: p.upstreamTLS()}},
		sidecar.WithLogger(slog.New(slog.DiscardHandler)))
	l := startLoad(t, sidecar.Client(set, "catalog", newEchoClient), 4)
	const step = 50
	l.waitOK(t, step)

	// The client certificate, rewritten in place: certificate first, key
	// second, so that handshakes in between find a pair that does not
	// match and must keep the previous one.
	client2 := p.clientCA.Issue(t, certtest.Options{Client: true})
	certtest.Write(t, p.certFile, client2.CertPEM)
	l.waitOK(t, step)
	certtest.Write(t, p.keyFile, client2.KeyPEM)
	l.waitOK(t, step)

	// The backend moves to a certificate of a new CA: the BFF trusts both
	// CAs first, then the backend switches, then the old CA goes.
	serverCA2 := certtest.NewCA(t, "server CA 2")
	server2 := serverCA2.Issue(t, certtest.Options{})
	certtest.Write(t, p.caFile, p.serverCA.PEM, serverCA2.PEM)
	l.waitOK(t, step)
	b.setCert(t, server2)
	l.waitOK(t, step)
	certtest.Write(t, p.caFile, serverCA2.PEM)
	l.waitOK(t, step)

	// A third client certificate, written key first this time.
	client3 := p.clientCA.Issue(t, certtest.Options{Client: true})
	certtest.Write(t, p.keyFile, client3.KeyPEM)
	l.waitOK(t, step)
	certtest.Write(t, p.certFile, client3.CertPEM)
	l.waitOK(t, step)

	ok, failed := l.end()
	t.Logf("%d calls succeeded, %d failed; client certificates seen: %d, %d, %d; server certificates shown: %d, %d",
		ok, failed, b.seenClient(p.clientLf), b.seenClient(client2), b.seenClient(client3), b.shown(p.serverLeaf), b.shown(server2))
	if failed != 0 {
		t.Errorf("%d of %d calls failed during the rotations, want 0: %q", failed, ok+failed, l.errs)
	}
	for i, leaf := range []*certtest.Leaf{p.clientLf, client2, client3} {
		if b.seenClient(leaf) == 0 {
			t.Errorf("the backend never saw client certificate #%d", i+1)
		}
	}
	if b.shown(server2) == 0 {
		t.Error("the backend never presented its new certificate")
	}
}
