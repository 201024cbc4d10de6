package stream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"github.com/bffgen/bffgen/runtime/stream"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// server streams 1, 2, 3 and then, when endless, waits for the client to
// leave; left is closed when the handler sees the cancellation.
func server(t *testing.T, endless bool) (*connect.Client[emptypb.Empty, wrapperspb.Int32Value], chan struct{}) {
	t.Helper()
	left := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/test.v1.Ticks/Watch", connect.NewServerStreamHandler("/test.v1.Ticks/Watch",
		func(ctx context.Context, _ *connect.Request[emptypb.Empty], out *connect.ServerStream[wrapperspb.Int32Value]) error {
			for i := int32(1); i <= 3; i++ {
				if err := out.Send(wrapperspb.Int32(i)); err != nil {
					return err
				}
			}
			if endless {
				<-ctx.Done()
				close(left)
			}
			return nil
		}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return connect.NewClient[emptypb.Empty, wrapperspb.Int32Value](http.DefaultClient, srv.URL+"/test.v1.Ticks/Watch"), left
}

func TestForwardSendsEveryMessageThenCloses(t *testing.T) {
	client, _ := server(t, false)
	ctx := context.Background()
	s, err := client.CallServerStream(ctx, connect.NewRequest(&emptypb.Empty{}))
	if err != nil {
		t.Fatal(err)
	}
	var got []int32
	for v := range stream.Forward(ctx, s, func(m *wrapperspb.Int32Value) int32 { return m.GetValue() * 10 }) {
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != 10 || got[2] != 30 {
		t.Errorf("got %v, want [10 20 30]", got)
	}
}

func TestForwardCancelsTheBackendWhenTheClientLeaves(t *testing.T) {
	client, left := server(t, true)
	// Whatever the test starts from here on must be gone at the end: the
	// forwarding goroutine and the stream's connection.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	s, err := client.CallServerStream(ctx, connect.NewRequest(&emptypb.Empty{}))
	if err != nil {
		t.Fatal(err)
	}
	events := stream.Forward(ctx, s, func(m *wrapperspb.Int32Value) int32 { return m.GetValue() })
	if v := <-events; v != 1 {
		t.Fatalf("first event %d, want 1", v)
	}
	cancel() // the GraphQL client leaves; like gqlgen, stop reading events
	<-left   // the backend sees it
	http.DefaultClient.CloseIdleConnections()
	// The deferred goleak check fails if the forwarding goroutine is still
	// blocked on a send nobody will receive.
}
