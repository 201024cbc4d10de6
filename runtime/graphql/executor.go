package graphql

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Executor runs prepared operations. The dispatcher hands it documents
// that are parsed, within the limits and valid against the schema; an
// executor must not parse or validate them again. gqlgen's executor is one
// (package gqlgenexec); an executor compiled for one known operation,
// registered with [WithExecutorFor] under the hash of its document, is
// another.
type Executor interface {
	// Execute runs req and returns its single response. It returns nil
	// when ctx ended before the operation ran (the deadline passed or the
	// client is gone). A response without Data is a request error (for
	// instance variables that do not match their types). Errors are
	// already presented (see [WithErrorPresenter]). When ctx holds a
	// [CostMeter] (see [CostMeterFromContext]) the executor counts the
	// actual cost of the operation into it; one that does not reports 0.
	Execute(ctx context.Context, req *Request) *Response
}

// Request is what the dispatcher hands an executor: the operation as the
// client sent it and its prepared form.
type Request struct {
	// Operation is the decoded request; its Document is the text of the
	// prepared document also for a request that named it by hash.
	Operation *Operation
	// Prepared is the parsed and validated document.
	Prepared *Prepared
	// Header holds the HTTP request headers.
	Header http.Header
}

// Prepared is a document that passed the limits and validation, shared by
// every request that sends the same document: executors must not modify
// it.
type Prepared struct {
	// Query is the text of the document.
	Query string
	// Hash is the SHA-256 of Query, 64 lowercase hex digits.
	Hash string
	// Doc is the parsed document, valid against the schema.
	Doc *ast.QueryDocument

	// exec is the executor registered for Hash (WithExecutorFor), nil
	// for the default one; compiled the compiled operation of Hash
	// (WithCompiled), nil for none. Both are looked up once, when the
	// document is prepared.
	exec     Executor
	compiled *compiledOp
}

// Response is the single response of a query or mutation.
type Response struct {
	// Data is the JSON of the "data" entry; nil for a request error (no
	// "data" entry at all).
	Data json.RawMessage
	// Errors are the presented errors.
	Errors gqlerror.List
	// Extensions is the "extensions" entry; nil for none.
	Extensions map[string]any
}
