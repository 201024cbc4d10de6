package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// Request is one GraphQL operation of a load mix.
type Request struct {
	// Name labels the request in a [Result].
	Name string
	// Query is the GraphQL document and Variables its variables.
	Query     string
	Variables map[string]any
	// Auth sends the Shop's Token as a bearer token.
	Auth bool
	// Mutation marks a request that is not idempotent.
	Mutation bool
}

// Answer is the BFF's answer to one request.
type Answer struct {
	// Status is the HTTP status; Body the response body.
	Status int
	Body   []byte
	// Data is the "data" member (nil when absent or null), Errors the
	// "errors" member, decoded.
	Data   map[string]any
	Errors []Error
	// Malformed says why the body is not a well-formed GraphQL response;
	// nil when it is (see [Check]).
	Malformed error
}

// Error is one entry of a GraphQL response's "errors".
type Error struct {
	Message string
	Path    []any
	// Code is extensions.code, "" when absent.
	Code string
	// Upstream is extensions.upstream.name, the backend whose call failed;
	// "" when the error names none.
	Upstream string
}

// Codes returns the codes of the answer's errors, in order.
func (a Answer) Codes() []string {
	var out []string
	for _, e := range a.Errors {
		out = append(out, e.Code)
	}
	return out
}

// Query sends req to the BFF and returns its answer; the error is a
// transport failure (no answer at all).
func (s *Shop) Query(ctx context.Context, req Request) (Answer, error) {
	body, err := json.Marshal(map[string]any{"query": req.Query, "variables": req.Variables})
	if err != nil {
		return Answer{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/graphql-response+json, application/json")
	if req.Auth {
		hreq.Header.Set("Authorization", "Bearer "+s.Token)
	}
	res, err := s.client.Do(hreq)
	if err != nil {
		return Answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: res.StatusCode, Body: b}
	a.Data, a.Errors, a.Malformed = Check(b)
	return a, nil
}

// Codes is the closed set of extensions.code values the BFF documents:
// the constants of runtime/errcode.
var Codes = []string{
	errcode.BadUserInput, errcode.Unauthenticated, errcode.Forbidden, errcode.NotFound,
	errcode.Conflict, errcode.RateLimited, errcode.Timeout, errcode.Unavailable, errcode.Internal,
	errcode.MaxTokens, errcode.MaxDepth, errcode.MaxIntrospectionDepth, errcode.MaxAliases,
	errcode.MaxRootFields, errcode.MaxDirectives, errcode.MaxFields, errcode.MaxValidationWork,
	errcode.CostEstimatedTooExpensive, errcode.CSRFRejected, errcode.HeadersTooLarge,
	errcode.TooManySubscriptions, errcode.VariablesDepth, errcode.VariablesList,
	errcode.VariablesString, errcode.VariablesValues, errcode.PersistedQueryNotFound,
	errcode.PersistedQueryNotSupported, errcode.PersistedQueryRequired,
	errcode.PersistedQueryHashMismatch, errcode.PersistedQueryVersionNotSupported,
	errcode.ErrorsTruncated, errcode.ResponseTooLarge,
}

// Check decodes a GraphQL response body and reports whether it is
// well-formed: a JSON object whose members are only "data", "errors" and
// "extensions", with "data" or "errors"; "data" an object or null;
// "errors", when present, a non-empty list of objects each with a string
// "message", an optional "path" list of strings and integers, and an
// "extensions" object whose "code" is one of [Codes].
func Check(body []byte) (map[string]any, []Error, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	for k := range top {
		if k != "data" && k != "errors" && k != "extensions" {
			return nil, nil, fmt.Errorf("unexpected member %q", k)
		}
	}
	rawData, hasData := top["data"]
	rawErrors, hasErrors := top["errors"]
	if !hasData && !hasErrors {
		return nil, nil, errors.New(`neither "data" nor "errors"`)
	}
	var data map[string]any
	if hasData {
		if err := json.Unmarshal(rawData, &data); err != nil {
			return nil, nil, fmt.Errorf(`"data" is not an object or null: %w`, err)
		}
	}
	if !hasErrors {
		return data, nil, nil
	}
	var list []struct {
		Message    *string        `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(rawErrors, &list); err != nil {
		return data, nil, fmt.Errorf(`"errors" is not a list of objects: %w`, err)
	}
	if len(list) == 0 {
		return data, nil, errors.New(`"errors" is empty`)
	}
	var out []Error
	for i, e := range list {
		if e.Message == nil {
			return data, out, fmt.Errorf("errors[%d] has no string message", i)
		}
		for _, p := range e.Path {
			switch v := p.(type) {
			case string:
			case float64:
				if v != float64(int64(v)) {
					return data, out, fmt.Errorf("errors[%d].path has %v", i, v)
				}
			default:
				return data, out, fmt.Errorf("errors[%d].path has %v", i, p)
			}
		}
		code, _ := e.Extensions["code"].(string)
		if !slices.Contains(Codes, code) {
			return data, out, fmt.Errorf("errors[%d] has the code %q, not one of runtime/errcode's", i, code)
		}
		up, _ := e.Extensions["upstream"].(map[string]any)
		name, _ := up["name"].(string)
		out = append(out, Error{Message: *e.Message, Path: e.Path, Code: code, Upstream: name})
	}
	return data, out, nil
}
