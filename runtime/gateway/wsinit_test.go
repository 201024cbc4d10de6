package gateway_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// pipeListener is an in-memory net.Listener of net.Pipe connections, so
// that a server runs inside a synctest bubble, on its fake clock.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestInitTimeoutClosesOnTime is CS-4's bound: without connection_init, the
// socket is closed with 4408 within init_timeout + 100 ms, measured on
// synctest's clock (so exactly, whatever the machine's load).
func TestInitTimeoutClosesOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const initTimeout = 3 * time.Second
		cfg, err := config.Parse([]byte("gateway: {subscriptions: {init_timeout: 3s}}\n"), "bff.yaml")
		if err != nil {
			t.Fatal(err)
		}
		ln := newPipeListener()
		srv := &http.Server{Handler: newHandler(t, testschema.New(nil), cfg.Gateway, false, nil)}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DialContext: ln.dial}}
		conn, _, err := coderws.Dial(context.Background(), "ws://bff/graphql", &coderws.DialOptions{
			HTTPClient: client, Subprotocols: []string{"graphql-transport-ws"},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		start := time.Now()
		_, _, err = conn.Read(context.Background())
		elapsed := time.Since(start)
		if got := coderws.CloseStatus(err); got != 4408 {
			t.Fatalf("closed with %d (%v), want 4408", got, err)
		}
		if elapsed > initTimeout+100*time.Millisecond {
			t.Errorf("closed %s after the upgrade, want at most %s", elapsed, initTimeout+100*time.Millisecond)
		}
		if elapsed < initTimeout {
			t.Errorf("closed %s after the upgrade, before the timeout of %s", elapsed, initTimeout)
		}
	})
}
