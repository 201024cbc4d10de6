package gateway

import "net/http"

// StripHeaders removes the named headers from every inbound request, so
// that nothing after it (user middleware, $header sources, headers
// forwarded to backends) sees a value the client made up, such as an
// identity header only a trusted proxy may set. No names: a no-op.
func StripHeaders(names ...string) Middleware {
	return func(next http.Handler) http.Handler {
		if len(names) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, n := range names {
				if r.Header.Get(n) != "" {
					r.Header.Del(n)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
