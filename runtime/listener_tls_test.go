package runtime_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/certtest"
)

// tlsFiles are the certificate files of server.tls in a test directory.
type tlsFiles struct {
	dir, cert, key, clientCA string
}

func newTLSFiles(t *testing.T, leaf *certtest.Leaf) *tlsFiles {
	t.Helper()
	dir := t.TempDir()
	f := &tlsFiles{dir: dir, cert: filepath.Join(dir, "tls.crt"), key: filepath.Join(dir, "tls.key"), clientCA: filepath.Join(dir, "clients.pem")}
	certtest.Write(t, f.cert, leaf.CertPEM)
	certtest.Write(t, f.key, leaf.KeyPEM)
	return f
}

// serveTLS serves srv on 127.0.0.1 until the test ends and returns the
// https:// base URL of the public listener.
func serveTLS(t *testing.T, srv *runtime.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "https://" + ln.Addr().String()
}

// tlsClient returns a client that trusts roots, presents cert when it is
// not nil, and opens a connection (a handshake) for every request.
func tlsClient(roots *x509.CertPool, cert *certtest.Leaf, t *testing.T) *http.Client {
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		// Always present it, even to a server whose acceptable CAs do not
		// list its issuer (Go's client would otherwise send none).
		c := cert.TLS(t)
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true, ForceAttemptHTTP2: true}}
}

// query sends {hello} and returns the serial of the server certificate,
// or an error when the request failed or was not answered with 200.
func query(client *http.Client, base string) (int64, error) {
	res, err := client.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{hello}"}`))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), "hello, world") {
		return 0, fmt.Errorf("status %d: %s", res.StatusCode, body)
	}
	if res.ProtoMajor != 1 {
		return 0, fmt.Errorf("answered over %s, want HTTP/1.1", res.Proto)
	}
	return res.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
}

func TestListenerCertificateRotationUnderLoadFailsNoRequest(t *testing.T) {
	t.Parallel()
	ca1, ca2 := certtest.NewCA(t, "ca 1"), certtest.NewCA(t, "ca 2")
	leaf1 := ca1.Issue(t, certtest.Options{})
	files := newTLSFiles(t, leaf1)
	cfg := parse(t, fmt.Sprintf("mode: development\nserver:\n  tls: {cert_file: %q, key_file: %q}\n", files.cert, files.key))
	base := serveTLS(t, newServer(t, service(nil), cfg))
	client := tlsClient(certtest.Pool(ca1, ca2), nil, t)

	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		seen       = map[int64]int{}
		errs       []string
		wg         sync.WaitGroup
		stop       = make(chan struct{})
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				serial, err := query(client, base)
				mu.Lock()
				if err != nil {
					failed.Add(1)
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
				} else {
					ok.Add(1)
					seen[serial]++
				}
				mu.Unlock()
			}
		})
	}
	waitOK := func(n int64) {
		t.Helper()
		target := ok.Load() + n
		deadline := time.Now().Add(time.Minute)
		for ok.Load() < target {
			if time.Now().After(deadline) {
				t.Fatalf("the load is stuck: %d requests answered, %d failed: %q", ok.Load(), failed.Load(), errs)
			}
			time.Sleep(time.Millisecond)
		}
	}
	const step = 50
	waitOK(step)
	// A new certificate of the same CA, written in place certificate first.
	leaf2 := ca1.Issue(t, certtest.Options{})
	certtest.Write(t, files.cert, leaf2.CertPEM)
	waitOK(step)
	certtest.Write(t, files.key, leaf2.KeyPEM)
	waitOK(step)
	// A certificate of another CA, written key first.
	leaf3 := ca2.Issue(t, certtest.Options{})
	certtest.Write(t, files.key, leaf3.KeyPEM)
	waitOK(step)
	certtest.Write(t, files.cert, leaf3.CertPEM)
	waitOK(step)
	close(stop)
	wg.Wait()

	t.Logf("%d requests answered, %d failed; certificates seen: %d, %d, %d", ok.Load(), failed.Load(),
		seen[leaf1.Cert.SerialNumber.Int64()], seen[leaf2.Cert.SerialNumber.Int64()], seen[leaf3.Cert.SerialNumber.Int64()])
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during the rotations, want 0: %q", n, ok.Load()+n, errs)
	}
	for i, leaf := range []*certtest.Leaf{leaf1, leaf2, leaf3} {
		if seen[leaf.Cert.SerialNumber.Int64()] == 0 {
			t.Errorf("no client saw certificate #%d", i+1)
		}
	}
}

func TestListenerMTLSRequiresAClientCertificateOfItsCAs(t *testing.T) {
	t.Parallel()
	serverCA, clientCA, otherCA := certtest.NewCA(t, "server"), certtest.NewCA(t, "clients"), certtest.NewCA(t, "other")
	files := newTLSFiles(t, serverCA.Issue(t, certtest.Options{}))
	certtest.Write(t, files.clientCA, clientCA.PEM)
	cfg := parse(t, fmt.Sprintf("server:\n  shutdown: {drain_delay: 0s}\n  tls: {cert_file: %q, key_file: %q, client_ca_file: %q}\n", files.cert, files.key, files.clientCA))
	base := serveTLS(t, newServer(t, service(nil), cfg))
	roots := certtest.Pool(serverCA)
	good := clientCA.Issue(t, certtest.Options{Client: true})
	other := otherCA.Issue(t, certtest.Options{Client: true})

	if _, err := query(tlsClient(roots, good, t), base); err != nil {
		t.Errorf("a client certificate of the client CA: %v", err)
	}
	if _, err := query(tlsClient(roots, nil, t), base); err == nil || !strings.Contains(err.Error(), "certificate required") {
		t.Errorf("no client certificate: error %v, want the alert certificate required", err)
	}
	if _, err := query(tlsClient(roots, other, t), base); err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Errorf("a client certificate of another CA: error %v, want the alert unknown certificate authority", err)
	}
	// The client CA file is read again after it changes.
	certtest.Write(t, files.clientCA, clientCA.PEM, otherCA.PEM)
	if _, err := query(tlsClient(roots, other, t), base); err != nil {
		t.Errorf("a client certificate of a CA added to client_ca_file: %v", err)
	}
}

func TestTLSListenerDoesNotSpeakHTTP2(t *testing.T) {
	t.Parallel()
	ca := certtest.NewCA(t, "ca")
	files := newTLSFiles(t, ca.Issue(t, certtest.Options{}))
	cfg := parse(t, fmt.Sprintf("server:\n  shutdown: {drain_delay: 0s}\n  tls: {cert_file: %q, key_file: %q}\n", files.cert, files.key))
	base := serveTLS(t, newServer(t, service(nil), cfg))
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{RootCAs: certtest.Pool(ca), NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.ConnectionState().NegotiatedProtocol; got != "http/1.1" {
		t.Errorf("ALPN selected %q, want http/1.1", got)
	}
	// query checks that a client that prefers HTTP/2 is answered over
	// HTTP/1.1.
	if _, err := query(tlsClient(certtest.Pool(ca), nil, t), base); err != nil {
		t.Error(err)
	}
}

func TestUnusableListenerCertificateStopsNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := parse(t, fmt.Sprintf("server:\n  tls: {cert_file: %q, key_file: %q}\n", filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")))
	_, err := runtime.New(service(nil), cfg, runtime.WithLogger(discard))
	want := "server.tls.cert_file, server.tls.key_file: stat " + filepath.Join(dir, "tls.crt") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("New error = %v, want %s", err, want)
	}
}
