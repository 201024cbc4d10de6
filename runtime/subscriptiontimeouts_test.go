package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// shortTimeouts are server timeouts far shorter than the waits below, so
// that a subscription cut by any of them is seen.
const shortTimeouts = "server: {request_timeout: 100ms, read_timeout: 150ms, write_timeout: 200ms}\n"

// line is a line of an SSE stream and when it arrived.
type line struct {
	text string
	at   time.Time
}

// sseLines reads the stream's lines into a channel, closed at its end.
func sseLines(br *bufio.Reader) <-chan line {
	out := make(chan line, 1024)
	go func() {
		defer close(out)
		for {
			s, err := br.ReadString('\n')
			if err != nil {
				return
			}
			out <- line{strings.TrimRight(s, "\n"), time.Now()}
		}
	}()
	return out
}

// TestSubscriptionsOutliveRequestAndServerTimeouts is item 5 of the browser
// task: with gateway.subscriptions.max_duration 0 (no limit), websocket and
// SSE subscriptions stay open and keep writing well past
// server.request_timeout, read_timeout and write_timeout, while a query sent
// over the websocket still gets request_timeout.
func TestSubscriptionsOutliveRequestAndServerTimeouts(t *testing.T) {
	resolver := &testschema.Resolver{Slow: func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}}
	s := serve(t, shortTimeouts+"gateway: {subscriptions: {keep_alive: 100ms}}\n", resolver)
	ws := openWS(t, s.url)
	defer ws.CloseNow()
	sse, body := openSSE(t, s.url)
	defer body.Close()
	lines := sseLines(sse)

	const wait = time.Second // 5x the longest timeout
	time.Sleep(wait)
	after := time.Now()

	// SSE: keep-alives still arrive, written after every timeout passed.
	budget := time.After(10 * time.Second)
	for alive := false; !alive; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the SSE stream ended")
			}
			if strings.Contains(l.text, "complete") {
				t.Fatalf("the SSE subscription completed: %q", l.text)
			}
			alive = strings.HasPrefix(l.text, ":") && l.at.After(after)
		case <-budget:
			t.Fatal("no keep-alive on the SSE stream 10 s after the timeouts passed")
		}
	}

	// Websocket: still open, reads and writes, the subscription not
	// completed; a query on it still has request_timeout.
	ctx := context.Background()
	for _, m := range []string{`{"type":"ping"}`, `{"id":"q","type":"subscribe","payload":{"query":"{ slow }"}}`} {
		if err := ws.Write(ctx, coderws.MessageText, []byte(m)); err != nil {
			t.Fatalf("websocket write after the timeouts: %v", err)
		}
	}
	sawPong := false
	for {
		_, data, err := readWithin(ws, 10*time.Second)
		if err != nil {
			t.Fatalf("websocket read after the timeouts: %v", err)
		}
		var m struct {
			Type, ID string
			Payload  json.RawMessage
		}
		_ = json.Unmarshal(data, &m)
		switch {
		case m.Type == "pong":
			sawPong = true
		case m.Type == "ping": // the server's keep-alive
		case m.ID == "1":
			t.Fatalf("the websocket subscription ended: %s", data)
		case m.ID == "q" && m.Type == "next":
			if !strings.Contains(string(m.Payload), `"TIMEOUT"`) {
				t.Errorf("the slow query over the websocket: %s, want a TIMEOUT error", m.Payload)
			}
		case m.ID == "q" && m.Type == "complete":
			if !sawPong {
				t.Error("no pong")
			}
			return
		default:
			t.Fatalf("unexpected message %s", data)
		}
	}
}

// TestMaxDurationEndsSubscriptionsDespiteShortTimeouts checks that a
// positive max_duration still ends subscriptions, cleanly and not earlier,
// when it is longer than every server timeout: the "complete" written at
// max_duration reaches the client intact (the write timeout no longer
// applies) and not before max_duration (the request timeout does not).
func TestMaxDurationEndsSubscriptionsDespiteShortTimeouts(t *testing.T) {
	const maxDuration = time.Second
	s := serve(t, shortTimeouts+"gateway: {subscriptions: {max_duration: 1s}}\n", &testschema.Resolver{})
	start := time.Now()
	ws := openWS(t, s.url)
	defer ws.CloseNow()
	sse, body := openSSE(t, s.url)
	defer body.Close()

	var sseDone time.Duration
	for l := range sseLines(sse) {
		if l.text == "event: complete" {
			sseDone = l.at.Sub(start)
		}
	}
	if sseDone == 0 {
		t.Error("the SSE stream ended without event: complete")
	} else if sseDone < maxDuration {
		t.Errorf("the SSE subscription completed after %s, before max_duration", sseDone)
	}
	for {
		_, data, err := readWithin(ws, 10*time.Second)
		if err != nil {
			t.Fatalf("websocket: %v", err)
		}
		if strings.Contains(string(data), `"complete"`) {
			if d := time.Since(start); d < maxDuration {
				t.Errorf("the websocket subscription completed after %s, before max_duration", d)
			}
			return
		}
	}
}
