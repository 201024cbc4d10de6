package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/errcode"
	"github.com/bffgen/bffgen/runtime/request"
)

// POST is the GraphQL-over-HTTP POST transport: a JSON body
// {"query","operationName","variables","extensions"} with the content type
// application/json (charset utf-8, if given). It claims every POST request
// that does not ask for a protocol upgrade, and answers the ones it cannot
// serve itself: another content type with 415, a body larger than
// MaxBodyBytes (or than a limit set by [BodyLimit]) with 413, a body that is
// not a JSON object of that shape with 400, an Accept header that allows
// neither application/graphql-response+json nor application/json with 406.
// Add it after any other transport that handles POST requests.
type POST struct {
	// MaxBodyBytes bounds the request body; 0 means the transport sets no
	// limit of its own.
	MaxBodyBytes int64
}

var _ graphql.Transport = POST{}

// Supports reports whether r is a POST request without an Upgrade header.
func (POST) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

// Do serves r with exec.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeNotAcceptable(w, r)
		return
	}
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		WriteError(w, r, http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
			`unsupported content type: send the request as "application/json"`)
		return
	}
	if t.MaxBodyBytes > 0 && r.ContentLength > t.MaxBodyBytes {
		writeTooLarge(w, r, t.MaxBodyBytes)
		return
	}
	body := r.Body
	if t.MaxBodyBytes > 0 {
		body = http.MaxBytesReader(w, body, t.MaxBodyBytes)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeTooLarge(w, r, tooLarge.Limit)
			return
		}
		WriteError(w, r, http.StatusBadRequest, codeBadRequest, "cannot read the request body")
		return
	}
	params := &graphql.RawParams{}
	if msg := decodeParams(data, params); msg != "" {
		WriteError(w, r, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, media, false)
}

// isJSONContentType reports whether a Content-Type header is application/json
// with no charset or the utf-8 one.
func isJSONContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return false
	}
	cs, has := params["charset"]
	return !has || strings.EqualFold(cs, "utf-8")
}

// decodeParams decodes a POST body into params. It returns "" on success,
// else a message for the client that locates the problem by byte offset
// and never quotes the body.
func decodeParams(data []byte, params *graphql.RawParams) string {
	if len(bytes.TrimSpace(data)) == 0 {
		return `request body is empty: send a JSON object with a "query"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return fmt.Sprintf("request body is not valid JSON: syntax error at byte offset %d", syntax.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return fmt.Sprintf("request body is not valid JSON for a GraphQL request: it must be an object, found %s at byte offset %d", typ.Value, typ.Offset)
		case errors.As(err, &typ):
			return fmt.Sprintf("request body is not valid JSON for a GraphQL request: %q must be %s, found %s at byte offset %d",
				fieldRoot(typ.Field), expectedKind(typ.Field), typ.Value, typ.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Sprintf("request body is not valid JSON: unexpected end at byte offset %d", len(data))
		default:
			return fmt.Sprintf("request body is not valid JSON (byte offset %d)", dec.InputOffset())
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Sprintf("request body is not valid JSON: unexpected data after the object at byte offset %d", dec.InputOffset())
	}
	return ""
}

func fieldRoot(field string) string {
	root, _, _ := strings.Cut(field, ".")
	return root
}

func expectedKind(field string) string {
	switch fieldRoot(field) {
	case "variables", "extensions":
		return "an object"
	default:
		return "a string"
	}
}

// GET is the GraphQL-over-HTTP GET transport: the parameters query,
// operationName, variables and extensions (the last two JSON-encoded) come
// from the URL query string. It claims every GET request that does not ask
// for a protocol upgrade. Only queries run over GET: a mutation is answered
// with 405 and "Allow: POST", before it runs. Malformed parameters are
// answered with 400, an unacceptable Accept header with 406.
type GET struct{}

var _ graphql.Transport = GET{}

// Supports reports whether r is a GET request without an Upgrade header.
func (GET) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do serves r with exec.
func (GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeNotAcceptable(w, r)
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		WriteError(w, r, http.StatusBadRequest, codeBadRequest, "the URL query string is malformed")
		return
	}
	params := &graphql.RawParams{
		Query:         query.Get("query"),
		OperationName: query.Get("operationName"),
		Headers:       r.Header,
	}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		raw := query.Get(p.name)
		if raw == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		err := dec.Decode(p.dst)
		if err == nil {
			if _, tail := dec.Token(); tail != io.EOF {
				err = errors.New("trailing data")
			}
		}
		if err != nil {
			WriteError(w, r, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("the %q parameter must be a JSON object", p.name))
			return
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, media, true)
}

func writeNotAcceptable(w http.ResponseWriter, r *http.Request) {
	// The request accepts neither media type: answer in plain JSON, which
	// every client can read.
	r = r.Clone(r.Context())
	r.Header.Del("Accept")
	WriteError(w, r, http.StatusNotAcceptable, codeNotAcceptable,
		`not acceptable: accept "application/graphql-response+json" or "application/json"`)
}

// execute runs one operation and writes its single response.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, media string, get bool) {
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeResponse(w, r, media, requestErrorStatus(media, errs), resp)
		return
	}
	switch op := opCtx.Operation.Operation; {
	case get && op == ast.Mutation:
		w.Header().Set("Allow", http.MethodPost)
		WriteError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			"mutations cannot be sent with GET: send a POST request")
		return
	case op == ast.Subscription:
		err := gqlerror.Errorf("subscriptions are not supported over HTTP GET or POST")
		gqlerrcode.Set(err, codeBadRequest)
		errs := gqlerror.List{err}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeResponse(w, r, media, requestErrorStatus(media, errs), resp)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if req := request.From(ctx); req != nil {
		req.CopyResponseHeaders(w.Header()) // upstreams' response_headers, e.g. Set-Cookie
	}
	if resp == nil {
		// The request context ended before the operation ran: the deadline
		// passed, or the client is gone and there is no one to answer.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			WriteError(w, r, http.StatusGatewayTimeout, errcode.Timeout, "the request deadline passed before the operation ran")
		}
		return
	}
	status := http.StatusOK
	if media == mediaGraphQLResponse && resp.Data == nil {
		// No "data" entry: the operation failed before execution.
		status = requestErrorStatus(media, resp.Errors)
	}
	writeResponse(w, r, media, status, resp)
}

// requestErrorStatus is the status of a response without data. With
// application/json it is 200, as the specification asks for every
// well-formed request; with application/graphql-response+json it must be
// 4xx or 5xx: 400 for parse and validation errors, else the status that the
// first error code calls for.
func requestErrorStatus(media string, errs gqlerror.List) int {
	if media != mediaGraphQLResponse {
		return http.StatusOK
	}
	if gqlerrcode.GetErrorKind(errs) == gqlerrcode.KindProtocol {
		return http.StatusBadRequest
	}
	for _, e := range errs {
		if code, ok := e.Extensions["code"].(string); ok {
			if s, ok := codeStatus[code]; ok {
				return s
			}
		}
	}
	return http.StatusBadRequest
}

// codeStatus maps the codes of request errors to HTTP statuses for
// application/graphql-response+json.
var codeStatus = map[string]int{
	errcode.Unauthenticated:  http.StatusUnauthorized,
	errcode.Forbidden:        http.StatusForbidden,
	errcode.NotFound:         http.StatusNotFound,
	errcode.Conflict:         http.StatusConflict,
	errcode.RateLimited:      http.StatusTooManyRequests,
	errcode.Timeout:          http.StatusGatewayTimeout,
	errcode.Unavailable:      http.StatusServiceUnavailable,
	errcode.Internal:         http.StatusInternalServerError,
	errcode.BadUserInput:     http.StatusBadRequest,
	codeBadRequest:           http.StatusBadRequest,
	codePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
}

// wireResponse is graphql.Response without the fields of incremental
// delivery, and with "data" left out when there is none, as the GraphQL
// specification asks for request errors.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func writeResponse(w http.ResponseWriter, r *http.Request, media string, status int, resp *graphql.Response) {
	body, err := json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
	if err != nil {
		WriteError(w, r, http.StatusInternalServerError, codeInternal, "internal server error")
		return
	}
	writeBody(w, media, status, body)
}
