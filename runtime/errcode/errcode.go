package errcode

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
)

// The values of extensions.code, one per row of the mapping in [Code].
const (
	// BadUserInput is the code of a request the client must change:
	// connect's invalid_argument, failed_precondition and out_of_range, and
	// arguments that do not parse.
	BadUserInput = "BAD_USER_INPUT"
	// Unauthenticated is the code of a request without valid credentials:
	// connect's unauthenticated.
	Unauthenticated = "UNAUTHENTICATED"
	// Forbidden is the code of a request whose credentials lack a
	// permission: connect's permission_denied.
	Forbidden = "FORBIDDEN"
	// NotFound is the code of a missing resource: connect's not_found.
	NotFound = "NOT_FOUND"
	// Conflict is the code of a write that lost to another one: connect's
	// already_exists and aborted.
	Conflict = "CONFLICT"
	// RateLimited is the code of a request over a quota: connect's
	// resource_exhausted.
	RateLimited = "RATE_LIMITED"
	// Timeout is the code of a call that ran out of time: connect's
	// deadline_exceeded and context.DeadlineExceeded.
	Timeout = "TIMEOUT"
	// Unavailable is the code of a backend that cannot be reached or
	// refuses work for now: connect's unavailable.
	Unavailable = "UNAVAILABLE"
	// Internal is the code of everything else: connect's canceled, unknown,
	// unimplemented, internal and data_loss, context.Canceled, and any error
	// that carries no code. Its message is not [Safe].
	Internal = "INTERNAL"
)

// The values of extensions.code of a document rejected by a limit of
// gateway.graphql before validation and execution (package
// runtime/graphql/limits, whose Code constants are these strings). The
// response has status 400, no data and no backend call was made. The
// names follow Apollo Router's limits.
const (
	// MaxTokens: the document has more lexical tokens than
	// gateway.graphql.max_tokens.
	MaxTokens = "MAX_TOKENS_LIMIT"
	// MaxDepth: fields nest deeper than gateway.graphql.max_depth, or
	// selections and fragment spreads nest deeper than 1000.
	MaxDepth = "MAX_DEPTH_LIMIT"
	// MaxIntrospectionDepth: an introspection query nests the list fields
	// fields, inputFields, interfaces and possibleTypes 3 deep or more (the
	// circular introspection attack).
	MaxIntrospectionDepth = "MAX_INTROSPECTION_DEPTH_LIMIT"
	// MaxAliases: more aliased fields than gateway.graphql.max_aliases.
	MaxAliases = "MAX_ALIASES_LIMIT"
	// MaxRootFields: more root fields than gateway.graphql.max_root_fields.
	MaxRootFields = "MAX_ROOT_FIELDS_LIMIT"
	// MaxDirectives: more directive uses than gateway.graphql.max_directives.
	MaxDirectives = "MAX_DIRECTIVES_LIMIT"
	// MaxFields: more field selections than gateway.graphql.max_fields.
	MaxFields = "MAX_FIELDS_LIMIT"
	// MaxValidationWork: validating the document would take more work than
	// gateway.graphql.max_validation_work (same-name fields and fragments
	// spread together, compared pairwise).
	MaxValidationWork = "MAX_VALIDATION_WORK_LIMIT"
	// CostEstimatedTooExpensive: the estimated cost of the operation is
	// more than gateway.graphql.max_cost.
	CostEstimatedTooExpensive = "COST_ESTIMATED_TOO_EXPENSIVE"
)

// Codes of the gateway's own rejections: the edge answers with them before
// any GraphQL work, never [Code].
const (
	// CSRFRejected is the code of a request refused as a possible cross-site
	// request forgery (HTTP 403): a browser request from a foreign origin
	// that uses an unsafe method, or that a browser would send without a
	// CORS preflight and that carries none of gateway.csrf.required_headers.
	CSRFRejected = "CSRF_REJECTED"
	// HeadersTooLarge is the code of a request whose header fields are too
	// many or too large (HTTP 431): server.max_headers,
	// server.max_header_bytes.
	HeadersTooLarge = "HEADERS_TOO_LARGE"
	// TooManySubscriptions is the code of the error message that refuses a
	// websocket subscribe over gateway.subscriptions.max_per_connection; the
	// connection stays open.
	TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS"
)

// The values of extensions.code of the GraphQL endpoint's own rejections
// and cuts (package runtime/graphql, whose Code constants are these
// strings). A rejected request is answered with status 400 and no backend
// call is made.
const (
	// VariablesDepth: objects and lists nest deeper in the variables than
	// gateway.graphql.variables.max_depth.
	VariablesDepth = "MAX_VARIABLES_DEPTH_LIMIT"
	// VariablesList: a list in the variables is longer than
	// gateway.graphql.variables.max_list_length.
	VariablesList = "MAX_VARIABLES_LIST_LIMIT"
	// VariablesString: a string in the variables is longer than
	// gateway.graphql.variables.max_string_length.
	VariablesString = "MAX_VARIABLES_STRING_LIMIT"
	// VariablesValues: the variables hold more values than
	// gateway.graphql.variables.max_values.
	VariablesValues = "MAX_VARIABLES_VALUES_LIMIT"
	// PersistedQueryNotFound: the hash of a persisted operation names no
	// known operation.
	PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryNotSupported: a request named an operation by hash
	// while gateway.graphql.persisted.mode is off.
	PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	// PersistedQueryRequired: in allow_list mode, a document that is not
	// in the manifest.
	PersistedQueryRequired = "PERSISTED_QUERY_REQUIRED"
	// PersistedQueryHashMismatch: the hash sent is not the SHA-256 of the
	// document sent with it.
	PersistedQueryHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
	// PersistedQueryVersionNotSupported: extensions.persistedQuery.version
	// is not 1.
	PersistedQueryVersionNotSupported = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
	// ErrorsTruncated: the last error of a response whose error list was
	// cut at gateway.graphql.max_errors; its message says how many errors
	// were left out.
	ErrorsTruncated = "ERRORS_TRUNCATED"
	// ResponseTooLarge: the data of the response was larger than
	// gateway.graphql.max_response_bytes and was replaced by null.
	ResponseTooLarge = "RESPONSE_TOO_LARGE"
)

// Coder is implemented by errors that carry their own extensions.code, such
// as the gateway's rejections and the scalar parsers' errors. [Code] looks
// for it in the whole chain of wrapped errors before anything else.
type Coder interface {
	error
	// GraphQLCode returns the extensions.code of the error, one of the
	// constants of this package.
	GraphQLCode() string
}

// Code returns the extensions.code of err, the empty string for a nil err.
// In order, it takes:
//
//  1. the code of the first error in err's chain that implements [Coder];
//  2. else the code of the first [*connect.Error] in the chain, mapped as
//     follows: invalid_argument, failed_precondition and out_of_range ->
//     [BadUserInput]; unauthenticated -> [Unauthenticated];
//     permission_denied -> [Forbidden]; not_found -> [NotFound];
//     already_exists and aborted -> [Conflict]; resource_exhausted ->
//     [RateLimited]; deadline_exceeded -> [Timeout]; unavailable ->
//     [Unavailable]; any other code -> [Internal];
//  3. else [Timeout] when err is context.DeadlineExceeded;
//  4. else [Internal]. This covers context.Canceled: a canceled call means
//     that the client went away or that the request was abandoned for
//     another reason, and neither is something the client can act on.
func Code(err error) string {
	if err == nil {
		return ""
	}
	if c, ok := errors.AsType[Coder](err); ok {
		return c.GraphQLCode()
	}
	if ce, ok := errors.AsType[*connect.Error](err); ok {
		return fromConnect(ce.Code())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return Internal
}

// fromConnect maps a connect code to an extensions.code.
func fromConnect(c connect.Code) string {
	switch c {
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeOutOfRange:
		return BadUserInput
	case connect.CodeUnauthenticated:
		return Unauthenticated
	case connect.CodePermissionDenied:
		return Forbidden
	case connect.CodeNotFound:
		return NotFound
	case connect.CodeAlreadyExists, connect.CodeAborted:
		return Conflict
	case connect.CodeResourceExhausted:
		return RateLimited
	case connect.CodeDeadlineExceeded:
		return Timeout
	case connect.CodeUnavailable:
		return Unavailable
	default:
		return Internal
	}
}

// Safe reports whether the message of an error with the given code may be
// shown to clients in production mode: true for every code, unknown ones and
// the empty string included, except [Internal].
func Safe(code string) bool {
	return code != Internal
}

// UpstreamError is the error of a call to a backend: it names the upstream
// and the procedure that failed and wraps the error of the call, usually a
// [*connect.Error]. It never holds the address of an endpoint.
type UpstreamError struct {
	// Upstream is the name of the upstream in bff.yaml, such as "catalog".
	Upstream string
	// Procedure is the full procedure name, such as
	// "/catalog.v1.CatalogService/GetProduct"; it may be empty when the
	// failure happened before a procedure was chosen.
	Procedure string
	// Err is the error of the call.
	Err error
}

// Error renders the error as
// `upstream "catalog" /catalog.v1.CatalogService/GetProduct: not_found: no such product`,
// leaving out the procedure when it is empty.
func (e *UpstreamError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Procedure == "" {
		return fmt.Sprintf("upstream %q: %s", e.Upstream, msg)
	}
	return fmt.Sprintf("upstream %q %s: %s", e.Upstream, e.Procedure, msg)
}

// Unwrap returns the error of the call.
func (e *UpstreamError) Unwrap() error { return e.Err }
