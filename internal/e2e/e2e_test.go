package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// run runs a command in dir and fails the test on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs a long-lived process and stops it (SIGKILL) when the test ends
// unless the test already waited for it.
func start(t *testing.T, dir string, env []string, name string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &out
}

// waitReady polls url until it answers 200; the bound is a count of
// attempts, not a latency claim.
func waitReady(t *testing.T, url string, logs *bytes.Buffer) {
	t.Helper()
	for i := 0; i < 300; i++ {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready; output:\n%s", url, logs)
}

func query(t *testing.T, endpoint, q string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	resp, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, data)
	}
	return out
}

func TestInitGenerateRunQueryBreak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real processes")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bffgen := filepath.Join(work, "bffgen")
	run(t, root, nil, "go", "build", "-o", bffgen, "./cmd/bffgen")

	// 1. Scaffold, generate, build.
	proj := filepath.Join(work, "hello")
	run(t, work, nil, bffgen, "init", "hello", "--module", "example.com/hello", "--replace", root)
	out := run(t, proj, nil, "go", "generate", "./...")
	if !strings.Contains(out, "no changes") {
		t.Errorf("go generate right after init should change nothing, said:\n%s", out)
	}
	run(t, proj, nil, "go", "build", "-o", "bin/bff", ".")
	run(t, proj, nil, "go", "build", "-o", "bin/backend", "./backend")

	// 2. Run the backend behind a proxy that holds requests when asked, and
	// the BFF, on free loopback ports.
	backendAddr := freeAddr(t)
	_, backendLogs := start(t, proj, nil, filepath.Join(proj, "bin/backend"), "-addr", backendAddr)
	backendURL, _ := url.Parse("http://" + backendAddr)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	var hold atomic.Bool
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold.Load() {
			arrived <- struct{}{}
			<-release
		}
		httputil.NewSingleHostReverseProxy(backendURL).ServeHTTP(w, r)
	})}
	proxyLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go proxy.Serve(proxyLn)
	t.Cleanup(func() { proxy.Close() })

	listen, admin := freeAddr(t), freeAddr(t)
	env := []string{"BFF_LISTEN=" + listen, "BFF_ADMIN=" + admin, "HELLO_URL=http://" + proxyLn.Addr().String()}
	bff, bffLogs := start(t, proj, env, filepath.Join(proj, "bin/bff"), "--config", "bff.yaml")
	waitReady(t, "http://"+admin+"/readyz", bffLogs)
	_ = backendLogs

	// 3. Query: data from the backend, the user resolver, the mapped scalars.
	endpoint := "http://" + listen + "/graphql"
	got := query(t, endpoint, `{ greet(name: "Ada") { greeting shout count greetedAt } }`)
	greet, _ := got["data"].(map[string]any)["greet"].(map[string]any)
	if greet == nil || greet["greeting"] != "Hello, Ada!" || greet["shout"] != "HELLO, ADA!" || greet["count"] != "1" {
		t.Fatalf("unexpected response: %v", got)
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(greet["greetedAt"])); err != nil {
		t.Errorf("greetedAt %v is not RFC 3339: %v", greet["greetedAt"], err)
	}
	// A backend error is a GraphQL error on the field, with the mapped code.
	got = query(t, endpoint, `{ greet(name: "") { greeting } }`)
	errs, _ := got["errors"].([]any)
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "BAD_USER_INPUT") {
		t.Errorf("want one BAD_USER_INPUT error, got %v", got)
	}

	// 4. SIGTERM while a request is in flight: it completes, exit code 0.
	hold.Store(true)
	type result struct {
		body map[string]any
	}
	done := make(chan result, 1)
	go func() {
		body, _ := json.Marshal(map[string]string{"query": `{ greet(name: "Grace") { greeting } }`})
		resp, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
		if err != nil {
			done <- result{map[string]any{"transport error": err.Error()}}
			return
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		done <- result{out}
	}()
	<-arrived
	if err := bff.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The server is draining: readiness must flip before the request ends.
	for i := 0; i < 200; i++ {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err != nil || resp.StatusCode == http.StatusServiceUnavailable {
			if resp != nil {
				resp.Body.Close()
			}
			break
		}
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	res := <-done
	if g, _ := res.body["data"].(map[string]any); g == nil || fmt.Sprint(g["greet"]) != "map[greeting:Hello, Grace!]" {
		t.Errorf("in-flight request during SIGTERM: got %v", res.body)
	}
	if err := bff.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Errorf("BFF exited with %d after SIGTERM, want 0; output:\n%s", exit.ExitCode(), bffLogs)
		} else {
			t.Error(err)
		}
	}

	// 5. Break the contract in the proto: check exits 1 and names the place.
	protoPath := filepath.Join(proj, "proto/hello/v1/hello.proto")
	src, err := os.ReadFile(protoPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(protoPath, bytes.Replace(src, []byte("int64 count = 3;"), []byte("string count = 3;"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), bffgen, "check")
	cmd.Dir = proj
	checkOut, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("bffgen check after breaking the proto: err %v, want exit 1; output:\n%s", err, checkOut)
	}
	if !regexp.MustCompile(`schema/schema\.graphql:\d+:\d+: error: Greeting\.count has type Int64!`).Match(checkOut) {
		t.Errorf("check output lacks a file:line:col diagnostic:\n%s", checkOut)
	}
}
