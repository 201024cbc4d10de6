package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Operation is one GraphQL request as the client sent it, before any
// GraphQL work: the document (or the hash of a persisted one), the
// operation name, the variables and the extensions.
type Operation struct {
	// Document is the text of the GraphQL document; empty when the request
	// names a persisted operation by hash only.
	Document string
	// PersistedHash is the SHA-256 of the document, 64 lowercase hex
	// digits, from extensions.persistedQuery.sha256Hash; empty when the
	// request has none.
	PersistedHash string
	// Name is the operationName parameter; empty selects the only
	// operation of the document.
	Name string
	// Variables are the variable values, JSON-decoded with numbers kept as
	// json.Number; nil when the request has none.
	Variables map[string]any
	// Extensions is the extensions parameter; nil when the request has
	// none.
	Extensions map[string]any
	// Method is the HTTP method of the request, GET or POST; empty for an
	// operation that did not come over GET or POST (a websocket or SSE
	// subscription).
	Method string
}

// RequestError is a request rejected before any GraphQL work: the HTTP
// status to answer with, the extensions.code and a message for the client
// that never quotes the request.
type RequestError struct {
	// Status is the HTTP status, 4xx.
	Status int
	// Code is the extensions.code, such as BAD_REQUEST or
	// MAX_VARIABLES_DEPTH_LIMIT.
	Code string
	// Message says what is wrong and how to fix it.
	Message string
}

// Error returns the message.
func (e *RequestError) Error() string { return e.Message }

func badRequest(code, format string, args ...any) *RequestError {
	return &RequestError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Decoder turns GraphQL-over-HTTP GET and POST requests into operations.
// The zero value sets no body bound and no variables caps.
type Decoder struct {
	// MaxBodyBytes bounds a POST body; 0 means no bound of the decoder's
	// own (the server may set one).
	MaxBodyBytes int64
	// Variables caps the variables and extensions of a request.
	Variables VariablesLimits
}

// Decode decodes r, a GET or POST request, into an operation. A POST must
// have the content type application/json (charset utf-8, if given), else
// 415; a body over MaxBodyBytes is answered with 413; a body that is not a
// JSON object {"query","operationName","variables","extensions"} with 400
// and a message that gives the byte offset of the problem. A GET takes the
// same parameters from the URL query string, variables and extensions
// JSON-encoded. Variables over the caps of d.Variables are answered with
// 400 and a MAX_VARIABLES_* code before they are decoded. An
// extensions.persistedQuery that is not {"version":1,"sha256Hash":<64 hex
// digits>} is answered with 400.
func (d Decoder) Decode(w http.ResponseWriter, r *http.Request) (*Operation, *RequestError) {
	var op *Operation
	var err *RequestError
	switch r.Method {
	case http.MethodPost:
		op, err = d.decodePOST(w, r)
	case http.MethodGet:
		op, err = d.decodeGET(r)
	default:
		return nil, &RequestError{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
			Message: fmt.Sprintf("method %s is not allowed: use GET or POST", r.Method)}
	}
	if err != nil {
		return nil, err
	}
	op.Method = r.Method
	if op.PersistedHash, err = persistedHash(op.Extensions); err != nil {
		return nil, err
	}
	if op.Document == "" && op.PersistedHash == "" {
		return nil, badRequest(CodeBadRequest, `the request has no "query": send the GraphQL document in "query", or the hash of a persisted one in extensions.persistedQuery`)
	}
	return op, nil
}

func (d Decoder) decodePOST(w http.ResponseWriter, r *http.Request) (*Operation, *RequestError) {
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		return nil, &RequestError{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType,
			Message: `unsupported content type: send the request as "application/json"`}
	}
	if d.MaxBodyBytes > 0 && r.ContentLength > d.MaxBodyBytes {
		return nil, tooLarge(d.MaxBodyBytes)
	}
	body := r.Body
	if d.MaxBodyBytes > 0 {
		body = http.MaxBytesReader(w, body, d.MaxBodyBytes)
	}
	data, err := readBody(body, r.ContentLength)
	if err != nil {
		if tl, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(tl.Limit)
		}
		return nil, badRequest(CodeBadRequest, "cannot read the request body")
	}
	return DecodeBody(data, d.Variables)
}

// readBody reads a body whose length may be known in advance, into a
// buffer of that size, so that the heap holds one copy of it.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length <= 0 || length > 64<<20 {
		return io.ReadAll(body)
	}
	buf := make([]byte, length+1) // +1: see EOF in the same read
	n, err := io.ReadFull(body, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(body) // a body longer than announced
	return append(buf, rest...), err
}

func tooLarge(limit int64) *RequestError {
	return &RequestError{Status: http.StatusRequestEntityTooLarge, Code: CodePayloadTooLarge,
		Message: fmt.Sprintf("request body is larger than the limit of %d bytes", limit)}
}

// DecodeBody decodes the body of a GraphQL-over-HTTP POST request into an
// operation: the variables caps of lim are checked on the raw bytes first,
// then the body is decoded. Errors locate the problem by byte offset and
// never quote the body. PersistedHash and Method are left empty.
func DecodeBody(data []byte, lim VariablesLimits) (*Operation, *RequestError) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest(CodeBadRequest, `request body is empty: send a JSON object with a "query"`)
	}
	if op, err, ok := fastDecode(data, lim); ok {
		return op, err
	}
	if err := lim.scan(data, true); err != nil {
		return nil, err
	}
	return slowDecode(data)
}

// slowDecode decodes a body with encoding/json, for the bodies fastDecode
// does not take: its errors locate the problem by byte offset.
func slowDecode(data []byte) (*Operation, *RequestError) {
	var params struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var msg string
		switch {
		case errors.As(err, &syntax):
			msg = fmt.Sprintf("request body is not valid JSON: syntax error at byte offset %d", syntax.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			msg = fmt.Sprintf("request body is not valid JSON for a GraphQL request: it must be an object, found %s at byte offset %d", typ.Value, typ.Offset)
		case errors.As(err, &typ):
			msg = fmt.Sprintf("request body is not valid JSON for a GraphQL request: %q must be %s, found %s at byte offset %d",
				fieldRoot(typ.Field), expectedKind(typ.Field), typ.Value, typ.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			msg = fmt.Sprintf("request body is not valid JSON: unexpected end at byte offset %d", len(data))
		default:
			msg = fmt.Sprintf("request body is not valid JSON (byte offset %d)", dec.InputOffset())
		}
		return nil, badRequest(CodeBadRequest, "%s", msg)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest(CodeBadRequest, "request body is not valid JSON: unexpected data after the object at byte offset %d", dec.InputOffset())
	}
	return &Operation{
		Document:   params.Query,
		Name:       params.OperationName,
		Variables:  params.Variables,
		Extensions: params.Extensions,
	}, nil
}

func (d Decoder) decodeGET(r *http.Request) (*Operation, *RequestError) {
	return DecodeQueryString(r.URL.RawQuery, d.Variables)
}

// DecodeQueryString decodes the URL query string of a GraphQL-over-HTTP GET
// request into an operation: query, operationName, and variables and
// extensions as JSON objects, checked against the caps of lim before they
// are decoded. PersistedHash and Method are left empty.
func DecodeQueryString(rawQuery string, lim VariablesLimits) (*Operation, *RequestError) {
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest(CodeBadRequest, "the URL query string is malformed")
	}
	op := &Operation{Document: query.Get("query"), Name: query.Get("operationName")}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &op.Variables}, {"extensions", &op.Extensions}} {
		raw := query.Get(p.name)
		if raw == "" {
			continue
		}
		if err := lim.scan([]byte(raw), false); err != nil {
			return nil, err
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
			return nil, badRequest(CodeBadRequest, "the %q parameter must be a JSON object", p.name)
		}
	}
	return op, nil
}

// persistedHash returns the hash of extensions.persistedQuery, "" when
// there is none.
func persistedHash(ext map[string]any) (string, *RequestError) {
	raw, ok := ext["persistedQuery"]
	if !ok {
		return "", nil
	}
	pq, ok := raw.(map[string]any)
	if !ok {
		return "", badRequest(CodeBadRequest, `extensions.persistedQuery must be an object {"version":1,"sha256Hash":"..."}`)
	}
	switch v := pq["version"].(type) {
	case json.Number:
		if v.String() != "1" {
			return "", badRequest(CodePersistedQueryVersion, "extensions.persistedQuery.version %s is not supported: use 1", v)
		}
	case float64:
		if v != 1 {
			return "", badRequest(CodePersistedQueryVersion, "extensions.persistedQuery.version %v is not supported: use 1", v)
		}
	default:
		return "", badRequest(CodePersistedQueryVersion, "extensions.persistedQuery.version must be the number 1")
	}
	hash, _ := pq["sha256Hash"].(string)
	if !isSHA256Hex(hash) {
		return "", badRequest(CodeBadRequest, "extensions.persistedQuery.sha256Hash must be the SHA-256 of the document in 64 lowercase hex digits")
	}
	return hash, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isJSONContentType reports whether a Content-Type header is application/json
// with no charset or the utf-8 one.
func isJSONContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != MediaJSON {
		return false
	}
	cs, has := params["charset"]
	return !has || strings.EqualFold(cs, "utf-8")
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

// OperationFromParams builds the operation of a request that a streaming
// transport (websocket, SSE) decoded itself: the caps of lim are applied to
// the decoded variables and extensions, and the persisted-query hash is
// read from the extensions.
func OperationFromParams(query, name string, vars, ext map[string]any, lim VariablesLimits) (*Operation, *RequestError) {
	if err := lim.check(vars, ext); err != nil {
		return nil, err
	}
	hash, err := persistedHash(ext)
	if err != nil {
		return nil, err
	}
	return &Operation{Document: query, PersistedHash: hash, Name: name, Variables: vars, Extensions: ext}, nil
}
