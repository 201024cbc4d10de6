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
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/errcode"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/gqlgenexec"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/runtime/request"
)

// maskedMessage replaces, in production mode, the message of an error whose
// code is not safe to show.
const maskedMessage = "internal error"

// NewGraphQLHandler returns the HTTP handler of the GraphQL endpoint: the
// dispatcher of runtime/graphql for GET and POST, which decodes the request,
// resolves persisted operations (cfg.GraphQL.Persisted), checks the
// variables caps and the document limits, and validates before gqlgen's
// executor for schema runs the prepared document; and, when the schema has
// subscriptions, the SSE and websocket transports, whose operations are
// prepared the same way. Prepared documents are cached (1000, least recently
// used out).
//
// Introspection is enabled only when cfg.GraphQL.Introspection is true;
// without it, an operation that selects __schema is rejected before
// execution as a validation error (GRAPHQL_VALIDATION_FAILED), and
// __type(name:) answers null for every name, revealing nothing. Errors
// suggest names of the schema ("Did you mean ...") only in development mode
// with introspection on: never in production mode (IN-10). POST
// bodies are bounded by cfg.Limits.MaxBodyBytes (0: no bound). Methods other
// than GET and POST are answered with 405 and "Allow: GET, POST".
//
// Resolver errors are presented as the package documentation describes: dev
// keeps the real message of every error, production masks those whose code
// is not safe. A panic in a resolver is logged with its stack and becomes
// the error "internal error" (code INTERNAL) on its field. A nil logger logs
// nothing. With cfg.GraphQL.CostReport, every response of a query or
// mutation over GET or POST carries extensions.cost with the estimated and
// the actual cost (see rgraphql.WithCostReport). It fails when the
// persisted-operations manifest cannot be loaded.
func NewGraphQLHandler(schema graphql.ExecutableSchema, cfg config.Gateway, dev bool, logger *slog.Logger, opts ...GraphQLOption) (http.Handler, error) {
	logger = orDiscard(logger)
	var o graphqlOptions
	for _, opt := range opts {
		opt(&o)
	}
	q := cfg.GraphQL
	presenter := ErrorPresenter(dev, logger)
	// "Did you mean" names fields, arguments, types and enum values: a
	// schema leak, unless development mode shows the schema anyway.
	suggestions := dev && q.Introspection
	recoverFn := func(ctx context.Context, p any) error {
		logger.LogAttrs(ctx, slog.LevelError, "panic in resolver",
			slog.String("panic", fmt.Sprint(p)),
			slog.String("stack", string(debug.Stack())),
			slog.String("request_id", request.ID(ctx)),
		)
		return &gqlerror.Error{Message: maskedMessage, Extensions: map[string]any{"code": errcode.Internal}}
	}
	exec := gqlgenexec.New(schema,
		gqlgenexec.WithSuggestions(suggestions),
		gqlgenexec.WithErrorPresenter(presenter),
		gqlgenexec.WithMaxErrors(q.MaxErrors),
		gqlgenexec.WithMaxResponseBytes(q.MaxResponseBytes),
		gqlgenexec.WithCostMeter(q.CostReport),
		gqlgenexec.WithRecoverFunc(recoverFn),
	)
	exec.AroundOperations(operationDeadlines(cfg.Subscriptions.MaxDuration))
	if q.Introspection {
		exec.Use(extension.Introspection{})
	} else {
		exec.Use(introspectionGuard{})
	}
	vars := rgraphql.VariablesLimits{
		MaxDepth:        q.Variables.MaxDepth,
		MaxListLength:   q.Variables.MaxListLength,
		MaxStringLength: q.Variables.MaxStringLength,
		MaxValues:       q.Variables.MaxValues,
	}
	d, err := rgraphql.New(schema.Schema(), exec,
		rgraphql.WithSuggestions(suggestions),
		rgraphql.WithLimits(documentLimits(q)),
		rgraphql.WithMaxBodyBytes(cfg.Limits.MaxBodyBytes),
		rgraphql.WithVariablesLimits(vars),
		rgraphql.WithMaxErrors(q.MaxErrors),
		rgraphql.WithMaxResponseBytes(q.MaxResponseBytes),
		rgraphql.WithCostReport(q.CostReport),
		rgraphql.WithErrorPresenter(rgraphql.ErrorPresenter(presenter)),
		rgraphql.WithAdmission(o.admission),
		rgraphql.WithCompiled(o.compiled...),
		rgraphql.WithRecoverFunc(recoverFn),
		rgraphql.WithPersisted(rgraphql.Persisted{
			Mode:        q.Persisted.Mode,
			Manifest:    q.Persisted.Manifest,
			APQRegister: q.Persisted.APQRegister,
		}),
	)
	if err := checkCompiledIntrospection(o.compiled, q.Introspection); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	h := graphqlHandler{dispatch: d}
	if schema.Schema().Subscription != nil {
		addSubscriptionTransports(exec, cfg, dev, o)
		h.streams = exec
		h.stream = exec.StreamHandler(d, vars)
	}
	return h, nil
}

type graphqlHandler struct {
	dispatch *rgraphql.Dispatcher
	streams  *gqlgenexec.Executor
	stream   http.Handler
}

// ServeHTTP hands SSE and websocket requests to the subscription
// transports, every other request to the dispatcher.
func (h graphqlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.streams != nil && isStreamRequest(r) {
		h.stream.ServeHTTP(w, r)
		return
	}
	h.dispatch.ServeHTTP(responseHeaders{ResponseWriter: w, req: request.From(r.Context())}, r)
}

// responseHeaders adds the upstreams' response_headers (e.g. Set-Cookie)
// that the request collected to the response, just before its header is
// written.
type responseHeaders struct {
	http.ResponseWriter
	req *request.Request
}

func (c responseHeaders) WriteHeader(status int) {
	if c.req != nil {
		c.req.CopyResponseHeaders(c.Header())
	}
	c.ResponseWriter.WriteHeader(status)
}

// documentLimits are the document limits of the configuration.
func documentLimits(q config.GraphQL) limits.Config {
	return limits.Config{
		MaxTokens:         q.MaxTokens,
		MaxDepth:          q.MaxDepth,
		MaxAliases:        q.MaxAliases,
		MaxRootFields:     q.MaxRootFields,
		MaxDirectives:     q.MaxDirectives,
		MaxFields:         q.MaxFields,
		MaxValidationWork: q.MaxValidationWork,
		MaxCost:           q.MaxCost,
		DefaultListSize:   q.DefaultListSize,
	}
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
