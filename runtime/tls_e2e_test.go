package runtime_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
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
	"github.com/99designs/gqlgen/graphql"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/certtest"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// mtlsBackend serves GetProduct over TLS, requiring a client certificate
// of clientCA and closing each connection after one call, so that every
// call is a new handshake. Its certificate can be swapped while it runs.
type mtlsBackend struct {
	srv   *httptest.Server
	cert  atomic.Pointer[tls.Certificate]
	calls atomic.Int64
}

func newMTLSBackend(t *testing.T, leaf *certtest.Leaf, clientCA *certtest.CA) *mtlsBackend {
	t.Helper()
	b := &mtlsBackend{}
	b.setCert(t, leaf)
	mux := http.NewServeMux()
	mux.Handle(getProduct, connect.NewUnaryHandler(getProduct,
		func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			b.calls.Add(1)
			return connect.NewResponse(wrapperspb.String("Product " + req.Msg.GetValue())), nil
		}))
	b.srv = httptest.NewUnstartedServer(mux)
	b.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	b.srv.Config.SetKeepAlivesEnabled(false)
	b.srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return &tls.Config{
			Certificates: []tls.Certificate{*b.cert.Load()},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    certtest.Pool(clientCA),
			NextProtos:   []string{"http/1.1"},
		}, nil
	}}
	b.srv.StartTLS()
	t.Cleanup(b.srv.Close)
	return b
}

func (b *mtlsBackend) setCert(t *testing.T, leaf *certtest.Leaf) {
	t.Helper()
	c := leaf.TLS(t)
	b.cert.Store(&c)
}

// catalogService is a service whose Query.product calls GetProduct on the
// upstream "catalog".
func catalogService() runtime.Service {
	return runtime.Service{
		Name:      "shop",
		Upstreams: []string{"catalog"},
		NewSchema: func(up *sidecar.Set) (graphql.ExecutableSchema, error) {
			client := sidecar.Client(up, "catalog", func(hc connect.HTTPClient, base string, opts ...connect.ClientOption) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
				return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, base+getProduct, opts...)
			})
			return testschema.New(&testschema.Resolver{
				Product: func(ctx context.Context, id string) (*testschema.Product, error) {
					res, err := client.CallUnary(ctx, connect.NewRequest(wrapperspb.String(id)))
					if err != nil {
						return nil, err
					}
					return &testschema.Product{ID: id, Name: res.Msg.GetValue()}, nil
				},
			}), nil
		},
	}
}

const productQuery = `{"query":"{product(id: \"7\"){name}}"}`

func TestAnExpiredBackendCertificateIsAnUnavailableGraphQLError(t *testing.T) {
	t.Parallel()
	serverCA, clientCA := certtest.NewCA(t, "server CA"), certtest.NewCA(t, "client CA")
	now := time.Now()
	backend := newMTLSBackend(t, serverCA.Issue(t, certtest.Options{NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Hour)}), clientCA)
	dir := t.TempDir()
	client := clientCA.Issue(t, certtest.Options{Client: true})
	caFile, certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	certtest.Write(t, caFile, serverCA.PEM)
	certtest.Write(t, certFile, client.CertPEM)
	certtest.Write(t, keyFile, client.KeyPEM)
	cfg := parse(t, fmt.Sprintf("upstreams:\n  catalog:\n    endpoints: [%q]\n    tls: {ca_file: %q, cert_file: %q, key_file: %q}\n", backend.srv.URL, caFile, certFile, keyFile))
	var logs syncBuffer
	public := httptest.NewServer(newServer(t, catalogService(), cfg, runtime.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))).Handler())
	t.Cleanup(public.Close)

	// The client learns the code and the upstream; the reason, from the
	// sidecar's message, is logged with the GraphQL error and by the
	// sidecar itself.
	got := send(t, http.DefaultClient, "POST", public.URL+"/graphql", productQuery)
	want := `{"errors":[{"message":"upstream \"catalog\" is unavailable","path":["product"],"locations":[{"line":1,"column":2}],` +
		`"extensions":{"code":"UNAVAILABLE","upstream":{"name":"catalog","procedure":"` + getProduct + `"}}}],"data":{"product":null}}`
	if got.status != 200 || got.body != want {
		t.Errorf("got %d %s\nwant 200 %s", got.status, got.body, want)
	}
	if n := backend.calls.Load(); n != 0 {
		t.Errorf("the backend served %d calls, want 0", n)
	}
	for _, want := range []string{
		`tls: expired: the endpoint's certificate has expired`,
		`msg="upstream certificate refused" upstream=catalog reason=expired`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not hold %q:\n%s", want, logs.String())
		}
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

func TestRotationOnBothSidesUnderLoadFailsNoRequest(t *testing.T) {
	t.Parallel()
	listenerCA, backendCA, clientCA := certtest.NewCA(t, "listener CA"), certtest.NewCA(t, "backend CA"), certtest.NewCA(t, "client CA")
	dir := t.TempDir()
	listener1 := listenerCA.Issue(t, certtest.Options{})
	files := newTLSFiles(t, listener1)
	client1 := clientCA.Issue(t, certtest.Options{Client: true})
	caFile, certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	certtest.Write(t, caFile, backendCA.PEM)
	certtest.Write(t, certFile, client1.CertPEM)
	certtest.Write(t, keyFile, client1.KeyPEM)
	backend := newMTLSBackend(t, backendCA.Issue(t, certtest.Options{}), clientCA)
	cfg := parse(t, fmt.Sprintf("mode: development\nserver:\n  tls: {cert_file: %q, key_file: %q}\n"+
		"upstreams:\n  catalog:\n    endpoints: [%q]\n    tls: {ca_file: %q, cert_file: %q, key_file: %q}\n",
		files.cert, files.key, backend.srv.URL, caFile, certFile, keyFile))
	base := serveTLS(t, newServer(t, catalogService(), cfg))
	httpClient := tlsClient(certtest.Pool(listenerCA), nil, t)

	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
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
				err := func() error {
					res, err := httpClient.Post(base+"/graphql", "application/json", strings.NewReader(productQuery))
					if err != nil {
						return err
					}
					defer res.Body.Close()
					body, _ := io.ReadAll(res.Body)
					if res.StatusCode != 200 || string(body) != `{"data":{"product":{"name":"Product 7"}}}` {
						return fmt.Errorf("%d %s", res.StatusCode, body)
					}
					return nil
				}()
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if len(errs) < 5 {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
					continue
				}
				ok.Add(1)
			}
		})
	}
	waitOK := func(n int64) {
		t.Helper()
		target := ok.Load() + n
		deadline := time.Now().Add(time.Minute)
		for ok.Load() < target {
			if time.Now().After(deadline) {
				t.Fatalf("the load is stuck: %d answered, %d failed: %q", ok.Load(), failed.Load(), errs)
			}
			time.Sleep(time.Millisecond)
		}
	}
	const step = 40
	waitOK(step)
	// Both sides at once: the listener's certificate and the upstream's
	// client certificate, each written in place certificate first.
	listener2, client2 := listenerCA.Issue(t, certtest.Options{}), clientCA.Issue(t, certtest.Options{Client: true})
	certtest.Write(t, files.cert, listener2.CertPEM)
	certtest.Write(t, certFile, client2.CertPEM)
	waitOK(step)
	certtest.Write(t, files.key, listener2.KeyPEM)
	certtest.Write(t, keyFile, client2.KeyPEM)
	waitOK(step)
	// The backend moves to a new CA, which the BFF trusts first.
	backendCA2 := certtest.NewCA(t, "backend CA 2")
	certtest.Write(t, caFile, backendCA.PEM, backendCA2.PEM)
	waitOK(step)
	backend.setCert(t, backendCA2.Issue(t, certtest.Options{}))
	waitOK(step)
	certtest.Write(t, caFile, backendCA2.PEM)
	waitOK(step)
	close(stop)
	wg.Wait()

	t.Logf("%d requests answered, %d failed; %d backend calls", ok.Load(), failed.Load(), backend.calls.Load())
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during the rotations, want 0: %q", n, ok.Load()+n, errs)
	}
}
