package redistest

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// URL returns the URL of a Redis for tests and logs which one it is: the
// REDIS_URL environment variable when it is set (REDIS_URL=miniredis
// forces the in-process one), else redis://127.0.0.1:6379 when a Redis
// answers PING there, else an in-process miniredis that the test's cleanup
// stops.
func URL(t testing.TB) string {
	t.Helper()
	switch u := os.Getenv("REDIS_URL"); u {
	case "":
	case "miniredis":
		return mini(t)
	default:
		t.Logf("Redis: REDIS_URL (%s)", redact(u))
		return u
	}
	const local = "redis://127.0.0.1:6379"
	if answers(local) {
		t.Logf("Redis: the one answering on 127.0.0.1:6379")
		return local
	}
	return mini(t)
}

func mini(t testing.TB) string {
	t.Helper()
	m := miniredis.RunT(t)
	t.Logf("Redis: miniredis on %s (no REDIS_URL, nothing answers on 127.0.0.1:6379)", m.Addr())
	return "redis://" + m.Addr()
}

func answers(u string) bool {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return false
	}
	opts.DialTimeout = 200 * time.Millisecond
	opts.ReadTimeout = 200 * time.Millisecond
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	return c.Ping(ctx).Err() == nil
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "unparsable"
	}
	return p.Redacted()
}

// Prefix returns a key prefix no other test run uses, for
// gateway.rate_limit.redis.key_prefix on a shared Redis.
func Prefix() string { return "bffgen-test:" + rand.Text()[:10] + ":" }

// Proxy is a TCP proxy on 127.0.0.1 in front of a Redis.
type Proxy struct {
	target string
	addr   string
	host   *url.URL

	mu        sync.Mutex
	ln        net.Listener
	conns     map[net.Conn]struct{}
	blackhole atomic.Bool
	delay     atomic.Int64 // time.Duration added before forwarding what a client sends
	dials     atomic.Int64
	held      atomic.Int64 // client writes swallowed while blackholed
	wg        sync.WaitGroup
}

// NewProxy starts a proxy to the Redis of redisURL; the test's cleanup
// stops it.
func NewProxy(t testing.TB, redisURL string) *Proxy {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatalf("redis URL: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: u.Host, addr: ln.Addr().String(), host: u, conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(func() {
		p.Stop()
		p.wg.Wait()
	})
	return p
}

// URL returns the Redis URL that goes through the proxy (the user,
// password and database of the target URL kept).
func (p *Proxy) URL() string {
	u := *p.host
	u.Host = p.addr
	return u.String()
}

// Stop closes the listener and every connection: Redis looks down
// (connections refused) until Start.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// Start listens again on the same address after Stop.
func (p *Proxy) Start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}

// Blackhole makes the proxy swallow what clients send, without an answer
// or a close, while on: Redis looks hung.
func (p *Proxy) Blackhole(on bool) { p.blackhole.Store(on) }

// Delay adds d before each chunk a client sends is forwarded to Redis
// (0: none), which adds about d to every Redis call, as a latency fault
// proxy would.
func (p *Proxy) Delay(d time.Duration) { p.delay.Store(int64(d)) }

// Dials returns the number of connections accepted so far.
func (p *Proxy) Dials() int64 { return p.dials.Load() }

// Held returns the number of client writes swallowed while blackholed:
// about one per Redis call that was attempted.
func (p *Proxy) Held() int64 { return p.held.Load() }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.dials.Add(1)
			p.wg.Go(func() { p.handle(c) })
		}
	})
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	server, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(server) {
		_ = client.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { // client -> server, swallowed while blackholed
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if d := time.Duration(p.delay.Load()); d > 0 {
					time.Sleep(d)
				}
				if p.blackhole.Load() {
					p.held.Add(1)
				} else if _, werr := server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, server)
		done <- struct{}{}
	}()
	<-done
	_ = client.Close()
	_ = server.Close()
	<-done
}
