package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"

	"connectrpc.com/connect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/request"
)

// queryCacheSize is the number of parsed and validated documents kept.
const queryCacheSize = 1000

// maskedMessage replaces, in production mode, the message of an error whose
// code is not safe to show.
const maskedMessage = "internal error"

// NewGraphQLHandler returns the HTTP handler of the GraphQL endpoint: gqlgen's
// executor for schema behind the [POST] and [GET] transports, with a cache
// of 1000 parsed documents. Introspection is enabled only when
// cfg.GraphQL.Introspection is true; without it, an operation that selects
// __schema or __type is rejected before execution as a validation error
// (GRAPHQL_VALIDATION_FAILED). Validation errors suggest names ("Did you
// mean ...") only in development mode with introspection on: never in
// production mode, even with introspection on (IN-10). POST bodies are bounded by
// cfg.Limits.MaxBodyBytes (0: no bound). Methods other than GET and POST are
// answered with 405 and "Allow: GET, POST".
//
// Resolver errors are presented as the package documentation describes: dev
// keeps the real message of every error, production masks those whose code
// is not safe. A panic in a resolver is logged with its stack and becomes
// the error "internal error" (code INTERNAL) on its field. A nil logger logs
// nothing.
func NewGraphQLHandler(schema graphql.ExecutableSchema, cfg config.Gateway, dev bool, logger *slog.Logger, opts ...GraphQLOption) http.Handler {
	logger = orDiscard(logger)
	var o graphqlOptions
	for _, opt := range opts {
		opt(&o)
	}
	srv := handler.New(schema)
	srv.AroundOperations(operationDeadlines(cfg.Subscriptions.MaxDuration))
	if schema.Schema().Subscription != nil {
		// Before POST: an SSE subscription is a POST that accepts
		// text/event-stream.
		addSubscriptionTransports(srv, cfg, dev, o)
	}
	srv.AddTransport(POST{MaxBodyBytes: cfg.Limits.MaxBodyBytes})
	srv.AddTransport(GET{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	if cfg.GraphQL.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(introspectionGuard{})
	}
	// "Did you mean" names fields, arguments, types and enum values: a
	// schema leak, unless development mode shows the schema anyway.
	if !dev || !cfg.GraphQL.Introspection {
		srv.SetDisableSuggestion(true)
		srv.SetValidationRulesFn(rulesWithoutSuggestions)
	}
	srv.SetErrorPresenter(ErrorPresenter(dev, logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		logger.LogAttrs(ctx, slog.LevelError, "panic in resolver",
			slog.String("panic", fmt.Sprint(p)),
			slog.String("stack", string(debug.Stack())),
			slog.String("request_id", request.ID(ctx)),
		)
		return &gqlerror.Error{Message: maskedMessage, Extensions: map[string]any{"code": errcode.Internal}}
	})
	return graphqlHandler{srv}
}

type graphqlHandler struct{ srv *handler.Server }

// ServeHTTP answers methods other than GET and POST with 405 and hands
// the others to gqlgen.
func (h graphqlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		WriteError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed: use GET or POST", r.Method))
		return
	}
	h.srv.ServeHTTP(w, r)
}

// ErrorPresenter returns the gqlgen error presenter of the runtime; a nil
// logger logs nothing. For every error it returns a copy that has:
//
//   - extensions.code: kept when the error already has one, else
//     errcode.Code(err);
//   - extensions.upstream = {"name": ..., "procedure": ...} when the error
//     wraps an *errcode.UpstreamError;
//   - as message: the message of a *connect.Error that the backend sent
//     (connect's Message(), without the code prefix); a fixed text naming the
//     upstream for a failure of the call itself (unreachable, timed out),
//     whose text would hold the backend's address; the error's own message
//     otherwise. In production mode (dev false), the message of an error
//     whose code is not errcode.Safe is "internal error".
//
// Messages that are replaced are logged at level error with the request
// id; other errors with code INTERNAL are logged at level error too, the
// rest at level debug.
func ErrorPresenter(dev bool, logger *slog.Logger) graphql.ErrorPresenterFunc {
	logger = orDiscard(logger)
	return func(ctx context.Context, err error) *gqlerror.Error {
		presented := graphql.DefaultErrorPresenter(ctx, err)
		if presented == nil {
			return nil
		}
		out := *presented
		out.Extensions = maps.Clone(presented.Extensions)
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		code, hasCode := out.Extensions["code"].(string)
		if !hasCode {
			code = errcode.Code(err)
			out.Extensions["code"] = code
		}
		original := out.Message
		attrs := []slog.Attr{
			slog.String("request_id", request.ID(ctx)),
			slog.String("code", code),
			slog.String("path", out.Path.String()),
		}
		var up *errcode.UpstreamError
		isUpstream := errors.As(err, &up)
		if isUpstream {
			out.Extensions["upstream"] = map[string]any{"name": up.Upstream, "procedure": up.Procedure}
			attrs = append(attrs, slog.String("upstream", up.Upstream), slog.String("procedure", up.Procedure))
		}
		if !hasCode {
			var ce *connect.Error
			switch {
			case isUpstream && !connect.IsWireError(err):
				out.Message = callFailure(code, up.Upstream)
			case errors.As(err, &ce) && ce.Message() != "":
				out.Message = ce.Message()
			case errors.As(err, &ce):
				out.Message = ce.Code().String()
			}
		}
		if !dev && !errcode.Safe(code) {
			out.Message = maskedMessage
		} else if ce := new(connect.Error); errors.As(err, &ce) {
			addDetails(out.Extensions, ce)
		}
		level := slog.LevelDebug
		if out.Message != original || code == errcode.Internal {
			level = slog.LevelError
		}
		if logger.Enabled(ctx, level) {
			attrs = append(attrs, slog.String("error", original))
			logger.LogAttrs(ctx, level, "graphql error", attrs...)
		}
		return &out
	}
}

// callFailure is the message of a backend call that failed on the client
// side, before or without an answer of the backend.
func callFailure(code, upstream string) string {
	switch code {
	case errcode.Timeout:
		return fmt.Sprintf("upstream %q did not answer in time", upstream)
	case errcode.Unavailable:
		return fmt.Sprintf("upstream %q is unavailable", upstream)
	default:
		return fmt.Sprintf("the call to upstream %q failed", upstream)
	}
}

// GraphiQL returns a handler that serves the GraphiQL IDE (gqlgen's
// playground) for the GraphQL endpoint at endpoint, a path such as
// "/graphql" or an absolute URL. The page loads its scripts from a CDN.
// It is a development tool: the runtime mounts it only in development mode.
func GraphiQL(endpoint string) http.Handler {
	return playground.Handler("GraphiQL", endpoint)
}
