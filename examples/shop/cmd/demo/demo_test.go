package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a free host:port of 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDemoServesTheProductionProfile builds the demo, runs it as `demo
// --config bff.production.yaml` from examples/shop on free ports (BFF_LISTEN,
// BFF_ADMIN), queries it, checks that the production protections are on
// (no introspection, no GraphiQL) and stops it with SIGTERM: exit 0.
func TestDemoServesTheProductionProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the demo binary")
	}
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	listen, admin := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "--config", "bff.production.yaml")
	cmd.Dir = "../.." // examples/shop, as `go run ./cmd/demo --config bff.production.yaml`
	cmd.Env = append(cmd.Environ(), "BFF_LISTEN="+listen, "BFF_ADMIN="+admin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	banner := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(bufio.NewReader(stdout))
		banner <- string(b)
		exited <- cmd.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	ready(t, "http://"+admin+"/readyz", 20*time.Second, exited, &stderr)
	endpoint := "http://" + listen + "/graphql"
	for _, tt := range []struct {
		name, query string
		check       func(status int, body string) bool
	}{
		{"the banner's query, a trusted document, is answered from the backends", bannerQuery,
			func(status int, body string) bool {
				return status == 200 && strings.HasPrefix(body, `{"data":{"products":[{"id":"p-1001","name":"Trail Running Shoes"`) && !strings.Contains(body, `"errors"`)
			}},
		{"any other document is refused before it is parsed", `{ product(id: "p-1001") { name related(first: 1) { id } } }`,
			func(status int, body string) bool {
				return status == 400 && strings.Contains(body, "PERSISTED_QUERY_REQUIRED")
			}},
		{"introspection is off", `{ __schema { types { name } } }`,
			func(status int, body string) bool {
				return !strings.Contains(body, `"types"`) && strings.Contains(body, `"errors"`)
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(endpoint, "application/json", strings.NewReader(mustJSON(t, map[string]string{"query": tt.query})))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !tt.check(resp.StatusCode, string(body)) {
				t.Errorf("got %d %s", resp.StatusCode, body)
			}
		})
	}
	t.Run("no GraphiQL", func(t *testing.T) {
		resp, err := http.Get("http://" + listen + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET / = %d, want 404", resp.StatusCode)
		}
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	// The production drain delay is 5s, the shutdown timeout 25s.
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want exit 0\n%s", err, stderr.Bytes())
		}
	case <-time.After(40 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 40s after SIGTERM\n%s", stderr.Bytes())
	}
	out := <-banner
	// The query the banner prints to try is the trusted document the test
	// ran: operation ProductsWithReviewers of operations/products.graphql.
	if !strings.Contains(out, bannerQuery) || !strings.Contains(out, `"sha256Hash":"df8caea07e60`) {
		t.Errorf("the banner does not print the query ProductsWithReviewers and its hash:\n%s", out)
	}
	if !strings.Contains(out, "bff.production.yaml, production mode") || !strings.Contains(out, endpoint+" (no GraphiQL, introspection off)") {
		t.Errorf("banner:\n%s", out)
	}
	if !strings.Contains(stderr.String(), `"mode":"production"`) {
		t.Errorf("no JSON log line with the production mode:\n%s", stderr.Bytes())
	}
}

// ready polls url until it answers 200; it fails when the process exits or
// budget passes.
func ready(t *testing.T, url string, budget time.Duration, exited <-chan error, stderr *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("the demo exited before it was ready: %v\n%s", err, stderr.Bytes())
		case <-ctx.Done():
			t.Fatalf("%s not ready after %s\n%s", url, budget, stderr.Bytes())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// bannerQuery is the query the demo prints to try; it is the operation
// ProductsWithReviewers of operations/products.graphql, so one of the
// trusted documents of persisted-operations.json.
const bannerQuery = `query ProductsWithReviewers { products(first: 3) { id name priceCents displayPrice createdAt category seller { displayName } reviews { rating body reviewer { displayName country } } } }`
