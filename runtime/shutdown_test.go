package runtime_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// memListener is an in-memory net.Listener whose connections are net.Pipe
// pairs, so that a server can run inside a synctest bubble.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

var errRefused = errors.New("connection refused")

func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, errRefused
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *memListener) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: l.dial}}
}

func TestGracefulShutdownDrainsAndCompletesInFlightRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const drainDelay = 10 * time.Second
		entered, release := make(chan struct{}), make(chan struct{})
		resolver := &testschema.Resolver{Slow: func(ctx context.Context) (string, error) {
			close(entered)
			<-release
			return "done", ctx.Err()
		}}
		srv, err := runtime.New(service(resolver), parse(t, "server: {request_timeout: 30s, shutdown: {drain_delay: 10s, timeout: 20s}}\n"), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		public, admin := newMemListener(), newMemListener()
		publicClient, adminClient := public.client(), admin.client()
		defer publicClient.CloseIdleConnections()
		defer adminClient.CloseIdleConnections()

		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, public, admin) }()

		slow := make(chan response, 1)
		go func() {
			slow <- send(t, publicClient, "POST", "http://bff/graphql", `{"query":"{slow}"}`)
		}()
		<-entered
		if got := send(t, adminClient, "GET", "http://admin/readyz", ""); got.status != 200 {
			t.Fatalf("readyz before shutdown: %d %s", got.status, got.body)
		}

		cancel()
		synctest.Wait() // Serve is now waiting for the drain delay
		cancelled := time.Now()
		if got := send(t, adminClient, "GET", "http://admin/readyz", ""); got.status != 503 || got.body != "draining\n" {
			t.Errorf("readyz while draining: %d %q, want 503 \"draining\"", got.status, got.body)
		}
		if got := send(t, publicClient, "POST", "http://bff/graphql", `{"query":"{hello}"}`); got.status != 200 {
			t.Errorf("a request while draining: %d %s, want it served", got.status, got.body)
		}

		time.Sleep(drainDelay)
		synctest.Wait() // the drain is over: the public listener is closed
		if _, err := public.dial(context.Background(), "tcp", ""); !errors.Is(err, errRefused) {
			t.Errorf("a new connection after the drain delay: %v, want it refused", err)
		}
		select {
		case err := <-served:
			t.Fatalf("Serve returned before the request in flight completed: %v", err)
		default:
		}

		close(release)
		got := <-slow
		if got.status != 200 || got.body != `{"data":{"slow":"done"}}` {
			t.Errorf("the request in flight: %d %s, want it completed", got.status, got.body)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if elapsed := time.Since(cancelled); elapsed < drainDelay {
			t.Errorf("Serve returned %s after the cancellation, before the drain delay of %s", elapsed, drainDelay)
		}
	})
}

func TestShutdownTimeoutCutsRequestsThatDoNotFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		defer close(release)
		resolver := &testschema.Resolver{Slow: func(context.Context) (string, error) {
			close(entered)
			<-release
			return "done", nil
		}}
		srv, err := runtime.New(service(resolver), parse(t, "server: {shutdown: {drain_delay: 0s, timeout: 3s}}\n"), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		public := newMemListener()
		client := public.client()
		defer client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, public, nil) }()
		go func() {
			resp, err := client.Post("http://bff/graphql", "application/json", strings.NewReader(`{"query":"{slow}"}`))
			if err == nil {
				resp.Body.Close()
			}
		}()
		<-entered
		cancel()
		err = <-served
		if err == nil || !strings.Contains(err.Error(), "requests still running after 3s were cut") {
			t.Errorf("Serve: %v, want the shutdown timeout reported", err)
		}
	})
}
