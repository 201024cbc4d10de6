package sidecar

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// opaqueBody is an in-memory body of a type net/http does not know, as
// connect-go's unary request bodies are.
type opaqueBody struct {
	r      io.Reader
	closed bool
}

func (b *opaqueBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *opaqueBody) Close() error               { b.closed = true; return nil }

// countingConn counts the writes of a client connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestInMemoryBodyTakesOneWrite checks what inMemory is for: net/http
// writes a request with an opaque body in two writes (the headers, then
// the body) and the same request with inMemory's body in one, and the
// server reads the same body.
func TestInMemoryBodyTakesOneWrite(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(string(b))
	}))
	t.Cleanup(srv.Close)
	payload := strings.Repeat("k", 500)
	for _, c := range []struct {
		name   string
		body   func(io.ReadCloser) io.ReadCloser
		writes int64
	}{
		{"opaque", func(b io.ReadCloser) io.ReadCloser { return b }, 2},
		{"inMemory", func(b io.ReadCloser) io.ReadCloser { return inMemory(b, int64(len(payload))) }, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var writes atomic.Int64
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				return countingConn{conn, &writes}, err
			}}
			t.Cleanup(tr.CloseIdleConnections)
			req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
			req.ContentLength = int64(len(payload))
			req.Body = c.body(&opaqueBody{r: strings.NewReader(payload)})
			res, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got.Load() != payload {
				t.Errorf("the server read %q, want the payload", got.Load())
			}
			if n := writes.Load(); n != c.writes {
				t.Errorf("the request took %d writes, want %d", n, c.writes)
			}
		})
	}
}

func TestInMemory(t *testing.T) {
	t.Parallel()
	read := func(b io.ReadCloser) (string, error) {
		data, err := io.ReadAll(b)
		return string(data), err
	}
	t.Run("copies and closes", func(t *testing.T) {
		src := &opaqueBody{r: strings.NewReader("abc")}
		b := inMemory(src, 3)
		if s, err := read(b); s != "abc" || err != nil || !src.closed {
			t.Errorf("read %q, %v; closed %v", s, err, src.closed)
		}
	})
	t.Run("leaves alone", func(t *testing.T) {
		big := &opaqueBody{r: strings.NewReader(strings.Repeat("x", maxInMemoryBody+1))}
		for _, c := range []struct {
			body io.ReadCloser
			n    int64
		}{{nil, 0}, {http.NoBody, 0}, {big, maxInMemoryBody + 1}, {&opaqueBody{r: strings.NewReader("abc")}, -1}} {
			if b := inMemory(c.body, c.n); b != c.body {
				t.Errorf("inMemory(%T, %d) replaced the body", c.body, c.n)
			}
		}
	})
	t.Run("wrong lengths and errors", func(t *testing.T) {
		broken := errors.New("broken")
		for _, c := range []struct {
			r    io.Reader
			n    int64
			want string
		}{
			{strings.NewReader("abcd"), 3, "http: ContentLength=3 with Body length > 3"},
			{strings.NewReader("ab"), 3, "http: ContentLength=3 with Body length 2"},
			{strings.NewReader(""), 3, "http: ContentLength=3 with Body length 0"},
			{io.MultiReader(strings.NewReader("a"), iotestErr{broken}), 3, "broken"},
		} {
			_, err := read(inMemory(&opaqueBody{r: c.r}, c.n))
			if err == nil || err.Error() != c.want {
				t.Errorf("got %v, want %s", err, c.want)
			}
		}
		// All n bytes, then an error: the transport would have stopped
		// reading at n.
		if s, err := read(inMemory(&opaqueBody{r: io.MultiReader(bytes.NewReader([]byte("abc")), iotestErr{broken})}, 3)); s != "abc" || err != nil {
			t.Errorf("read %q, %v; want abc", s, err)
		}
	})
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }
