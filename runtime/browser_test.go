package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// serving is a runtime server serving on a real 127.0.0.1 listener.
type serving struct {
	url    string // http://127.0.0.1:port
	addr   string // 127.0.0.1:port
	cancel context.CancelFunc
	served chan error
}

// serve runs a server of the test schema with the config src on
// 127.0.0.1 until the test ends (without drain delay unless src sets one).
func serve(t *testing.T, src string, resolver *testschema.Resolver, opts ...runtime.Option) *serving {
	t.Helper()
	cfg := parse(t, src)
	if !strings.Contains(src, "drain_delay") {
		cfg.Server.Shutdown.DrainDelay = 0
	}
	srv := newServer(t, service(resolver), cfg, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{url: "http://" + ln.Addr().String(), addr: ln.Addr().String(), cancel: cancel, served: make(chan error, 1)}
	go func() { s.served <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		<-s.served
	})
	return s
}

// graphqlError is the first error of a GraphQL response body.
func graphqlError(t *testing.T, body string) (message, code string) {
	t.Helper()
	var resp struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || len(resp.Errors) == 0 {
		t.Fatalf("not a GraphQL error response: %q (%v)", body, err)
	}
	return resp.Errors[0].Message, resp.Errors[0].Extensions.Code
}

// TestCSRFMatrix is CS-1: requests a browser sends without a CORS preflight
// from a foreign origin are refused unless they carry a preflight-forcing
// header; everything else keeps working.
func TestCSRFMatrix(t *testing.T) {
	s := serve(t, `
gateway:
  cors: {allowed_origins: ["https://app.example.com", "https://*.example.org"]}
`, &testschema.Resolver{})
	query := s.url + "/graphql?query=" + url.QueryEscape("{hello}")
	mutation := s.url + "/graphql?query=" + url.QueryEscape(`mutation{echo(text:"x")}`)
	const (
		evil    = "https://evil.example"
		allowed = "https://app.example.com"
	)
	cross := func(origin string, more ...string) []string {
		return append([]string{"Origin", origin, "Sec-Fetch-Site", "cross-site"}, more...)
	}
	tests := []struct {
		name        string
		method, url string
		contentType string
		body        string
		header      []string
		status      int
		code        string // extensions.code of a rejection, "" for none
	}{
		{"GET without Origin or Sec-Fetch-Site (curl): served", "GET", query, "", "", nil, 200, ""},
		{"GET from a foreign origin: refused", "GET", query, "", "", cross(evil), 403, "CSRF_REJECTED"},
		{"GET with only Sec-Fetch-Site cross-site (an <img>): refused", "GET", query, "", "", []string{"Sec-Fetch-Site", "cross-site"}, 403, "CSRF_REJECTED"},
		{"GET from an old browser with a foreign Origin: refused", "GET", query, "", "", []string{"Origin", evil}, 403, "CSRF_REJECTED"},
		{"GET from a same-site foreign origin: refused", "GET", query, "", "", []string{"Origin", "https://other.example.com", "Sec-Fetch-Site", "same-site"}, 403, "CSRF_REJECTED"},
		{"foreign GET with Apollo-Require-Preflight: served", "GET", query, "", "", cross(evil, "Apollo-Require-Preflight", "true"), 200, ""},
		{"foreign GET with X-Apollo-Operation-Name: served", "GET", query, "", "", cross(evil, "X-Apollo-Operation-Name", "Hello"), 200, ""},
		{"foreign GET with an empty preflight header: served (the header forced a preflight)", "GET", query, "", "", cross(evil, "Apollo-Require-Preflight", ""), 200, ""},
		{"foreign GET with a non-simple Content-Type: served", "GET", query, "application/json", "", cross(evil), 200, ""},
		{"GET same-origin by Sec-Fetch-Site: served", "GET", query, "", "", []string{"Origin", evil, "Sec-Fetch-Site", "same-origin"}, 200, ""},
		{"GET typed in the address bar (Sec-Fetch-Site none): served", "GET", query, "", "", []string{"Sec-Fetch-Site", "none"}, 200, ""},
		{"GET whose Origin is the Host (old browser, same origin): served", "GET", query, "", "", []string{"Origin", s.url}, 200, ""},
		{"GET from an allowed origin: served", "GET", query, "", "", cross(allowed), 200, ""},
		{"GET from an origin matching an allowed pattern: served", "GET", query, "", "", cross("https://shop.example.org"), 200, ""},
		{"text/plain POST from a foreign origin: refused", "POST", s.url + "/graphql", "text/plain", `{"query":"{hello}"}`, cross(evil), 403, "CSRF_REJECTED"},
		{"form-urlencoded POST from a foreign origin: refused", "POST", s.url + "/graphql", "application/x-www-form-urlencoded", "query=%7Bhello%7D", cross(evil), 403, "CSRF_REJECTED"},
		{"multipart POST from a foreign origin: refused", "POST", s.url + "/graphql", "multipart/form-data; boundary=x", "--x--", cross(evil), 403, "CSRF_REJECTED"},
		{"POST without Content-Type from a foreign origin: refused", "POST", s.url + "/graphql", "", `{"query":"{hello}"}`, cross(evil), 403, "CSRF_REJECTED"},
		{"text/plain POST with a preflight header from a foreign origin: refused (CrossOriginProtection)", "POST", s.url + "/graphql", "text/plain", `{"query":"{hello}"}`, cross(evil, "Apollo-Require-Preflight", "1"), 403, "CSRF_REJECTED"},
		{"JSON POST from a foreign origin: refused (CrossOriginProtection)", "POST", s.url + "/graphql", "application/json", `{"query":"{hello}"}`, cross(evil), 403, "CSRF_REJECTED"},
		{"JSON POST from an allowed origin: served", "POST", s.url + "/graphql", "application/json", `{"query":"{hello}"}`, cross(allowed), 200, ""},
		{"text/plain POST from an allowed origin: passes CSRF, the transport refuses the type", "POST", s.url + "/graphql", "text/plain", `{"query":"{hello}"}`, cross(allowed), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"text/plain POST without Origin (curl): passes CSRF, the transport refuses the type", "POST", s.url + "/graphql", "text/plain", `{"query":"{hello}"}`, nil, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"mutation over GET, same origin: 405", "GET", mutation, "", "", nil, 405, "METHOD_NOT_ALLOWED"},
		{"mutation over GET from a foreign origin with a preflight header: 405", "GET", mutation, "", "", cross(evil, "Apollo-Require-Preflight", "1"), 405, "METHOD_NOT_ALLOWED"},
		{"mutation over GET from a foreign origin: refused as CSRF first", "GET", mutation, "", "", cross(evil), 403, "CSRF_REJECTED"},
		{"CORS preflight from an allowed origin: answered by CORS", "OPTIONS", s.url + "/graphql", "", "", cross(allowed, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"), 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, b, tt.status)
			}
			switch {
			case tt.code != "":
				if _, code := graphqlError(t, string(b)); code != tt.code {
					t.Errorf("code %q in %s, want %q", code, b, tt.code)
				}
			case tt.status == 200:
				if string(b) != `{"data":{"hello":"hello, world"}}` {
					t.Errorf("body %s, want the query's data", b)
				}
			}
		})
	}
}

// TestCSRFSettings checks the configurations around the default: off,
// custom headers, and CORS "*", under which every origin may send
// preflighted requests but not simple ones.
func TestCSRFSettings(t *testing.T) {
	query := "/graphql?query=" + url.QueryEscape("{hello}")
	foreign := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	tests := []struct {
		name        string
		config      string
		method      string
		path        string
		contentType string
		header      []string
		status      int
	}{
		{"disabled: a foreign GET is served", "gateway: {csrf: {enabled: false}}", "GET", query, "", foreign, 200},
		{"custom header: it lets a foreign GET through", "gateway: {csrf: {required_headers: [X-Csrf]}}", "GET", query, "", append(foreign, "X-Csrf", "1"), 200},
		{"custom header: Apollo's no longer does", "gateway: {csrf: {required_headers: [X-Csrf]}}", "GET", query, "", append(foreign, "Apollo-Require-Preflight", "1"), 403},
		{`CORS "*": a foreign JSON POST is served`, `gateway: {cors: {allowed_origins: ["*"]}}`, "POST", "/graphql", "application/json", foreign, 200},
		{`CORS "*": a foreign text/plain POST is refused`, `gateway: {cors: {allowed_origins: ["*"]}}`, "POST", "/graphql", "text/plain", foreign, 403},
		{`CORS "*": a foreign GET without a preflight header is refused`, `gateway: {cors: {allowed_origins: ["*"]}}`, "GET", query, "", foreign, 403},
		{"development mode: on too", "mode: development", "GET", query, "", foreign, 403},
		{"strict: a GET without Origin (curl) is refused", "gateway: {csrf: {strict: true}}", "GET", query, "", nil, 403},
		{"strict: a same-origin GET without a preflight header is refused", "gateway: {csrf: {strict: true}}", "GET", query, "", []string{"Sec-Fetch-Site", "same-origin"}, 403},
		{"strict: a GET with a preflight header is served", "gateway: {csrf: {strict: true}}", "GET", query, "", []string{"Apollo-Require-Preflight", "1"}, 200},
		{"strict: a JSON POST without Origin is served", "gateway: {csrf: {strict: true}}", "POST", "/graphql", "application/json", nil, 200},
		{"strict: a text/plain POST without Origin is refused", "gateway: {csrf: {strict: true}}", "POST", "/graphql", "text/plain", nil, 403},
		{"not strict: a GET without Origin (curl) is served", "", "GET", query, "", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.config+"\n", &testschema.Resolver{})
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader(`{"query":"{hello}"}`)
			}
			req, _ := http.NewRequest(tt.method, s.url+tt.path, body)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, b, tt.status)
			}
			if tt.status == 403 {
				if _, code := graphqlError(t, string(b)); code != "CSRF_REJECTED" {
					t.Errorf("code %q, want CSRF_REJECTED", code)
				}
			}
		})
	}
}

// rawRequest writes req on a new connection to addr and returns the status
// line and the body of the answer.
func rawRequest(t *testing.T, addr, req string) (status, body string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails, not blocks
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status, string(b)
}

// TestHeaderCaps is IN-13's size part: more than server.max_headers fields
// or more than server.max_header_bytes of headers is 431, with a GraphQL
// error body, or Go's own plain 431 when the block is so large that Go
// stops reading it.
func TestHeaderCaps(t *testing.T) {
	s := serve(t, "", &testschema.Resolver{}) // the defaults: 16 KiB, 100 fields
	request := func(fields int, valueLen int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "GET /graphql?query=%%7Bhello%%7D HTTP/1.1\r\nHost: %s\r\n", s.addr)
		for i := range fields {
			fmt.Fprintf(&b, "X-F%d: %s\r\n", i, strings.Repeat("v", valueLen))
		}
		b.WriteString("Connection: close\r\n\r\n")
		return b.String()
	}
	tests := []struct {
		name   string
		req    string
		status string
		code   string // "" for Go's plain-text 431 or a success
	}{
		{"98 fields (100 with Host and Connection): served", request(98, 10), "200 OK", ""},
		{"99 fields (101 with Host and Connection): 431", request(99, 10), "431 Request Header Fields Too Large", "HEADERS_TOO_LARGE"},
		{"15 KiB of headers: served", request(15, 1000), "200 OK", ""},
		{"17 KiB of headers: 431 with a GraphQL error", request(17, 1000), "431 Request Header Fields Too Large", "HEADERS_TOO_LARGE"},
		{"64 KiB of headers: Go's own 431", request(64, 1000), "431 Request Header Fields Too Large", ""},
		{"one 20 KiB header: Go's own 431", request(1, 20<<10), "431 Request Header Fields Too Large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, s.addr, tt.req)
			if status != tt.status {
				t.Fatalf("status %q %.200s, want %q", status, body, tt.status)
			}
			if tt.code != "" {
				if _, code := graphqlError(t, body); code != tt.code {
					t.Errorf("code %q, want %q", code, tt.code)
				}
			}
			if len(body) > 1024 {
				t.Errorf("the rejection is %d bytes, want at most 1 KiB", len(body))
			}
		})
	}
}

// closedWithin reports whether the server closes conn before budget ends,
// writing one byte of trickle every interval when trickle is set.
func closedWithin(conn net.Conn, budget, interval time.Duration, trickle bool) bool {
	deadline := time.Now().Add(budget)
	buf := make([]byte, 512)
	for time.Now().Before(deadline) {
		if trickle {
			if _, err := conn.Write([]byte("a")); err != nil {
				return true
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(interval))
		for {
			_, err := conn.Read(buf)
			if err == nil {
				continue // the 408 Go may write, or a response
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				break
			}
			return true // EOF or reset: closed
		}
	}
	return false
}

// TestSlowClientsAreClosed is IN-13's time part: a header sent one byte at
// a time is cut at server.read_header_timeout, and an idle keep-alive
// connection at server.idle_timeout. The budget of 10 s is the scenario's
// bound; the timeouts are 300 ms.
func TestSlowClientsAreClosed(t *testing.T) {
	s := serve(t, "server: {read_header_timeout: 300ms, idle_timeout: 300ms}\n", &testschema.Resolver{})
	t.Run("header trickle", func(t *testing.T) {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "GET /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		if !closedWithin(conn, 10*time.Second, 100*time.Millisecond, true) {
			t.Error("a header trickled at 10 bytes/s was still open after 10 s")
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /graphql?query=%%7Bhello%%7D HTTP/1.1\r\nHost: %s\r\n\r\n", s.addr)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("status %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
		}
		if !closedWithin(conn, 10*time.Second, 100*time.Millisecond, false) {
			t.Error("an idle keep-alive connection was still open after 10 s")
		}
	})
}
