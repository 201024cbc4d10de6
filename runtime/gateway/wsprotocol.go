package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// The websocket subprotocol served: graphql-transport-ws (the graphql-ws
// library's protocol).
const subprotocolTransportWS = "graphql-transport-ws"

// Close codes of the graphql-transport-ws protocol and of RFC 6455.
const (
	wsGoingAway              = 1001
	wsInvalidMessage         = 4400
	wsUnauthorized           = 4401
	wsSubprotocolUnsupported = 4406
	wsInitTimeout4408        = 4408
	wsSubscriberExists       = 4409
	wsTooManyInitialisation  = 4429
)

// reuseWait bounds the wait for the end of an operation the client
// completed when it subscribes again with the same id.
const reuseWait = 5 * time.Second

// wsProtocol accepts websockets that speak graphql-transport-ws and
// enforces the protocol's rules that gqlgen's transport leaves out, with
// the protocol's close codes:
//
//   - an upgrade that offers no graphql-transport-ws is accepted without a
//     subprotocol and closed with 4406 (as the graphql-ws server does; a
//     browser fails such a handshake itself);
//   - 4400 for a message that is not a protocol message (not JSON, an
//     unknown or server-only type, a field of the wrong shape);
//   - 4401 for a subscribe before connection_ack;
//   - 4408 when connection_init does not come in time;
//   - 4409 for a subscribe with an id still in use;
//   - 4429 for a second connection_init;
//   - 1001 when the server shuts down.
//
// It also keeps gqlgen from sending what the protocol forbids: no
// "complete" after an "error" for the same id, nothing for an operation
// after the client completed it; it answers a ping sent before
// connection_init (gqlgen would close), and refuses a subscribe beyond
// maxActive operations with an error message whose code is
// TOO_MANY_SUBSCRIPTIONS, keeping the connection.
type wsProtocol struct {
	transport.WebsocketImplementation
	maxActive int // <= 0: no limit
}

// Accept accepts the websocket and wraps it.
func (p wsProtocol) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	opts.Subprotocols = []string{subprotocolTransportWS} // not gqlgen's legacy graphql-ws
	c, err := p.WebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		// The handshake was answered (403 for a foreign origin, 400 for a
		// bad upgrade): give gqlgen a connection that is already over, so
		// that it neither logs nor writes a second response.
		return rejectedUpgrade{}, nil
	}
	if c.Subprotocol() != subprotocolTransportWS {
		return refusedSubprotocol{c}, nil
	}
	pc := &protocolConn{WebsocketConn: c, maxActive: p.maxActive, ops: map[string]*wsOp{}, errored: map[string]bool{}}
	if st, ok := r.Context().Value(streamKey{}).(*stream); ok {
		st.setGoAway(pc.goAway)
	}
	return pc, nil
}

// unsupported is the subprotocol the wrappers below report: gqlgen closes
// a connection whose subprotocol it does not know and returns.
const unsupported = "unsupported"

// rejectedUpgrade is an upgrade that was refused with an HTTP answer.
type rejectedUpgrade struct{}

func (rejectedUpgrade) Close() error { return nil }
func (rejectedUpgrade) NextReader() (int, io.Reader, error) {
	return 0, nil, transport.ErrWebsocketClosed
}
func (rejectedUpgrade) WriteJSON(any) error                        { return transport.ErrWebsocketClosed }
func (rejectedUpgrade) WriteClose(closeCode int, msg string) error { return nil }
func (rejectedUpgrade) Subprotocol() string                        { return unsupported }

// refusedSubprotocol is a websocket without graphql-transport-ws; gqlgen's
// close becomes 4406.
type refusedSubprotocol struct{ transport.WebsocketConn }

func (refusedSubprotocol) Subprotocol() string { return unsupported }

func (c refusedSubprotocol) WriteClose(int, string) error {
	return c.WebsocketConn.WriteClose(wsSubprotocolUnsupported, "Subprotocol not acceptable")
}

// wsOp is an operation of the connection, from the client's subscribe to
// the server's final message.
type wsOp struct {
	completedByClient bool          // its messages are dropped
	done              chan struct{} // closed at its final message
}

// protocolConn tracks the state of one graphql-transport-ws connection.
type protocolConn struct {
	transport.WebsocketConn
	maxActive int
	goingAway atomic.Bool
	// closing is set once the connection is being closed with a protocol
	// code: nothing more is sent, such as the "complete" gqlgen writes for
	// each operation the close ends.
	closing atomic.Bool

	mu      sync.Mutex
	inited  bool
	acked   bool
	ops     map[string]*wsOp // operations in progress, by id
	errored map[string]bool  // ids whose "error" was sent: a later "complete" is dropped
}

// wsMessage is a client message as graphql-transport-ws defines it; the
// raw fields are checked for their JSON kind.
type wsMessage struct {
	Type    string          `json:"type"`
	ID      *string         `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// subscribePayload is the payload of a subscribe message.
type subscribePayload struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// jsonKind returns the first byte of a JSON value ('{', '"', 'n', ...), or
// 0 for an absent one.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// objectOrNull reports whether an optional field is absent, null or an
// object.
func objectOrNull(raw json.RawMessage) bool {
	k := jsonKind(raw)
	return k == 0 || k == 'n' || k == '{'
}

// validMessage checks the shape of a client message.
func validMessage(m *wsMessage) bool {
	switch m.Type {
	case "connection_init", "ping", "pong":
		return objectOrNull(m.Payload)
	case "subscribe":
		if m.ID == nil || *m.ID == "" || jsonKind(m.Payload) != '{' {
			return false
		}
		var p subscribePayload
		if json.Unmarshal(m.Payload, &p) != nil {
			return false
		}
		// The query is a string; it may be absent only when the extensions
		// name a persisted operation by hash (Apollo's persisted queries
		// over websockets), which the dispatcher resolves or refuses.
		switch jsonKind(p.Query) {
		case '"':
		case 0:
			if !bytes.Contains(p.Extensions, []byte(`"persistedQuery"`)) {
				return false
			}
		default:
			return false
		}
		k := jsonKind(p.OperationName)
		return (k == 0 || k == 'n' || k == '"') && objectOrNull(p.Variables) && objectOrNull(p.Extensions)
	case "complete":
		return m.ID != nil && *m.ID != ""
	}
	return false // unknown, or a server message
}

// NextReader reads the next client message and checks it against the
// protocol before gqlgen sees it; the messages that gqlgen must not see
// are answered here and the next one is read.
func (c *protocolConn) NextReader() (int, io.Reader, error) {
	for {
		typ, r, err := c.WebsocketConn.NextReader()
		if err != nil {
			return typ, r, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return typ, nil, err
		}
		var m wsMessage
		if json.Unmarshal(data, &m) != nil || !validMessage(&m) {
			return c.reject(wsInvalidMessage, "invalid message received")
		}
		forward, code, reason := c.admit(&m)
		if code != 0 {
			return c.reject(code, reason)
		}
		if forward {
			return typ, bytes.NewReader(data), nil
		}
	}
}

// admit applies the protocol state to a valid client message: it returns
// whether gqlgen gets the message, or the close code that ends the
// connection.
func (c *protocolConn) admit(m *wsMessage) (forward bool, code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case "connection_init":
		if c.inited {
			return false, wsTooManyInitialisation, "Too many initialisation requests"
		}
		c.inited = true
		return true, 0, ""
	case "ping":
		if !c.inited {
			// gqlgen reads only connection_init before the handshake; the
			// protocol allows a ping at any time.
			_ = c.WebsocketConn.WriteJSON(json.RawMessage(`{"type":"pong"}`))
			return false, 0, ""
		}
		return true, 0, ""
	case "pong":
		return c.inited, 0, "" // an unsolicited pong before init is ignored
	case "complete":
		op := c.ops[*m.ID]
		if op == nil || op.completedByClient {
			return false, 0, "" // unknown or finished ids are ignored
		}
		op.completedByClient = true
		return true, 0, ""
	}
	// subscribe
	id := *m.ID
	if !c.acked {
		return false, wsUnauthorized, "Unauthorized"
	}
	if op := c.ops[id]; op != nil {
		if !op.completedByClient {
			return false, wsSubscriberExists, fmt.Sprintf("Subscriber for %s already exists", id)
		}
		// The client completed it and reuses the id, as it may: wait for
		// gqlgen to finish the old one, which shares gqlgen's id table.
		c.mu.Unlock()
		var timedOut bool
		select {
		case <-op.done:
		case <-time.After(reuseWait):
			timedOut = true
		}
		c.mu.Lock()
		if timedOut {
			return false, wsSubscriberExists, fmt.Sprintf("Subscriber for %s already exists", id)
		}
	}
	if c.maxActive > 0 && c.activeOps() >= c.maxActive {
		c.refuse(id)
		return false, 0, ""
	}
	delete(c.errored, id)
	c.ops[id] = &wsOp{done: make(chan struct{})}
	return true, 0, ""
}

// activeOps counts the operations the client has not completed; one it
// completed is being torn down and no longer takes a slot, so that the
// client may start another at once.
func (c *protocolConn) activeOps() int {
	n := 0
	for _, op := range c.ops {
		if !op.completedByClient {
			n++
		}
	}
	return n
}

// refuse answers a subscribe over the limit with an error message.
func (c *protocolConn) refuse(id string) {
	msg, _ := json.Marshal(map[string]any{
		"id":   id,
		"type": "error",
		"payload": []map[string]any{{
			"message":    fmt.Sprintf("too many operations on this connection: at most %d at once", c.maxActive),
			"extensions": map[string]any{"code": errcode.TooManySubscriptions},
		}},
	})
	_ = c.WebsocketConn.WriteJSON(json.RawMessage(msg))
}

// reject closes the connection with a protocol close code; gqlgen then
// sees a closed connection.
func (c *protocolConn) reject(code int, reason string) (int, io.Reader, error) {
	c.closing.Store(true)
	_ = c.WebsocketConn.WriteClose(code, reason)
	return 0, nil, transport.ErrWebsocketClosed
}

// maxErrored bounds the ids remembered for dropping a "complete" that
// follows an "error".
const maxErrored = 1024

// WriteJSON sends a server message, unless the protocol forbids it or the
// connection is being closed with a protocol code, and notes the
// acknowledgement and the end of operations.
func (c *protocolConn) WriteJSON(v any) error {
	if c.closing.Load() {
		return transport.ErrWebsocketClosed
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if json.Unmarshal(data, &m) == nil {
		if !c.outgoing(m.Type, m.ID) {
			return nil
		}
	}
	return c.WebsocketConn.WriteJSON(json.RawMessage(data))
}

// outgoing updates the state for a server message and reports whether it
// is sent.
func (c *protocolConn) outgoing(typ, id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch typ {
	case "connection_ack":
		c.acked = true
	case "next":
		if op := c.ops[id]; op != nil && op.completedByClient {
			return false
		}
	case "error", "complete":
		if typ == "complete" && c.errored[id] {
			delete(c.errored, id) // gqlgen's "complete" after its "error"
			return false
		}
		op := c.ops[id]
		if op == nil {
			return true
		}
		delete(c.ops, id)
		close(op.done)
		if typ == "error" && len(c.errored) < maxErrored {
			c.errored[id] = true
		}
		return !op.completedByClient
	}
	return true
}

// goAway closes the connection with 1001 (going away) at shutdown.
func (c *protocolConn) goAway() {
	c.goingAway.Store(true)
	_ = c.WebsocketConn.WriteClose(wsGoingAway, "server shutting down")
}

// WriteClose closes the connection; gqlgen's initialisation timeout gets
// the protocol's code 4408, and every close during a shutdown 1001.
func (c *protocolConn) WriteClose(code int, message string) error {
	switch {
	case c.goingAway.Load():
		code, message = wsGoingAway, "server shutting down"
	case message == "connection initialisation timeout":
		code, message = wsInitTimeout4408, "Connection initialisation timeout"
	}
	return c.WebsocketConn.WriteClose(code, message)
}

// SetReadLimit forwards gqlgen's payload limit to the connection; a larger
// message closes it with 1009 (message too big).
func (c *protocolConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline forwards gqlgen's ping/pong deadline to the connection.
func (c *protocolConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
