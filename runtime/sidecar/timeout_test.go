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

// TestTimeoutOffAddsNoDeadline: with TimeoutOff the sidecar adds no
// deadline of its own to a unary call: the backend sees none when the
// caller has none, and the caller's own when it has one; the default
// timeout (1s) and a configured one still bound the call. Durations are
// exact: the call runs in a synctest bubble on an in-memory transport.
func TestTimeoutOffAddsNoDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     config.Upstream
		inbound time.Duration // 0: the caller has no deadline
		want    time.Duration // 0: the backend must see no deadline
	}{
		{"off, no caller deadline: none sent", config.Upstream{TimeoutOff: true}, 0, 0},
		{"off, the caller's deadline propagates", config.Upstream{TimeoutOff: true}, 3 * time.Second, 3 * time.Second},
		{"off, a caller's deadline past the default", config.Upstream{TimeoutOff: true}, time.Minute, time.Minute},
		{"default: one second", config.Upstream{}, 0, time.Second},
		{"default, a later caller deadline", config.Upstream{}, time.Minute, time.Second},
		{"configured, an earlier caller deadline", config.Upstream{Timeout: 2 * time.Second}, 300 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := &backend{name: "b"}
				cfg := tt.cfg
				cfg.Endpoints = []string{"http://backend.test"}
				set := newSet(t, map[string]config.Upstream{"catalog": cfg}, sidecar.WithTransport(handlerTransport{b.handler(nil, nil)}))
				ctx := t.Context()
				if tt.inbound > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.inbound)
					defer cancel()
				}
				if _, err := sidecar.Client(set, "catalog", newEchoClient).Echo(ctx, "x"); err != nil {
					t.Fatal(err)
				}
				seen := b.last(t)
				switch {
				case tt.want == 0 && seen.hasDeadline:
					t.Errorf("the backend saw a deadline %s away, want none", seen.remaining)
				case tt.want > 0 && (!seen.hasDeadline || seen.remaining != tt.want):
					t.Errorf("the backend saw deadline %v, %s away; want one %s away", seen.hasDeadline, seen.remaining, tt.want)
				}
			})
		})
	}
}

// TestTimeoutOffCallRunsUntilTheCallerStops: with TimeoutOff a call to a
// backend that never answers is not ended at one second: it ends at the
// caller's deadline (DEADLINE_EXCEEDED) or when the caller cancels it
// (CANCELED), however late.
func TestTimeoutOffCallRunsUntilTheCallerStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		deadline bool // a deadline at 90s, else a cancellation at 90s
		code     connect.Code
	}{
		{"caller deadline", true, connect.CodeDeadlineExceeded},
		{"caller cancels", false, connect.CodeCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				b := &backend{name: "slow"}
				set := newSet(t, map[string]config.Upstream{"catalog": {Endpoints: []string{"http://backend.test"}, TimeoutOff: true}},
					sidecar.WithTransport(handlerTransport{b.handler(nil, nil)}))
				const after = 90 * time.Second
				var (
					ctx    context.Context
					cancel context.CancelFunc
				)
				if tt.deadline {
					ctx, cancel = context.WithTimeout(t.Context(), after)
				} else {
					ctx, cancel = context.WithCancel(t.Context())
					time.AfterFunc(after, cancel)
				}
				defer cancel()
				start := time.Now()
				_, err := sidecar.Client(set, "catalog", newEchoClient).Echo(ctx, "wait")
				if elapsed := time.Since(start); elapsed != after {
					t.Errorf("the call ended after %v, want %v", elapsed, after)
				}
				if got := connect.CodeOf(err); got != tt.code {
					t.Errorf("error %v has code %v, want %v", err, got, tt.code)
				}
			})
		})
	}
}

// TestTimeoutAndTimeoutOffTogetherAreRefused: a config.Upstream built in
// Go with both a timeout and TimeoutOff is an error, not a silent choice.
func TestTimeoutAndTimeoutOffTogetherAreRefused(t *testing.T) {
	t.Parallel()
	_, err := sidecar.NewUpstream("catalog", config.Upstream{Endpoints: []string{"http://127.0.0.1:1"}, Timeout: time.Second, TimeoutOff: true})
	if want := `upstream "catalog": timeout 1s and TimeoutOff are both set: keep one`; err == nil || err.Error() != want {
		t.Errorf("NewUpstream: %v, want %q", err, want)
	}
}
