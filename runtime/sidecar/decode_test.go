package sidecar_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// A response that cannot be decoded (BF-9) fails the call with INTERNAL,
// not connect-go's client-side INVALID_ARGUMENT (which GraphQL would show
// as BAD_USER_INPUT), and counts against the endpoint; an
// INVALID_ARGUMENT the backend sent stays one and does not.
func TestUndecodableResponseIsInternalAndAFailure(t *testing.T) {
	t.Parallel()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/proto")
		w.Write([]byte{0xff, 0xfe, 0xfd, 0x07})
	}))
	t.Cleanup(garbage.Close)
	honest := newBackend(t, "honest")
	set := newSet(t, map[string]config.Upstream{
		"garbled": {Endpoints: []string{garbage.URL}, Timeout: time.Minute},
		"honest":  {Endpoints: []string{honest.srv.URL}, Timeout: time.Minute},
	}, quiet)

	for range 5 {
		err := call(t.Context(), plainEcho(set, "garbled"))
		if connect.CodeOf(err) != connect.CodeInternal || !strings.Contains(err.Error(), "could not be decoded") {
			t.Fatalf("garbled answer: %v, want INTERNAL saying it could not be decoded", err)
		}
	}
	if u, _ := set.Upstream("garbled"); u.Stats().Endpoints[0].Ejections != 1 {
		t.Errorf("after 5 garbled answers: %+v, want the endpoint ejected once", u.Stats().Endpoints[0])
	}

	u, _ := set.Upstream("honest")
	client := newEchoClient(u, u.BaseURL(), u.ClientOptions()...)
	for range 5 {
		if _, err := client.Echo(t.Context(), "invalid_argument"); connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatalf("the backend's INVALID_ARGUMENT: %v, want it kept", err)
		}
	}
	if u, _ := set.Upstream("honest"); u.Stats().Endpoints[0].Ejections != 0 {
		t.Errorf("after 5 INVALID_ARGUMENT answers: %+v, want the endpoint not ejected", u.Stats().Endpoints[0])
	}
}
