package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// wsServer serves the test schema with the gateway config src on a real
// 127.0.0.1 listener; a connection_init payload {"token":"nope"} is
// rejected. It returns the ws:// URL.
func wsServer(t *testing.T, src string) string {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "bff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(ctx context.Context, payload map[string]any) (context.Context, error) {
		if payload["token"] == "nope" {
			return ctx, errors.New("invalid token")
		}
		return ctx, nil
	}
	srv := httptest.NewServer(newHandler(t, testschema.New(&testschema.Resolver{}), cfg.Gateway, false, nil, gateway.WithSubscriptionInit(check)))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// wsClient is one websocket to the server under test; every read has a
// 10 s budget so that a missing message fails the test instead of
// blocking it.
type wsClient struct {
	t    *testing.T
	conn *coderws.Conn
}

func dialWS(t *testing.T, url string, subprotocols ...string) *wsClient {
	t.Helper()
	if subprotocols == nil {
		subprotocols = []string{"graphql-transport-ws"}
	}
	conn, _, err := coderws.Dial(context.Background(), url, &coderws.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	if err := c.conn.Write(context.Background(), coderws.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("send %s: %v", msg, err)
	}
}

// serverMsg is a server message.
type serverMsg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
	raw     string
}

// read returns the next message, or fails the test.
func (c *wsClient) read() serverMsg {
	c.t.Helper()
	m, err := c.next()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *wsClient) next() (serverMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		return serverMsg{}, err
	}
	var m serverMsg
	if err := json.Unmarshal(data, &m); err != nil {
		return serverMsg{}, fmt.Errorf("not JSON: %q", data)
	}
	m.raw = string(data)
	return m, nil
}

// expect reads the next message and checks its type (and id, if given).
func (c *wsClient) expect(typ string, id ...string) serverMsg {
	c.t.Helper()
	m := c.read()
	if m.Type != typ || len(id) > 0 && m.ID != id[0] {
		c.t.Fatalf("got %s, want a %q message %v", m.raw, typ, id)
	}
	return m
}

// expectClose reads until the connection closes and checks the close code;
// messages before the close are allowed only when skip says so.
func (c *wsClient) expectClose(code coderws.StatusCode) {
	c.t.Helper()
	for {
		m, err := c.next()
		if err == nil {
			c.t.Fatalf("got %s, want the connection closed with %d", m.raw, code)
		}
		if got := coderws.CloseStatus(err); got != code {
			c.t.Fatalf("closed with %d (%v), want %d", got, err, code)
		}
		return
	}
}

// init sends connection_init and reads connection_ack.
func (c *wsClient) init() {
	c.t.Helper()
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack")
}

// sync sends a ping and reads up to its pong, returning the messages read
// before it: the server answers in order, so every message it wrote before
// reading the ping is among them.
func (c *wsClient) sync() []serverMsg {
	c.t.Helper()
	c.send(`{"type":"ping"}`)
	var before []serverMsg
	for {
		m := c.read()
		if m.Type == "pong" {
			return before
		}
		before = append(before, m)
	}
}

const (
	subscribeTicks = `{"id":"%s","type":"subscribe","payload":{"query":"subscription { ticks }"}}`
	subscribeHello = `{"id":"%s","type":"subscribe","payload":{"query":"{ hello }"}}`
)

// TestGraphQLTransportWSConformance is CS-4: each subtest is one rule of
// graphql-ws's PROTOCOL.md (graphql-transport-ws), checked by playing the
// frames against a real server. The 13 numbered rules are the conformance
// count of docs/security.md.
func TestGraphQLTransportWSConformance(t *testing.T) {
	url := wsServer(t, "gateway: {subscriptions: {init_timeout: 200ms, max_duration: 300ms}}\n")

	t.Run("01 the upgrade negotiates graphql-transport-ws", func(t *testing.T) {
		c := dialWS(t, url, "graphql-transport-ws")
		if p := c.conn.Subprotocol(); p != "graphql-transport-ws" {
			t.Fatalf("subprotocol %q", p)
		}
	})
	t.Run("02 an upgrade without graphql-transport-ws is closed with 4406", func(t *testing.T) {
		for _, offered := range [][]string{{}, {"graphql-ws"}, {"nonsense"}} {
			c := dialWS(t, url, offered...)
			if p := c.conn.Subprotocol(); p != "" {
				t.Errorf("offered %v: the server chose %q", offered, p)
			}
			c.expectClose(4406)
		}
	})
	t.Run("03 connection_init is acknowledged", func(t *testing.T) {
		for _, init := range []string{`{"type":"connection_init"}`, `{"type":"connection_init","payload":null}`, `{"type":"connection_init","payload":{"a":1}}`} {
			c := dialWS(t, url)
			c.send(init)
			c.expect("connection_ack")
		}
	})
	t.Run("04 no connection_init within the timeout: 4408", func(t *testing.T) {
		dialWS(t, url).expectClose(4408)
	})
	t.Run("05 a second connection_init: 4429", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(`{"type":"connection_init"}`)
		c.expectClose(4429)
	})
	t.Run("06 subscribe before connection_ack: 4401", func(t *testing.T) {
		c := dialWS(t, url)
		c.send(fmt.Sprintf(subscribeTicks, "1"))
		c.expectClose(4401)
	})
	t.Run("07 an invalid message: 4400", func(t *testing.T) {
		for _, msg := range []string{
			`not json`,
			`{"type":"nonsense"}`,
			`{"id":"1","type":"next","payload":{}}`,
			`{"type":"subscribe","payload":{"query":"{ hello }"}}`,
			`{"id":"","type":"subscribe","payload":{"query":"{ hello }"}}`,
			`{"id":1,"type":"subscribe","payload":{"query":"{ hello }"}}`,
			`{"id":"1","type":"subscribe","payload":"{ hello }"}`,
			`{"id":"1","type":"subscribe","payload":{"query":1}}`,
			`{"id":"1","type":"subscribe","payload":{"query":"{ hello }","variables":[]}}`,
			`{"type":"complete"}`,
			`{"type":"ping","payload":"x"}`,
		} {
			c := dialWS(t, url)
			c.init()
			c.send(msg)
			c.expectClose(4400)
		}
		c := dialWS(t, url)
		c.send(`{"type":"connection_init","payload":"token"}`)
		c.expectClose(4400)
	})
	t.Run("08 a subscribe with an id in use: 4409", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(subscribeTicks, "1"))
		c.expect("next", "1")
		c.send(fmt.Sprintf(subscribeTicks, "1"))
		c.expectClose(4409)
	})
	t.Run("09 a ping is answered with a pong at any time; an unsolicited pong is ignored", func(t *testing.T) {
		c := dialWS(t, url)
		c.send(`{"type":"pong"}`)
		c.send(`{"type":"ping","payload":{"at":"init"}}`)
		c.expect("pong")
		c.init()
		c.send(`{"type":"pong","payload":{"x":1}}`)
		if before := c.sync(); len(before) != 0 {
			t.Errorf("messages before the pong: %v", before)
		}
	})
	t.Run("10 a single-result operation: one next, then complete", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(subscribeHello, "q"))
		m := c.expect("next", "q")
		if string(m.Payload) != `{"data":{"hello":"hello, world"}}` {
			t.Errorf("payload %s", m.Payload)
		}
		c.expect("complete", "q")
	})
	t.Run("11 a subscription streams next with its id, then the server completes it", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(subscribeTicks, "s"))
		m := c.expect("next", "s")
		if string(m.Payload) != `{"data":{"ticks":1}}` {
			t.Errorf("payload %s", m.Payload)
		}
		c.expect("complete", "s") // the stream ends at max_duration
	})
	t.Run("12 an error is not followed by complete, and frees the id", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(`{"id":"e","type":"subscribe","payload":{"query":"{ nope }"}}`)
		c.expect("error", "e")
		if before := c.sync(); len(before) != 0 {
			t.Fatalf("after the error: %v", before)
		}
		c.send(fmt.Sprintf(subscribeHello, "e"))
		c.expect("next", "e")
		c.expect("complete", "e")
	})
	t.Run("13 a complete from the client ends the operation: nothing more for its id, which is free again", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(subscribeTicks, "c"))
		c.expect("next", "c")
		c.send(`{"id":"c","type":"complete"}`)
		c.send(`{"id":"unknown","type":"complete"}`) // ignored
		c.send(fmt.Sprintf(subscribeHello, "c"))
		c.expect("next", "c") // the new operation's result, not the old one's complete
		c.expect("complete", "c")
		if before := c.sync(); len(before) != 0 {
			t.Errorf("messages for completed operations: %v", before)
		}
	})
}

// TestWebsocketLimits covers the rest of CS-4: a rejected connection_init
// is 4403, a subscribe over max_per_connection gets an error message with
// TOO_MANY_SUBSCRIPTIONS while the others continue, and a message over
// max_message_bytes closes the connection with 1009.
func TestWebsocketLimits(t *testing.T) {
	url := wsServer(t, "gateway: {subscriptions: {max_per_connection: 2, max_message_bytes: 1024}}\n")
	t.Run("connection_init rejected: 4403", func(t *testing.T) {
		c := dialWS(t, url)
		c.send(`{"type":"connection_init","payload":{"token":"nope"}}`)
		c.expectClose(4403)
	})
	t.Run("one subscription too many: an error message, the connection stays", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(subscribeTicks, "1"))
		c.expect("next", "1")
		c.send(fmt.Sprintf(subscribeTicks, "2"))
		c.expect("next", "2")
		c.send(fmt.Sprintf(subscribeTicks, "3"))
		m := c.expect("error", "3")
		var errs []struct {
			Message    string
			Extensions struct{ Code string }
		}
		if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) != 1 || errs[0].Extensions.Code != "TOO_MANY_SUBSCRIPTIONS" {
			t.Fatalf("error payload %s", m.Payload)
		}
		c.send(`{"id":"1","type":"complete"}`)
		c.sync()
		c.send(fmt.Sprintf(subscribeTicks, "3")) // room again
		c.expect("next", "3")
	})
	t.Run("a message over max_message_bytes: 1009", func(t *testing.T) {
		c := dialWS(t, url)
		c.init()
		c.send(fmt.Sprintf(`{"id":"big","type":"subscribe","payload":{"query":"{ hello }","extensions":{"pad":"%s"}}}`, strings.Repeat("x", 2048)))
		c.expectClose(coderws.StatusMessageTooBig)
	})
	t.Run("a foreign origin: 403 before the upgrade", func(t *testing.T) {
		_, resp, err := coderws.Dial(context.Background(), url, &coderws.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader:   map[string][]string{"Origin": {"https://evil.example"}},
		})
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Fatalf("dial from a foreign origin: %v, %v; want 403", err, resp)
		}
	})
}
