package conformance_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/bffgen/bffgen/internal/conformance"
	v1 "github.com/bffgen/bffgen/internal/conformance/conformancev1"
)

const service = "connectrpc.conformance.v1.ConformanceService"

// newServer serves Unary and ServerStream of the conformance service on
// 127.0.0.1, over HTTP/1.1 and h2c, as the reference server does for the
// parts these tests use: it answers as the request's response definition
// says and describes the request it saw (headers, messages) in the
// payload or in an error detail.
func newServer(t *testing.T) *url.URL {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/"+service+"/Unary", connect.NewUnaryHandler("/"+service+"/Unary",
		func(_ context.Context, req *connect.Request[v1.UnaryRequest]) (*connect.Response[v1.UnaryResponse], error) {
			info, err := describe(req.Header(), req.Msg)
			if err != nil {
				return nil, err
			}
			def := req.Msg.GetResponseDefinition()
			if e := def.GetError(); e != nil {
				return nil, rpcError(e, info)
			}
			return connect.NewResponse(&v1.UnaryResponse{Payload: &v1.ConformancePayload{Data: def.GetResponseData(), RequestInfo: info}}), nil
		}))
	mux.Handle("/"+service+"/ServerStream", connect.NewServerStreamHandler("/"+service+"/ServerStream",
		func(_ context.Context, req *connect.Request[v1.ServerStreamRequest], stream *connect.ServerStream[v1.ServerStreamResponse]) error {
			info, err := describe(req.Header(), req.Msg)
			if err != nil {
				return err
			}
			def := req.Msg.GetResponseDefinition()
			for i, data := range def.GetResponseData() {
				p := &v1.ConformancePayload{Data: data}
				if i == 0 {
					p.RequestInfo = info
				}
				if err := stream.Send(&v1.ServerStreamResponse{Payload: p}); err != nil {
					return err
				}
			}
			if e := def.GetError(); e != nil {
				return rpcError(e, nil)
			}
			return nil
		}))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// describe is the request info of a request.
func describe(h http.Header, msg proto.Message) (*v1.ConformancePayload_RequestInfo, error) {
	a, err := anypb.New(msg)
	if err != nil {
		return nil, err
	}
	info := &v1.ConformancePayload_RequestInfo{Requests: []*anypb.Any{a}}
	for name, vs := range h {
		info.RequestHeaders = append(info.RequestHeaders, &v1.Header{Name: name, Value: vs})
	}
	return info, nil
}

// rpcError is the connect error of a response definition, with the request
// info as a detail when there is one.
func rpcError(e *v1.Error, info *v1.ConformancePayload_RequestInfo) error {
	ce := connect.NewError(connect.Code(e.GetCode()), errors.New(e.GetMessage()))
	ce.Meta().Set("X-Custom-Trailer", "on-error")
	for _, m := range []proto.Message{info, e} {
		if m == nil || m == (*v1.ConformancePayload_RequestInfo)(nil) {
			continue
		}
		d, err := connect.NewErrorDetail(m)
		if err != nil {
			return err
		}
		ce.AddDetail(d)
	}
	return ce
}

// frame appends a size-delimited message.
func frame(t *testing.T, buf *bytes.Buffer, m proto.Message) {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(b))))
	buf.Write(b)
}

// run runs reqs through conformance.Run and returns the results by test
// name.
func run(t *testing.T, opts conformance.Options, reqs ...*v1.ClientCompatRequest) map[string]*v1.ClientCompatResponse {
	t.Helper()
	var in, out bytes.Buffer
	for _, r := range reqs {
		frame(t, &in, r)
	}
	if err := conformance.Run(t.Context(), &in, &out, opts); err != nil {
		t.Fatal(err)
	}
	results := map[string]*v1.ClientCompatResponse{}
	for out.Len() > 0 {
		n := binary.BigEndian.Uint32(out.Next(4))
		res := &v1.ClientCompatResponse{}
		if err := proto.Unmarshal(out.Next(int(n)), res); err != nil {
			t.Fatal(err)
		}
		results[res.GetTestName()] = res
	}
	if len(results) != len(reqs) {
		t.Fatalf("got %d results for %d requests", len(results), len(reqs))
	}
	return results
}

// sentTimeout returns the deadline a request carried in the protocol's
// timeout header (Connect-Timeout-Ms, or Grpc-Timeout for gRPC and
// gRPC-Web), and whether it carried one.
func sentTimeout(t *testing.T, hs []*v1.Header) (time.Duration, bool) {
	t.Helper()
	if v := header(hs, "Connect-Timeout-Ms"); len(v) == 1 {
		ms, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil {
			t.Fatalf("Connect-Timeout-Ms %q: %v", v[0], err)
		}
		return time.Duration(ms) * time.Millisecond, true
	}
	v := header(hs, "Grpc-Timeout")
	if len(v) != 1 || len(v[0]) < 2 {
		return 0, false
	}
	units := map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second, 'm': time.Millisecond, 'u': time.Microsecond, 'n': time.Nanosecond}
	n, err := strconv.ParseInt(v[0][:len(v[0])-1], 10, 64)
	unit, ok := units[v[0][len(v[0])-1]]
	if err != nil || !ok {
		t.Fatalf("Grpc-Timeout %q is malformed", v[0])
	}
	return time.Duration(n) * unit, true
}

// header returns the values of name (any case) in hs.
func header(hs []*v1.Header, name string) []string {
	for _, h := range hs {
		if strings.EqualFold(h.GetName(), name) {
			return h.GetValue()
		}
	}
	return nil
}

func anyOf(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestEveryProtocolThroughEitherStack sends a unary call that succeeds, one
// that fails with a detail and a server stream that ends in an error, on
// the three protocols, through the sidecar stack and the plain one, and
// checks what the runner checks: payloads, the request the server saw,
// error codes, messages and details, headers and trailers. The sidecar
// stack must also forward the inbound request's header and send its
// deadline (none with -timeout-off); the plain stack sends neither. A
// case with a timeout of its own reaches the server with that deadline
// on every stack.
func TestEveryProtocolThroughEitherStack(t *testing.T) {
	srv := newServer(t)
	port, _ := strconv.Atoi(srv.Port())
	protocols := map[string]v1.Protocol{"connect": v1.Protocol_PROTOCOL_CONNECT, "grpc": v1.Protocol_PROTOCOL_GRPC, "grpcweb": v1.Protocol_PROTOCOL_GRPC_WEB}
	wantErr := &v1.Error{Code: v1.Code_CODE_FAILED_PRECONDITION, Message: proto.String("the precondition failed")}
	stacks := []struct {
		name string
		opts conformance.Options
	}{
		{"sidecar", conformance.Options{Stack: conformance.StackSidecar}},
		{"sidecar-timeout-off", conformance.Options{Stack: conformance.StackSidecar, TimeoutOff: true}},
		{"plain", conformance.Options{Stack: conformance.StackPlain}},
	}
	for _, sc := range stacks {
		stack := sc.opts.Stack
		for pname, protocol := range protocols {
			t.Run(sc.name+"/"+pname, func(t *testing.T) {
				base := func(name, method string, msg proto.Message) *v1.ClientCompatRequest {
					version := v1.HTTPVersion_HTTP_VERSION_1
					if protocol == v1.Protocol_PROTOCOL_GRPC {
						version = v1.HTTPVersion_HTTP_VERSION_2
					}
					return &v1.ClientCompatRequest{
						TestName: name, HttpVersion: version, Protocol: protocol,
						Codec: v1.Codec_CODEC_PROTO, Compression: v1.Compression_COMPRESSION_GZIP,
						Host: srv.Hostname(), Port: uint32(port),
						Service: proto.String(service), Method: proto.String(method),
						RequestHeaders:  []*v1.Header{{Name: "X-Case", Value: []string{name}}},
						RequestMessages: []*anypb.Any{anyOf(t, msg)},
					}
				}
				okRequest := &v1.UnaryRequest{ResponseDefinition: &v1.UnaryResponseDefinition{Response: &v1.UnaryResponseDefinition_ResponseData{ResponseData: []byte("data")}}}
				results := run(t, sc.opts,
					base("ok", "Unary", okRequest),
					func() *v1.ClientCompatRequest {
						r := base("timed", "Unary", okRequest)
						r.TimeoutMs = proto.Uint32(5000)
						return r
					}(),
					base("fails", "Unary", &v1.UnaryRequest{ResponseDefinition: &v1.UnaryResponseDefinition{Response: &v1.UnaryResponseDefinition_Error{Error: wantErr}}}),
					func() *v1.ClientCompatRequest {
						r := base("stream", "ServerStream", &v1.ServerStreamRequest{ResponseDefinition: &v1.StreamResponseDefinition{
							ResponseData: [][]byte{[]byte("one"), []byte("two")}, Error: wantErr}})
						r.StreamType = v1.StreamType_STREAM_TYPE_SERVER_STREAM
						return r
					}(),
				)

				ok := results["ok"].GetResponse()
				if ok == nil || ok.GetError() != nil || len(ok.GetPayloads()) != 1 || string(ok.GetPayloads()[0].GetData()) != "data" {
					t.Fatalf("ok: got %v", results["ok"])
				}
				seen := ok.GetPayloads()[0].GetRequestInfo().GetRequestHeaders()
				if got := header(seen, "X-Case"); len(got) != 1 || got[0] != "ok" {
					t.Errorf("ok: the server saw X-Case %q, want [ok]", got)
				}
				forwarded := header(seen, conformance.ForwardedHeader)
				deadline, hasDeadline := sentTimeout(t, seen)
				switch {
				case stack == conformance.StackSidecar:
					if len(forwarded) != 1 || forwarded[0] != conformance.ForwardedValue || header(seen, "Traceparent") == nil {
						t.Errorf("ok: the sidecar forwarded %s %q and traceparent %q, want %q and one", conformance.ForwardedHeader, forwarded, header(seen, "Traceparent"), conformance.ForwardedValue)
					}
					if sc.opts.TimeoutOff && hasDeadline {
						t.Errorf("ok: the sidecar with timeout off sent a deadline of %s; headers %v", deadline, seen)
					}
					if !sc.opts.TimeoutOff && (!hasDeadline || deadline > conformance.SidecarTimeout || deadline <= 5*time.Second) {
						t.Errorf("ok: the sidecar sent deadline %v %s, want its timeout, %s at most; headers %v", hasDeadline, deadline, conformance.SidecarTimeout, seen)
					}
				case forwarded != nil || hasDeadline:
					t.Errorf("ok: the plain stack forwarded %q, deadline %v: want neither", forwarded, hasDeadline)
				}
				timed := results["timed"].GetResponse()
				if timed == nil || timed.GetError() != nil || len(timed.GetPayloads()) != 1 {
					t.Fatalf("timed: got %v", results["timed"])
				}
				if d, ok := sentTimeout(t, timed.GetPayloads()[0].GetRequestInfo().GetRequestHeaders()); !ok || d > 5*time.Second {
					t.Errorf("timed: the server saw deadline %v %s, want the case's, 5s at most", ok, d)
				}

				fails := results["fails"].GetResponse()
				gotErr := fails.GetError()
				if gotErr.GetCode() != wantErr.GetCode() || gotErr.GetMessage() != wantErr.GetMessage() {
					t.Fatalf("fails: got error %v, want %v (the sidecar's wrapping must keep connect's code and message)", gotErr, wantErr)
				}
				if len(gotErr.GetDetails()) != 2 {
					t.Fatalf("fails: got %d details, want 2", len(gotErr.GetDetails()))
				}
				info := &v1.ConformancePayload_RequestInfo{}
				if err := gotErr.GetDetails()[0].UnmarshalTo(info); err != nil {
					t.Fatalf("fails: detail 1: %v", err)
				}
				if got := header(info.GetRequestHeaders(), "X-Case"); len(got) != 1 || got[0] != "fails" {
					t.Errorf("fails: the request info detail shows X-Case %q", got)
				}
				if echoed := (&v1.Error{}); gotErr.GetDetails()[1].UnmarshalTo(echoed) != nil || !proto.Equal(echoed, wantErr) {
					t.Errorf("fails: detail 2 is %v, want %v", gotErr.GetDetails()[1], wantErr)
				}
				if got := header(fails.GetResponseTrailers(), "X-Custom-Trailer"); len(got) != 1 || got[0] != "on-error" {
					t.Errorf("fails: error metadata X-Custom-Trailer %q, want [on-error]", got)
				}

				stream := results["stream"].GetResponse()
				var data []string
				for _, p := range stream.GetPayloads() {
					data = append(data, string(p.GetData()))
				}
				if strings.Join(data, ",") != "one,two" || stream.GetError().GetCode() != wantErr.GetCode() || stream.GetError().GetMessage() != wantErr.GetMessage() {
					t.Errorf("stream: got payloads %q and error %v, want one,two then %v", data, stream.GetError(), wantErr)
				}
			})
		}
	}
}

// TestACaseTheClientCannotRunIsAClientError: an unknown service or method
// is reported as the case's error, not as an RPC result, and the other
// cases still run.
func TestACaseTheClientCannotRunIsAClientError(t *testing.T) {
	srv := newServer(t)
	port, _ := strconv.Atoi(srv.Port())
	req := func(name, svc, method string) *v1.ClientCompatRequest {
		return &v1.ClientCompatRequest{
			TestName: name, HttpVersion: v1.HTTPVersion_HTTP_VERSION_1, Protocol: v1.Protocol_PROTOCOL_CONNECT,
			Codec: v1.Codec_CODEC_JSON, Compression: v1.Compression_COMPRESSION_IDENTITY,
			Host: srv.Hostname(), Port: uint32(port), Service: proto.String(svc), Method: proto.String(method),
			RequestMessages: []*anypb.Any{anyOf(t, &v1.UnaryRequest{})},
		}
	}
	results := run(t, conformance.Options{},
		req("other service", "other.v1.Service", "Unary"),
		req("other method", service, "Nope"),
		req("fine", service, "Unary"),
	)
	for _, name := range []string{"other service", "other method"} {
		if results[name].GetError().GetMessage() == "" {
			t.Errorf("%s: got %v, want a client error", name, results[name])
		}
	}
	if res := results["fine"].GetResponse(); res == nil || res.GetError() != nil {
		t.Errorf("fine: got %v, want a successful call", results["fine"])
	}
}

// TestRunRefusesAnUnknownStackAndATruncatedInput covers Run's own errors.
func TestRunRefusesAnUnknownStackAndATruncatedInput(t *testing.T) {
	if err := conformance.Run(t.Context(), strings.NewReader(""), io.Discard, conformance.Options{Stack: "envoy"}); err == nil || !strings.Contains(err.Error(), `"envoy"`) {
		t.Errorf("unknown stack: got %v", err)
	}
	if err := conformance.Run(t.Context(), bytes.NewReader([]byte{0, 0, 0, 9, 1}), io.Discard, conformance.Options{}); err == nil || !strings.Contains(err.Error(), "9 bytes") {
		t.Errorf("truncated input: got %v", err)
	}
}
