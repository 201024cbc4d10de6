package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/gateway"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	coderws "github.com/coder/websocket"
)

// blockingBackend is an HTTP backend on 127.0.0.1 whose every call waits
// until the caller gives up; it counts the calls that started and the ones
// that were cancelled, and when the last one was.
type blockingBackend struct {
	*httptest.Server
	started, cancelled atomic.Int64
	startedCh          chan struct{}
	cancelledCh        chan time.Time
}

func newBlockingBackend(t *testing.T) *blockingBackend {
	b := &blockingBackend{startedCh: make(chan struct{}, 100), cancelledCh: make(chan time.Time, 100)}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.started.Add(1)
		b.startedCh <- struct{}{}
		<-r.Context().Done()
		b.cancelled.Add(1)
		b.cancelledCh <- time.Now()
	}))
	t.Cleanup(b.Close)
	return b
}

// resolver resolves Query.product with a call to the backend.
func (b *blockingBackend) resolver() *testschema.Resolver {
	return &testschema.Resolver{Product: func(ctx context.Context, id string) (*testschema.Product, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.URL+"/product/"+id, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		return &testschema.Product{ID: id, Name: "Product " + id}, nil
	}}
}

func TestAClientThatLeavesCancelsItsBackendCalls(t *testing.T) {
	t.Parallel()
	backend := newBlockingBackend(t)
	srv := graphqlServer(t, false, backend.resolver())
	ctx, leave := context.WithCancel(context.Background())
	defer leave()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL,
		strings.NewReader(`{"query":"{ a: product(id: \"1\") { id } b: product(id: \"2\") { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for range 2 {
		<-backend.startedCh
	}
	left := time.Now()
	leave()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	var last time.Time
	deadline := time.After(10 * time.Second) // a bound for a hung test only
	for range 2 {
		select {
		case at := <-backend.cancelledCh:
			last = at
		case <-deadline:
			t.Fatalf("%d of %d backend calls cancelled after the client left", backend.cancelled.Load(), backend.started.Load())
		}
	}
	// IN-15 asks for 100 ms; the figure is logged, and only a generous
	// budget is asserted on a shared machine.
	took := last.Sub(left)
	t.Logf("both backend calls cancelled %s after the client left", took)
	if took > 2*time.Second {
		t.Errorf("the backend calls were cancelled %s after the client left", took)
	}
}

func TestTheRequestDeadlineEndsBackendCallsWithTimeout(t *testing.T) {
	t.Parallel()
	backend := newBlockingBackend(t)
	cfg := config.Default()
	h := gateway.Chain(newHandler(t, testschema.New(backend.resolver()), cfg.Gateway, false, nil), gateway.Timeout(200*time.Millisecond))
	srv := serve(t, h)
	resp, body := post(t, srv.URL, "application/json", "", `{"query":"{ product(id: \"1\") { id } }"}`)
	r := decode(t, body)
	if resp.StatusCode != 200 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "TIMEOUT" {
		t.Fatalf("got %d %s, want the error TIMEOUT", resp.StatusCode, body)
	}
	select {
	case <-backend.cancelledCh:
	case <-time.After(10 * time.Second): // a bound for a hung test only
		t.Errorf("the backend call was not cancelled at the deadline (%d started)", backend.started.Load())
	}
}

func TestLimitsHoldOnTheSubscriptionTransports(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, false, nil, func(g *config.Gateway) { g.GraphQL.MaxAliases = 2 })
	var doc strings.Builder
	doc.WriteString("subscription {")
	for i := range 3 {
		fmt.Fprintf(&doc, " t%d: ticks", i)
	}
	doc.WriteString(" }")
	req := newRequest(t, http.MethodPost, srv.URL, strings.NewReader(`{"query":"`+doc.String()+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "MAX_ALIASES_LIMIT") || strings.Contains(string(b), `"ticks"`) {
		t.Fatalf("SSE stream %q, want the error MAX_ALIASES_LIMIT and no event", b)
	}
}

func TestProductionValidationErrorsSuggestNothing(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, false, nil, func(g *config.Gateway) { g.GraphQL.Introspection = true })
	for _, q := range []string{`{ helo }`, `{ hello(nme: \"x\") }`, `{ product(id: \"1\") }`} {
		_, body := post(t, srv.URL, "application/json", "", `{"query":"`+q+`"}`)
		if !strings.Contains(body, "GRAPHQL_VALIDATION_FAILED") || strings.Contains(body, "Did you mean") {
			t.Errorf("%s: %s", q, body)
		}
	}
}

func TestLimitsAndPersistedOperationsHoldOnWebsockets(t *testing.T) {
	t.Parallel()
	srv := graphqlServer(t, true, nil, func(g *config.Gateway) {
		g.GraphQL.MaxAliases = 2
		g.GraphQL.Variables.MaxDepth = 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a bound for a hung test only
	defer cancel()
	conn, _, err := coderws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(m string) {
		if err := conn.Write(ctx, coderws.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	// next returns the next message that is not a ping or pong.
	next := func() string {
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(data); !strings.Contains(s, `"ping"`) && !strings.Contains(s, `"pong"`) {
				return s
			}
		}
	}
	send(`{"type":"connection_init"}`)
	if m := next(); !strings.Contains(m, "connection_ack") {
		t.Fatalf("got %s, want connection_ack", m)
	}
	tests := []struct{ name, payload, code string }{
		{"over the alias limit", `{"query":"subscription { a: ticks b: ticks c: ticks }"}`, "MAX_ALIASES_LIMIT"},
		{"variables over the depth cap", `{"query":"subscription($v: String) { ticks }","variables":{"v":[[[1]]]}}`, "MAX_VARIABLES_DEPTH_LIMIT"},
		{"a persisted hash while persisted operations are off", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("0", 64) + `"}}}`, "PERSISTED_QUERY_NOT_SUPPORTED"},
	}
	for i, tt := range tests {
		id := fmt.Sprint(i + 1)
		send(`{"id":"` + id + `","type":"subscribe","payload":` + tt.payload + `}`)
		m := next()
		for strings.Contains(m, `"complete"`) { // of the previous subscription, if the server sends one
			m = next()
		}
		if !strings.Contains(m, `"type":"error"`) || !strings.Contains(m, `"id":"`+id+`"`) || !strings.Contains(m, tt.code) {
			t.Errorf("%s: got %s, want an error message with %s", tt.name, m, tt.code)
		}
	}
}
