package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/internal/testschema"
)

// TestNodeClientsInterop runs the reference clients, graphql-ws 6.4.2 and
// graphql-sse 2.6.1 (testdata/interop/interop.mjs), against a server on
// 127.0.0.1: a query, a subscription the client stops, a validation error
// (an error and no complete) and keep-alive pings. It needs node and the
// packages: run `npm install` in runtime/testdata/interop first; without
// them it is skipped, so `make test` needs no node.
func TestNodeClientsInterop(t *testing.T) {
	dir := filepath.Join("testdata", "interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-ws")); err != nil {
		t.Skip("run npm install in runtime/testdata/interop to enable")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	s := serve(t, "gateway: {subscriptions: {keep_alive: 100ms}}\n", &testschema.Resolver{})
	cmd := exec.Command("node", "interop.mjs", s.url+"/graphql")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("the reference clients failed: %v", err)
	}
}
