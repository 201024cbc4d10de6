package sidecar_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// The procedures of the test service, served by connect's generic handlers
// on well-known message types, so that no generated code is needed.
const (
	echoProcedure  = "/test.v1.EchoService/Echo"
	countProcedure = "/test.v1.EchoService/Count"
)

// echoClient has the shape of a connect-go generated client.
type echoClient struct {
	echo  *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue]
	count *connect.Client[wrapperspb.Int32Value, wrapperspb.Int32Value]
}

// newEchoClient has the signature of a connect-go generated constructor.
func newEchoClient(httpClient connect.HTTPClient, baseURL string, opts ...connect.ClientOption) *echoClient {
	return &echoClient{
		echo:  connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](httpClient, baseURL+echoProcedure, opts...),
		count: connect.NewClient[wrapperspb.Int32Value, wrapperspb.Int32Value](httpClient, baseURL+countProcedure, opts...),
	}
}

// Echo calls the Echo procedure.
func (c *echoClient) Echo(ctx context.Context, s string) (string, error) {
	res, err := c.echo.CallUnary(ctx, connect.NewRequest(wrapperspb.String(s)))
	if err != nil {
		return "", err
	}
	return res.Msg.GetValue(), nil
}

// observation is what a backend saw of one request.
type observation struct {
	path        string // escaped request path
	host        string
	protoMajor  int
	protocol    string        // connect.ProtocolConnect, ProtocolGRPC or ProtocolGRPCWeb
	hasDeadline bool          // whether the handler's context had a deadline
	remaining   time.Duration // the time left before that deadline
}

// backend is a test service on 127.0.0.1. Echo answers with the backend's
// name, or fails with the error of the request's text when it is the name of
// a connect code ("not_found"); "wait" blocks until the context ends. Count
// streams the numbers 1..n and fails with not_found when n is negative.
type backend struct {
	name  string
	srv   *httptest.Server
	calls atomic.Int64

	mu   sync.Mutex
	seen []observation
}

// backendOption configures a test backend.
type backendOption func(*httptest.Server, *http.ServeMux) http.Handler

// withH2C makes the backend accept HTTP/2 without TLS, as gRPC needs.
func withH2C() backendOption {
	return func(s *httptest.Server, mux *http.ServeMux) http.Handler {
		s.Config.Protocols = new(http.Protocols)
		s.Config.Protocols.SetHTTP1(true)
		s.Config.Protocols.SetUnencryptedHTTP2(true)
		return mux
	}
}

// withPrefix serves the service under a path prefix, in escaped form.
func withPrefix(prefix string) backendOption {
	return func(_ *httptest.Server, mux *http.ServeMux) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
			if !ok {
				http.NotFound(w, r)
				return
			}
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = rest, ""
			mux.ServeHTTP(w, r)
		})
	}
}

// newBackend starts a backend, stopped when the test ends.
func newBackend(t *testing.T, name string, opts ...backendOption) *backend {
	t.Helper()
	b := &backend{name: name}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = b.handler(srv, opts)
	srv.Start()
	t.Cleanup(srv.Close)
	b.srv = srv
	return b
}

// handler is the backend's HTTP handler.
func (b *backend) handler(srv *httptest.Server, opts []backendOption) http.Handler {
	mux := http.NewServeMux()
	var h http.Handler = mux
	for _, opt := range opts {
		h = opt(srv, mux)
	}
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		b.calls.Add(1)
		b.observe(ctx, req.Peer().Protocol)
		switch text := req.Msg.GetValue(); text {
		case "wait":
			<-ctx.Done()
			return nil, connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
		default:
			var code connect.Code
			if code.UnmarshalText([]byte(text)) == nil {
				return nil, connect.NewError(code, errors.New("backend says "+text))
			}
		}
		return connect.NewResponse(wrapperspb.String(b.name)), nil
	}))
	mux.Handle(countProcedure, connect.NewServerStreamHandler(countProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.Int32Value], stream *connect.ServerStream[wrapperspb.Int32Value]) error {
		b.calls.Add(1)
		b.observe(ctx, req.Peer().Protocol)
		n := req.Msg.GetValue()
		for i := int32(1); i <= max(n, -n); i++ {
			if err := stream.Send(wrapperspb.Int32(i)); err != nil {
				return err
			}
		}
		if n < 0 {
			return connect.NewError(connect.CodeNotFound, errors.New("negative count"))
		}
		return nil
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, observation{path: r.URL.EscapedPath(), host: r.Host, protoMajor: r.ProtoMajor})
		b.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// observe completes the last observation with what the handler saw.
func (b *backend) observe(ctx context.Context, protocol string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := &b.seen[len(b.seen)-1]
	o.protocol = protocol
	if deadline, ok := ctx.Deadline(); ok {
		o.hasDeadline, o.remaining = true, time.Until(deadline)
	}
}

// last returns what the backend saw of the last request.
func (b *backend) last(t *testing.T) observation {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seen) == 0 {
		t.Fatalf("backend %s saw no request", b.name)
	}
	return b.seen[len(b.seen)-1]
}

// newSet builds a set from cfg, closed when the test ends.
func newSet(t *testing.T, cfg map[string]config.Upstream, opts ...sidecar.Option) *sidecar.Set {
	t.Helper()
	s, err := sidecar.NewSet(cfg, opts...)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// closedAddress returns the base URL of a port on 127.0.0.1 that nothing
// listens on, and that no other test can take until t ends: a socket is
// bound to it and never listens, so a connection to it is refused (a port
// freed after a server closes could be taken by the next server started).
func closedAddress(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
