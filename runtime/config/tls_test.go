package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bffgen/bffgen/runtime/config"
)

func TestParseDecodesTheTLSKeys(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
mode: development
server:
  tls: {cert_file: /etc/bff/tls.crt, key_file: /etc/bff/tls.key, client_ca_file: /etc/bff/clients.pem}
upstreams:
  catalog:
    endpoints: [https://catalog.internal:8443]
    tls:
      ca_file: /etc/bff/ca.pem
      cert_file: /etc/bff/client.crt
      key_file: /etc/bff/client.key
      server_name: catalog.svc
  dev:
    endpoints: [https://127.0.0.1:9443]
    tls: {insecure_skip_verify: true}
`)
	wantServer := config.ServerTLS{CertFile: "/etc/bff/tls.crt", KeyFile: "/etc/bff/tls.key", ClientCAFile: "/etc/bff/clients.pem"}
	if got := cfg.Server.TLS; got != wantServer || !got.Enabled() {
		t.Errorf("server.tls = %+v, want %+v, enabled", got, wantServer)
	}
	wantCatalog := config.UpstreamTLS{CAFile: "/etc/bff/ca.pem", CertFile: "/etc/bff/client.crt", KeyFile: "/etc/bff/client.key", ServerName: "catalog.svc"}
	if got := cfg.Upstreams["catalog"].TLS; got != wantCatalog || !got.Enabled() {
		t.Errorf("upstreams.catalog.tls = %+v, want %+v, enabled", got, wantCatalog)
	}
	if got := cfg.Upstreams["dev"].TLS; got != (config.UpstreamTLS{InsecureSkipVerify: true}) || !got.Enabled() {
		t.Errorf("upstreams.dev.tls = %+v", got)
	}
	if d := config.Default(); d.Server.TLS.Enabled() {
		t.Errorf("TLS is on by default: %+v", d.Server.TLS)
	}
}

func TestParseReportsTLSProblemsWithPositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "server certificate without key",
			src:  "server:\n  tls:\n    cert_file: tls.crt\n",
			want: []string{`bff.yaml:3:16: "server.tls.cert_file" is set without "server.tls.key_file": set both to serve TLS`},
		},
		{
			name: "server key without certificate",
			src:  "server:\n  tls: {key_file: tls.key}\n",
			want: []string{`bff.yaml:2:19: "server.tls.key_file" is set without "server.tls.cert_file": set both to serve TLS`},
		},
		{
			name: "client CA without server TLS",
			src:  "server:\n  tls: {client_ca_file: ca.pem}\n",
			want: []string{`bff.yaml:2:25: "server.tls.client_ca_file" needs TLS on the listener: set "server.tls.cert_file" and "server.tls.key_file" too`},
		},
		{
			name: "upstream client certificate without key",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {cert_file: c.crt}\n",
			want: []string{`bff.yaml:4:22: "upstreams.catalog.tls.cert_file" is set without "upstreams.catalog.tls.key_file": set both for mTLS, or neither`},
		},
		{
			name: "upstream key without client certificate",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {key_file: c.key}\n",
			want: []string{`bff.yaml:4:21: "upstreams.catalog.tls.key_file" is set without "upstreams.catalog.tls.cert_file": set both for mTLS, or neither`},
		},
		{
			name: "insecure_skip_verify in production",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls:\n      insecure_skip_verify: true\n",
			want: []string{`bff.yaml:5:29: insecure_skip_verify cannot be used in production mode: anyone on the path could read and change the calls to upstream "catalog"; trust the backend's CA with "upstreams.catalog.tls.ca_file" instead, or set mode: development`},
		},
		{
			name: "insecure_skip_verify with a CA file",
			src:  "mode: development\nupstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {insecure_skip_verify: true, ca_file: ca.pem}\n",
			want: []string{`bff.yaml:5:33: insecure_skip_verify ignores "upstreams.catalog.tls.ca_file": remove one of them`},
		},
		{
			name: "server_name with a scheme",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {server_name: \"https://catalog\"}\n",
			want: []string{`bff.yaml:4:24: invalid server_name "https://catalog": write the host name alone, without a scheme, such as "catalog.internal"`},
		},
		{
			name: "server_name with a port",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {server_name: \"catalog:443\"}\n",
			want: []string{`bff.yaml:4:24: invalid server_name "catalog:443": write the host name without a port`},
		},
		{
			name: "plain http endpoint with tls",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a, http://b]\n    tls: {ca_file: ca.pem}\n",
			want: []string{`bff.yaml:3:28: endpoint "http://b" is plain HTTP but "upstreams.catalog.tls" is set: use https://, or remove "upstreams.catalog.tls"`},
		},
		{
			name: "unknown tls key",
			src:  "upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {ca: ca.pem}\n",
			want: []string{`bff.yaml:4:11: unknown key "ca" in "upstreams.catalog.tls" (allowed: ca_file, cert_file, insecure_skip_verify, key_file, server_name)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.src), "bff.yaml")
			if got := problems(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestLoadResolvesTLSFilesAgainstTheConfigDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "bff.yaml")
	src := "server:\n  tls: {cert_file: tls.crt, key_file: /abs/tls.key, client_ca_file: certs/clients.pem}\n" +
		"upstreams:\n  catalog:\n    endpoints: [https://a]\n    tls: {ca_file: ca.pem, cert_file: c.crt, key_file: c.key}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Server.TLS, (config.ServerTLS{CertFile: filepath.Join(dir, "tls.crt"), KeyFile: "/abs/tls.key", ClientCAFile: filepath.Join(dir, "certs/clients.pem")}); got != want {
		t.Errorf("server.tls = %+v, want %+v", got, want)
	}
	if got, want := cfg.Upstreams["catalog"].TLS, (config.UpstreamTLS{CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "c.crt"), KeyFile: filepath.Join(dir, "c.key")}); got != want {
		t.Errorf("upstreams.catalog.tls = %+v, want %+v", got, want)
	}
}
