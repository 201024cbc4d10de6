package gateway

import (
	"net/http"

	"github.com/bffgen/bffgen/runtime/errcode"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
)

// Codes of the rejections this package writes itself. The codes of
// resolver errors come from github.com/bffgen/bffgen/runtime/errcode, those
// of the GraphQL endpoint from github.com/bffgen/bffgen/runtime/graphql.
const (
	codeInternal        = errcode.Internal
	codePayloadTooLarge = rgraphql.CodePayloadTooLarge
)

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
	rgraphql.WriteError(w, r, status, code, message)
}
