package sidecar_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// handlerTransport serves requests with a handler in memory, so that a
// synctest bubble holds the whole call and its timers run on fake time.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func TestTimeoutEndsSlowCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		inbound time.Duration
		want    time.Duration
	}{
		{"configured timeout", 800 * time.Millisecond, 0, 800 * time.Millisecond},
		{"default timeout of one second", 0, 0, time.Second},
		{"earlier inbound deadline", 800 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond},
		{"later inbound deadline", 800 * time.Millisecond, time.Minute, 800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := &backend{name: "slow"}
				rt := handlerTransport{b.handler(nil, nil)}
				set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{"http://backend.test"}, Timeout: tt.timeout}}, sidecar.WithTransport(rt))
				ctx := t.Context()
				if tt.inbound > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.inbound)
					defer cancel()
				}
				start := time.Now()
				_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(ctx, "wait")
				if elapsed := time.Since(start); elapsed != tt.want {
					t.Errorf("the call ended after %v, want %v", elapsed, tt.want)
				}
				if got := connect.CodeOf(err); got != connect.CodeDeadlineExceeded {
					t.Errorf("error %v has code %v, want deadline_exceeded", err, got)
				}
				if !errors.As(err, new(*errcode.UpstreamError)) || errcode.Code(err) != errcode.Timeout {
					t.Errorf("error %v is not a TIMEOUT UpstreamError", err)
				}
			})
		})
	}
}

func TestStreamsHaveNoTimeoutAndKeepEOF(t *testing.T) {
	t.Parallel()
	b := newBackend(t, "b", withH2C())
	for _, protocol := range []string{config.ProtocolConnect, config.ProtocolGRPC, config.ProtocolGRPCWeb} {
		t.Run(protocol, func(t *testing.T) {
			set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{b.srv.URL}, Protocol: protocol, Timeout: time.Millisecond}})
			client := sidecar.Client(set, "catalog", newEchoClient)

			stream, err := client.count.CallServerStream(t.Context(), connect.NewRequest(wrapperspb.Int32(3)))
			if err != nil {
				t.Fatal(err)
			}
			var got []int32
			for stream.Receive() {
				got = append(got, stream.Msg().GetValue())
			}
			if err := stream.Err(); err != nil || len(got) != 3 {
				t.Fatalf("stream gave %v, %v; want [1 2 3] and a clean end", got, err)
			}
			if err := stream.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if seen := b.last(t); seen.hasDeadline {
				t.Errorf("the backend saw a deadline on a stream; streams live as long as the caller's context")
			}

			stream, err = client.count.CallServerStream(t.Context(), connect.NewRequest(wrapperspb.Int32(-2)))
			if err != nil {
				t.Fatal(err)
			}
			for stream.Receive() {
			}
			err = stream.Err()
			var ue *errcode.UpstreamError
			if !errors.As(err, &ue) || ue.Procedure != countProcedure || connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("stream error %v is not a not_found UpstreamError of %s", err, countProcedure)
			}
			_ = stream.Close()
		})
	}
}

// recordingInterceptor records the deadline its unary calls see and fails
// them when fail is set.
type recordingInterceptor struct {
	deadline time.Time
	fail     bool
}

func (r *recordingInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		r.deadline, _ = ctx.Deadline()
		if r.fail {
			return nil, connect.NewError(connect.CodePermissionDenied, errors.New("interceptor says no"))
		}
		return next(ctx, req)
	}
}

func (r *recordingInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (r *recordingInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func TestWithInterceptorsRunInsideTheUpstreamInterceptor(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := &backend{name: "b"}
		rec := &recordingInterceptor{}
		set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{"http://backend.test"}, Timeout: 2 * time.Second}},
			sidecar.WithTransport(handlerTransport{b.handler(nil, nil)}), sidecar.WithInterceptors(rec))
		client := sidecar.Client(set, "catalog", newEchoClient)
		start := time.Now()
		if _, err := client.Echo(t.Context(), "x"); err != nil {
			t.Fatal(err)
		}
		if want := start.Add(2 * time.Second); !rec.deadline.Equal(want) {
			t.Errorf("the added interceptor saw deadline %v, want the timeout's %v", rec.deadline, want)
		}
		rec.fail = true
		_, err := client.Echo(t.Context(), "x")
		if got, want := err.Error(), `upstream "catalog" /test.v1.EchoService/Echo: permission_denied: interceptor says no`; got != want {
			t.Errorf("error = %q, want %q", got, want)
		}
	})
}
