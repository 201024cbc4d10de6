package gateway

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// Media types of GraphQL responses.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Codes of the rejections this package writes itself. The codes of
// resolver errors come from github.com/bffgen/bffgen/runtime/errcode.
const (
	codeInternal             = errcode.Internal
	codeBadRequest           = "BAD_REQUEST"
	codePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	codeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeNotAcceptable        = "NOT_ACCEPTABLE"
)

type errorResponse struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// WriteError answers a request that is rejected before GraphQL execution
// (by a gateway check or a user middleware) with status and a response in
// the shape of a GraphQL request error:
//
//	{"errors":[{"message":message,"extensions":{"code":code}}]}
//
// The content type is application/graphql-response+json when the Accept
// header of r prefers it, application/json otherwise (also when r is nil).
// An empty code leaves extensions out. Nothing is written when the response
// has already started, as net/http cannot change it any more.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	media := mediaJSON
	if r != nil {
		if m, ok := negotiate(r.Header.Get("Accept")); ok {
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

// negotiate picks the response media type for an Accept header: the
// acceptable type with the highest quality, application/graphql-response+json
// on a tie when it is named explicitly, application/json when the header is
// empty or both are only matched by a wildcard. ok is false when neither is
// acceptable.
func negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
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
		for i, supported := range [2]string{mediaGraphQLResponse, mediaJSON} {
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
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}
