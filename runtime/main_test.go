package runtime_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bffgen/bffgen/runtime"
	rgraphql "github.com/bffgen/bffgen/runtime/graphql"
	"github.com/bffgen/bffgen/runtime/internal/testschema"
	"github.com/bffgen/bffgen/runtime/sidecar"
)

// runMain runs runtime.Main with args and returns its exit code and what it
// wrote to standard error; while it runs, onLine sees each line of standard
// error. It swaps os.Args and os.Stderr, so its callers are not parallel.
func runMain(t *testing.T, svc runtime.Service, onLine func(string), args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldArgs, oldStderr := os.Args, os.Stderr
	os.Args, os.Stderr = append([]string{"shop-bff"}, args...), w
	defer func() { os.Args, os.Stderr = oldArgs, oldStderr }()

	var out strings.Builder
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if onLine != nil {
				onLine(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	code := runtime.Main(svc)
	w.Close()
	<-read
	r.Close()
	return code, out.String()
}

func writeConfig(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bff.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMainExitCodes(t *testing.T) {
	good := writeConfig(t, "listen: \"127.0.0.1:0\"\nadmin: \"127.0.0.1:0\"\n")
	bad := writeConfig(t, "listn: \":8080\"\n")
	global := writeConfig(t, "listen: \"127.0.0.1:0\"\ngateway:\n  rate_limit:\n    redis: {url: \"redis://127.0.0.1:6379\"}\n    rules: [{name: shared, key: $client_ip, rate: 10/s, scope: global}]\n")
	failing := runtime.Service{Name: "shop", NewSchema: func(*sidecar.Set) (graphql.ExecutableSchema, error) {
		return nil, errors.New("broken generated code")
	}}
	tests := []struct {
		name string
		svc  runtime.Service
		args []string
		code int
		want string // a substring of standard error
	}{
		{"help", service(nil), []string{"--help"}, 0, "Usage: shop-bff [--config PATH] [--dev]"},
		{"unknown flag", service(nil), []string{"--nope"}, 1, "flag provided but not defined: -nope"},
		{"extra argument", service(nil), []string{"serve"}, 1, `unexpected argument "serve"`},
		{"missing file", service(nil), []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, 1, "configuration file not found"},
		{"configuration problem", service(nil), []string{"--config", bad}, 1, bad + `:1:1: error: unknown key "listn" at the top level` + "\n"},
		{"missing upstream", service(nil, "catalog"), []string{"--config", good}, 1, `"catalog"`},
		{"schema failure", failing, []string{"--config", good}, 2, "broken generated code"},
		{"compiled operation over a limit", compiledService(nil), []string{"--config", writeConfig(t, "listen: \"127.0.0.1:0\"\ngateway: {graphql: {max_depth: 1}}\n")},
			1, `gateway.graphql: compiled operation "ProductPage" does not pass the limits or validation of this server: query depth 2 exceeds the limit of 1`},
		{"global rate limit without a store", service(nil), []string{"--config", global},
			1, global + `: gateway.rate_limit.rules[0] ("shared") has scope: global, which counts in Redis, but this BFF was built without a Redis store; pass runtime.WithRateLimitStore(redisstore.Open) to runtime.Main`},
		{"compiled operations failure", runtime.Service{Name: "shop", NewSchema: service(nil).NewSchema,
			NewCompiled: func(*sidecar.Set) ([]rgraphql.Compiled, error) { return nil, errors.New("broken compiled code") }},
			[]string{"--config", good}, 2, "build the compiled operations of \"shop\": broken compiled code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := runMain(t, tt.svc, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr:\n%s\nwant %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

// TestMainRendersConfigErrors checks that a bad bff.yaml stops the BFF
// with exit code 1 and every problem rendered as `bffgen check` renders
// it: the file:line:col first line scripts grep for, the source line,
// carets under the whole offending token and the hint.
func TestMainRendersConfigErrors(t *testing.T) {
	path := writeConfig(t, "listen: \":8080\"\nupstreams:\n  catalog:\n    endpoint: [x]\n")
	code, stderr := runMain(t, service(nil), nil, "--config", path)
	wantOut := path + `:4:5: error: unknown key "endpoint" in "upstreams.catalog"` + "\n" +
		"    4 |     endpoint: [x]\n" +
		"      |     ^^^^^^^^\n" +
		"    hint: did you mean \"endpoints\"? (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)\n"
	if code != 1 || stderr != wantOut {
		t.Errorf("exit code %d, stderr:\n%s\nwant 1 and:\n%s", code, stderr, wantOut)
	}

	path = writeConfig(t, "listen: \"127.0.0.1:80800\"\nadmin: \"127.0.0.1:0\"\n")
	code, stderr = runMain(t, service(nil), nil, "--config", path)
	if code != 1 || !strings.HasPrefix(stderr, path+":1:9: error: ") ||
		!strings.Contains(stderr, "\n    1 | listen: \"127.0.0.1:80800\"\n      |         ^^^^^^^^^^^^^^^^^\n") {
		t.Errorf("exit code %d, stderr:\n%s\nwant 1, the source line and 17 carets under the quoted address", code, stderr)
	}
}

func TestMainServesUntilInterrupted(t *testing.T) {
	path := writeConfig(t, `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
server: {shutdown: {drain_delay: 0s}}
telemetry: {log: {format: json}}
`)
	var (
		admin, public string
		seen          = make(chan struct{})
		errs          = make(chan error, 1)
	)
	onLine := func(line string) {
		var rec struct{ Msg, Admin, Listen, Mode string }
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "serving" {
			return
		}
		admin, public = rec.Admin, rec.Listen
		go func() {
			defer close(seen)
			resp, err := http.Get("http://" + admin + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = errors.New(resp.Status)
				}
			}
			if rec.Mode != "development" {
				err = errors.Join(err, errors.New("--dev did not force development mode"))
			}
			errs <- err
			p, _ := os.FindProcess(os.Getpid())
			_ = p.Signal(os.Interrupt)
		}()
	}
	code, stderr := runMain(t, service(&testschema.Resolver{}), onLine, "--config", path, "--dev")
	if public == "" {
		t.Fatalf("Main never served; exit code %d, stderr:\n%s", code, stderr)
	}
	<-seen
	if err := <-errs; err != nil {
		t.Errorf("while serving: %v", err)
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `"msg":"shut down"`) || public == "" {
		t.Errorf("stderr lacks the shutdown record:\n%s", stderr)
	}
	if _, err := http.Get("http://" + public + "/graphql"); err == nil {
		t.Error("the public listener still answers after Main returned")
	}
}

// gogc reads the GOGC in force, as runtime/metrics reports it.
func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// whileServing runs Main on the config src until it serves, calls check,
// then interrupts it and returns its exit code and standard error.
func whileServing(t *testing.T, src string, check func()) (int, string) {
	t.Helper()
	path := writeConfig(t, src)
	done := make(chan struct{})
	onLine := func(line string) {
		var rec struct{ Msg string }
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "serving" {
			return
		}
		go func() {
			defer close(done)
			check()
			p, _ := os.FindProcess(os.Getpid())
			_ = p.Signal(os.Interrupt)
		}()
	}
	code, stderr := runMain(t, service(&testschema.Resolver{}), onLine, "--config", path)
	<-done
	return code, stderr
}

func TestMainKeepsAHeapFloorWhileServing(t *testing.T) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		t.Skipf("GOGC=%s is set here, which turns the floor off", v)
	}
	const src = `
listen: "127.0.0.1:0"
admin: "127.0.0.1:0"
server: {shutdown: {drain_delay: 0s}, min_heap_bytes: %d}
telemetry: {log: {format: json}}
`
	before := gogc()
	t.Run("a floor far above the live heap raises GOGC", func(t *testing.T) {
		var during int64
		code, stderr := whileServing(t, fmt.Sprintf(src, 256<<20), func() { during = gogc() })
		if code != 0 {
			t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
		}
		// A 256 MiB floor over a live heap of a few MiB: the cap.
		if during != 1000 {
			t.Errorf("GOGC while serving with a 256 MiB floor = %d, want 1000 (the cap)", during)
		}
		if after := gogc(); after != before {
			t.Errorf("GOGC after Main returned = %d, want %d as before", after, before)
		}
	})
	t.Run("0 turns it off", func(t *testing.T) {
		var during int64
		whileServing(t, fmt.Sprintf(src, 0), func() { during = gogc() })
		if during != before {
			t.Errorf("GOGC while serving with min_heap_bytes: 0 = %d, want %d, untouched", during, before)
		}
	})
	t.Run("an explicit GOGC turns it off", func(t *testing.T) {
		t.Setenv("GOGC", "100")
		var during int64
		whileServing(t, fmt.Sprintf(src, 256<<20), func() { during = gogc() })
		if during != before {
			t.Errorf("GOGC while serving with GOGC=100 in the environment = %d, want %d, untouched", during, before)
		}
	})
}
