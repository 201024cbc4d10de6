package gateway

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/config"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	coderws "github.com/coder/websocket"
)

// TestGraphQLTransportWSCloseCodes checks the protocol's close codes on a
// real server: each case sends its messages and expects the connection
// closed with its code.
func TestGraphQLTransportWSCloseCodes(t *testing.T) {
	initTimeout = 200 * time.Millisecond // only for the 4408 case's bounded wait
	cfg, err := config.Parse(nil, "bff.yaml", config.WithMode(config.ModeDevelopment))
	if err != nil {
		t.Fatal(err)
	}
	// A connection_init payload with token "nope" is rejected.
	check := func(ctx context.Context, payload map[string]any) (context.Context, error) {
		if payload["token"] == "nope" {
			return ctx, errors.New("invalid token")
		}
		return ctx, nil
	}
	h, err := NewGraphQLHandler(testschema.New(&testschema.Resolver{}), cfg.Gateway, true, nil, WithSubscriptionInit(check))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	const sub = `{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks }"}}`
	tests := []struct {
		name string
		msgs []string
		want coderws.StatusCode
	}{
		{"a message that is not JSON: 4400", []string{`{"type":"connection_init"}`, `not json`}, 4400},
		{"an unknown message type: 4400", []string{`{"type":"connection_init"}`, `{"type":"nonsense"}`}, 4400},
		{"subscribe before connection_ack: 4401", []string{sub}, 4401},
		{"a rejected connection_init: 4403", []string{`{"type":"connection_init","payload":{"token":"nope"}}`}, 4403},
		{"no connection_init in time: 4408", nil, 4408},
		{"a second subscriber with the same id: 4409", []string{`{"type":"connection_init"}`, sub, sub}, 4409},
		{"a second connection_init: 4429", []string{`{"type":"connection_init"}`, `{"type":"connection_init"}`}, 4429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			conn, _, err := coderws.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			for i, m := range tt.msgs {
				if err := conn.Write(ctx, coderws.MessageText, []byte(m)); err != nil {
					t.Fatal(err)
				}
				if i == 0 && strings.Contains(m, "connection_init") && !strings.Contains(m, "nope") {
					if _, data, err := conn.Read(ctx); err != nil || !strings.Contains(string(data), "connection_ack") {
						t.Fatalf("want connection_ack, got %s %v", data, err)
					}
				}
			}
			for {
				_, _, err := conn.Read(ctx)
				if err == nil {
					continue // pings, acks
				}
				if got := coderws.CloseStatus(err); got != tt.want {
					t.Fatalf("closed with %d (%v), want %d", got, err, tt.want)
				}
				return
			}
		})
	}
}
