package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// fakeWS is a websocket whose client frames are given in advance.
type fakeWS struct {
	frames [][]byte
	closed int // close code written, 0 for none
	sent   []string
}

func (c *fakeWS) Close() error { return nil }
func (c *fakeWS) NextReader() (int, io.Reader, error) {
	if c.closed != 0 || len(c.frames) == 0 {
		return 0, nil, transport.ErrWebsocketClosed
	}
	f := c.frames[0]
	c.frames = c.frames[1:]
	return 1, bytes.NewReader(f), nil
}
func (c *fakeWS) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	c.sent = append(c.sent, string(b))
	return err
}
func (c *fakeWS) WriteClose(code int, _ string) error {
	if c.closed == 0 {
		c.closed = code
	}
	return nil
}
func (c *fakeWS) Subprotocol() string { return subprotocolTransportWS }

// gqlMsg is a server message as gqlgen's transport writes it.
type gqlMsg struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// FuzzWSFrames feeds a sequence of client frames (one per line) to the
// graphql-transport-ws checks, playing gqlgen's part (it acknowledges the
// first connection_init and completes an operation the client completes),
// and checks the invariants gqlgen relies on: only well-formed messages
// reach it, one connection_init, no subscribe before the acknowledgement,
// never more operations than the limit, and nothing read after a close.
func FuzzWSFrames(f *testing.F) {
	for _, seed := range []string{
		`{"type":"connection_init"}` + "\n" + `{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}`,
		`{"type":"ping"}` + "\n" + `{"type":"connection_init","payload":null}` + "\n" + `{"type":"connection_init"}`,
		`{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}`,
		`{"type":"connection_init"}` + "\n" + `{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}` + "\n" + `{"id":"1","type":"complete"}` + "\n" + `{"id":"1","type":"subscribe","payload":{"query":"{ b }"}}`,
		`{"type":"connection_init"}` + "\n" + `{"id":"1","type":"subscribe","payload":{"query":"{ a }"}}` + "\n" + `{"id":"2","type":"subscribe","payload":{"query":"{ a }"}}` + "\n" + `{"id":"3","type":"subscribe","payload":{"query":"{ a }","variables":{"x":1},"operationName":null}}`,
		`not json`,
		`{"type":"connection_init","payload":"x"}`,
		`{"id":1,"type":"complete"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ws := &fakeWS{frames: bytes.Split(data, []byte("\n"))}
		if len(ws.frames) > 64 {
			ws.frames = ws.frames[:64]
		}
		const maxActive = 2
		c := &protocolConn{WebsocketConn: ws, maxActive: maxActive, ops: map[string]*wsOp{}, errored: map[string]bool{}}
		inits := 0
		for {
			_, r, err := c.NextReader()
			if err != nil {
				if len(ws.frames) > 0 && ws.closed == 0 {
					t.Fatalf("reading stopped with %d frames left and no close: %v", len(ws.frames), err)
				}
				return
			}
			if ws.closed != 0 {
				t.Fatalf("a frame reached gqlgen after the close %d", ws.closed)
			}
			b, _ := io.ReadAll(r)
			var m wsMessage
			if json.Unmarshal(b, &m) != nil || !validMessage(&m) {
				t.Fatalf("gqlgen got an invalid message %q", b)
			}
			switch m.Type {
			case "connection_init":
				if inits++; inits > 1 {
					t.Fatal("gqlgen got a second connection_init")
				}
				_ = c.WriteJSON(gqlMsg{Type: "connection_ack"})
			case "subscribe":
				if !c.acked {
					t.Fatal("gqlgen got a subscribe before connection_ack")
				}
				if len(c.ops) > maxActive {
					t.Fatalf("%d operations at once, limit %d", len(c.ops), maxActive)
				}
			case "complete":
				_ = c.WriteJSON(gqlMsg{ID: *m.ID, Type: "complete"}) // gqlgen ends it
			}
		}
	})
}
