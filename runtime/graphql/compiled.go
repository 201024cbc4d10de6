package graphql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"

	gqlgen "github.com/99designs/gqlgen/graphql"
	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/bffgen/bffgen/runtime/request"
)

// Execution paths, as [request.Request.Executor] reports them and the
// access log and metrics label them.
const (
	// PathCompiled: a compiled executor (see [Compiled]) ran the operation.
	PathCompiled = "compiled"
	// PathGQLGen: the default executor (gqlgen's) ran the operation.
	PathGQLGen = "gqlgen"
)

// Compiled is an operation compiled ahead of time into Go code that runs
// it with no generic executor: the generator emits one per operation of
// the frontend and registers them with [WithCompiled] (runtime.Service's
// Compiled field). The dispatcher runs it for every request whose document
// is Document, sent in full or named by its hash (the persisted id); any
// other document runs on the default executor.
//
// The document is prepared at startup like a document of the manifest:
// parsed, checked against every document limit and validated against the
// schema; [New] fails, naming the operation, when it does not pass. Per
// request, everything else the dispatcher does for the default executor
// happens too, in the same order and with the same errors: request
// decoding, persisted-operation rules, the variables caps, the limits that
// depend on the variables, the operationName check, the GET-mutation rule,
// admission (rate limits by cost or name), variable coercion (the errors
// of gqlgen's path, word for word), the response-size cap, the error cap,
// the error presenter and the cost report.
type Compiled struct {
	// Name is the name of the operation in Document that Execute runs; ""
	// for the only operation of a document with one anonymous operation.
	// A request whose operationName names another operation of the
	// document runs on the default executor.
	Name string
	// Document is the exact text of the GraphQL document, as the client
	// sends it: the operation and the fragments it uses.
	Document string
	// Hash is the SHA-256 of Document, 64 lowercase hex digits, as APQ's
	// sha256Hash; "" computes it. A Hash that is not the SHA-256 of
	// Document makes [New] fail.
	Hash string
	// Execute runs the operation. Required.
	Execute CompiledFunc
}

// CompiledFunc runs one compiled operation: it reads the coerced variables
// of req, calls the backends, and writes the JSON of "data" (an object, or
// null when a non-null root field failed) into out, recording field errors
// with [Result.FieldError]. ctx is the request's context: it carries the
// request seam (runtime/request: the principal for @auth, headers) and ends
// with the request's deadline or when the client leaves; an executor that
// sees it end may return without writing anything, and the dispatcher
// answers 504 TIMEOUT (deadline) or nothing (client gone). A panic is
// recovered by the dispatcher and answered as an operation whose data is
// null with one error, as the recover function presents it. req and out
// belong to the dispatcher once Execute returns (they are reused): the
// executor must not keep them, nor use them from goroutines it leaves
// running.
type CompiledFunc func(ctx context.Context, req *CompiledRequest, out *Result)

// CompiledRequest is what a compiled executor gets besides its context.
type CompiledRequest struct {
	// Variables are the variable values coerced by the operation's
	// variable definitions, as gqlgen's executor coerces them
	// (gqlparser's validator.VariableValues): defaults applied, numbers
	// as json.Number, enum values as strings. Read-only; nil for an
	// operation without variable definitions.
	Variables map[string]any
	// Header holds the HTTP request headers. Read-only.
	Header http.Header
	// Request is the request seam (runtime/request) of the context; nil
	// when the dispatcher runs outside the gateway pipeline.
	Request *request.Request
	// Cost is the meter to count the actual cost of the operation into,
	// by the rules of [CostMeter]; nil when the cost report is off.
	Cost *CostMeter
}

// Result is the response a compiled executor writes: the JSON of "data",
// and the errors. The writing methods (Raw, String, Int, ...) append to
// one buffer and are not safe for concurrent use: an executor calls its
// backends concurrently, then writes. FieldError and Panic are safe for
// concurrent use.
//
// What the writing methods produce is the response's data as is: no
// re-encoding happens after them. They write JSON exactly as gqlgen's
// marshalers followed by the dispatcher's encoding/json pass would (the
// same escapes, the same number formats), so both paths answer the same
// bytes; Raw is for the executor's constant text (keys, punctuation) and
// must be compact JSON free of '<', '>', '&', U+2028 and U+2029.
type Result struct {
	// buf holds `{"data":` (base bytes), then the data as written.
	buf       []byte
	base      int
	scratch   bytes.Buffer // what a gqlgen marshaler writes, before compaction
	compact   bytes.Buffer // scratch compacted, before HTML escaping
	max       int          // the response-size cap; 0 none
	present   ErrorPresenter
	recoverFn RecoverFunc

	mu   sync.Mutex
	errs gqlerror.List
}

// RecoverFunc turns the value of a recovered panic into the error of the
// field (or the operation) that panicked; see [WithRecoverFunc].
type RecoverFunc func(ctx context.Context, p any) error

// Raw appends s, constant JSON text of the executor such as `{"product":`.
func (r *Result) Raw(s string) { r.buf = append(r.buf, s...) }

// Byte appends one byte of JSON punctuation, such as ',' or '}'.
func (r *Result) Byte(c byte) { r.buf = append(r.buf, c) }

// Null appends null.
func (r *Result) Null() { r.buf = append(r.buf, "null"...) }

// Bool appends true or false.
func (r *Result) Bool(b bool) { r.buf = strconv.AppendBool(r.buf, b) }

// Int appends an integer (Int, and the Int64 scalars written as numbers).
func (r *Result) Int(i int64) { r.buf = strconv.AppendInt(r.buf, i, 10) }

// Uint appends an unsigned integer.
func (r *Result) Uint(i uint64) { r.buf = strconv.AppendUint(r.buf, i, 10) }

// Float appends a Float as gqlgen writes it (the shortest %g form). NaN
// and infinities have no JSON form: Float writes nothing and returns the
// error gqlgen's marshaler returns, for the executor to record as the
// field's error.
func (r *Result) Float(f float64) error {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return errors.New("cannot marshal infinite no NaN float values")
	}
	r.buf = strconv.AppendFloat(r.buf, f, 'g', -1, 64)
	return nil
}

// String appends s as a JSON string (String, ID, enum values): control
// characters, '"' and '\' escaped as gqlgen escapes them, and '<', '>',
// '&', U+2028 and U+2029 as encoding/json escapes them. Bytes that are
// not valid UTF-8 are written as they are, as on gqlgen's path.
func (r *Result) String(s string) { r.buf = appendString(r.buf, s) }

// Marshal appends the value m writes, a gqlgen marshaler such as the
// custom scalars of runtime/scalar: what m writes is compacted and
// HTML-escaped as encoding/json's pass does on gqlgen's path. It returns
// an error, writing nothing, when m writes something that is not JSON.
func (r *Result) Marshal(m gqlgen.Marshaler) error {
	r.scratch.Reset()
	m.MarshalGQL(&r.scratch)
	return r.appendCompact()
}

// MarshalContext is Marshal for a context marshaler (the scalars whose
// marshaling can fail, such as DateTime): its error is returned, nothing
// written, for the executor to record as the field's error.
func (r *Result) MarshalContext(ctx context.Context, m gqlgen.ContextMarshaler) error {
	r.scratch.Reset()
	if err := m.MarshalGQLContext(ctx, &r.scratch); err != nil {
		return err
	}
	return r.appendCompact()
}

// Append appends to r what f appends of v: a scalar written without a
// marshaler (scalar.AppendDateTime, say), so without the closure Marshal
// needs. f must append compact JSON that encoding/json's HTML escaping
// leaves as it is (a number, a string of digits, a date), which is what
// Marshal would then write. When f fails, nothing is written and its
// error is returned, for the executor to record as the field's error.
func Append[T any](r *Result, f func([]byte, T) ([]byte, error), v T) error {
	b, err := f(r.buf, v)
	if err != nil {
		return err
	}
	r.buf = b
	return nil
}

func (r *Result) appendCompact() error {
	src := r.scratch.Bytes()
	if plainJSONString(src) {
		// The common case (DateTime, Int64 as a string, ...): compaction
		// and HTML escaping would copy it as it is.
		r.buf = append(r.buf, src...)
		return nil
	}
	r.compact.Reset()
	if err := json.Compact(&r.compact, src); err != nil {
		return fmt.Errorf("the marshaler wrote invalid JSON: %w", err)
	}
	r.scratch.Reset()
	json.HTMLEscape(&r.scratch, r.compact.Bytes())
	r.buf = append(r.buf, r.scratch.Bytes()...)
	return nil
}

// plainJSONString reports whether b is one JSON string that json.Compact
// and json.HTMLEscape leave as it is: quotes around bytes that are none of
// the control characters, '"', '\', '<', '>', '&', and no 0xE2 (the
// first byte of U+2028 and U+2029, which HTMLEscape escapes).
func plainJSONString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return false
		}
	}
	return true
}

// Len returns a mark of the data written so far, to come back to with
// Truncate.
func (r *Result) Len() int { return len(r.buf) }

// Truncate cuts the data back to a mark of Len, to replace an object
// whose non-null field failed with null.
func (r *Result) Truncate(n int) { r.buf = r.buf[:n] }

// Over reports whether the data written so far is over the response-size
// cap: the dispatcher will answer null and the error RESPONSE_TOO_LARGE
// whatever comes next, so the executor may stop calling backends.
func (r *Result) Over() bool { return r.max > 0 && len(r.buf)-r.base > r.max }

// data returns the data written, nil for none.
func (r *Result) data() []byte {
	if len(r.buf) == r.base {
		return nil
	}
	return r.buf[r.base:]
}

// FieldError records the error of the field at path, at line:column of
// the document (line 0: no location, as for gqlgen's "must not be null"),
// and presents it with the dispatcher's error presenter at once, as
// gqlgen's path does: an error that is a *gqlerror.Error keeps its path
// and locations when it has them, any other error is wrapped. It does not
// write null: the executor does. Safe for concurrent use.
func (r *Result) FieldError(ctx context.Context, err error, line, column int, path ast.Path) {
	if err == nil {
		return
	}
	if list, ok := err.(gqlerror.List); ok {
		for _, e := range list {
			r.FieldError(ctx, e, line, column, path)
		}
		return
	}
	if line > 0 {
		loc := gqlerror.Location{Line: line, Column: column}
		if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok {
			if gqlErr.Locations == nil {
				gqlErr.Locations = []gqlerror.Location{loc}
			}
		} else {
			wrapped := gqlerror.WrapPath(path, err)
			wrapped.Locations = []gqlerror.Location{loc}
			err = wrapped
		}
	}
	if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok {
		if gqlErr.Path == nil {
			gqlErr.Path = path
		}
	} else {
		err = gqlerror.WrapPath(path, err)
	}
	r.add(r.present(ctx, err))
}

// Panic records a panic recovered while the field at path was resolved,
// as gqlgen does: the recover function (see [WithRecoverFunc]) turns p
// into an error, which gets the path and is presented. The executor
// writes null where the field was. Safe for concurrent use.
func (r *Result) Panic(ctx context.Context, p any, path ast.Path) {
	err := r.recoverFn(ctx, p)
	if gqlErr, ok := errors.AsType[*gqlerror.Error](err); ok {
		if gqlErr.Path == nil {
			gqlErr.Path = path
		}
	} else if err != nil {
		err = gqlerror.WrapPath(path, err)
	}
	if err != nil {
		r.add(r.present(ctx, err))
	}
}

func (r *Result) add(e *gqlerror.Error) {
	if e == nil {
		return
	}
	r.mu.Lock()
	r.errs = append(r.errs, e)
	r.mu.Unlock()
}

// WithCompiled registers compiled operations (see [Compiled]). Their
// documents are prepared when [New] runs; with trusted documents (mode
// allow_list) they are allowed besides the manifest's operations, and in
// every mode a request may name them by hash alone. Several WithCompiled
// options add up. Default: none.
func WithCompiled(ops ...Compiled) Option {
	return func(o *options) { o.compiled = append(o.compiled, ops...) }
}

// WithRecoverFunc sets what a panic in a compiled executor becomes (see
// [Result.Panic]); the gateway passes the recover function of gqlgen's
// path, so a panic answers the same on both paths. Default: the error
// "internal system error", as gqlgen's default.
func WithRecoverFunc(f RecoverFunc) Option { return func(o *options) { o.recoverFn = f } }

func defaultRecover(context.Context, any) error {
	return gqlerror.Errorf("internal system error")
}

// compiledRun is the state of one run of a compiled operation, pooled:
// an executor must not use its request or its Result once it returned.
type compiledRun struct {
	req CompiledRequest
	out Result
}

// dataPrefix starts every response of a compiled operation: the data is
// written right after it, so that a response without errors is the
// buffer itself.
const dataPrefix = `{"data":`

// maxPooledBuffer is the largest response buffer kept for the next run.
const maxPooledBuffer = 64 << 10

var compiledRuns = sync.Pool{New: func() any { return new(compiledRun) }}

func (d *Dispatcher) getRun(ctx context.Context, r *http.Request, vars map[string]any) *compiledRun {
	run := compiledRuns.Get().(*compiledRun)
	run.req = CompiledRequest{Variables: vars, Header: r.Header, Request: request.From(ctx)}
	if d.o.costReport {
		run.req.Cost = new(CostMeter)
	}
	out := &run.out
	if out.buf == nil {
		out.buf = make([]byte, 0, 1024)
	}
	out.buf = append(out.buf[:0], dataPrefix...)
	out.base, out.max, out.present, out.recoverFn = len(dataPrefix), d.o.maxResponseBytes, d.o.presenter, d.o.recoverFn
	return run
}

func putRun(run *compiledRun) {
	run.req = CompiledRequest{}
	run.out.errs = nil
	run.out.present, run.out.recoverFn = nil, nil
	if cap(run.out.buf) > maxPooledBuffer {
		run.out.buf = nil
	}
	if run.out.scratch.Cap() > maxPooledBuffer {
		run.out.scratch = bytes.Buffer{}
	}
	if run.out.compact.Cap() > maxPooledBuffer {
		run.out.compact = bytes.Buffer{}
	}
	compiledRuns.Put(run)
}

// compiledOp is a compiled operation of the dispatcher.
type compiledOp struct {
	name string
	fn   CompiledFunc
	def  *ast.OperationDefinition
}

// prepareCompiled checks and prepares the compiled operations; every
// problem is reported, each naming its operation.
func (d *Dispatcher) prepareCompiled(ops []Compiled) ([]*Prepared, error) {
	var errs []error
	var prepared []*Prepared
	seen := map[string]string{}
	for i, c := range ops {
		label := fmt.Sprintf("compiled operation %q", c.Name)
		if c.Name == "" {
			label = fmt.Sprintf("compiled operation %d (anonymous)", i+1)
		}
		sum := sha256.Sum256([]byte(c.Document))
		hash := hex.EncodeToString(sum[:])
		switch {
		case c.Execute == nil:
			errs = append(errs, fmt.Errorf("%s: no Execute function: internal error of the generated code, please report", label))
			continue
		case c.Hash != "" && c.Hash != hash:
			errs = append(errs, fmt.Errorf("%s: its hash %q is not the SHA-256 of its document, which is %q: regenerate the code", label, c.Hash, hash))
			continue
		}
		if other, dup := seen[hash]; dup {
			errs = append(errs, fmt.Errorf("%s: the same document as %s: one executor per document", label, other))
			continue
		}
		seen[hash] = label
		p, err := d.prepareManifestEntry(c.Document, c.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s does not pass the limits or validation of this server: %w", label, err))
			continue
		}
		def := p.Doc.Operations.ForName(c.Name)
		if def == nil {
			errs = append(errs, fmt.Errorf("%s: its document has no operation %q", label, c.Name))
			continue
		}
		if def.Operation == ast.Subscription {
			errs = append(errs, fmt.Errorf("%s is a subscription: subscriptions run on gqlgen's streaming transports, not compiled", label))
			continue
		}
		p.compiled = &compiledOp{name: c.Name, fn: c.Execute, def: def}
		d.compiled[hash] = p.compiled
		prepared = append(prepared, p)
	}
	return prepared, errors.Join(errs...)
}

// executeCompiled runs a compiled operation and writes its response.
func (d *Dispatcher) executeCompiled(ctx context.Context, w http.ResponseWriter, r *http.Request, media string, op *Operation, c *compiledOp, estimated int) {
	vars, err := coerce(d.schema, c.def, op.Variables, d.o.suggestions)
	if err != nil {
		errs := CapErrors(gqlerror.List{d.o.presenter(ctx, err)}, d.o.maxErrors)
		d.writeCompiled(w, media, requestErrorStatus(media, errs), nil, errs, nil)
		return
	}
	run := d.getRun(ctx, r, vars)
	defer putRun(run)
	out := &run.out
	d.runCompiled(ctx, c, &run.req, out)
	data := out.data()
	if data == nil {
		if ctx.Err() != nil {
			d.writeEnded(ctx, w, r)
			return
		}
		out.Null()
		data = out.data()
		out.add(d.o.presenter(ctx, gqlerror.Errorf("the compiled operation wrote no data")))
	}
	errs := out.errs
	if out.Over() {
		data = []byte("null")
		errs = gqlerror.List{d.o.presenter(ctx, ResponseTooLarge(out.max))}
	}
	var ext map[string]any
	if run.req.Cost != nil {
		ext = map[string]any{"cost": costReport{Estimated: estimated, Actual: run.req.Cost.Cost()}}
	}
	if len(errs) == 0 && ext == nil && !out.Over() {
		// The common case: the buffer is the response.
		out.buf = append(out.buf, '}')
		writeBody(w, media, http.StatusOK, out.buf)
		return
	}
	d.writeCompiled(w, media, http.StatusOK, data, CapErrors(errs, d.o.maxErrors), ext)
}

// runCompiled runs the executor; a panic answers data null and the error
// the recover function makes of it.
func (d *Dispatcher) runCompiled(ctx context.Context, c *compiledOp, req *CompiledRequest, out *Result) {
	defer func() {
		if p := recover(); p != nil {
			out.buf = append(out.buf[:out.base], "null"...)
			out.Panic(ctx, p, nil)
		}
	}()
	c.fn(ctx, req, out)
}

// writeCompiled writes a response whose data (nil for none) is already
// compact JSON as encoding/json writes it: the same bytes as
// json.Marshal(wireResponse{...}), without encoding/json's pass over the
// data.
func (d *Dispatcher) writeCompiled(w http.ResponseWriter, media string, status int, data []byte, errs gqlerror.List, ext map[string]any) {
	body := make([]byte, 0, len(data)+32)
	body = append(body, '{')
	if len(errs) > 0 {
		eb, err := json.Marshal(errs)
		if err != nil {
			WriteError(w, nil, http.StatusInternalServerError, "INTERNAL", "internal server error")
			return
		}
		body = append(append(append(body, `"errors":`...), eb...), ',')
	}
	if data != nil {
		body = append(append(body, `"data":`...), data...)
	} else if len(errs) > 0 {
		body = body[:len(body)-1] // no data: drop the comma after errors
	}
	if ext != nil {
		eb, err := json.Marshal(ext)
		if err != nil {
			WriteError(w, nil, http.StatusInternalServerError, "INTERNAL", "internal server error")
			return
		}
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = append(append(body, `"extensions":`...), eb...)
	}
	body = append(body, '}')
	writeBody(w, media, status, body)
}

const hexDigits = "0123456789ABCDEF"

// appendString appends s as gqlgen's writeQuotedString writes it, then
// with the escapes encoding/json's compaction adds (HTML characters,
// U+2028 and U+2029, lowercase hex).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\t':
				b = append(b, `\t`...)
			case '\r':
				b = append(b, `\r`...)
			case '\n':
				b = append(b, `\n`...)
			case '\\':
				b = append(b, `\\`...)
			case '"':
				b = append(b, `\"`...)
			case '<':
				b = append(b, `\u003c`...)
			case '>':
				b = append(b, `\u003e`...)
			case '&':
				b = append(b, `\u0026`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
		if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8 {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, "89"[s[i+2]&1])
			i += 3
			start = i
			continue
		}
		i++
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// coerce runs gqlparser's variable coercion, as gqlgen's executor does
// before it runs an operation, and gives its error the code and the
// message gqlgen's path gives it.
func coerce(schema *ast.Schema, def *ast.OperationDefinition, vars map[string]any, suggestions bool) (map[string]any, error) {
	if len(def.VariableDefinitions) == 0 {
		// Nothing to coerce and no error possible: gqlparser ignores
		// variables the operation does not define.
		return nil, nil
	}
	out, err := validator.VariableValues(schema, def, vars)
	if err == nil {
		return out, nil
	}
	gqlErr, ok := err.(*gqlerror.Error)
	if !ok {
		return out, nil // gqlgen ignores an error of another type too
	}
	gqlerrcode.Set(gqlErr, gqlerrcode.ValidationFailed)
	if !suggestions {
		gqlErr.Message = withoutSuggestion(gqlErr.Message)
	}
	return nil, gqlErr
}
