package gqlgenexec

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
)

// Executor runs prepared operations with gqlgen's executor for one
// ExecutableSchema. It implements [rgraphql.Executor] for GraphQL over GET
// and POST, and serves the streaming transports (SSE, websockets) added
// with AddTransport, whose operations it prepares with the same
// [Preparer] as the dispatcher before gqlgen sees them. Build it with
// [New]; configure it before serving.
type Executor struct {
	exec        *executor.Executor
	transports  []graphql.Transport
	suggestions bool
	costMeter   bool
	// maxResponseBytes is the cap of WithMaxResponseBytes; 0 none.
	maxResponseBytes int
}

var _ rgraphql.Executor = (*Executor)(nil)

// Option configures [New].
type Option func(*Executor)

// WithErrorPresenter sets gqlgen's error presenter. Default gqlgen's
// DefaultErrorPresenter.
func WithErrorPresenter(p graphql.ErrorPresenterFunc) Option {
	return func(e *Executor) { e.exec.SetErrorPresenter(p) }
}

// WithRecoverFunc sets what a panic in a resolver becomes. Default
// gqlgen's DefaultRecover.
func WithRecoverFunc(f graphql.RecoverFunc) Option {
	return func(e *Executor) { e.exec.SetRecoverFunc(f) }
}

// WithSuggestions lets errors suggest names of the schema ("Did you mean
// ...?"). Default false: no error suggests one.
func WithSuggestions(on bool) Option { return func(e *Executor) { e.suggestions = on } }

// WithMaxErrors caps the errors of every response, also on the streaming
// transports (see [rgraphql.CapErrors]). Default 0: no cap.
func WithMaxErrors(n int) Option {
	return func(e *Executor) {
		if n <= 0 {
			return
		}
		e.exec.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			resp := next(ctx)
			if resp != nil {
				resp.Errors = rgraphql.CapErrors(resp.Errors, n)
			}
			return resp
		})
	}
}

// New returns the executor of schema. The documents it runs come prepared
// by the dispatcher (see [rgraphql.Dispatcher.Prepare]); gqlgen's own
// parsing and validation never run for them.
func New(schema graphql.ExecutableSchema, opts ...Option) *Executor {
	e := &Executor{exec: executor.New(schema)}
	e.exec.SetQueryCache(preparedCache{})
	e.exec.SetDisableSuggestion(true)
	for _, opt := range opts {
		opt(e)
	}
	e.exec.SetDisableSuggestion(!e.suggestions)
	if e.costMeter {
		e.exec.AroundFields(costMiddleware(limits.NewCostModel(schema.Schema())))
	}
	if e.maxResponseBytes > 0 {
		e.exec.AroundOperations(sizeMeterMiddleware(e.maxResponseBytes))
	}
	return e
}

// Use adds a gqlgen handler extension.
func (e *Executor) Use(ext graphql.HandlerExtension) { e.exec.Use(ext) }

// AroundOperations adds an operation middleware.
func (e *Executor) AroundOperations(f graphql.OperationMiddleware) { e.exec.AroundOperations(f) }

// AroundResponses adds a response middleware.
func (e *Executor) AroundResponses(f graphql.ResponseMiddleware) { e.exec.AroundResponses(f) }

// AddTransport adds a streaming transport (SSE, websockets), served by the
// handler that [Executor.StreamHandler] returns.
func (e *Executor) AddTransport(t graphql.Transport) { e.transports = append(e.transports, t) }

// Supports reports whether one of the streaming transports serves r.
func (e *Executor) Supports(r *http.Request) bool { return e.transport(r) != nil }

func (e *Executor) transport(r *http.Request) graphql.Transport {
	for _, t := range e.transports {
		if t.Supports(r) {
			return t
		}
	}
	return nil
}

// Preparer prepares an operation; [*rgraphql.Dispatcher] is one.
type Preparer interface {
	Prepare(ctx context.Context, op *rgraphql.Operation) (*rgraphql.Prepared, *rgraphql.Failure)
}

// StreamHandler returns the handler of the streaming transports: the
// operations they receive are prepared by p (persisted operations, limits,
// validation, variables caps) before gqlgen runs them. A request that no
// transport supports is answered with 400.
func (e *Executor) StreamHandler(p Preparer, vars rgraphql.VariablesLimits) http.Handler {
	exec := preparingExecutor{e: e, p: p, vars: vars}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := e.transport(r)
		if t == nil {
			rgraphql.WriteError(w, r, http.StatusBadRequest, rgraphql.CodeBadRequest, "transport not supported")
			return
		}
		r = r.WithContext(graphql.StartOperationTrace(r.Context()))
		t.Do(w, r, exec)
	})
}

// Execute runs a prepared query or mutation.
func (e *Executor) Execute(ctx context.Context, req *rgraphql.Request) *rgraphql.Response {
	ctx = graphql.StartOperationTrace(ctx)
	op := req.Operation
	params := &graphql.RawParams{
		Query:         req.Prepared.Query,
		OperationName: op.Name,
		Variables:     op.Variables,
		Extensions:    op.Extensions,
		Headers:       req.Header,
	}
	ctx = context.WithValue(ctx, preparedKey{}, req.Prepared)
	opCtx, errs := e.createOperationContext(ctx, params)
	if errs != nil {
		resp := e.exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		return &rgraphql.Response{Errors: resp.Errors, Extensions: resp.Extensions}
	}
	responses, ctx := e.exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		return nil
	}
	return &rgraphql.Response{Data: resp.Data, Errors: resp.Errors, Extensions: resp.Extensions}
}

func (e *Executor) createOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	opCtx, errs := e.exec.CreateOperationContext(ctx, params)
	if errs != nil && !e.suggestions {
		rgraphql.WithoutSuggestions(errs)
	}
	if errs == nil {
		errs = nullConditions(opCtx)
	}
	return opCtx, errs
}

// preparingExecutor is the executor the streaming transports see: it
// prepares each operation before gqlgen creates its context.
type preparingExecutor struct {
	e    *Executor
	p    Preparer
	vars rgraphql.VariablesLimits
}

func (x preparingExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	failed := &graphql.OperationContext{
		RawQuery:      params.Query,
		OperationName: params.OperationName,
		Variables:     params.Variables,
		Headers:       params.Headers,
	}
	op, rerr := rgraphql.OperationFromParams(params.Query, params.OperationName, params.Variables, params.Extensions, x.vars)
	if rerr != nil {
		return failed, gqlerror.List{{Message: rerr.Message, Extensions: map[string]any{"code": rerr.Code}}}
	}
	p, f := x.p.Prepare(ctx, op)
	if f != nil {
		return failed, f.Errors
	}
	params.Query = p.Query
	return x.e.createOperationContext(context.WithValue(ctx, preparedKey{}, p), params)
}

func (x preparingExecutor) DispatchOperation(ctx context.Context, opCtx *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return x.e.exec.DispatchOperation(ctx, opCtx)
}

func (x preparingExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	return x.e.exec.DispatchError(ctx, list)
}

type preparedKey struct{}

// preparedCache hands gqlgen the document the dispatcher prepared for this
// request, so that gqlgen neither parses nor validates it again. It holds
// nothing itself: the dispatcher's cache keeps prepared documents.
type preparedCache struct{}

// Get returns the prepared document of ctx when key is its text.
func (preparedCache) Get(ctx context.Context, key string) (*ast.QueryDocument, bool) {
	if p, ok := ctx.Value(preparedKey{}).(*rgraphql.Prepared); ok && p.Query == key {
		return p.Doc, true
	}
	return nil, false
}

// Add keeps nothing.
func (preparedCache) Add(context.Context, string, *ast.QueryDocument) {}
