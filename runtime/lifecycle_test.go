package runtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// openSSE starts an SSE subscription to ticks and returns the stream once
// its first event arrived.
func openSSE(t *testing.T, base string) (*bufio.Reader, io.Closer) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query":"subscription { ticks }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SSE: %d %s", resp.StatusCode, b)
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("SSE before the first event: %v", err)
		}
		if strings.HasPrefix(line, "data:") && strings.Contains(line, `"ticks":1`) {
			return br, resp.Body
		}
	}
}

// openWS opens a graphql-transport-ws socket with a ticks subscription
// that received its first event.
func openWS(t *testing.T, base string) *coderws.Conn {
	t.Helper()
	ctx := context.Background()
	conn, _, err := coderws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"type":"connection_init"}`, `{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks }"}}`} {
		if err := conn.Write(ctx, coderws.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for {
		_, data, err := readWithin(conn, 10*time.Second)
		if err != nil {
			t.Fatalf("websocket before the first event: %v", err)
		}
		if strings.Contains(string(data), `"ticks":1`) {
			return conn
		}
	}
}

func readWithin(conn *coderws.Conn, d time.Duration) (coderws.MessageType, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return conn.Read(ctx)
}

// TestSIGTERMEndsStreamsAndCompletesRequests is LC-1: on SIGTERM /readyz
// fails at once; when the drain delay is over, websockets are closed with
// 1001 and SSE streams end with "complete" while a request in flight still
// runs and then completes; the process exits 0 (a shutdown that had to cut
// anything would exit 2).
func TestSIGTERMEndsStreamsAndCompletesRequests(t *testing.T) {
	path := writeConfig(t, `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
server: {shutdown: {drain_delay: 300ms, timeout: 20s}}
telemetry: {log: {format: json}}
`)
	entered, release := make(chan struct{}), make(chan struct{}, 1)
	resolver := &testschema.Resolver{Slow: func(ctx context.Context) (string, error) {
		close(entered)
		<-release
		return "done", ctx.Err()
	}}
	done := make(chan struct{})
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	terminate := func() error {
		p, _ := os.FindProcess(os.Getpid())
		return p.Signal(syscall.SIGTERM)
	}
	onLine := func(line string) {
		var rec struct{ Msg, Admin, Listen string }
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "serving" {
			return
		}
		go func() {
			signaled := false
			defer close(done)
			defer func() {
				if !signaled { // a helper failed: stop Main anyway
					_ = terminate()
				}
			}()
			defer close(release)
			base := "http://" + rec.Listen
			ws := openWS(t, base)
			defer ws.CloseNow()
			sse, body := openSSE(t, base)
			defer body.Close()
			inflight := make(chan response, 1)
			go func() {
				resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{slow}"}`))
				if err != nil {
					inflight <- response{body: err.Error()}
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				inflight <- response{status: resp.StatusCode, body: string(b)}
			}()
			<-entered

			signaled = true
			if err := terminate(); err != nil {
				fail("signal: %v", err)
				return
			}
			ready := false
			for range 100 { // readiness flips as soon as the signal is handled
				resp, err := http.Get("http://" + rec.Admin + "/readyz")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == 503 {
						ready = true
						break
					}
				}
				time.Sleep(10 * time.Millisecond)
			}
			if !ready {
				fail("/readyz did not answer 503 after SIGTERM")
			}

			_, data, err := readWithin(ws, 10*time.Second)
			if got := coderws.CloseStatus(err); got != coderws.StatusGoingAway {
				fail("websocket: %s %v, want close 1001", data, err)
			}
			rest, err := io.ReadAll(sse)
			if err != nil || !strings.Contains(string(rest), "event: complete") {
				fail("SSE stream: %q %v, want it to end with event: complete", rest, err)
			}
			select {
			case got := <-inflight:
				fail("the request in flight ended before its resolver returned: %d %s", got.status, got.body)
				return
			default:
			}
			release <- struct{}{} // the in-flight request may finish now
			if got := <-inflight; got.status != 200 || got.body != `{"data":{"slow":"done"}}` {
				fail("the request in flight: %d %s, want it completed", got.status, got.body)
			}
		}()
	}
	code, stderr := runMain(t, service(resolver), onLine, "--config", path)
	<-done
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
	if code != 0 || !strings.Contains(stderr, `"msg":"shut down"`) {
		t.Errorf("exit code %d, want 0 after a clean shutdown; stderr:\n%s", code, stderr)
	}
}
