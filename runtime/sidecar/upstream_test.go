package sidecar_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

func TestRoundRobinSpreadsCallsEvenly(t *testing.T) {
	t.Parallel()
	backends := []*backend{newBackend(t, "b0"), newBackend(t, "b1"), newBackend(t, "b2")}
	// A long timeout: hundreds of concurrent calls open as many connections,
	// which can take long on a loaded machine or under the race detector.
	set := newSet(t, map[string]config.Upstream{"catalog": {
		Endpoints:     []string{backends[0].srv.URL, backends[1].srv.URL, backends[2].srv.URL},
		Timeout:       time.Minute,
		LoadBalancing: config.LoadBalancingRoundRobin,
	}})
	client := sidecar.Client(set, "catalog", newEchoClient)
	ctx := t.Context()

	var order []string
	for range 6 {
		got, err := client.Echo(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, got)
	}
	if got, want := strings.Join(order, " "), "b0 b1 b2 b0 b1 b2"; got != want {
		t.Errorf("sequential calls went to %s, want %s", got, want)
	}

	// Concurrent calls: the atomic counter still hands out every position
	// once, so the counts are exact.
	var wg sync.WaitGroup
	for range 49 {
		wg.Go(func() {
			for range 6 {
				if _, err := client.Echo(ctx, "hello"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, b := range backends {
		if got := b.calls.Load(); got != 100 {
			t.Errorf("backend %s got %d of 300 calls, want 100", b.name, got)
		}
	}
}

func TestDoRewritesTheRequestURL(t *testing.T) {
	t.Parallel()
	plain := newBackend(t, "plain")
	prefixed := newBackend(t, "prefixed", withPrefix("/api/v1"))
	escaped := newBackend(t, "escaped", withPrefix("/a%2Fb"))
	tests := []struct {
		name     string
		endpoint string
		b        *backend
		wantPath string
	}{
		{"no path", plain.srv.URL, plain, echoProcedure},
		{"root path", plain.srv.URL + "/", plain, echoProcedure},
		{"path prefix", prefixed.srv.URL + "/api/v1", prefixed, "/api/v1" + echoProcedure},
		{"path prefix with trailing slash", prefixed.srv.URL + "/api/v1/", prefixed, "/api/v1" + echoProcedure},
		{"escaped path prefix", escaped.srv.URL + "/a%2Fb", escaped, "/a%2Fb" + echoProcedure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := sidecar.NewUpstream("catalog", config.Upstream{Endpoints: []string{tt.endpoint}})
			if err != nil {
				t.Fatal(err)
			}
			defer u.CloseIdleConnections()
			if got, err := newEchoClient(u, u.BaseURL(), u.ClientOptions()...).Echo(t.Context(), "x"); err != nil || got != tt.b.name {
				t.Fatalf("Echo = %q, %v; want %q", got, err, tt.b.name)
			}
			seen := tt.b.last(t)
			if seen.path != tt.wantPath {
				t.Errorf("backend saw path %q, want %q", seen.path, tt.wantPath)
			}
			if want := strings.TrimPrefix(tt.b.srv.URL, "http://"); seen.host != want {
				t.Errorf("backend saw Host %q, want the endpoint's %q", seen.host, want)
			}
		})
	}
}

func TestDoLeavesTheRequestAlone(t *testing.T) {
	t.Parallel()
	b := newBackend(t, "b")
	u, err := sidecar.NewUpstream("catalog", config.Upstream{Endpoints: []string{b.srv.URL + "/prefix"}})
	if err != nil {
		t.Fatal(err)
	}
	defer u.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u.BaseURL()+"/some/path", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := u.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if got := req.URL.String(); got != "http://catalog/some/path" || req.Host != "catalog" {
		t.Errorf("Do changed the request: URL %q, Host %q", got, req.Host)
	}
	if got := b.last(t).path; got != "/prefix/some/path" {
		t.Errorf("backend saw %q, want /prefix/some/path", got)
	}
}

func TestProtocols(t *testing.T) {
	t.Parallel()
	tests := []struct {
		protocol   string
		h2c        bool
		wantWire   string
		wantHTTP   int
		wantOption bool
	}{
		{protocol: "", wantWire: connect.ProtocolConnect, wantHTTP: 1},
		{protocol: config.ProtocolConnect, wantWire: connect.ProtocolConnect, wantHTTP: 1},
		{protocol: config.ProtocolGRPC, h2c: true, wantWire: connect.ProtocolGRPC, wantHTTP: 2, wantOption: true},
		{protocol: config.ProtocolGRPCWeb, wantWire: connect.ProtocolGRPCWeb, wantHTTP: 1, wantOption: true},
	}
	for _, tt := range tests {
		t.Run("protocol "+tt.protocol, func(t *testing.T) {
			t.Parallel()
			var opts []backendOption
			if tt.h2c {
				opts = append(opts, withH2C())
			}
			b := newBackend(t, "b", opts...)
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: tt.protocol}})
			u, _ := set.Upstream("catalog")
			// The protocol option, if any, then the read cap, the
			// compression and the interceptors.
			if got, want := len(u.ClientOptions()), 3+btoi(tt.wantOption); got != want {
				t.Errorf("ClientOptions has %d options, want %d", got, want)
			}
			client := sidecar.Client(set, "catalog", newEchoClient)
			if _, err := client.Echo(t.Context(), "x"); err != nil {
				t.Fatal(err)
			}
			seen := b.last(t)
			if seen.protocol != tt.wantWire || seen.protoMajor != tt.wantHTTP {
				t.Errorf("backend saw %s over HTTP/%d, want %s over HTTP/%d", seen.protocol, seen.protoMajor, tt.wantWire, tt.wantHTTP)
			}
		})
	}
}

// TestAMessageOverTheReadCapFailsTheCall is BF-10: a backend's message
// larger than max_message_bytes (default 4 MiB) fails the call with
// RESOURCE_EXHAUSTED instead of being decoded; under the cap it passes.
func TestAMessageOverTheReadCapFailsTheCall(t *testing.T) {
	t.Parallel()
	big := newBackend(t, strings.Repeat("x", 5<<20))
	small := newBackend(t, strings.Repeat("y", 1000))
	tests := []struct {
		name string
		b    *backend
		cap  int64
		code connect.Code // 0: the call succeeds
	}{
		{"5 MiB over the default of 4 MiB", big, 0, connect.CodeResourceExhausted},
		{"5 MiB under a cap of 8 MiB", big, 8 << 20, 0},
		{"1000 bytes over a cap of 512", small, 512, connect.CodeResourceExhausted},
		{"1000 bytes under the default", small, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{tt.b.srv.URL}, MaxMessageBytes: tt.cap}})
			client := sidecar.Client(set, "catalog", newEchoClient)
			got, err := client.Echo(t.Context(), "x")
			if tt.code == 0 {
				if err != nil || len(got) != len(tt.b.name) {
					t.Fatalf("got %d bytes, %v; want the whole message", len(got), err)
				}
				return
			}
			if connect.CodeOf(err) != tt.code {
				t.Fatalf("got %v, want code %v", err, tt.code)
			}
			// Not the RATE_LIMITED of a backend's own RESOURCE_EXHAUSTED:
			// retrying later would not help.
			if !errors.Is(err, sidecar.ErrResponseTooLarge) || errcode.Code(err) != errcode.Internal {
				t.Errorf("got %v (GraphQL code %s), want sidecar.ErrResponseTooLarge and INTERNAL", err, errcode.Code(err))
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDeadlineReachesTheBackend(t *testing.T) {
	t.Parallel()
	// Every case bounds what the backend may see from above: the deadline
	// it gets can only be earlier than the one the client set.
	tests := []struct {
		name    string
		timeout time.Duration
		inbound time.Duration // 0: the caller sets no deadline
		atMost  time.Duration
	}{
		{"timeout alone", 5 * time.Second, 0, 5 * time.Second},
		{"default timeout", 0, 0, time.Second},
		{"earlier inbound deadline wins", 10 * time.Second, 3 * time.Second, 3 * time.Second},
		{"earlier timeout wins", 4 * time.Second, time.Hour, 4 * time.Second},
	}
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		b := newBackend(t, "b", withH2C())
		for _, tt := range tests {
			t.Run(protocol+" "+tt.name, func(t *testing.T) {
				u, err := sidecar.NewUpstream("catalog", config.Upstream{Endpoints: []string{b.srv.URL}, Protocol: protocol, Timeout: tt.timeout})
				if err != nil {
					t.Fatal(err)
				}
				defer u.CloseIdleConnections()
				ctx := t.Context()
				if tt.inbound > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.inbound)
					defer cancel()
				}
				if _, err := newEchoClient(u, u.BaseURL(), u.ClientOptions()...).Echo(ctx, "x"); err != nil {
					t.Fatal(err)
				}
				seen := b.last(t)
				if !seen.hasDeadline || seen.remaining <= 0 || seen.remaining > tt.atMost {
					t.Errorf("backend saw deadline %v with %v left, want one with at most %v left", seen.hasDeadline, seen.remaining, tt.atMost)
				}
			})
		}
	}
}

func TestErrorsNameTheUpstreamAndKeepTheConnectError(t *testing.T) {
	t.Parallel()
	b := newBackend(t, "b", withH2C())
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: protocol}})
			_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "not_found")
			var ue *errcode.UpstreamError
			if !errors.As(err, &ue) || ue.Upstream != "catalog" || ue.Procedure != echoProcedure {
				t.Fatalf("error %v (%T) is not an UpstreamError of catalog %s", err, err, echoProcedure)
			}
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != connect.CodeNotFound || ce.Message() != "backend says not_found" {
				t.Fatalf("error %v holds no not_found connect.Error", err)
			}
			if got, want := err.Error(), `upstream "catalog" /test.v1.EchoService/Echo: not_found: backend says not_found`; got != want {
				t.Errorf("error = %q, want %q", got, want)
			}
			if got := errcode.Code(err); got != errcode.NotFound {
				t.Errorf("errcode.Code = %q, want NOT_FOUND", got)
			}
		})
	}
}

// withEncodings records the encoding of every response: Content-Encoding
// for Connect's unary calls, Grpc-Encoding for gRPC and gRPC-Web.
func withEncodings(mu *sync.Mutex, seen *[]string) backendOption {
	return func(_ *httptest.Server, mux *http.ServeMux) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r)
			enc := w.Header().Get("Content-Encoding") + w.Header().Get("Grpc-Encoding")
			mu.Lock()
			*seen = append(*seen, enc)
			mu.Unlock()
		})
	}
}

// TestCompression checks upstreams.<name>.compression on every protocol:
// gzip (and the default) lets a connect-go backend gzip its response,
// none makes it answer uncompressed, and the answer is the same.
func TestCompression(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("a compressible answer ", 100)
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		for _, c := range []struct{ compression, want string }{{"", "gzip"}, {config.CompressionGzip, "gzip"}, {config.CompressionNone, ""}} {
			t.Run(protocol+" "+c.compression, func(t *testing.T) {
				t.Parallel()
				var mu sync.Mutex
				var seen []string
				b := newBackend(t, name, withH2C(), withEncodings(&mu, &seen))
				set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: protocol, Compression: c.compression}})
				got, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x")
				if err != nil || got != name {
					t.Fatalf("got %d bytes, %v; want the backend's name", len(got), err)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(seen) != 1 || seen[0] != c.want {
					t.Errorf("the backend answered with encodings %q, want [%q]", seen, c.want)
				}
			})
		}
	}
}

// TestCompressionNoneRejectsAGzippedAnswer: a backend that gzips its
// answer although the call did not advertise gzip fails the call with
// INTERNAL, as connect-go's client does, instead of handing over bytes it
// cannot read.
func TestCompressionNoneRejectsAGzippedAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ae := r.Header.Get("Accept-Encoding"); strings.Contains(ae, "gzip") {
			t.Errorf("the call advertised Accept-Encoding %q with compression none", ae)
		}
		var body bytes.Buffer
		zw := gzip.NewWriter(&body)
		data, _ := proto.Marshal(wrapperspb.String("zipped"))
		_, _ = zw.Write(data)
		_ = zw.Close()
		w.Header().Set("Content-Type", "application/proto")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(body.Bytes())
	}))
	t.Cleanup(srv.Close)
	set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{srv.URL}, Compression: config.CompressionNone}})
	_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(t.Context(), "x")
	if connect.CodeOf(err) != connect.CodeInternal {
		t.Fatalf("got %v, want code internal", err)
	}
}

func TestUnknownCompressionIsAnError(t *testing.T) {
	t.Parallel()
	_, err := sidecar.NewSet(map[string]config.Upstream{"catalog": {Endpoints: []string{"http://127.0.0.1:1"}, Compression: "zstd"}})
	if err == nil || !strings.Contains(err.Error(), `compression "zstd" is unknown: want "gzip" or "none"`) {
		t.Fatalf("NewSet: %v", err)
	}
}

// TestGzipAnswersOneAfterAnother: the pooled gzip decompressors read one
// gzipped answer after another, of every protocol, with a failed call in
// between, as connect-go's own do.
func TestGzipAnswersOneAfterAnother(t *testing.T) {
	t.Parallel()
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			name := strings.Repeat(protocol+" compresses well. ", 200)
			b := newBackend(t, name, withH2C())
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: protocol}})
			client := sidecar.Client(set, "catalog", newEchoClient)
			for i := range 20 {
				if i == 10 {
					if _, err := client.Echo(t.Context(), "not_found"); connect.CodeOf(err) != connect.CodeNotFound {
						t.Fatalf("got %v, want not_found", err)
					}
				}
				got, err := client.Echo(t.Context(), "x")
				if err != nil || got != name {
					t.Fatalf("call %d: got %d bytes, %v; want the backend's name", i, len(got), err)
				}
			}
		})
	}
}
