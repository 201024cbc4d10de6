package gateway

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rs/cors"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/request"
)

// Middleware wraps an http.Handler with behaviour that runs before and after
// it.
type Middleware func(next http.Handler) http.Handler

// Chain returns h wrapped by mws, composed once: the first middleware listed
// runs first (it is the outermost) and h runs last. Nil middleware are
// skipped; with none, Chain returns h itself.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] != nil {
			h = mws[i](h)
		}
	}
	return h
}

// Recover turns a panic in the rest of the chain into a 500 response,
// {"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL"}}]},
// and logs the panic value and the stack at level error, with the request
// id when [RequestID] runs after Recover in the same chain. When the response has already started, the connection is left to
// the HTTP server, which drops it. A panic with http.ErrAbortHandler, the
// way handlers abort a response on purpose, is passed on untouched. A nil
// logger logs nothing.
func Recover(logger *slog.Logger) Middleware {
	logger = orDiscard(logger)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := record(w)
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("request_id", rec.requestID),
				)
				if rec.wroteHeader {
					panic(http.ErrAbortHandler)
				}
				WriteError(rec, r, http.StatusInternalServerError, codeInternal, "internal server error")
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// maxRequestIDLen bounds an inbound request id that is reused.
const maxRequestIDLen = 128

// RequestID opens the per-request seam: it creates the request's
// [request.Request], with an identifier and the inbound headers, and puts
// it in the request context, where the later phases, generated code and
// the sidecar read it (request.From). The identifier is the value of the
// inbound header when it is a sane token (1 to 128 characters among
// letters, digits and -_.:+/=@~), otherwise a new random one (26
// characters, base32); it is also set on the response header. An empty
// header name means "X-Request-Id". Middleware that must see the final
// inbound headers (StripHeaders) run before it.
func RequestID(header string) Middleware {
	if header == "" {
		header = "X-Request-Id"
	}
	header = http.CanonicalHeaderKey(header)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(header)
			if !saneRequestID(id) {
				id = rand.Text()
			}
			w.Header().Set(header, id)
			if rec, ok := w.(*recorder); ok {
				// Let the middleware that run before this one (Recover)
				// log the id too.
				rec.requestID = id
			}
			next.ServeHTTP(w, r.WithContext(request.With(r.Context(), request.New(id, r.Header))))
		})
	}
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' || c == '@' || c == '~':
		default:
			return false
		}
	}
	return true
}

// AccessLog logs one line per request when it ends, with its method, path
// (never the query string), status, response bytes, duration and request
// id, and for a request that ran a GraphQL operation over GET or POST the
// execution path that ran it, executor "compiled" or "gqlgen"; never the
// body or headers. Requests answered with a 5xx status, or
// that panicked (logged as status 500), are logged at level error, the
// others at level info. A nil logger logs nothing.
func AccessLog(logger *slog.Logger) Middleware {
	logger = orDiscard(logger)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			observe(w, r, next, func(status int, bytes int64, d time.Duration) {
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				attrs := []slog.Attr{
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int64("bytes", bytes),
					slog.Duration("duration", d),
					slog.String("request_id", request.ID(r.Context())),
				}
				if ex := executorOf(r); ex != "" {
					attrs = append(attrs, slog.String("executor", ex))
				}
				logger.LogAttrs(r.Context(), level, "http request", attrs...)
			})
		})
	}
}

// BodyLimit bounds request bodies to n bytes. A request that declares a
// larger Content-Length is answered at once with 413 and the code
// PAYLOAD_TOO_LARGE; a body that turns out larger while it is read fails
// the read with *http.MaxBytesError, which the GraphQL transports answer
// the same way (other handlers must do so too). n <= 0 means no limit.
func BodyLimit(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		if n <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				writeTooLarge(w, r, n)
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func writeTooLarge(w http.ResponseWriter, r *http.Request, n int64) {
	w.Header().Set("Connection", "close")
	WriteError(w, r, http.StatusRequestEntityTooLarge, codePayloadTooLarge,
		fmt.Sprintf("request body is larger than %d bytes", n))
}

// CORS answers preflight requests and adds the CORS headers to the
// responses of allowed origins, with github.com/rs/cors. It is a no-op when
// cfg.AllowedOrigins is empty. A zero MaxAge sends no Access-Control-Max-Age
// header (browsers then use their own default).
func CORS(cfg config.CORS) Middleware {
	if len(cfg.AllowedOrigins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.AllowedOrigins,
		AllowedMethods:   cfg.AllowedMethods,
		AllowedHeaders:   cfg.AllowedHeaders,
		AllowCredentials: cfg.AllowCredentials,
		MaxAge:           int(cfg.MaxAge / time.Second),
	})
	return c.Handler
}

// Timeout sets a deadline of d on the request context; backend calls made
// for the request inherit it (connect propagates it to the backends). The
// handler is not interrupted: it sees its context end and answers with
// the errors that causes. A stream request (a websocket upgrade, or a POST
// that accepts text/event-stream) gets no deadline: d is left in its
// context for [DeferredTimeout], and the GraphQL handler applies it to each
// query and mutation of the stream, never to a subscription (whose bound is
// gateway.subscriptions.max_duration). d <= 0 means no deadline.
func Timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isStreamRequest(r) {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), deferredTimeoutKey{}, d)))
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func orDiscard(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return logger
}
