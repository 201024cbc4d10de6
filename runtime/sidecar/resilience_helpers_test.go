package sidecar_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/bffgen/bffgen/runtime/sidecar"
)

// replica is a backend whose behaviour a test sets and changes: it counts
// the requests that reached its handler.
type replica struct {
	name  string
	calls atomic.Int64
	url   string
	srv   *httptest.Server // nil for an in-memory replica

	mu     sync.Mutex
	answer func(ctx context.Context) error // nil: answer the name
	times  []time.Time                     // of the calls
}

// callTimes returns the times of the calls the replica got.
func (r *replica) callTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.times...)
}

// behaviours of a replica.
var (
	// fail answers every call with code.
	fail = func(code connect.Code) func(context.Context) error {
		return func(context.Context) error {
			return connect.NewError(code, errors.New("replica fails"))
		}
	}
	// pushback fails with UNAVAILABLE and the header name: value.
	pushback = func(name, value string) func(context.Context) error {
		return func(context.Context) error {
			err := connect.NewError(connect.CodeUnavailable, errors.New("replica overloaded"))
			err.Meta().Set(name, value)
			return err
		}
	}
	// resetAfterRead drops the connection without an answer, after the
	// request was read: the caller cannot know whether it ran.
	resetAfterRead = func(context.Context) error { panic(http.ErrAbortHandler) }
	// slow answers after d.
	slow = func(d time.Duration) func(context.Context) error {
		return func(ctx context.Context) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
)

// set changes the behaviour of the replica; nil makes it healthy.
func (r *replica) set(answer func(context.Context) error) {
	r.mu.Lock()
	r.answer = answer
	r.mu.Unlock()
}

// handler serves Echo: it counts the call and answers as set.
func (r *replica) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		r.calls.Add(1)
		r.mu.Lock()
		answer := r.answer
		r.times = append(r.times, time.Now())
		r.mu.Unlock()
		if answer != nil {
			if err := answer(ctx); err != nil {
				return nil, err
			}
		}
		return connect.NewResponse(wrapperspb.String(r.name)), nil
	}))
	return mux
}

// newReplica starts a replica on 127.0.0.1, closed when the test ends.
func newReplica(t *testing.T, name string) *replica {
	t.Helper()
	r := &replica{name: name}
	r.srv = httptest.NewServer(r.handler())
	t.Cleanup(r.srv.Close)
	r.url = r.srv.URL
	return r
}

// kill closes the replica's listener and connections: new connections are
// refused.
func (r *replica) kill() { r.srv.Close() }

// idempotentEcho returns a unary Echo client on the upstream whose
// procedure is marked free of side effects, as protoc-gen-connect-go marks
// a method with idempotency_level = NO_SIDE_EFFECTS.
func idempotentEcho(set *sidecar.Set, upstream string) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
	u, _ := set.Upstream(upstream)
	opts := append(u.ClientOptions(), connect.WithIdempotency(connect.IdempotencyNoSideEffects))
	return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](u, u.BaseURL()+echoProcedure, opts...)
}

// plainEcho returns a unary Echo client whose procedure is not idempotent,
// as a mutation's is.
func plainEcho(set *sidecar.Set, upstream string) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
	u, _ := set.Upstream(upstream)
	return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](u, u.BaseURL()+echoProcedure, u.ClientOptions()...)
}

// call makes one Echo call and returns its error.
func call(ctx context.Context, c *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue]) error {
	_, err := c.CallUnary(ctx, connect.NewRequest(wrapperspb.String("x")))
	return err
}

// memNet is an in-memory network for tests under testing/synctest, where
// real sockets would keep the bubble's clock from advancing: a request to
// a host of replicas is served by its handler, one to any other host is
// refused as a closed port is.
type memNet struct {
	mu       sync.Mutex
	replicas map[string]*replica
}

// newMemNet returns a network of the named in-memory replicas, reachable at
// http://<name>.test.
func newMemNet(names ...string) (*memNet, []*replica) {
	n := &memNet{replicas: map[string]*replica{}}
	var rs []*replica
	for _, name := range names {
		r := &replica{name: name, url: "http://" + name + ".test"}
		n.replicas[name+".test"] = r
		rs = append(rs, r)
	}
	return n, rs
}

// down makes the replica's host refuse connections, or accept them again.
func (n *memNet) down(r *replica, down bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if down {
		delete(n.replicas, r.name+".test")
	} else {
		n.replicas[r.name+".test"] = r
	}
}

// RoundTrip serves req in memory.
func (n *memNet) RoundTrip(req *http.Request) (*http.Response, error) {
	n.mu.Lock()
	r := n.replicas[req.URL.Host]
	n.mu.Unlock()
	if r == nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	}
	rec := httptest.NewRecorder()
	r.handler().ServeHTTP(rec, req)
	return rec.Result(), nil
}

// counts returns the calls each replica got.
func counts(rs []*replica) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.calls.Load()
	}
	return out
}
