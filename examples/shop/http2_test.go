package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/examples/shop/backends"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestPublicListenerDoesNotSpeakHTTP2 is IN-14 (HTTP/2 rapid reset and
// stream floods) as it stands: the public listener of runtime.Server.Serve
// serves HTTP/1.1 only, in cleartext (no h2c, no TLS, so no h2 by ALPN), so
// an HTTP/2 client cannot open a single stream, and a rapid-reset flood
// written after the connection preface is never read as HTTP/2: the server
// answers the preface in HTTP/1.1 and closes the connection, and no backend
// call happens. When the runtime starts offering HTTP/2 this test fails and
// the flood must be measured instead (docs/security.md, IN-14).
func TestPublicListenerDoesNotSpeakHTTP2(t *testing.T) {
	var calls atomic.Int64
	count := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			calls.Add(1)
			return next(ctx, req)
		}
	})
	p := serveProfile(t, "bff.production.yaml", backends.Options{
		HandlerOptions: []connect.HandlerOption{connect.WithInterceptors(count)},
	}, withEnv("BFF_PERSISTED_MODE", "off")) // an ad-hoc query, outside the trusted documents

	const query = `{ product(id: "p-1001") { name } }`

	t.Run("a prior-knowledge h2c rapid reset gets one HTTP/1.1 answer and a closed connection", func(t *testing.T) {
		const streams = 5000
		flood := rapidReset(t, p.Addr, "/graphql?query="+url.QueryEscape(query), streams)
		conn, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		// The server may close before it has read all of it: a failed write
		// is expected then.
		_, _ = conn.Write(flood)
		answer, err := io.ReadAll(conn)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the connection is still open 10s after the preface (read %q)", answer)
		}
		// An HTTP/2 server's first bytes are a SETTINGS frame (type 4), not
		// an HTTP/1.1 status line.
		if !bytes.HasPrefix(answer, []byte("HTTP/1.1 4")) && !bytes.HasPrefix(answer, []byte("HTTP/1.1 505")) {
			t.Fatalf("answer to the h2c preface = %q, want an HTTP/1.1 4xx or 505 status line", firstLine(answer))
		}
		t.Logf("%d bytes of preface, SETTINGS and %d HEADERS+RST_STREAM pairs: answered %q, then closed", len(flood), streams, firstLine(answer))
	})

	t.Run("Go's HTTP/2 client with prior knowledge gets no answer", func(t *testing.T) {
		var protocols http.Protocols
		protocols.SetUnencryptedHTTP2(true)
		client := &http.Client{Transport: &http.Transport{Protocols: &protocols}, Timeout: 10 * time.Second}
		resp, err := client.Get(p.GraphQL + "?query=" + url.QueryEscape(query))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("an h2c request was answered: %s %s", resp.Proto, resp.Status)
		}
		t.Logf("h2c request: %v", err)
	})

	t.Run("no TLS, so no h2 by ALPN", func(t *testing.T) {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", p.Addr,
			&tls.Config{NextProtos: []string{"h2"}, InsecureSkipVerify: true}) // loopback, no certificate to check
		if err == nil {
			proto := conn.ConnectionState().NegotiatedProtocol
			conn.Close()
			t.Fatalf("a TLS handshake succeeded (ALPN %q)", proto)
		}
		t.Logf("TLS handshake: %v", err)
	})

	if n := calls.Load(); n != 0 {
		t.Errorf("%d backend calls after the HTTP/2 attempts, want 0", n)
	}

	t.Run("HTTP/1.1 is served after the attempts", func(t *testing.T) {
		req, err := http.NewRequest("GET", p.GraphQL+"?query="+url.QueryEscape(query), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Apollo-Require-Preflight", "1") // the profile's strict CSRF rule
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ProtoMajor != 1 || !strings.Contains(string(body), "Trail Running Shoes") {
			t.Errorf("got %s %s %s", resp.Proto, resp.Status, body)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d backend calls, want 1", n)
		}
	})
}

// rapidReset returns the bytes of an HTTP/2 rapid-reset attack on one
// connection: the client preface, a SETTINGS frame, then streams pairs of a
// HEADERS frame (GET path, END_STREAM) and an RST_STREAM (CANCEL) for the
// same stream (CVE-2023-44487).
func rapidReset(t *testing.T, authority, path string, streams int) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&buf, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range []hpack.HeaderField{
		{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: authority}, {Name: ":path", Value: path},
	} {
		if err := enc.WriteField(f); err != nil {
			t.Fatal(err)
		}
	}
	for i := range streams {
		id := uint32(2*i + 1)
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
			t.Fatal(err)
		}
		if err := fr.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// firstLine returns the first line of b, at most 100 bytes.
func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	return string(line[:min(len(line), 100)])
}
