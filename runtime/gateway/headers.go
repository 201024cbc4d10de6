package gateway

import (
	"fmt"
	"net/http"

	"github.com/bffgen/bffgen/runtime/errcode"
)

// HeaderLimit answers a request with 431 (Request Header Fields Too Large)
// and the code [errcode.HeadersTooLarge] when it has more than maxFields
// header fields (each value of a repeated field counts, Host included) or
// when its header fields take more than maxBytes (name, ": ", value and
// CRLF per field, as on the HTTP/1.1 wire). The server's own
// http.Server.MaxHeaderBytes stays the hard stop: it should be set to
// maxBytes, so that Go's HTTP server answers a larger header block with its
// own plain-text 431 before any handler runs, and this middleware gives the
// requests that Go lets through (Go allows 4096 bytes of slack) a GraphQL
// error body. maxFields or maxBytes <= 0 turns that check off.
func HeaderLimit(maxBytes, maxFields int) Middleware {
	return func(next http.Handler) http.Handler {
		if maxBytes <= 0 && maxFields <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fields, size := 1, len("Host: \r\n")+len(r.Host)
			for name, values := range r.Header {
				fields += len(values)
				for _, v := range values {
					size += len(name) + len(v) + 4
				}
			}
			switch {
			case maxFields > 0 && fields > maxFields:
				w.Header().Set("Connection", "close")
				WriteError(w, r, http.StatusRequestHeaderFieldsTooLarge, errcode.HeadersTooLarge,
					fmt.Sprintf("the request has %d header fields, more than the %d allowed", fields, maxFields))
			case maxBytes > 0 && size > maxBytes:
				w.Header().Set("Connection", "close")
				WriteError(w, r, http.StatusRequestHeaderFieldsTooLarge, errcode.HeadersTooLarge,
					fmt.Sprintf("the request headers take %d bytes, more than the %d allowed", size, maxBytes))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}
