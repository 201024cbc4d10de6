package graphql

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	gqlerrcode "github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// Media types of GraphQL responses.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// Codes of the rejections the dispatcher writes itself. The codes of
// resolver errors come from github.com/bffgen/bffgen/runtime/errcode; the
// codes of the document limits from
// github.com/bffgen/bffgen/runtime/graphql/limits.
const (
	// CodeBadRequest: a malformed request (body, query string, extensions).
	CodeBadRequest = "BAD_REQUEST"
	// CodePayloadTooLarge: a body over the cap, status 413.
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	// CodeMethodNotAllowed: a method other than GET and POST, or a
	// mutation over GET, status 405.
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// CodeUnsupportedMediaType: a POST that is not application/json,
	// status 415.
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// CodeNotAcceptable: an Accept header that allows neither response
	// media type, status 406.
	CodeNotAcceptable = "NOT_ACCEPTABLE"
	// CodeErrorsTruncated is the code of the last error of a response
	// whose error list was cut at the cap; its message says how many
	// errors were left out.
	CodeErrorsTruncated = errcode.ErrorsTruncated
	// CodeResponseTooLarge replaces the data of a response larger than
	// the response-size cap.
	CodeResponseTooLarge = errcode.ResponseTooLarge
)

type errorResponse struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// WriteError answers a request that is rejected before GraphQL execution
// with status and a response in the shape of a GraphQL request error:
//
//	{"errors":[{"message":message,"extensions":{"code":code}}]}
//
// The content type is application/graphql-response+json when the Accept
// header of r prefers it, application/json otherwise (also when r is nil).
// An empty code leaves extensions out. Nothing is written when the response
// has already started, as net/http cannot change it any more.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	media := MediaJSON
	if r != nil {
		if m, ok := Negotiate(r.Header.Get("Accept")); ok {
			media = m
		}
	}
	entry := errorEntry{Message: message}
	if code != "" {
		entry.Extensions = map[string]any{"code": code}
	}
	body, err := json.Marshal(errorResponse{Errors: []errorEntry{entry}})
	if err != nil {
		body = []byte(`{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL"}}]}`)
		status = http.StatusInternalServerError
	}
	writeBody(w, media, status, body)
}

func writeBody(w http.ResponseWriter, media string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeNotAcceptable answers a request that accepts neither media type,
// in plain JSON, which every client can read.
func writeNotAcceptable(w http.ResponseWriter) {
	WriteError(w, nil, http.StatusNotAcceptable, CodeNotAcceptable,
		`not acceptable: accept "application/graphql-response+json" or "application/json"`)
}

// Negotiate picks the response media type for an Accept header: the
// acceptable type with the highest quality, application/graphql-response+json
// on a tie when it is named explicitly, application/json when the header is
// empty or both are only matched by a wildcard. ok is false when neither is
// acceptable.
func Negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaJSON, true
	}
	// For each supported type: the quality of the most specific range that
	// matches it, and how specific that range is (0 none, 1 */*, 2 type/*, 3 exact).
	var q [2]float64
	var spec [2]int
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		quality := 1.0
		if s, has := params["q"]; has {
			if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 0 && v <= 1 {
				quality = v
			} else {
				continue
			}
		}
		for i, supported := range [2]string{MediaGraphQLResponse, MediaJSON} {
			s := 0
			switch mt {
			case supported:
				s = 3
			case "application/*":
				s = 2
			case "*/*":
				s = 1
			}
			if s > spec[i] || s == spec[i] && s > 0 && quality > q[i] {
				spec[i], q[i] = s, quality
			}
		}
	}
	gql, js := q[0], q[1]
	switch {
	case gql == 0 && js == 0:
		return "", false
	case gql > js, gql == js && spec[0] == 3:
		return MediaGraphQLResponse, true
	default:
		return MediaJSON, true
	}
}

// requestErrorStatus is the status of a response without data. With
// application/json it is 200, as the specification asks for every
// well-formed request; with application/graphql-response+json it must be
// 4xx or 5xx: 400 for parse and validation errors, else the status that the
// first error code calls for.
func requestErrorStatus(media string, errs gqlerror.List) int {
	if media != MediaGraphQLResponse {
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
	CodeBadRequest:           http.StatusBadRequest,
	CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
}

// wireResponse is a response without the fields of incremental delivery,
// and with "data" left out when there is none, as the GraphQL specification
// asks for request errors.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// CapErrors returns errs cut to at most max entries: when there are more,
// the first max-1 are kept and the last entry says how many were left out
// (code ERRORS_TRUNCATED). max <= 0 keeps every error.
func CapErrors(errs gqlerror.List, max int) gqlerror.List {
	if max <= 0 || len(errs) <= max {
		return errs
	}
	kept := errs[: max-1 : max-1]
	dropped := len(errs) - len(kept)
	return append(kept, &gqlerror.Error{
		Message:    strconv.Itoa(dropped) + " more errors were left out: the response holds at most " + strconv.Itoa(max),
		Extensions: map[string]any{"code": CodeErrorsTruncated},
	})
}

// maxMergedLocations bounds the locations of an error into which
// MergeDuplicates merged others.
const maxMergedLocations = 10

// MergeDuplicates returns errs with the errors that say the same thing (the
// same message, code and path) merged into the first of them, which gets
// the locations of the others, up to 10 in all; the order of first
// appearance is kept. Ten uses of one unknown directive are then one error,
// not ten (graphql-cop's directive-overloading check, IN-7), and a thousand
// are one error of bounded size.
func MergeDuplicates(errs gqlerror.List) gqlerror.List {
	if len(errs) < 2 {
		return errs
	}
	type key struct{ msg, code, path string }
	first := make(map[key]*gqlerror.Error, len(errs))
	out := make(gqlerror.List, 0, len(errs))
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		k := key{e.Message, code, e.Path.String()}
		if f, ok := first[k]; ok {
			room := maxMergedLocations - len(f.Locations)
			f.Locations = append(f.Locations, e.Locations[:min(room, len(e.Locations))]...)
			continue
		}
		first[k] = e
		out = append(out, e)
	}
	return out
}

// ResponseTooLarge is the error that comes with the null that replaces
// data larger than max bytes (code RESPONSE_TOO_LARGE).
func ResponseTooLarge(max int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "the response is larger than the limit of " + strconv.Itoa(max) + " bytes: select fewer fields or fewer list elements",
		Extensions: map[string]any{"code": CodeResponseTooLarge},
	}
}
