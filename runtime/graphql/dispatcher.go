package graphql

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"

	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/graphql/limits"
	"github.com/bffgen/bffgen/runtime/request"
)

// The codes of requests refused before execution are request errors for
// gqlgen too: its websocket transport sends them as an "error" message.
func init() {
	for _, code := range []string{
		errcode.MaxTokens, errcode.MaxDepth, errcode.MaxIntrospectionDepth, errcode.MaxAliases,
		errcode.MaxRootFields, errcode.MaxDirectives, errcode.MaxFields, errcode.MaxValidationWork,
		errcode.CostEstimatedTooExpensive, errcode.RateLimited,
		errcode.VariablesDepth, errcode.VariablesList, errcode.VariablesString, errcode.VariablesValues,
		errcode.PersistedQueryNotFound, errcode.PersistedQueryNotSupported, errcode.PersistedQueryRequired,
		errcode.PersistedQueryHashMismatch, errcode.PersistedQueryVersionNotSupported,
		CodeBadRequest,
	} {
		gqlerrcode.RegisterErrorType(code, gqlerrcode.KindProtocol)
	}
}

// Dispatcher is the GraphQL endpoint over HTTP GET and POST: it decodes a
// request into an [Operation], resolves a persisted operation, prepares
// the document (limits, parsing, validation, cached by document) and hands
// it to the executor registered for the document's hash, or to the default
// one. Build it with [New]; it is safe for concurrent use.
type Dispatcher struct {
	schema   *ast.Schema
	exec     Executor
	byHash   map[string]Executor
	compiled map[string]*compiledOp // by document hash
	o        options
	rules    *rules.Rules
	cost     *limits.CostModel
	prepared *lru.Cache[string, *Prepared]
	// cachedBytes is the text size of the documents in prepared, kept
	// under preparedCacheBytes (guarded by cacheMu with the adds).
	cacheMu     sync.Mutex
	cachedBytes int
	persisted   *persisted
}

// ErrorPresenter turns an error into the GraphQL error sent to the client
// (see gateway.ErrorPresenter); the dispatcher presents its own errors with
// the same one as the executor.
type ErrorPresenter func(ctx context.Context, err error) *gqlerror.Error

// Option configures [New].
type Option func(*options)

type options struct {
	suggestions      bool
	limits           limits.Config
	decoder          Decoder
	maxErrors        int
	maxResponseBytes int
	cacheSize        int
	presenter        ErrorPresenter
	persisted        Persisted
	byHash           map[string]Executor
	costReport       bool
	admission        Admission
	compiled         []Compiled
	recoverFn        RecoverFunc
}

// WithSuggestions lets validation errors suggest names of the schema
// ("Did you mean ...?"), a help in development that leaks the schema.
// Default false: no error suggests a name.
func WithSuggestions(on bool) Option { return func(o *options) { o.suggestions = on } }

// WithLimits sets the document limits checked before validation. Default:
// the zero limits.Config, every limit off.
func WithLimits(c limits.Config) Option { return func(o *options) { o.limits = c } }

// WithMaxBodyBytes bounds a POST body; a larger one is answered with 413.
// Default 0: no bound of the dispatcher's own.
func WithMaxBodyBytes(n int64) Option { return func(o *options) { o.decoder.MaxBodyBytes = n } }

// WithVariablesLimits caps the variables of a request (see
// [VariablesLimits]). Default: no caps.
func WithVariablesLimits(l VariablesLimits) Option {
	return func(o *options) { o.decoder.Variables = l }
}

// WithMaxErrors caps the errors of one response (see [CapErrors]). Default
// 0: no cap.
func WithMaxErrors(n int) Option { return func(o *options) { o.maxErrors = n } }

// WithMaxResponseBytes caps the size of the "data" of a response: a larger
// one is replaced by null and an error with code RESPONSE_TOO_LARGE.
// Default 0: no cap.
func WithMaxResponseBytes(n int) Option { return func(o *options) { o.maxResponseBytes = n } }

// preparedCacheBytes bounds the total text size of the cached prepared
// documents, and with it their memory (an AST is a few dozen times its
// text at worst): a document larger than a tenth of it is prepared again
// on every request instead.
const preparedCacheBytes = 4 << 20

// WithPreparedCacheSize sets how many prepared documents are kept, least
// recently used first out, within 4 MiB of document text. Default 1000;
// the documents of an allow-list manifest are kept apart and always.
func WithPreparedCacheSize(n int) Option { return func(o *options) { o.cacheSize = n } }

// WithErrorPresenter sets the presenter of the errors the dispatcher
// writes itself. Default: errors as they are.
func WithErrorPresenter(p ErrorPresenter) Option { return func(o *options) { o.presenter = p } }

// WithPersisted configures persisted operations (see [Persisted]).
// Default: mode off.
func WithPersisted(p Persisted) Option { return func(o *options) { o.persisted = p } }

// WithCostReport adds to every executed response (one with data) the
// estimated and the actual cost of its operation, as
// `"extensions": {"cost": {"estimated": N, "actual": M}}`, like the
// measure mode of Apollo Router's demand control: N is the static estimate
// that the limits check against MaxCost (see package limits), M what the
// executor counted by the same rules while it ran (see [CostMeter]); an
// executor that does not count reports 0. The limit keeps enforcing the
// estimate either way. Default false: no meter, nothing counted, no
// extension.
func WithCostReport(on bool) Option { return func(o *options) { o.costReport = on } }

// Admission decides whether an operation that passed the limits and
// validation may run: nil admits it, a *Failure refuses it (the dispatcher
// answers with its Status, its Header and its Errors, presented; a
// streaming transport sends its errors). cost is the estimated cost of the
// operation with this request's variables (as the limits compute it for
// MaxCost; 0 when the cost limit is off and nothing estimated it), opName
// the name of the operation that runs ("" for an anonymous one). It is
// called once per operation, after the limits and validation and before
// execution, from the goroutine of the request; ctx is the request's
// context. The rate-limit phase uses it for rules that count the cost or
// the operation name.
type Admission func(ctx context.Context, cost int, opName string) *Failure

// WithAdmission sets the admission check of every operation, over GET and
// POST and over the streaming transports (see [Admission]). A query sent
// with GET is checked after the GET-mutation check, so a refused method is
// not counted. Default nil: every operation is admitted.
func WithAdmission(a Admission) Option { return func(o *options) { o.admission = a } }

// WithExecutorFor runs the document whose SHA-256 is hash (64 lowercase
// hex digits) with exec instead of the default executor, for instance code
// compiled for that operation. The document is still prepared (limits and
// validation) first.
func WithExecutorFor(hash string, exec Executor) Option {
	return func(o *options) {
		if o.byHash == nil {
			o.byHash = map[string]Executor{}
		}
		o.byHash[hash] = exec
	}
}

// New returns the dispatcher of schema that runs operations with exec. It
// fails when a persisted-operations manifest cannot be read, or one of its
// entries is malformed, has an id that is not the SHA-256 of its body, or
// does not pass the limits or validation: the error lists every problem as
// file:line:col.
func New(schema *ast.Schema, exec Executor, opts ...Option) (*Dispatcher, error) {
	o := options{cacheSize: 1000}
	for _, opt := range opts {
		opt(&o)
	}
	if o.recoverFn == nil {
		o.recoverFn = defaultRecover
	}
	if o.presenter == nil {
		o.presenter = func(_ context.Context, err error) *gqlerror.Error {
			if e, ok := errors.AsType[*gqlerror.Error](err); ok {
				return e
			}
			return gqlerror.Wrap(err)
		}
	}
	for hash := range o.byHash {
		if !isSHA256Hex(hash) {
			return nil, fmt.Errorf("executor for hash %q: a hash is the SHA-256 of the document in 64 lowercase hex digits", hash)
		}
	}
	d := &Dispatcher{}
	cache, err := lru.NewWithEvict(max(o.cacheSize, 1), func(query string, _ *Prepared) {
		d.cachedBytes -= len(query) // called under cacheMu, from Add or RemoveOldest
	})
	if err != nil {
		return nil, err
	}
	*d = Dispatcher{
		schema:   schema,
		exec:     exec,
		byHash:   o.byHash,
		compiled: map[string]*compiledOp{},
		o:        o,
		rules:    validationRules(o.suggestions),
		cost:     limits.NewCostModel(schema),
		prepared: cache,
	}
	known, err := d.prepareCompiled(o.compiled)
	if err != nil {
		return nil, err
	}
	if d.persisted, err = newPersisted(o.persisted, d.prepareManifestEntry, known); err != nil {
		return nil, err
	}
	for _, p := range known {
		d.cache(p)
	}
	return d, nil
}

// validationRules are gqlgen's validation rules; without suggestions the
// rules that suggest names are replaced by gqlgen's variants that do not.
func validationRules(suggestions bool) *rules.Rules {
	r := rules.NewDefaultRules()
	if !suggestions {
		r.ReplaceRule(rules.FieldsOnCorrectTypeRule.Name, rules.FieldsOnCorrectTypeRuleWithoutSuggestions.RuleFunc)
		r.ReplaceRule(rules.ScalarLeafsRule.Name, rules.ScalarLeafsRuleWithoutSuggestions.RuleFunc)
	}
	return r
}

// Failure is an operation the dispatcher refused to run.
type Failure struct {
	// Status is the HTTP status to answer with; 0 means the status rules
	// of GraphQL over HTTP for a request error (200 with application/json,
	// 400 with application/graphql-response+json).
	Status int
	// Errors are the errors, not presented yet.
	Errors gqlerror.List
	// Header holds headers added to the HTTP response, such as the
	// Retry-After of a rate-limit rejection; nil for none. The streaming
	// transports, which answer inside a stream, ignore it.
	Header http.Header
}

func fail(status int, code, format string, args ...any) *Failure {
	err := &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
	return &Failure{Status: status, Errors: gqlerror.List{err}}
}

func requestFailure(e *RequestError) *Failure {
	return fail(e.Status, e.Code, "%s", e.Message)
}

// Prepare resolves the document of op (from the request or, for a
// persisted operation, from the manifest or the APQ store) and returns its
// prepared form: from the cache when the same document was prepared
// before, else parsed within the token limit, checked against the other
// limits, and validated. The limits that depend on the variables are
// checked on every call. op.Document is set to the resolved document.
//
// With an admission check (see [WithAdmission]) the operation must also
// pass it: Prepare is what the streaming transports call for each
// operation they run.
func (d *Dispatcher) Prepare(ctx context.Context, op *Operation) (*Prepared, *Failure) {
	p, cost, f := d.prepareOperation(op)
	if f != nil {
		return nil, f
	}
	if f := d.admit(ctx, p, op, cost); f != nil {
		return nil, f
	}
	return p, nil
}

// admit runs the admission check, if any, on a prepared operation.
func (d *Dispatcher) admit(ctx context.Context, p *Prepared, op *Operation, cost int) *Failure {
	if d.o.admission == nil {
		return nil
	}
	name := op.Name
	if def := p.Doc.Operations.ForName(op.Name); def != nil {
		name = def.Name
	}
	return d.o.admission(ctx, cost, name)
}

// prepareOperation is [Dispatcher.Prepare] that also returns the
// estimated cost of the operation with this request's variables.
func (d *Dispatcher) prepareOperation(op *Operation) (*Prepared, int, *Failure) {
	p, register, f := d.persisted.resolve(op)
	if f != nil {
		return nil, 0, f
	}
	var cost int
	if p == nil {
		var ok bool
		if p, ok = d.prepared.Get(op.Document); !ok {
			if p, cost, f = d.prepare(op.Document, op.Name, op.Variables); f != nil {
				return nil, 0, f
			}
			d.cache(p)
		} else if cost, f = d.check(p.Doc, op); f != nil {
			return nil, 0, f
		}
	} else if cost, f = d.check(p.Doc, op); f != nil {
		return nil, 0, f
	}
	if register {
		d.persisted.register(p)
	}
	if p.Doc.Operations.ForName(op.Name) == nil {
		err := gqlerror.Errorf("operation %s not found", op.Name)
		gqlerrcode.Set(err, gqlerrcode.ValidationFailed)
		return nil, 0, &Failure{Errors: gqlerror.List{err}}
	}
	return p, cost, nil
}

// cache keeps a prepared document, evicting the least recently used ones
// while the cached text is over preparedCacheBytes.
func (d *Dispatcher) cache(p *Prepared) {
	n := len(p.Query)
	if n > preparedCacheBytes/10 {
		return
	}
	d.cacheMu.Lock()
	defer d.cacheMu.Unlock()
	if d.prepared.Contains(p.Query) {
		return
	}
	d.prepared.Add(p.Query, p)
	d.cachedBytes += n
	for d.cachedBytes > preparedCacheBytes {
		d.prepared.RemoveOldest()
	}
}

// prepare parses, checks and validates one document; it returns the
// estimated cost of the operation name with vars too.
func (d *Dispatcher) prepare(query, name string, vars map[string]any) (*Prepared, int, *Failure) {
	doc, err := d.o.limits.Parse(query)
	if err != nil {
		if le, ok := errors.AsType[*limits.Error](err); ok {
			return nil, 0, limitFailure(le)
		}
		gqlErr, ok := errors.AsType[*gqlerror.Error](err)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		gqlerrcode.Set(gqlErr, gqlerrcode.ParseFailed)
		return nil, 0, &Failure{Errors: gqlerror.List{gqlErr}}
	}
	if len(doc.Operations) == 0 {
		err := gqlerror.Errorf("no operation provided")
		gqlerrcode.Set(err, gqlerrcode.ValidationFailed)
		return nil, 0, &Failure{Errors: gqlerror.List{err}}
	}
	measure, err := d.o.limits.Check(doc, name, vars, d.cost)
	if err != nil {
		return nil, 0, limitError(err)
	}
	if errs := validator.ValidateWithRules(d.schema, doc, d.rules); len(errs) > 0 {
		for _, e := range errs {
			if !d.o.suggestions {
				e.Message = withoutSuggestion(e.Message)
			}
			gqlerrcode.Set(e, gqlerrcode.ValidationFailed)
		}
		return nil, 0, &Failure{Errors: MergeDuplicates(errs)}
	}
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	p := &Prepared{Query: query, Hash: hash, Doc: doc, exec: d.byHash[hash], compiled: d.compiled[hash]}
	return p, measure.Cost, nil
}

// check applies the limits to a document prepared before, with this
// request's operation name and variables, and returns the estimated cost.
func (d *Dispatcher) check(doc *ast.QueryDocument, op *Operation) (int, *Failure) {
	measure, err := d.o.limits.Check(doc, op.Name, op.Variables, d.cost)
	if err != nil {
		return 0, limitError(err)
	}
	return measure.Cost, nil
}

func limitError(err error) *Failure {
	if le, ok := errors.AsType[*limits.Error](err); ok {
		return limitFailure(le)
	}
	return fail(http.StatusBadRequest, gqlerrcode.ValidationFailed, "%s", err.Error())
}

func limitFailure(le *limits.Error) *Failure {
	f := fail(http.StatusBadRequest, le.Code, "%s", le.Error())
	f.Errors[0].Extensions["limit"] = le.Limit
	f.Errors[0].Extensions["actual"] = le.Actual
	return f
}

// withoutSuggestion cuts the "Did you mean ...?" that gqlparser's rules
// append to a message.
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// WithoutSuggestions removes from the messages of errs every "Did you
// mean ...?" suggestion (gqlparser appends them at the end of a message).
// The gqlgen executor applies it in production mode to the errors of
// variable coercion.
func WithoutSuggestions(errs gqlerror.List) {
	for _, e := range errs {
		e.Message = withoutSuggestion(e.Message)
	}
}

// ServeHTTP serves a GraphQL-over-HTTP GET or POST request. Other methods
// are answered with 405 and "Allow: GET, POST".
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		WriteError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed: use GET or POST", r.Method))
		return
	}
	media, ok := Negotiate(r.Header.Get("Accept"))
	if !ok {
		writeNotAcceptable(w)
		return
	}
	op, rerr := d.o.decoder.Decode(w, r)
	if rerr != nil {
		WriteError(w, r, rerr.Status, rerr.Code, rerr.Message)
		return
	}
	ctx := r.Context()
	p, estimated, f := d.prepareOperation(op)
	if f != nil {
		d.writeFailure(ctx, w, media, f)
		return
	}
	def := p.Doc.Operations.ForName(op.Name)
	switch {
	case r.Method == http.MethodGet && def.Operation == ast.Mutation:
		w.Header().Set("Allow", http.MethodPost)
		WriteError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"mutations cannot be sent with GET: send a POST request")
		return
	case def.Operation == ast.Subscription:
		d.writeFailure(ctx, w, media, &Failure{Errors: gqlerror.List{{
			Message:    "subscriptions are not supported over HTTP GET or POST",
			Extensions: map[string]any{"code": CodeBadRequest},
		}}})
		return
	}
	if f := d.admit(ctx, p, op, estimated); f != nil {
		d.writeFailure(ctx, w, media, f)
		return
	}
	if ctx.Err() != nil {
		// Parsing and validation took the rest of the request's time, or
		// the client is gone.
		d.writeEnded(ctx, w, r)
		return
	}
	if c := p.compiled; c != nil && def.Name == c.name {
		if req := request.From(ctx); req != nil {
			req.SetExecutor(PathCompiled)
		}
		d.executeCompiled(ctx, w, r, media, op, c, estimated)
		return
	}
	if req := request.From(ctx); req != nil {
		req.SetExecutor(PathGQLGen)
	}
	exec := d.exec
	if p.exec != nil {
		exec = p.exec
	}
	var meter *CostMeter
	if d.o.costReport {
		meter = new(CostMeter)
		ctx = ContextWithCostMeter(ctx, meter)
	}
	resp := exec.Execute(ctx, &Request{Operation: op, Prepared: p, Header: r.Header})
	if resp == nil {
		d.writeEnded(ctx, w, r)
		return
	}
	if meter != nil && resp.Data != nil {
		resp.Extensions = maps.Clone(resp.Extensions)
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = costReport{Estimated: estimated, Actual: meter.Cost()}
	}
	status := http.StatusOK
	if media == MediaGraphQLResponse && resp.Data == nil {
		// No "data" entry: the operation failed before execution.
		status = requestErrorStatus(media, resp.Errors)
	}
	if max := d.o.maxResponseBytes; max > 0 && len(resp.Data) > max {
		resp.Data = json.RawMessage("null")
		resp.Errors = append(gqlerror.List{d.o.presenter(ctx, ResponseTooLarge(max))}, resp.Errors...)
	}
	d.write(w, media, status, resp)
}

// writeEnded answers a request whose context ended before its operation
// ran: 504 TIMEOUT when its deadline passed; nothing when the client is
// gone, as there is no one to answer.
func (d *Dispatcher) writeEnded(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		WriteError(w, r, http.StatusGatewayTimeout, errcode.Timeout, "the request deadline passed before the operation ran")
	}
}

func (d *Dispatcher) writeFailure(ctx context.Context, w http.ResponseWriter, media string, f *Failure) {
	errs := make(gqlerror.List, 0, min(len(f.Errors), max(d.o.maxErrors, 1)))
	for _, e := range CapErrors(f.Errors, d.o.maxErrors) {
		errs = append(errs, d.o.presenter(ctx, e))
	}
	status := f.Status
	if status == 0 {
		status = requestErrorStatus(media, errs)
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	d.write(w, media, status, &Response{Errors: errs})
}

// costReport is the "cost" entry of the extensions of a response (see
// [WithCostReport]).
type costReport struct {
	Estimated int   `json:"estimated"`
	Actual    int64 `json:"actual"`
}

func (d *Dispatcher) write(w http.ResponseWriter, media string, status int, resp *Response) {
	if len(resp.Errors) == 0 && len(resp.Extensions) == 0 && len(resp.Data) > 0 {
		// The common case, data alone: the bytes json.Marshal would write,
		// without its scanner's pass over the data.
		body := make([]byte, 0, len(resp.Data)+len(resp.Data)/64+64) // room for a few escapes
		if body, ok := appendCompactJSON(append(body, `{"data":`...), resp.Data); ok {
			writeBody(w, media, status, append(body, '}'))
			return
		}
	}
	body, err := json.Marshal(wireResponse{
		Errors:     CapErrors(resp.Errors, d.o.maxErrors),
		Data:       resp.Data,
		Extensions: resp.Extensions,
	})
	if err != nil {
		WriteError(w, nil, http.StatusInternalServerError, errcode.Internal, "internal server error")
		return
	}
	writeBody(w, media, status, body)
}
