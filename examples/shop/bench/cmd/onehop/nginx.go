package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// The two nginx instances of the classic chain. Both run one worker
// (nginx's default), keep idle connections to their upstreams and speak
// HTTP/1.1 to them, as a tuned production setup does.
//
// The gateway does what central gateways do besides proxying: it adds a
// request id header on the way in and out, logs every request, and applies
// a per-client rate-limit rule. The rule's rate is far above the load so
// that it is evaluated on every request but never rejects one (a rejection
// would show as a failed request in the results).
//
// The sidecar routes the connect-go calls by path to the three backends,
// like an Envoy outbound listener; it keeps no access log (Istio's default).
var gatewayConf = template.Must(template.New("gateway").Parse(`# nginx as the central API gateway of the classic chain (written by onehop)
worker_processes 1;
pid {{.Dir}}/gateway.pid;
error_log {{.Dir}}/gateway-error.log warn;
events { worker_connections 4096; }
http {
  access_log {{.Dir}}/gateway-access.log;
  client_body_temp_path {{.Dir}}/gateway-tmp/body;
  proxy_temp_path {{.Dir}}/gateway-tmp/proxy;
  fastcgi_temp_path {{.Dir}}/gateway-tmp/fastcgi;
  uwsgi_temp_path {{.Dir}}/gateway-tmp/uwsgi;
  scgi_temp_path {{.Dir}}/gateway-tmp/scgi;
  limit_req_zone $binary_remote_addr zone=perclient:10m rate=100000r/s;
  limit_req_status 429;
  upstream bff {
    server {{.BFF}};
    keepalive 256;
  }
  server {
    listen {{.Listen}};
    location /graphql {
      limit_req zone=perclient burst=100000 nodelay;
      proxy_pass http://bff;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      add_header X-Request-Id $request_id always;
    }
  }
}
`))

var sidecarConf = template.Must(template.New("sidecar").Parse(`# nginx as the service-mesh sidecar of the classic chain (written by onehop)
worker_processes 1;
pid {{.Dir}}/sidecar.pid;
error_log {{.Dir}}/sidecar-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path {{.Dir}}/sidecar-tmp/body;
  proxy_temp_path {{.Dir}}/sidecar-tmp/proxy;
  fastcgi_temp_path {{.Dir}}/sidecar-tmp/fastcgi;
  uwsgi_temp_path {{.Dir}}/sidecar-tmp/uwsgi;
  scgi_temp_path {{.Dir}}/sidecar-tmp/scgi;
  upstream catalog { server {{.Catalog}}; keepalive 256; }
  upstream reviews { server {{.Reviews}}; keepalive 256; }
  upstream users { server {{.Users}}; keepalive 256; }
  server {
    listen {{.Listen}};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /catalog.v1.CatalogService/ { proxy_pass http://catalog; }
    location /reviews.v1.ReviewService/ { proxy_pass http://reviews; }
    location /users.v1.UserService/ { proxy_pass http://users; }
  }
}
`))

// writeConf renders t with data into dir/name and makes the temp
// directories nginx wants.
func writeConf(dir, name string, t *template.Template, data any) (string, error) {
	for _, sub := range []string{"body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(dir, name+"-tmp", sub), 0o777); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, name+".conf")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := t.Execute(f, data); err != nil {
		return "", fmt.Errorf("rendering %s: %w", name, err)
	}
	return path, nil
}
