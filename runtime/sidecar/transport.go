package sidecar

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// Pool and timeout settings of the transports. A BFF sends many concurrent
// calls to few hosts, so it keeps many idle connections per host (Go's
// default is 2, which makes a busy client open and close connections all
// the time).
const (
	dialTimeout           = 5 * time.Second
	keepAlive             = 30 * time.Second
	maxIdleConns          = 1024
	maxIdleConnsPerHost   = 256
	idleConnTimeout       = 90 * time.Second
	tlsHandshakeTimeout   = 5 * time.Second
	expectContinueTimeout = time.Second
	http2SendPingTimeout  = 30 * time.Second // ping a silent HTTP/2 connection after this
	http2PingTimeout      = 10 * time.Second // and close it when the ping gets no answer
)

// transports are the round trippers a Set shares among its upstreams.
type transports struct {
	// http speaks HTTP/1.1 to http:// endpoints, and HTTP/2 or HTTP/1.1
	// (ALPN) to https:// endpoints: Connect and gRPC-Web work on both.
	http http.RoundTripper
	// h2 speaks only HTTP/2, without TLS (h2c with prior knowledge) to
	// http:// endpoints and over TLS to https:// endpoints: gRPC needs it.
	// net/http uses h2c only when HTTP/1 is off, hence a second transport.
	h2 http.RoundTripper
	// single is true when http and h2 are one round tripper, given by
	// WithTransport.
	single bool

	mu sync.Mutex
	// tls are the transports of the upstreams with a tls: block, made by
	// withTLS; their idle connections close with these.
	tls []*transports
}

// newTransports builds the transports, or uses rt for both when it is not
// nil.
func newTransports(rt http.RoundTripper) *transports {
	if rt != nil {
		return &transports{http: rt, h2: rt, single: true}
	}
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h1.SetHTTP2(true)
	h2.SetHTTP2(true)
	h2.SetUnencryptedHTTP2(true)
	return &transports{http: newTransport(&h1, nil), h2: newTransport(&h2, nil)}
}

// withTLS returns the transports of the upstream called name: t itself
// when cfg sets nothing or when t is the round tripper of WithTransport,
// which the TLS settings cannot reach; else new transports, with a pool of
// their own, whose https:// connections use cfg (see clientTLS). Their idle
// connections close with t's. It fails when a file of cfg cannot be read
// or parsed.
func (t *transports) withTLS(name string, cfg config.UpstreamTLS, logger *slog.Logger) (*transports, error) {
	if !cfg.Enabled() || t.single {
		return t, nil
	}
	c, err := newClientTLS(name, cfg, logger)
	if err != nil {
		return nil, err
	}
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h1.SetHTTP2(true)
	h2.SetHTTP2(true)
	h2.SetUnencryptedHTTP2(true)
	out := &transports{http: &tlsTransport{newTransport(&h1, c), c}, h2: &tlsTransport{newTransport(&h2, c), c}}
	t.mu.Lock()
	t.tls = append(t.tls, out)
	t.mu.Unlock()
	return out, nil
}

// newTransport returns a pooled transport for the given protocols. It does
// not use the HTTP_PROXY environment variables: backends are called
// directly, as a sidecar calls them. With c, https:// connections are
// made by c.dialTLS (the TLS of an upstream's tls: block); without, by the
// transport with the system's CAs and the endpoint's host name.
func newTransport(protocols *http.Protocols, c *clientTLS) *http.Transport {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}
	t := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		ExpectContinueTimeout: expectContinueTimeout,
		Protocols:             protocols,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: http2SendPingTimeout,
			PingTimeout:     http2PingTimeout,
		},
	}
	if c != nil {
		t.DialTLSContext = c.dialTLS(nextProtos(protocols))
	}
	return t
}

// forProtocol returns the transport of an upstream protocol.
func (t *transports) forProtocol(protocol string) http.RoundTripper {
	if protocol == protocolGRPC {
		return t.h2
	}
	return t.http
}

// closeIdleConnections closes the idle connections of both transports.
func (t *transports) closeIdleConnections() {
	type idleCloser interface{ CloseIdleConnections() }
	if c, ok := t.http.(idleCloser); ok {
		c.CloseIdleConnections()
	}
	if !t.single {
		if c, ok := t.h2.(idleCloser); ok {
			c.CloseIdleConnections()
		}
	}
	t.mu.Lock()
	children := t.tls
	t.mu.Unlock()
	for _, c := range children {
		c.closeIdleConnections()
	}
}

// transportError is a failure to exchange a request with an endpoint. Its
// message says what failed without the address of the endpoint, which the
// messages of net and net/http errors hold.
type transportError struct {
	msg   string
	cause error
}

// Error returns the message, which holds no address.
func (e *transportError) Error() string { return e.msg }

// Unwrap returns the failure as the transport reported it, without its
// *url.Error layer: errors.Is(err, syscall.ECONNREFUSED) works. Its message
// may hold the endpoint's address.
func (e *transportError) Unwrap() error { return e.cause }

// sanitize turns a failure of the transport with endpoint ep into an error
// whose message holds no address. ctx is the context of the request.
//
// HTTP/2 stream resets ("stream error: ... REFUSED_STREAM; received from
// peer") carry no address and are returned as a *transportError that reads
// the same, so that connect maps their code. Everything else becomes a
// *connect.Error: canceled or deadline_exceeded when ctx is done,
// deadline_exceeded for an I/O timeout, unavailable otherwise (connect would
// report a reset connection as canceled, as if the caller had gone away).
func sanitize(ctx context.Context, ep *endpoint, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if msg := err.Error(); strings.HasPrefix(msg, "stream error: ") && !strings.Contains(msg, ep.host) {
		return &transportError{msg: msg, cause: err}
	}
	prefix := "endpoint #" + strconv.Itoa(ep.index) + ": "
	cause := err
	if te := asTLSError(err); te != nil {
		cause = te // errors.As finds the reason; it unwraps to err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		code := connect.CodeCanceled
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			code = connect.CodeDeadlineExceeded
		}
		return connect.NewError(code, &transportError{msg: prefix + ctxErr.Error(), cause: ctxErr})
	}
	code := connect.CodeUnavailable
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		code = connect.CodeDeadlineExceeded
	}
	return connect.NewError(code, &transportError{msg: prefix + describe(err), cause: cause})
}

// describe says what failed in a transport error, in words that hold no
// address.
func describe(err error) string {
	op := ""
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op != "" {
		op = oe.Op + ": "
	}
	var (
		tlsErr    *TLSError
		dnsErr    *net.DNSError
		alertErr  tls.AlertError
		headerErr tls.RecordHeaderError
		netErr    net.Error
	)
	tlsErr = asTLSError(err)
	switch {
	case tlsErr != nil:
		return tlsErr.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return op + "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return op + "connection reset by peer"
	case errors.Is(err, syscall.EPIPE):
		return op + "broken pipe"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return op + "no route to host"
	case errors.Is(err, syscall.ENETUNREACH):
		return op + "network is unreachable"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the endpoint"
	case errors.As(err, &dnsErr):
		return "host name lookup failed"
	case errors.As(err, &alertErr):
		return alertErr.Error() // "tls: handshake failure"
	case errors.As(err, &headerErr):
		return "tls: the endpoint did not answer with TLS"
	case errors.As(err, &netErr) && netErr.Timeout():
		return op + "i/o timeout"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return op + "transport failure"
}

// asTLSError returns the *TLSError in err's chain, or the one that a
// certificate verification failure or an endpoint's TLS alert in err's
// chain makes; nil when err is no TLS failure.
func asTLSError(err error) *TLSError {
	var te *TLSError
	if errors.As(err, &te) {
		return te
	}
	if te = verifyError(err, time.Now()); te != nil {
		return te
	}
	return alertError(err)
}

// body is a response body whose read errors hold no address.
type body struct {
	io.ReadCloser
	ctx context.Context
	ep  *endpoint
	u   *Upstream
}

// Read reads from the response body, replacing an error whose message may
// hold the endpoint's address.
func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && leaksAddress(err) {
		b.u.logFailure(b.ctx, b.ep, err)
		err = sanitize(b.ctx, b.ep, err)
	}
	return n, err
}

// leaksAddress reports whether the message of err may hold an address: the
// errors of package net and *url.Error do.
func leaksAddress(err error) bool {
	var (
		oe  *net.OpError
		ue  *url.Error
		dns *net.DNSError
	)
	return errors.As(err, &oe) || errors.As(err, &ue) || errors.As(err, &dns)
}
