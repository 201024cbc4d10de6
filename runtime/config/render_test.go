package config_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "unknown key: carets under the key, the suggestion as hint",
			src:  "listn: \":8080\"\n",
			want: "bff.yaml:1:1: error: unknown key \"listn\" at the top level\n" +
				"    1 | listn: \":8080\"\n" +
				"      | ^^^^^\n" +
				"    hint: did you mean \"listen\"? (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)\n",
		},
		{
			name: "quoted value: carets under the quotes too",
			src:  "listen: \"nope\"\n",
			want: "bff.yaml:1:9: error: invalid address \"nope\" for \"listen\": use host:port or :port, such as \":8080\" or \"127.0.0.1:8080\"\n" +
				"    1 | listen: \"nope\"\n" +
				"      |         ^^^^^^\n",
		},
		{
			name: "plain value with spaces: carets under all its words, not the comment",
			src:  "mode: not a mode   # comment\n",
			want: "bff.yaml:1:7: error: invalid mode \"not a mode\": use \"production\" or \"development\"\n" +
				"    1 | mode: not a mode   # comment\n" +
				"      |       ^^^^^^^^^^\n",
		},
		{
			name: "flow list: carets to the closing bracket",
			src:  "server: [a, b]\n",
			want: "bff.yaml:1:9: error: \"server\" must be a mapping of keys, not a list\n" +
				"    1 | server: [a, b]\n" +
				"      |         ^^^^^^\n",
		},
		{
			name: "type error with a fix",
			src:  "telemetry:\n  service_name: 42\n",
			want: "bff.yaml:2:17: error: \"telemetry.service_name\" must be a string, not an integer\n" +
				"    2 |   service_name: 42\n" +
				"      |                 ^^\n" +
				"    hint: quote it: \"42\"\n",
		},
		{
			name: "unset variable: carets under the whole reference",
			src:  "listen: ${BFF_RENDER_TEST_UNSET}\n",
			want: "bff.yaml:1:9: error: environment variable \"BFF_RENDER_TEST_UNSET\" is not set: set it, or give a default with ${BFF_RENDER_TEST_UNSET:-default}\n" +
				"    1 | listen: ${BFF_RENDER_TEST_UNSET}\n" +
				"      |         ^^^^^^^^^^^^^^^^^^^^^^^^\n",
		},
		{
			name: "bad value from a variable: carets under the reference",
			src:  "listen: ${BFF_RENDER_TEST_ADDR}\n",
			want: "bff.yaml:1:9: error: invalid address \"nope\" for \"listen\": use host:port or :port, such as \":8080\" or \"127.0.0.1:8080\"\n" +
				"    1 | listen: ${BFF_RENDER_TEST_ADDR}\n" +
				"      |         ^^^^^^^^^^^^^^^^^^^^^^^\n",
		},
		{
			name: "a \"; \" inside a quoted name does not start a hint",
			src:  "\"a; b\": 1\n",
			want: "bff.yaml:1:1: error: unknown key \"a; b\" at the top level (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)\n" +
				"    1 | \"a; b\": 1\n" +
				"      | ^^^^^^\n",
		},
		{
			name: "syntax error: one caret where the token is unknown",
			src:  "listen: [\n",
			want: "bff.yaml:1:9: error: invalid YAML: sequence end token ']' not found\n" +
				"    1 | listen: [\n" +
				"      |         ^\n",
		},
		{
			name: "several problems in file order, CRLF line ends dropped",
			src:  "admn: x\r\nlistn: y\r\n",
			want: "bff.yaml:1:1: error: unknown key \"admn\" at the top level\n" +
				"    1 | admn: x\n" +
				"      | ^^^^\n" +
				"    hint: did you mean \"admin\"? (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)\n" +
				"bff.yaml:2:1: error: unknown key \"listn\" at the top level\n" +
				"    2 | listn: y\n" +
				"      | ^^^^^\n" +
				"    hint: did you mean \"listen\"? (allowed: admin, gateway, listen, mode, server, telemetry, upstreams)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.src), "bff.yaml", config.WithLookupEnv(func(name string) (string, bool) { return "nope", name == "BFF_RENDER_TEST_ADDR" }))
			if err == nil {
				t.Fatal("Parse accepted the configuration")
			}
			var b strings.Builder
			if err := config.Render(&b, err); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderWithoutPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bff.yaml")
	_, err := config.Load(path)
	var b strings.Builder
	if err := config.Render(&b, err); err != nil {
		t.Fatal(err)
	}
	want := path + ": error: configuration file not found\n    hint: pass its path with --config\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if got, want := err.Error(), path+": configuration file not found; pass its path with --config"; got != want {
		t.Errorf("Error() = %q, want %q (unchanged by the split of the hint)", got, want)
	}
}

func TestRenderOtherErrors(t *testing.T) {
	var b strings.Builder
	if err := config.Render(&b, nil); err != nil || b.String() != "" {
		t.Errorf("Render(nil) wrote %q, %v; want nothing", b.String(), err)
	}
	if err := config.Render(&b, errors.Join(errors.New("boom"), &config.Error{Msg: "bad"})); err != nil {
		t.Fatal(err)
	}
	if want := "error: boom\nerror: bad\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestErrorFields(t *testing.T) {
	_, err := config.Parse([]byte("upstreams:\n  catalog:\n    endpoint: [x]\n"), "bff.yaml")
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("Parse: %v, want a *config.Error", err)
	}
	want := config.Error{File: "bff.yaml", Line: 3, Col: 5, Len: 8, Source: "    endpoint: [x]",
		Msg: `unknown key "endpoint" in "upstreams.catalog"`, Hint: `did you mean "endpoints"? (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)`}
	got := config.Error{File: ce.File, Line: ce.Line, Col: ce.Col, Len: ce.Len, Source: ce.Source, Msg: ce.Msg, Hint: ce.Hint}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if s := ce.Error(); s != "bff.yaml:3:5: "+want.Msg+"; "+want.Hint {
		t.Errorf("Error() = %q: want the message and hint joined by \"; \" as before", s)
	}
}
