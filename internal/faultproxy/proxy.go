package faultproxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what a [Proxy] does to the connections it forwards. See the
// package documentation for each mode.
type Mode int

// The modes of a [Fault].
const (
	// Pass forwards every byte unchanged. It is the zero Mode.
	Pass Mode = iota
	// Down refuses new connections and resets the open ones.
	Down
	// Latency delays each chunk by Fault.RequestDelay toward the backend
	// and Fault.ResponseDelay toward the client.
	Latency
	// Reset forwards the request and resets the client's connection when
	// the answer starts, dropping the answer.
	Reset
	// Blackhole accepts connections and drops every byte both ways.
	Blackhole
	// Garble inverts the bits of the answer after Fault.Offset bytes.
	Garble
	// Truncate forwards Fault.Offset bytes of the answer, then closes the
	// connection.
	Truncate
	// Flap alternates Down and Pass every Fault.Period, starting Down.
	Flap
)

var modeNames = [...]string{"pass", "down", "latency", "reset", "blackhole", "garble", "truncate", "flap"}

// String returns the lower-case name of m ("pass", "down", ...), or
// "mode(N)" for a value that is not a Mode.
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Fault is the behaviour of a [Proxy]: a Mode and the parameters the mode
// reads; the others are ignored. The zero Fault passes everything.
type Fault struct {
	// Mode is what the proxy does; default Pass.
	Mode Mode
	// RequestDelay and ResponseDelay are the delays of Latency, added to
	// every chunk of bytes toward the backend and toward the client
	// respectively; 0 adds none. An HTTP exchange of one chunk each way
	// takes RequestDelay + ResponseDelay longer.
	RequestDelay, ResponseDelay time.Duration
	// Offset is, for Garble, the bytes of the answer left intact and, for
	// Truncate, the bytes of the answer forwarded before the connection is
	// closed: counted on each connection from the moment the fault is set
	// (or the connection opened, if later). 0 garbles or cuts from the
	// first byte.
	Offset int
	// Period is, for Flap, how long each Down and each Pass phase lasts.
	// Required (above zero) for Flap.
	Period time.Duration
}

// check returns an error for a Fault that Set cannot apply.
func (f Fault) check() error {
	switch {
	case f.Mode < Pass || f.Mode > Flap:
		return fmt.Errorf("faultproxy: unknown mode %s", f.Mode)
	case f.RequestDelay < 0 || f.ResponseDelay < 0:
		return fmt.Errorf("faultproxy: negative delay (request %s, response %s)", f.RequestDelay, f.ResponseDelay)
	case f.Offset < 0:
		return fmt.Errorf("faultproxy: negative offset %d", f.Offset)
	case f.Mode == Flap && f.Period <= 0:
		return fmt.Errorf("faultproxy: flap needs a period above zero, got %s", f.Period)
	}
	return nil
}

// Stats are the counters of a [Proxy] since it started.
type Stats struct {
	// Accepted counts the connections accepted (and forwarded or
	// blackholed).
	Accepted int64
	// Open is the number of connections open now.
	Open int64
	// Resets counts the client connections reset: by Reset, by Down, and
	// when the backend could not be dialled.
	Resets int64
	// ToBackend and ToClient count the bytes written to the backend and
	// to the client.
	ToBackend, ToClient int64
	// ListenErrors counts the times the proxy could not listen again on
	// its port when leaving Down (a Flap phase is then skipped; Set
	// returns the error).
	ListenErrors int64
}

// state is the fault in force and its generation, which Set increments.
type state struct {
	fault Fault
	gen   uint64
}

// Proxy forwards the connections it accepts on 127.0.0.1 to one target
// address, applying its [Fault]. It is safe for concurrent use.
type Proxy struct {
	target string
	addr   string
	cur    atomic.Pointer[state]
	wg     sync.WaitGroup

	accepted, open, resets, toBackend, toClient, listenErrors atomic.Int64

	mu       sync.Mutex
	ln       net.Listener // nil while down
	gen      uint64
	conns    map[*conn]struct{}
	flapStop chan struct{}
	closed   bool
}

// Listen starts a proxy on a free port of 127.0.0.1 that forwards to
// target, a host:port (a backend on 127.0.0.1 in tests). Its fault is Pass.
// The target is dialled for each accepted connection, not now.
func Listen(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[*conn]struct{}{}}
	p.cur.Store(&state{})
	p.wg.Go(func() { p.accept(ln) })
	return p, nil
}

// Addr returns the host:port the proxy listens on (and listens on again
// after Down).
func (p *Proxy) Addr() string { return p.addr }

// URL returns "http://" + Addr().
func (p *Proxy) URL() string { return "http://" + p.addr }

// Target returns the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Fault returns the fault in force.
func (p *Proxy) Fault() Fault { return p.cur.Load().fault }

// Stats returns the proxy's counters.
func (p *Proxy) Stats() Stats {
	return Stats{
		Accepted:     p.accepted.Load(),
		Open:         p.open.Load(),
		Resets:       p.resets.Load(),
		ToBackend:    p.toBackend.Load(),
		ToClient:     p.toClient.Load(),
		ListenErrors: p.listenErrors.Load(),
	}
}

// Set makes f the proxy's fault. Down and Flap take effect at once (the
// listener closes, open connections are reset); leaving them listens again
// on the same port, and Set returns the error if that fails. The other
// modes apply to the next chunk of bytes of every connection. Set returns
// an error, and changes nothing, for an invalid f (an unknown mode, a
// negative delay or offset, Flap without a period) or a closed proxy.
func (p *Proxy) Set(f Fault) error {
	if err := f.check(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("faultproxy: proxy is closed")
	}
	if p.flapStop != nil {
		close(p.flapStop)
		p.flapStop = nil
	}
	p.gen++
	p.cur.Store(&state{fault: f, gen: p.gen})
	switch f.Mode {
	case Down:
		p.goDownLocked()
	case Flap:
		p.goDownLocked()
		stop := make(chan struct{})
		p.flapStop = stop
		p.wg.Go(func() { p.flap(f.Period, stop) })
	default:
		return p.goUpLocked()
	}
	return nil
}

// flap alternates up and down every period until stop is closed.
func (p *Proxy) flap(period time.Duration, stop chan struct{}) {
	t := time.NewTicker(period)
	defer t.Stop()
	up := false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		select {
		case <-stop: // Set or Close won the lock first
		default:
			up = !up
			if up {
				_ = p.goUpLocked()
			} else {
				p.goDownLocked()
			}
		}
		p.mu.Unlock()
	}
}

// goDownLocked closes the listener and resets every connection.
func (p *Proxy) goDownLocked() {
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		go c.close(true)
	}
}

// goUpLocked listens again on the proxy's address when it is down.
func (p *Proxy) goUpLocked() error {
	if p.ln != nil {
		return nil
	}
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.ln = ln
			p.wg.Go(func() { p.accept(ln) })
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.listenErrors.Add(1)
	return fmt.Errorf("faultproxy: listening again on %s: %w", p.addr, err)
}

// Close stops the proxy: the listener, the flapping, every connection
// (closed, not reset), and waits for its goroutines to end. It always
// returns nil; a second Close does nothing.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.flapStop != nil {
		close(p.flapStop)
		p.flapStop = nil
	}
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	conns := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close(false)
	}
	p.wg.Wait()
	return nil
}

// accept serves the connections of one listener until it is closed.
func (p *Proxy) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c := &conn{p: p, client: nc.(*net.TCPConn), done: make(chan struct{})}
		p.mu.Lock()
		if p.closed || p.ln != ln {
			p.mu.Unlock()
			_ = c.client.SetLinger(0)
			_ = c.client.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.accepted.Add(1)
		p.open.Add(1)
		p.wg.Go(c.serve)
		p.mu.Unlock()
	}
}

// conn is one proxied connection.
type conn struct {
	p      *Proxy
	client *net.TCPConn
	done   chan struct{} // closed by close

	mu      sync.Mutex
	backend net.Conn // nil until dialled
	closed  bool
}

// serve dials the backend and runs the two directions.
func (c *conn) serve() {
	backend, err := net.DialTimeout("tcp", c.p.target, 5*time.Second)
	if err != nil {
		c.close(true)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		_ = backend.Close()
		return
	}
	c.backend = backend
	c.mu.Unlock()
	c.p.wg.Go(func() { c.pump(false, c.client, backend) })
	c.pump(true, backend, c.client)
}

// chunk is bytes on their way, and when to deliver them.
type chunk struct {
	data []byte
	at   time.Time
}

// pump copies src to dst applying the fault; toClient is the direction of
// the answer. It returns when the direction ends, after closing the
// connection.
func (c *conn) pump(toClient bool, src, dst net.Conn) {
	ch := make(chan chunk, 64)
	c.p.wg.Go(func() { c.deliver(toClient, ch, dst) })
	defer close(ch)
	var gen uint64
	seen := 0 // bytes of this direction since the fault of generation gen
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			st := c.p.cur.Load()
			if st.gen != gen {
				gen, seen = st.gen, 0
			}
			data := append([]byte(nil), buf[:n]...)
			var delay time.Duration
			switch st.fault.Mode {
			case Down, Blackhole:
				data = nil
			case Latency:
				delay = st.fault.RequestDelay
				if toClient {
					delay = st.fault.ResponseDelay
				}
			case Reset:
				if toClient {
					c.close(true)
					return
				}
			case Garble:
				if toClient {
					for i := range data {
						if seen+i >= st.fault.Offset {
							data[i] ^= 0xff
						}
					}
				}
			case Truncate:
				if toClient {
					if keep := st.fault.Offset - seen; keep < len(data) {
						data = data[:max(keep, 0)]
						err = errTruncated
					}
				}
			}
			seen += n
			if len(data) > 0 {
				select {
				case ch <- chunk{data: data, at: time.Now().Add(delay)}:
				case <-c.done:
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

var errTruncated = errors.New("truncated")

// deliver writes the chunks of ch to dst when they are due, then closes
// the connection when ch closes or a write fails.
func (c *conn) deliver(toClient bool, ch <-chan chunk, dst net.Conn) {
	defer c.close(false)
	counter := &c.p.toBackend
	if toClient {
		counter = &c.p.toClient
	}
	var timer *time.Timer
	for k := range ch {
		if d := time.Until(k.at); d > 0 {
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			select {
			case <-timer.C:
			case <-c.done:
				return
			}
		}
		n, err := dst.Write(k.data)
		counter.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// close closes both sides of the connection once; reset sends an RST to
// the client instead of a FIN.
func (c *conn) close(reset bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	backend := c.backend
	c.mu.Unlock()
	if reset {
		_ = c.client.SetLinger(0)
		c.p.resets.Add(1)
	}
	_ = c.client.Close()
	if backend != nil {
		_ = backend.Close()
	}
	close(c.done)
	c.p.mu.Lock()
	delete(c.p.conns, c)
	c.p.mu.Unlock()
	c.p.open.Add(-1)
}
