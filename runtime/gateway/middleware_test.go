package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/request"
)

// logBuffer collects JSON log records; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the records logged so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("decode log record: %v", err)
		}
		out = append(out, rec)
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// serve starts a real server on 127.0.0.1 for h.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestChainRunsTheFirstListedFirst(t *testing.T) {
	t.Parallel()
	var order []string
	mark := func(name string) gateway.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name+" in")
				next.ServeHTTP(w, r)
				order = append(order, name+" out")
			})
		}
	}
	h := gateway.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		order = append(order, "handler")
	}), mark("a"), nil, mark("b"), mark("c"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	want := []string{"a in", "b in", "c in", "handler", "c out", "b out", "a out"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("order = %v, want %v", order, want)
	}
}

func TestChainWithoutMiddlewareReturnsTheHandler(t *testing.T) {
	t.Parallel()
	called := false
	h := gateway.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !called {
		t.Error("the handler did not run")
	}
}

func TestRecoverAnswersAPanicWithAGraphQLError(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("kaboom")
	}), gateway.Recover(logger), gateway.RequestID("")))

	req := newRequest(t, http.MethodPost, srv.URL, nil)
	req.Header.Set("X-Request-Id", "req-1")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	if want := `{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL"}}]}`; body != want {
		t.Errorf("body = %s, want %s", body, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content type = %q", ct)
	}
	recs := logs.records(t)
	if len(recs) != 1 || recs[0]["panic"] != "kaboom" || recs[0]["level"] != "ERROR" {
		t.Fatalf("log records = %v", recs)
	}
	if stack, _ := recs[0]["stack"].(string); !strings.Contains(stack, "middleware_test.go") {
		t.Errorf("the logged stack does not show the panicking function:\n%s", stack)
	}
	if recs[0]["request_id"] != "req-1" {
		t.Errorf("request_id = %v, want req-1", recs[0]["request_id"])
	}
}

func TestRecoverAbortsAResponseThatHasStarted(t *testing.T) {
	t.Parallel()
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("partial"))
		http.NewResponseController(w).Flush()
		panic("late")
	}), gateway.Recover(nil)))
	srv.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the truncated response was read without error: the connection was not aborted")
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		header  string // the middleware's header name
		inbound string
		reuse   bool
	}{
		{name: "reuses a sane inbound id", inbound: "abc-123_x.y:z", reuse: true},
		{name: "reuses 128 characters", inbound: strings.Repeat("a", 128), reuse: true},
		{name: "replaces a longer id", inbound: strings.Repeat("a", 129)},
		{name: "replaces an id with spaces", inbound: "a b"},
		{name: "replaces an id with quotes", inbound: `a"b`},
		{name: "generates one when missing"},
		{name: "uses the configured header", header: "X-Correlation-Id", inbound: "corr-1", reuse: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen string
			srv := serve(t, gateway.Chain(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				req := request.From(r.Context())
				if req == nil || req.Header.Get("X-Seen") != "yes" {
					t.Error("RequestID did not open the request seam with the inbound headers")
					return
				}
				seen = req.ID
			}), gateway.RequestID(tt.header)))
			header := tt.header
			if header == "" {
				header = "X-Request-Id"
			}
			req := newRequest(t, http.MethodGet, srv.URL, nil)
			req.Header.Set("X-Seen", "yes")
			if tt.inbound != "" {
				req.Header.Set(header, tt.inbound)
			}
			resp, _ := do(t, req)
			got := resp.Header.Get(header)
			if got != seen {
				t.Errorf("response header %q, context %q: want the same id", got, seen)
			}
			if tt.reuse && got != tt.inbound {
				t.Errorf("id = %q, want the inbound %q", got, tt.inbound)
			}
			if !tt.reuse && (got == tt.inbound || len(got) != 26) {
				t.Errorf("id = %q, want a new 26-character id", got)
			}
		})
	}
}

func TestAccessLogNeverLogsTheQueryStringOrBody(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("12345"))
	}), gateway.RequestID(""), gateway.AccessLog(logger)))

	req := newRequest(t, http.MethodPost, srv.URL+"/graphql?token=secret-query", strings.NewReader("secret-body"))
	req.Header.Set("X-Request-Id", "req-42")
	do(t, req)

	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %v", len(recs), recs)
	}
	rec := recs[0]
	want := map[string]any{"msg": "http request", "level": "INFO", "method": "POST", "path": "/graphql",
		"status": float64(201), "bytes": float64(5), "request_id": "req-42"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v", k, rec[k], v)
		}
	}
	if _, ok := rec["duration"]; !ok {
		t.Error("no duration")
	}
	if s := logs.String(); strings.Contains(s, "secret") {
		t.Errorf("the log holds the query string or the body: %s", s)
	}
}

func TestAccessLogLogsServerErrorsAtErrorLevel(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("x")
	}), gateway.Recover(nil), gateway.AccessLog(logger)))
	resp, _ := do(t, newRequest(t, http.MethodGet, srv.URL, nil))
	if resp.StatusCode != 500 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	recs := logs.records(t)
	if len(recs) != 1 || recs[0]["level"] != "ERROR" || recs[0]["status"] != float64(500) {
		t.Errorf("records = %v, want one error record with status 500", recs)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	var readErr error
	var mu sync.Mutex
	srv := serve(t, gateway.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		mu.Lock()
		readErr = err
		mu.Unlock()
	}), gateway.BodyLimit(10)))

	t.Run("declared length over the limit is answered with 413", func(t *testing.T) {
		resp, body := do(t, newRequest(t, http.MethodPost, srv.URL, strings.NewReader(strings.Repeat("x", 11))))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", resp.StatusCode)
		}
		if want := `{"errors":[{"message":"request body is larger than 10 bytes","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}`; body != want {
			t.Errorf("body = %s, want %s", body, want)
		}
	})
	t.Run("a streamed body over the limit fails the read", func(t *testing.T) {
		req := newRequest(t, http.MethodPost, srv.URL, io.MultiReader(strings.NewReader(strings.Repeat("x", 11))))
		req.ContentLength = -1 // chunked
		do(t, req)
		mu.Lock()
		defer mu.Unlock()
		var tooLarge *http.MaxBytesError
		if !errors.As(readErr, &tooLarge) {
			t.Errorf("read error = %v, want *http.MaxBytesError", readErr)
		}
	})
	t.Run("a body within the limit passes", func(t *testing.T) {
		resp, _ := do(t, newRequest(t, http.MethodPost, srv.URL, strings.NewReader(strings.Repeat("x", 10))))
		mu.Lock()
		defer mu.Unlock()
		if resp.StatusCode != http.StatusOK || readErr != nil {
			t.Errorf("status = %d, read error = %v", resp.StatusCode, readErr)
		}
	})
}

func TestCORS(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	preflight := func(url, origin string) *http.Request {
		req := newRequest(t, http.MethodOptions, url, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		return req
	}

	t.Run("off without origins", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, gateway.Chain(ok, gateway.CORS(config.Default().Gateway.CORS)))
		resp, _ := do(t, preflight(srv.URL, "https://app.example.com"))
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("status %d, allow-origin %q: want the request passed on untouched", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})

	cfg := config.Default().Gateway.CORS
	cfg.AllowedOrigins = []string{"https://app.example.com"}
	cfg.AllowCredentials = true
	srv := serve(t, gateway.Chain(ok, gateway.CORS(cfg)))

	t.Run("answers the preflight of an allowed origin", func(t *testing.T) {
		t.Parallel()
		resp, _ := do(t, preflight(srv.URL, "https://app.example.com"))
		h := resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Max-Age") != "600" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("status %d, headers %v", resp.StatusCode, h)
		}
	})
	t.Run("adds headers to actual requests", func(t *testing.T) {
		t.Parallel()
		req := newRequest(t, http.MethodPost, srv.URL, nil)
		req.Header.Set("Origin", "https://app.example.com")
		resp, _ := do(t, req)
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Errorf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("ignores other origins", func(t *testing.T) {
		t.Parallel()
		resp, _ := do(t, preflight(srv.URL, "https://evil.example.com"))
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("allow-origin = %q for a foreign origin", got)
		}
	})
}

func TestTimeoutSetsADeadlineOnTheRequest(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var deadline time.Time
		var err error
		h := gateway.Chain(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			deadline, _ = r.Context().Deadline()
			<-r.Context().Done()
			err = r.Context().Err()
		}), gateway.Timeout(3*time.Second))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		if want := start.Add(3 * time.Second); !deadline.Equal(want) {
			t.Errorf("deadline = %v, want %v", deadline, want)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("context error = %v, want DeadlineExceeded", err)
		}
	})
}

func TestTimeoutOfZeroSetsNoDeadline(t *testing.T) {
	t.Parallel()
	h := gateway.Chain(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); ok {
			t.Error("the request has a deadline")
		}
	}), gateway.Timeout(0))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestWriteErrorNegotiatesTheMediaType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept string
		want   string
	}{
		{"", "application/json; charset=utf-8"},
		{"application/graphql-response+json", "application/graphql-response+json; charset=utf-8"},
		{"application/json, application/graphql-response+json;q=0.5", "application/json; charset=utf-8"},
		{"text/html", "application/json; charset=utf-8"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept", tt.accept)
		gateway.WriteError(rec, req, http.StatusTooManyRequests, "RATE_LIMITED", "slow down")
		if got := rec.Header().Get("Content-Type"); got != tt.want {
			t.Errorf("Accept %q: content type %q, want %q", tt.accept, got, tt.want)
		}
		if rec.Code != http.StatusTooManyRequests || rec.Body.String() != `{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}` {
			t.Errorf("Accept %q: %d %s", tt.accept, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	gateway.WriteError(rec, nil, http.StatusBadRequest, "", "no code")
	if rec.Body.String() != `{"errors":[{"message":"no code"}]}` {
		t.Errorf("without a code: %s", rec.Body)
	}
}
