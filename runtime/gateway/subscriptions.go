package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	coderws "github.com/coder/websocket"
)

// addSubscriptionTransports serves subscriptions over GraphQL over SSE and
// over websockets (graphql-transport-ws only: gqlgen's legacy graphql-ws,
// Apollo's deprecated subscriptions-transport-ws, is refused with 4406). A
// websocket upgrade is accepted from the page's own origin and from the
// CORS allowed origins; in development mode with no CORS origins, from any
// origin. When the client goes away, the subscription's context ends, and
// with it the backend stream (see runtime/stream). Streams are exempt from
// the server's read and write timeouts and are tracked by o.streams.
func addSubscriptionTransports(srv *gqlgenexec.Executor, cfg config.Gateway, dev bool, o graphqlOptions) {
	sub := cfg.Subscriptions
	srv.AddTransport(sseTransport{SSE: transport.SSE{KeepAlivePingInterval: sub.KeepAlive}, streams: o.streams})
	accept := coderws.AcceptOptions{OriginPatterns: originHosts(cfg.CORS.AllowedOrigins)}
	if dev && len(cfg.CORS.AllowedOrigins) == 0 {
		accept.InsecureSkipVerify = true // development only: any origin
	}
	readLimit := sub.MaxMessageBytes
	ws := transport.Websocket{
		Implementation: wsProtocol{
			WebsocketImplementation: transport.CoderWebsocketImplementation{AcceptOptions: accept},
			maxActive:               sub.MaxPerConnection,
		},
		InitTimeout:      sub.InitTimeout,
		PingPongInterval: sub.KeepAlive,
		MissingPongOk:    true, // pings keep intermediaries from idling the socket out; a silent client is not cut
		PayloadReadLimit: &readLimit,
	}
	if init := o.subscriptionInit; init != nil {
		ws.InitFunc = func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx, err := init(ctx, payload)
			if err != nil {
				// graphql-transport-ws: a rejected connection_init is 4403.
				return transport.WithWebsocketCloseCode(ctx, 4403), nil, err
			}
			return ctx, &payload, nil
		}
	}
	srv.AddTransport(wsTransport{Websocket: ws, streams: o.streams})
}

// originHosts turns CORS origins ("https://app.example.com") into the host
// patterns coder/websocket matches ("app.example.com"); "*" stays "*".
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			out = append(out, "*")
			continue
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

// isStreamRequest reports whether r opens a subscription stream: a
// websocket upgrade, or a POST that accepts text/event-stream (the test of
// gqlgen's SSE transport).
func isStreamRequest(r *http.Request) bool {
	if isWebsocketUpgrade(r) {
		return true
	}
	return r.Method == http.MethodPost && bytes.Contains([]byte(r.Header.Get("Accept")), []byte("text/event-stream"))
}

type deferredTimeoutKey struct{}

// DeferredTimeout returns the request timeout that [Timeout] left for each
// operation of a stream request (a websocket, an SSE request) instead of
// setting it on the whole request: an executor applies it to queries and
// mutations, never to subscriptions. ok is false for other requests, whose
// context carries the deadline itself.
func DeferredTimeout(ctx context.Context) (d time.Duration, ok bool) {
	d, ok = ctx.Value(deferredTimeoutKey{}).(time.Duration)
	return d, ok
}

// operationDeadlines bounds each operation: a subscription by maxDuration
// (0: no limit), a query or mutation of a stream request by the deferred
// request timeout. When a subscription's deadline passes, the client
// receives "complete" and the backend stream is cancelled.
func operationDeadlines(maxDuration time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx).Operation
		d := maxDuration
		if op == nil || op.Operation != ast.Subscription {
			var ok bool
			if d, ok = DeferredTimeout(ctx); !ok {
				return next(ctx) // the request's own deadline applies
			}
		}
		if d <= 0 {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		context.AfterFunc(ctx, cancel) // release the timer when the stream ends first
		return next(ctx)
	}
}

// SubscriptionInitFunc checks a websocket's connection_init payload (for
// instance a token) and returns the context the connection's subscriptions
// run with. An error closes the connection with 4403 (forbidden), as
// graphql-transport-ws prescribes.
type SubscriptionInitFunc func(ctx context.Context, payload map[string]any) (context.Context, error)

// GraphQLOption configures NewGraphQLHandler.
type GraphQLOption func(*graphqlOptions)

type graphqlOptions struct {
	subscriptionInit SubscriptionInitFunc
	streams          *Streams
	admission        rgraphql.Admission
	compiled         []rgraphql.Compiled
}

// WithSubscriptionInit sets the check of websocket connection_init
// payloads. Default: every connection is accepted.
func WithSubscriptionInit(fn SubscriptionInitFunc) GraphQLOption {
	return func(o *graphqlOptions) { o.subscriptionInit = fn }
}

// WithStreams tracks the subscription streams (websockets, SSE responses)
// in streams, so that [Streams.Drain] can end them at shutdown. Default:
// streams are not tracked. A nil streams keeps the default.
func WithStreams(streams *Streams) GraphQLOption {
	return func(o *graphqlOptions) {
		if streams != nil {
			o.streams = streams
		}
	}
}

// writeShuttingDown refuses a new stream while the server drains.
func writeShuttingDown(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Connection", "close")
	WriteError(w, r, http.StatusServiceUnavailable, errcode.Unavailable, "the server is shutting down: reconnect")
}

// sseTransport is gqlgen's SSE transport, registered with the streams and
// exempt from the server's write timeout once the body is read.
type sseTransport struct {
	transport.SSE
	streams *Streams
}

// Do serves one SSE request.
func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	st, ok := t.streams.add()
	if !ok {
		writeShuttingDown(w, r)
		return
	}
	defer t.streams.remove(st)
	// Read the body under the read timeout (net/http lifts the read
	// deadline once the body is read), then lift the write timeout: the
	// response lives as long as the subscription.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeTooLarge(w, r, tooLarge.Limit)
			return
		}
		WriteError(w, r, http.StatusBadRequest, rgraphql.CodeBadRequest, "cannot read the request body")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if st != nil {
		st.setGoAway(cancel) // gqlgen then sends "complete" and returns
	}
	sw := &sseWriter{ResponseWriter: w}
	defer sw.close()
	t.SSE.Do(sw, r.WithContext(ctx), exec)
}

// errSSEEnded is what a write gets after the SSE handler returned.
var errSSEEnded = errors.New("the SSE response has ended")

// sseWriter is the response writer gqlgen's SSE transport gets. Its
// keep-alive goroutine may tick as the handler returns and write a ping
// to a response net/http has already finished (a nil-pointer panic in
// bufio's Flush); once closed, the writer drops every write and flush.
type sseWriter struct {
	http.ResponseWriter
	mu   sync.Mutex
	done bool
}

// Write writes to the response until the handler returns.
func (w *sseWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, errSSEEnded
	}
	return w.ResponseWriter.Write(p)
}

// WriteHeader writes the header until the handler returns.
func (w *sseWriter) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.ResponseWriter.WriteHeader(status)
	}
}

// Flush flushes the response until the handler returns.
func (w *sseWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *sseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close makes every later write and flush a no-op; it waits for one in
// progress.
func (w *sseWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// wsTransport is gqlgen's websocket transport, registered with the
// streams. The connection is hijacked, which lifts the server's timeouts.
type wsTransport struct {
	transport.Websocket
	streams *Streams
}

type streamKey struct{}

// Do serves one websocket.
func (t wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	st, ok := t.streams.add()
	if !ok {
		writeShuttingDown(w, r)
		return
	}
	defer t.streams.remove(st)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if st != nil {
		ctx = context.WithValue(ctx, streamKey{}, st)
		st.setGoAway(cancel) // until Accept sets the close with 1001
	}
	t.Websocket.Do(w, r.WithContext(ctx), exec)
}
