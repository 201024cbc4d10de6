package gateway

import (
	"context"
	"net/url"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	coderws "github.com/coder/websocket"
)

// initTimeout bounds the wait for graphql-transport-ws's connection_init
// after the upgrade (a variable so the package's tests can shorten it).
var initTimeout = 10 * time.Second

const (
	// wsKeepAlive is the interval of keep-alive pings on idle websockets.
	wsKeepAlive = 15 * time.Second
)

// addSubscriptionTransports serves subscriptions over GraphQL over SSE and
// over websockets (graphql-transport-ws, gqlgen's implementation). A
// websocket upgrade is accepted from the page's own origin and from the
// CORS allowed origins; in development mode with no CORS origins, from any
// origin. When the client goes away, the subscription's context ends, and
// with it the backend stream (see runtime/stream).
func addSubscriptionTransports(srv *gqlgenexec.Executor, cfg config.Gateway, dev bool, init SubscriptionInitFunc) {
	if d := cfg.Subscriptions.MaxDuration; d > 0 {
		srv.AroundOperations(maxDuration(d))
	}
	srv.AddTransport(transport.SSE{})
	accept := coderws.AcceptOptions{OriginPatterns: originHosts(cfg.CORS.AllowedOrigins)}
	if dev && len(cfg.CORS.AllowedOrigins) == 0 {
		accept.InsecureSkipVerify = true // development only: any origin
	}
	ws := transport.Websocket{
		Implementation:        wsProtocol{transport.CoderWebsocketImplementation{AcceptOptions: accept}},
		InitTimeout:           initTimeout,
		KeepAlivePingInterval: wsKeepAlive,
	}
	if init != nil {
		ws.InitFunc = func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx, err := init(ctx, payload)
			if err != nil {
				// graphql-transport-ws: a rejected connection_init is 4403.
				return transport.WithWebsocketCloseCode(ctx, 4403), nil, err
			}
			return ctx, &payload, nil
		}
	}
	srv.AddTransport(ws)
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

// maxDuration gives every subscription a deadline: when it passes, the
// subscription's context ends, the client receives "complete" and the
// backend stream is cancelled. Queries and mutations are left alone (the
// request timeout bounds them).
func maxDuration(d time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx).Operation
		if op == nil || op.Operation != ast.Subscription {
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

type graphqlOptions struct{ subscriptionInit SubscriptionInitFunc }

// WithSubscriptionInit sets the check of websocket connection_init
// payloads. Default: every connection is accepted.
func WithSubscriptionInit(fn SubscriptionInitFunc) GraphQLOption {
	return func(o *graphqlOptions) { o.subscriptionInit = fn }
}
