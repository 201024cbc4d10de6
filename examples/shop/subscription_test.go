package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/examples/shop/backends"
	coderws "github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

const stockSubscription = `subscription { stock(productId: "p-1001") { productId units } }`

// waitNoWatchers waits until the catalog has no open WatchStock stream: the
// BFF cancelled it. The bound is a number of polls, not a latency claim.
func waitNoWatchers(t *testing.T, run *backends.Running) {
	t.Helper()
	for range 500 {
		if run.Catalog.Watchers() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the backend stream is still open (%d watchers) after the client left", run.Catalog.Watchers())
}

func TestSubscriptionOverSSE(t *testing.T) {
	var run *backends.Running
	endpoint := newBFFWith(t, bffOptions{started: func(r *backends.Running) { run = r }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(`{"query":"`+strings.ReplaceAll(stockSubscription, `"`, `\"`)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok && strings.Contains(data, "stock") {
				return data
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return ""
	}
	if got := next(); got != `{"data":{"stock":{"productId":"p-1001","units":14}}}` {
		t.Errorf("first event %s", got)
	}
	run.Catalog.SetStock("p-1001", 13)
	if got := next(); got != `{"data":{"stock":{"productId":"p-1001","units":13}}}` {
		t.Errorf("second event %s", got)
	}
	cancel() // the client leaves
	waitNoWatchers(t, run)
}

func TestSubscriptionOverWebsocket(t *testing.T) {
	var run *backends.Running
	endpoint := newBFFWith(t, bffOptions{started: func(r *backends.Running) { run = r }})
	ctx := context.Background()
	conn, _, err := coderws.Dial(ctx, "ws"+strings.TrimPrefix(endpoint, "http"), &coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	type msg struct {
		ID      string         `json:"id,omitempty"`
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload,omitempty"`
	}
	read := func(want string) msg {
		t.Helper()
		for {
			var m msg
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type == "ping" || m.Type == "pong" {
				continue
			}
			if m.Type != want {
				t.Fatalf("got %+v, want a %s message", m, want)
			}
			return m
		}
	}
	if err := wsjson.Write(ctx, conn, msg{Type: "connection_init"}); err != nil {
		t.Fatal(err)
	}
	read("connection_ack")
	if err := wsjson.Write(ctx, conn, msg{ID: "1", Type: "subscribe", Payload: map[string]any{"query": stockSubscription}}); err != nil {
		t.Fatal(err)
	}
	first := read("next")
	run.Catalog.SetStock("p-1001", 12)
	second := read("next")
	units := func(m msg) any {
		return m.Payload["data"].(map[string]any)["stock"].(map[string]any)["units"]
	}
	if units(first) != float64(14) || units(second) != float64(12) {
		t.Errorf("events %v then %v, want 14 then 12", units(first), units(second))
	}
	conn.Close(coderws.StatusNormalClosure, "bye") // the client leaves
	waitNoWatchers(t, run)
}
