package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Close codes of the graphql-transport-ws protocol.
const (
	wsInvalidMessage        = 4400
	wsUnauthorized          = 4401
	wsInitTimeout4408       = 4408
	wsSubscriberExists      = 4409
	wsTooManyInitialisation = 4429
)

// wsProtocol enforces the graphql-transport-ws rules that gqlgen's
// transport leaves out, with the protocol's close codes: 4400 for a
// message that is not a protocol message, 4401 for a subscribe before
// connection_ack, 4408 when connection_init does not come in time, 4409 for
// a second subscribe with an id still in use, 4429 for a second
// connection_init. Other subprotocols pass through unchanged.
type wsProtocol struct {
	transport.WebsocketImplementation
}

// Accept accepts the websocket and wraps graphql-transport-ws connections.
func (p wsProtocol) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := p.WebsocketImplementation.Accept(w, r, opts)
	if err != nil || c.Subprotocol() != "graphql-transport-ws" {
		return c, err
	}
	return &protocolConn{WebsocketConn: c, active: map[string]bool{}}, nil
}

// protocolConn tracks the state of one graphql-transport-ws connection.
type protocolConn struct {
	transport.WebsocketConn
	mu     sync.Mutex
	inited bool
	acked  bool
	active map[string]bool // subscription ids in use
}

type wsEnvelope struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// NextReader reads the next client message and checks it against the
// protocol state before gqlgen sees it.
func (c *protocolConn) NextReader() (int, io.Reader, error) {
	typ, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return typ, r, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return typ, nil, err
	}
	var m wsEnvelope
	if json.Unmarshal(data, &m) != nil || m.Type == "" {
		return c.reject(wsInvalidMessage, "invalid message received")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case "connection_init":
		if c.inited {
			return c.reject(wsTooManyInitialisation, "too many initialisation requests")
		}
		c.inited = true
	case "subscribe":
		switch {
		case !c.acked:
			return c.reject(wsUnauthorized, "unauthorized")
		case m.ID == "":
			return c.reject(wsInvalidMessage, "invalid message received")
		case c.active[m.ID]:
			return c.reject(wsSubscriberExists, fmt.Sprintf("subscriber for %s already exists", m.ID))
		}
		c.active[m.ID] = true
	case "complete":
		delete(c.active, m.ID)
	case "ping", "pong":
	default:
		return c.reject(wsInvalidMessage, "invalid message received")
	}
	return typ, bytes.NewReader(data), nil
}

// reject closes the connection with a protocol close code; gqlgen then
// sees a closed connection.
func (c *protocolConn) reject(code int, reason string) (int, io.Reader, error) {
	_ = c.WebsocketConn.WriteClose(code, reason)
	return 0, nil, transport.ErrWebsocketClosed
}

// WriteJSON sends a server message and notes the acknowledgement and the
// end of subscriptions.
func (c *protocolConn) WriteJSON(v any) error {
	if data, err := json.Marshal(v); err == nil {
		var m wsEnvelope
		if json.Unmarshal(data, &m) == nil {
			c.mu.Lock()
			switch m.Type {
			case "connection_ack":
				c.acked = true
			case "complete", "error":
				delete(c.active, m.ID)
			}
			c.mu.Unlock()
		}
	}
	return c.WebsocketConn.WriteJSON(v)
}

// WriteClose closes the connection; gqlgen's initialisation timeout gets
// the protocol's code 4408.
func (c *protocolConn) WriteClose(code int, message string) error {
	if message == "connection initialisation timeout" {
		code = wsInitTimeout4408
	}
	return c.WebsocketConn.WriteClose(code, message)
}

// SetReadLimit forwards gqlgen's payload limit to the connection.
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
