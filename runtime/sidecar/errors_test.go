package sidecar_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// resettingServer answers every request with the headers of a response and
// part of its body, then resets the connection.
func resettingServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/proto\r\nContent-Length: 100\r\n\r\n0123456789")
		_ = buf.Flush()
		_ = conn.(*net.TCPConn).SetLinger(0) // close with RST
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTransportErrorsHideTheEndpointAddress(t *testing.T) {
	t.Parallel()
	tlsServer := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails on purpose
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)
	refused := closedAddress(t)
	reset := resettingServer(t)
	tests := []struct {
		name     string
		endpoint string
		wantCode connect.Code
		wantMsg  string
		wantIs   error
	}{
		{
			name:     "connection refused",
			endpoint: refused,
			wantCode: connect.CodeUnavailable,
			wantMsg:  `upstream "catalog" /test.v1.EchoService/Echo: unavailable: endpoint #1: dial: connection refused`,
			wantIs:   syscall.ECONNREFUSED,
		},
		{
			name:     "unknown host",
			endpoint: "http://no-such-host.invalid:9001",
			wantCode: connect.CodeUnavailable,
			wantMsg:  `upstream "catalog" /test.v1.EchoService/Echo: unavailable: endpoint #1: host name lookup failed`,
		},
		{
			name:     "untrusted certificate",
			endpoint: tlsServer.URL,
			wantCode: connect.CodeUnavailable,
			wantMsg:  `upstream "catalog" /test.v1.EchoService/Echo: unavailable: endpoint #1: tls: unknown_authority: the endpoint's certificate is not signed by a trusted CA (tls.ca_file, or the system's CAs)`,
		},
		{
			name:     "connection reset in the body",
			endpoint: reset.URL,
			wantCode: connect.CodeUnavailable,
			wantMsg:  `upstream "catalog" /test.v1.EchoService/Echo: unavailable: endpoint #1: read: connection reset by peer`,
			wantIs:   syscall.ECONNRESET,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{tt.endpoint}}})
			_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x")
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if got := err.Error(); got != tt.wantMsg {
				t.Errorf("error = %q, want %q", got, tt.wantMsg)
			}
			host := strings.TrimPrefix(strings.TrimPrefix(tt.endpoint, "http://"), "https://")
			hostname, port, _ := net.SplitHostPort(host)
			for _, secret := range []string{host, hostname, port, "127.0.0.1"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds %q of the endpoint address", err, secret)
				}
			}
			if got := connect.CodeOf(err); got != tt.wantCode {
				t.Errorf("code = %v, want %v", got, tt.wantCode)
			}
			if !errors.As(err, new(*errcode.UpstreamError)) {
				t.Errorf("error %v is not an UpstreamError", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestUpstreamWithoutEndpointsIsUnavailable(t *testing.T) {
	t.Parallel()
	set := newSet(t, map[string]config.Upstream{"catalog": {}})
	_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x")
	if got, want := err.Error(), `upstream "catalog" /test.v1.EchoService/Echo: unavailable: no endpoint available`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got := errcode.Code(err); got != errcode.Unavailable {
		t.Errorf("errcode.Code = %q, want UNAVAILABLE", got)
	}
}

func TestCanceledCallIsCanceled(t *testing.T) {
	t.Parallel()
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{newBackend(t, "b").srv.URL}}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(ctx, "x")
	if got := connect.CodeOf(err); got != connect.CodeCanceled {
		t.Errorf("error %v has code %v, want canceled", err, got)
	}
	if !errors.Is(err, context.Canceled) || !errors.As(err, new(*errcode.UpstreamError)) {
		t.Errorf("error %v is not a context.Canceled UpstreamError", err)
	}
}
