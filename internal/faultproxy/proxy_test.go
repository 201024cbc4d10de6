package faultproxy_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bffgen/bffgen/internal/faultproxy"
)

// echo is a TCP backend on 127.0.0.1 that writes back what it reads and
// counts the bytes.
type echo struct {
	ln   net.Listener
	read atomic.Int64
}

func newEcho(t *testing.T) *echo {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					e.read.Add(int64(n))
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return e
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Listen(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func set(t *testing.T, p *faultproxy.Proxy, f faultproxy.Fault) {
	t.Helper()
	if err := p.Set(f); err != nil {
		t.Fatalf("Set(%+v): %v", f, err)
	}
}

// roundTrip dials addr, writes msg and reads len(msg) bytes back within
// timeout.
func roundTrip(addr string, msg []byte, timeout time.Duration) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	got := make([]byte, len(msg))
	n, err := io.ReadFull(c, got)
	return got[:n], err
}

func TestPassForwardsAndCounts(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, "hello")
	}))
	t.Cleanup(backend.Close)
	p := newProxy(t, backend.Listener.Addr().String())
	if !strings.HasPrefix(p.Addr(), "127.0.0.1:") || p.URL() != "http://"+p.Addr() {
		t.Fatalf("Addr %q URL %q: want 127.0.0.1", p.Addr(), p.URL())
	}
	client := &http.Client{Transport: &http.Transport{}}
	for range 3 {
		res, err := client.Get(p.URL())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "hello" {
			t.Fatalf("body %q", body)
		}
	}
	st := p.Stats()
	if calls.Load() != 3 || st.Accepted != 1 || st.Open != 1 || st.ToBackend == 0 || st.ToClient == 0 || st.Resets != 0 {
		t.Errorf("backend calls %d, stats %+v: want 3 calls on 1 open connection, bytes both ways", calls.Load(), st)
	}
	client.CloseIdleConnections()
	waitFor(t, func() bool { return p.Stats().Open == 0 }, "the closed connection to be counted closed")
}

// Down refuses new connections and resets open ones; Pass listens again
// on the same port.
func TestDownRefusesAndResetsThenComesBack(t *testing.T) {
	t.Parallel()
	e := newEcho(t)
	p := newProxy(t, e.ln.Addr().String())
	open, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := open.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(open, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}

	set(t, p, faultproxy.Fault{Mode: faultproxy.Down})
	_ = open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := open.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read on an open connection after Down: %v, want ECONNRESET", err)
	}
	if _, err := roundTrip(p.Addr(), []byte("y"), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("new connection while Down: %v, want ECONNREFUSED", err)
	}
	// The reset is counted when it is sent; the connection is counted
	// closed when its goroutines are done, a moment later.
	waitFor(t, func() bool { return p.Stats().Open == 0 }, "the reset connection to be counted closed")
	if st := p.Stats(); st.Resets != 1 {
		t.Errorf("stats %+v: want 1 reset", st)
	}

	set(t, p, faultproxy.Fault{})
	if got, err := roundTrip(p.Addr(), []byte("back"), 5*time.Second); err != nil || string(got) != "back" {
		t.Errorf("after Pass: %q %v, want the echo on the same address", got, err)
	}
}

// Latency holds each direction for its delay.
func TestLatencyDelaysEachDirection(t *testing.T) {
	t.Parallel()
	e := newEcho(t)
	p := newProxy(t, e.ln.Addr().String())
	tests := []struct {
		name      string
		req, resp time.Duration
	}{
		{"response only", 0, 150 * time.Millisecond},
		{"request only", 150 * time.Millisecond, 0},
		{"both", 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		set(t, p, faultproxy.Fault{Mode: faultproxy.Latency, RequestDelay: tt.req, ResponseDelay: tt.resp})
		start := time.Now()
		got, err := roundTrip(p.Addr(), []byte("ping"), 10*time.Second)
		if took := time.Since(start); err != nil || string(got) != "ping" || took < tt.req+tt.resp {
			t.Errorf("%s: %q %v after %s, want the echo after at least %s", tt.name, got, err, took, tt.req+tt.resp)
		}
	}
}

// Reset lets the request reach the backend and resets the client when the
// answer starts.
func TestResetAfterTheRequestReachedTheBackend(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, "done")
	}))
	t.Cleanup(backend.Close)
	p := newProxy(t, backend.Listener.Addr().String())
	set(t, p, faultproxy.Fault{Mode: faultproxy.Reset})
	client := &http.Client{Transport: &http.Transport{}}
	_, err := client.Post(p.URL(), "text/plain", strings.NewReader("mutation"))
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("POST through Reset: %v, want a connection reset", err)
	}
	if calls.Load() != 1 {
		t.Errorf("the backend ran the request %d times, want 1 (a POST is not resent)", calls.Load())
	}
	if st := p.Stats(); st.Resets != 1 || st.ToClient != 0 {
		t.Errorf("stats %+v: want 1 reset and no byte to the client", st)
	}
}

// Blackhole answers nothing and forwards nothing.
func TestBlackholeNeverAnswers(t *testing.T) {
	t.Parallel()
	e := newEcho(t)
	p := newProxy(t, e.ln.Addr().String())
	set(t, p, faultproxy.Fault{Mode: faultproxy.Blackhole})
	_, err := roundTrip(p.Addr(), []byte("hello?"), 200*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("round trip through Blackhole: %v, want a timeout", err)
	}
	if e.read.Load() != 0 || p.Stats().ToBackend != 0 || p.Stats().Accepted != 1 {
		t.Errorf("backend read %d bytes, stats %+v: want the connection accepted and nothing forwarded", e.read.Load(), p.Stats())
	}
}

// Garble and Truncate change the answer after Offset bytes.
func TestGarbleAndTruncateTheAnswer(t *testing.T) {
	t.Parallel()
	e := newEcho(t)
	p := newProxy(t, e.ln.Addr().String())
	msg := []byte("0123456789")

	set(t, p, faultproxy.Fault{Mode: faultproxy.Garble, Offset: 4})
	got, err := roundTrip(p.Addr(), msg, 5*time.Second)
	want := append([]byte("0123"), invert([]byte("456789"))...)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("garbled: %q %v, want %q", got, err, want)
	}

	set(t, p, faultproxy.Fault{Mode: faultproxy.Truncate, Offset: 6})
	got, err = roundTrip(p.Addr(), msg, 5*time.Second)
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != "012345" {
		t.Errorf("truncated: %q %v, want %q then EOF", got, err, "012345")
	}
}

func invert(b []byte) []byte {
	for i := range b {
		b[i] ^= 0xff
	}
	return b
}

// Flap alternates refusing and serving.
func TestFlapAlternates(t *testing.T) {
	t.Parallel()
	e := newEcho(t)
	p := newProxy(t, e.ln.Addr().String())
	set(t, p, faultproxy.Fault{Mode: faultproxy.Flap, Period: 40 * time.Millisecond})
	var refused, served int
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (refused < 3 || served < 3) {
		if _, err := roundTrip(p.Addr(), []byte("x"), time.Second); err == nil {
			served++
		} else if errors.Is(err, syscall.ECONNREFUSED) {
			refused++
		}
		time.Sleep(5 * time.Millisecond)
	}
	if refused < 3 || served < 3 {
		t.Errorf("%d refused and %d served while flapping, want at least 3 of each", refused, served)
	}
	set(t, p, faultproxy.Fault{})
	if _, err := roundTrip(p.Addr(), []byte("x"), 5*time.Second); err != nil {
		t.Errorf("after Pass: %v", err)
	}
}

func TestSetRefusesInvalidFaults(t *testing.T) {
	t.Parallel()
	p := newProxy(t, "127.0.0.1:1")
	for _, f := range []faultproxy.Fault{
		{Mode: faultproxy.Mode(42)},
		{Mode: faultproxy.Latency, ResponseDelay: -time.Second},
		{Mode: faultproxy.Truncate, Offset: -1},
		{Mode: faultproxy.Flap},
	} {
		if err := p.Set(f); err == nil {
			t.Errorf("Set(%+v) = nil, want an error", f)
		}
	}
	if got := p.Fault(); got != (faultproxy.Fault{}) {
		t.Errorf("fault after refused Sets = %+v, want Pass", got)
	}
	p.Close()
	if err := p.Set(faultproxy.Fault{}); err == nil {
		t.Error("Set on a closed proxy = nil, want an error")
	}
}

// A target that refuses: the client's connection is reset.
func TestUnreachableTargetResetsTheClient(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p := newProxy(t, addr)
	if _, err := roundTrip(p.Addr(), []byte("x"), 5*time.Second); err == nil {
		t.Error("round trip to a closed target succeeded")
	}
	waitFor(t, func() bool { return p.Stats().Resets == 1 }, "one reset")
}

// Close ends every goroutine the proxy started, with connections open in
// every mode.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	e := newEcho(t)
	before := runtime.NumGoroutine()
	for _, f := range []faultproxy.Fault{{}, {Mode: faultproxy.Blackhole}, {Mode: faultproxy.Latency, ResponseDelay: time.Hour}, {Mode: faultproxy.Flap, Period: time.Millisecond}} {
		p, err := faultproxy.Listen(e.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("x"))
		set(t, p, f)
		c.Write([]byte("y"))
		p.Close()
		c.Close()
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before }, "the goroutines to end")
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
