package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

func TestSubscriptionEndsAtMaxDuration(t *testing.T) {
	cfg, err := config.Parse([]byte("gateway: {subscriptions: {max_duration: 100ms}}\n"), "bff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(t, testschema.New(&testschema.Resolver{}), cfg.Gateway, false, nil))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"query":"subscription { ticks }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Ticks never ends by itself: the stream ends only because of the
	// deadline, so reading to EOF is the check (no timing assertion).
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"ticks":1`) || !strings.Contains(string(body), "event: complete") {
		t.Errorf("stream %q, want a tick then complete", body)
	}
}
