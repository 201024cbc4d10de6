package gateway

import (
	"net/http"
	"time"
)

// recorder remembers the status and size of a response. Middleware that
// needs them share one recorder per request (see record).
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	requestID   string // set by RequestID
}

// record returns w itself when it is already a recorder, else a new
// recorder around it.
func record(w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	return &recorder{ResponseWriter: w}
}

// Status returns the status written, 200 when only a body was, and 200 when
// nothing was (that is what net/http sends for an empty response).
func (r *recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// WriteHeader records the first final status and passes it on.
func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader && status >= 200 {
		r.status = status
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write records the implicit 200 status and the bytes written.
func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.status = http.StatusOK
		r.wroteHeader = true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (r *recorder) Flush() {
	if !r.wroteHeader {
		r.status = http.StatusOK
		r.wroteHeader = true
	}
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe serves r with next and then calls done with the final status,
// the response bytes and the duration. A request whose handler panicked is
// reported with status 500 before the panic goes on up the chain.
func observe(w http.ResponseWriter, r *http.Request, next http.Handler, done func(status int, bytes int64, d time.Duration)) {
	start := time.Now()
	rec := record(w)
	completed := false
	defer func() {
		status := rec.Status()
		if !completed {
			status = http.StatusInternalServerError
		}
		done(status, rec.bytes, time.Since(start))
	}()
	next.ServeHTTP(rec, r)
	completed = true
}
