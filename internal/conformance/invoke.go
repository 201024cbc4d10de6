package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v1 "github.com/bffgen/bffgen/internal/conformance/conformancev1"
	"github.com/bffgen/bffgen/runtime/request"
)

// serviceName is the only service the runner asks a client to call.
const serviceName = "connectrpc.conformance.v1.ConformanceService"

// invoke sends the RPC of one case and describes its outcome. An error
// means the case could not be run (a ClientErrorResult); an RPC error is
// part of the result. forwarded reports that the server echoed the header
// the stack forwards.
func invoke(ctx context.Context, st stack, req *v1.ClientCompatRequest) (_ *v1.ClientResponseResult, forwarded bool, _ error) {
	if req.GetService() != serviceName {
		return nil, false, fmt.Errorf("service %q is unknown: want %q", req.GetService(), serviceName)
	}
	if req.GetRawRequest() != nil {
		return nil, false, errors.New("raw_request is not supported: it is for reference clients only")
	}
	hc, base, opts, done, err := st.client(req)
	if err != nil {
		return nil, false, err
	}
	defer done()
	caseOpts, err := callOptions(req)
	if err != nil {
		return nil, false, err
	}
	opts = append(opts, caseOpts...)
	if h, v := st.forwards(); h != "" {
		// The call is made on behalf of an inbound request, as a
		// resolver's is: the sidecar copies the headers it forwards.
		in := http.Header{}
		in.Set(h, v)
		in.Set("Traceparent", traceparent)
		ctx = request.With(ctx, request.New(req.GetTestName(), in))
	}
	if req.TimeoutMs != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.GetTimeoutMs())*time.Millisecond)
		defer cancel()
	}
	timing, err := cancelTimingOf(req.GetCancel())
	if err != nil {
		return nil, false, err
	}
	c := &call{req: req, timing: timing, url: base + "/" + serviceName + "/" + req.GetMethod(), hc: hc, opts: opts}
	var res *v1.ClientResponseResult
	switch req.GetMethod() {
	case "Unary":
		res, err = unary[v1.UnaryRequest](ctx, c, func(r *v1.UnaryResponse) *v1.ConformancePayload { return r.GetPayload() })
	case "IdempotentUnary":
		c.opts = append(c.opts, connect.WithIdempotency(connect.IdempotencyNoSideEffects))
		res, err = unary[v1.IdempotentUnaryRequest](ctx, c, func(r *v1.IdempotentUnaryResponse) *v1.ConformancePayload { return r.GetPayload() })
	case "Unimplemented":
		res, err = unary[v1.UnimplementedRequest](ctx, c, func(*v1.UnimplementedResponse) *v1.ConformancePayload { return nil })
	case "ServerStream":
		res, err = serverStream(ctx, c)
	case "ClientStream":
		res, err = clientStream(ctx, c)
	case "BidiStream":
		res, err = bidiStream(ctx, c)
	default:
		return nil, false, fmt.Errorf("method %q is unknown", req.GetMethod())
	}
	if err != nil {
		return nil, false, err
	}
	if h, v := st.forwards(); h != "" {
		info := requestInfo(res)
		if info != nil {
			if !hasHeader(info.GetRequestHeaders(), h, v) {
				return nil, false, fmt.Errorf("the server did not receive %s: %s, which the sidecar forwards from the inbound request", h, v)
			}
			forwarded = true
		}
	}
	return res, forwarded, nil
}

// callOptions are the client options of the case's codec and
// compression, and connect's GET for side-effect-free procedures.
func callOptions(req *v1.ClientCompatRequest) ([]connect.ClientOption, error) {
	opts := []connect.ClientOption{connect.WithHTTPGet()}
	switch req.GetCodec() {
	case v1.Codec_CODEC_PROTO:
	case v1.Codec_CODEC_JSON:
		opts = append(opts, connect.WithProtoJSON())
	default:
		return nil, fmt.Errorf("codec %v is not supported", req.GetCodec())
	}
	switch req.GetCompression() {
	case v1.Compression_COMPRESSION_IDENTITY, v1.Compression_COMPRESSION_UNSPECIFIED:
		// Neither send nor ask for gzip.
		opts = append(opts, connect.WithAcceptCompression("gzip", nil, nil))
	case v1.Compression_COMPRESSION_GZIP:
		opts = append(opts, connect.WithSendGzip())
	default:
		return nil, fmt.Errorf("compression %v is not supported", req.GetCompression())
	}
	return opts, nil
}

// call is what the functions of each stream type need.
type call struct {
	req    *v1.ClientCompatRequest
	timing cancelTiming
	url    string
	hc     connect.HTTPClient
	opts   []connect.ClientOption
}

// cancelTiming says when a case cancels its RPC; -1 means never.
type cancelTiming struct {
	beforeCloseSend   bool
	afterCloseSendMs  int
	afterNumResponses int
}

// cancelTimingOf reads the case's cancel field.
func cancelTimingOf(c *v1.ClientCompatRequest_Cancel) (cancelTiming, error) {
	t := cancelTiming{afterCloseSendMs: -1, afterNumResponses: -1}
	if c == nil {
		return t, nil
	}
	switch timing := c.GetCancelTiming().(type) {
	case *v1.ClientCompatRequest_Cancel_BeforeCloseSend:
		t.beforeCloseSend = true
	case *v1.ClientCompatRequest_Cancel_AfterCloseSendMs:
		t.afterCloseSendMs = int(timing.AfterCloseSendMs)
	case *v1.ClientCompatRequest_Cancel_AfterNumResponses:
		t.afterNumResponses = int(timing.AfterNumResponses)
	case nil:
		t.afterCloseSendMs = 0 // a cancel without timing: right after close send
	default:
		return t, fmt.Errorf("cancel timing %T is unknown", timing)
	}
	return t, nil
}

// message is a generated message type of the service.
type message[T any] interface {
	*T
	proto.Message
}

// requestMessage unpacks the i-th request message of the case into a new T.
func requestMessage[T any, P message[T]](req *v1.ClientCompatRequest, i int) (*T, error) {
	msg := P(new(T))
	if err := req.GetRequestMessages()[i].UnmarshalTo(msg); err != nil {
		return nil, fmt.Errorf("request message #%d: %w", i+1, err)
	}
	return msg, nil
}

// unary sends a unary call.
func unary[Req, Res any, P message[Req]](ctx context.Context, c *call, payload func(*Res) *v1.ConformancePayload) (*v1.ClientResponseResult, error) {
	if len(c.req.GetRequestMessages()) != 1 {
		return nil, fmt.Errorf("a unary call needs exactly one request message, got %d", len(c.req.GetRequestMessages()))
	}
	msg, err := requestMessage[Req, P](c.req, 0)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.timing.afterCloseSendMs >= 0 {
		t := time.AfterFunc(time.Duration(c.timing.afterCloseSendMs)*time.Millisecond, cancel)
		defer t.Stop()
	}
	client := connect.NewClient[Req, Res](c.hc, c.url, c.opts...)
	r := connect.NewRequest(msg)
	addHeaders(r.Header(), c.req.GetRequestHeaders())
	res, err := client.CallUnary(ctx, r)
	if err != nil {
		return errorResult(err), nil
	}
	p := payload(res.Msg)
	if p == nil {
		p = &v1.ConformancePayload{}
	}
	return &v1.ClientResponseResult{
		ResponseHeaders:  headers(res.Header()),
		ResponseTrailers: headers(res.Trailer()),
		Payloads:         []*v1.ConformancePayload{p},
	}, nil
}

// serverStream sends a server-streaming call.
func serverStream(ctx context.Context, c *call) (*v1.ClientResponseResult, error) {
	if len(c.req.GetRequestMessages()) != 1 {
		return nil, fmt.Errorf("a server stream needs exactly one request message, got %d", len(c.req.GetRequestMessages()))
	}
	msg, err := requestMessage[v1.ServerStreamRequest](c.req, 0)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := connect.NewClient[v1.ServerStreamRequest, v1.ServerStreamResponse](c.hc, c.url, c.opts...)
	r := connect.NewRequest(msg)
	addHeaders(r.Header(), c.req.GetRequestHeaders())
	stream, err := client.CallServerStream(ctx, r)
	if err != nil {
		return errorResult(err), nil
	}
	if c.timing.afterCloseSendMs >= 0 {
		time.Sleep(time.Duration(c.timing.afterCloseSendMs) * time.Millisecond)
		cancel()
	}
	res := &v1.ClientResponseResult{}
	for stream.Receive() {
		res.Payloads = append(res.Payloads, payloadOrEmpty(stream.Msg().GetPayload()))
		if len(res.Payloads) == c.timing.afterNumResponses {
			cancel()
		}
	}
	err = stream.Err()
	if closeErr := stream.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		res.Error = protoError(err)
	}
	res.ResponseHeaders = headers(stream.ResponseHeader())
	res.ResponseTrailers = headers(stream.ResponseTrailer())
	return res, nil
}

// clientStream sends a client-streaming call.
func clientStream(ctx context.Context, c *call) (*v1.ClientResponseResult, error) {
	msgs := make([]*v1.ClientStreamRequest, len(c.req.GetRequestMessages()))
	for i := range msgs {
		m, err := requestMessage[v1.ClientStreamRequest](c.req, i)
		if err != nil {
			return nil, err
		}
		msgs[i] = m
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := connect.NewClient[v1.ClientStreamRequest, v1.ClientStreamResponse](c.hc, c.url, c.opts...)
	stream := client.CallClientStream(ctx)
	addHeaders(stream.RequestHeader(), c.req.GetRequestHeaders())
	unsent := 0
	for i, m := range msgs {
		time.Sleep(time.Duration(c.req.GetRequestDelayMs()) * time.Millisecond)
		if err := stream.Send(m); err != nil {
			// The reason comes with CloseAndReceive.
			unsent = len(msgs) - i
			break
		}
	}
	if c.timing.beforeCloseSend {
		cancel()
	} else if c.timing.afterCloseSendMs >= 0 {
		t := time.AfterFunc(time.Duration(c.timing.afterCloseSendMs)*time.Millisecond, cancel)
		defer t.Stop()
	}
	res, err := stream.CloseAndReceive()
	if err != nil {
		out := errorResult(err)
		out.NumUnsentRequests = int32(unsent)
		return out, nil
	}
	return &v1.ClientResponseResult{
		ResponseHeaders:   headers(res.Header()),
		ResponseTrailers:  headers(res.Trailer()),
		Payloads:          []*v1.ConformancePayload{payloadOrEmpty(res.Msg.GetPayload())},
		NumUnsentRequests: int32(unsent),
	}, nil
}

// bidiStream sends a bidirectional stream, half or full duplex.
func bidiStream(ctx context.Context, c *call) (*v1.ClientResponseResult, error) {
	msgs := make([]*v1.BidiStreamRequest, len(c.req.GetRequestMessages()))
	for i := range msgs {
		m, err := requestMessage[v1.BidiStreamRequest](c.req, i)
		if err != nil {
			return nil, err
		}
		msgs[i] = m
	}
	fullDuplex := c.req.GetStreamType() == v1.StreamType_STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := connect.NewClient[v1.BidiStreamRequest, v1.BidiStreamResponse](c.hc, c.url, c.opts...)
	stream := client.CallBidiStream(ctx)
	addHeaders(stream.RequestHeader(), c.req.GetRequestHeaders())
	res := &v1.ClientResponseResult{}
	receive := func() (done bool, err error) {
		m, err := stream.Receive()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return true, nil
			}
			return true, err
		}
		res.Payloads = append(res.Payloads, payloadOrEmpty(m.GetPayload()))
		if len(res.Payloads) == c.timing.afterNumResponses {
			cancel()
		}
		return false, nil
	}
	var rpcErr error
	ended := false
	for i, m := range msgs {
		time.Sleep(time.Duration(c.req.GetRequestDelayMs()) * time.Millisecond)
		if err := stream.Send(m); err != nil {
			// Send reports io.EOF when the stream ended; the reason is
			// what Receive returns.
			res.NumUnsentRequests = int32(len(msgs) - i)
			rpcErr = err
			if _, recvErr := stream.Receive(); recvErr != nil && !errors.Is(recvErr, io.EOF) {
				rpcErr = recvErr
			}
			ended = true
			break
		}
		if fullDuplex {
			if done, err := receive(); done {
				rpcErr, ended = err, true
				break
			}
		}
	}
	if c.timing.beforeCloseSend {
		cancel()
	}
	if err := stream.CloseRequest(); err != nil && rpcErr == nil && !ended {
		rpcErr, ended = err, true
	}
	if c.timing.afterCloseSendMs >= 0 {
		time.Sleep(time.Duration(c.timing.afterCloseSendMs) * time.Millisecond)
		cancel()
	}
	for !ended {
		var err error
		if ended, err = receive(); err != nil {
			rpcErr = err
		}
	}
	if err := stream.CloseResponse(); err != nil && rpcErr == nil {
		rpcErr = err
	}
	if rpcErr != nil && !errors.Is(rpcErr, io.EOF) {
		res.Error = protoError(rpcErr)
	}
	res.ResponseHeaders = headers(stream.ResponseHeader())
	res.ResponseTrailers = headers(stream.ResponseTrailer())
	return res, nil
}

// errorResult describes a call that failed before a response: connect
// gives the headers and trailers of a failed unary or client-stream call
// as one set, the error's metadata, which the runner accepts as trailers.
func errorResult(err error) *v1.ClientResponseResult {
	res := &v1.ClientResponseResult{Error: protoError(err)}
	if ce := (*connect.Error)(nil); errors.As(err, &ce) {
		res.ResponseTrailers = headers(ce.Meta())
	}
	return res
}

// protoError describes an RPC error as connect-go's client returned it:
// the *connect.Error inside the sidecar's *errcode.UpstreamError, so the
// code, message and details are connect's. An error that is no
// *connect.Error is unknown, with its text as the message.
func protoError(err error) *v1.Error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		msg := err.Error()
		return &v1.Error{Code: v1.Code_CODE_UNKNOWN, Message: &msg}
	}
	msg := ce.Message()
	out := &v1.Error{Code: v1.Code(ce.Code()), Message: &msg}
	for _, d := range ce.Details() {
		out.Details = append(out.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type(), Value: d.Bytes()})
	}
	return out
}

// payloadOrEmpty stands an empty payload for a missing one.
func payloadOrEmpty(p *v1.ConformancePayload) *v1.ConformancePayload {
	if p == nil {
		return &v1.ConformancePayload{}
	}
	return p
}

// addHeaders adds the case's request headers.
func addHeaders(dst http.Header, src []*v1.Header) {
	for _, h := range src {
		for _, v := range h.GetValue() {
			dst.Add(h.GetName(), v)
		}
	}
}

// headers converts HTTP headers to the runner's form.
func headers(h http.Header) []*v1.Header {
	out := make([]*v1.Header, 0, len(h))
	for name, vs := range h {
		out = append(out, &v1.Header{Name: name, Value: vs})
	}
	return out
}

// requestInfo returns what the server saw of the request: the request
// info of the first payload, or of the error's details; nil when the
// result has none.
func requestInfo(res *v1.ClientResponseResult) *v1.ConformancePayload_RequestInfo {
	if ps := res.GetPayloads(); len(ps) > 0 && ps[0].GetRequestInfo() != nil {
		return ps[0].GetRequestInfo()
	}
	for _, d := range res.GetError().GetDetails() {
		info := &v1.ConformancePayload_RequestInfo{}
		if d.MessageIs(info) && d.UnmarshalTo(info) == nil {
			return info
		}
	}
	return nil
}

// hasHeader reports whether hs holds name (any case) with value.
func hasHeader(hs []*v1.Header, name, value string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.GetName(), name) {
			for _, v := range h.GetValue() {
				if v == value {
					return true
				}
			}
		}
	}
	return false
}
