package config_test

import (
	"fmt"
	"os"

	"github.com/bffgen/bffgen/runtime/config"
)

func ExampleParse() {
	lookup := config.WithLookupEnv(func(name string) (string, bool) {
		return map[string]string{"CATALOG_URL": "http://127.0.0.1:9001"}[name], name == "CATALOG_URL"
	})
	cfg, err := config.Parse([]byte(`
upstreams:
  catalog:
    endpoints: ["${CATALOG_URL}"]
    timeout: 800ms
`), "bff.yaml", lookup)
	if err != nil {
		fmt.Println(err)
		return
	}
	catalog := cfg.Upstreams["catalog"]
	fmt.Println(cfg.Mode, catalog.Endpoints, catalog.Protocol, catalog.Timeout)
	// Output: production [http://127.0.0.1:9001] connect 800ms
}

func ExampleParse_errors() {
	_, err := config.Parse([]byte(`
listen: ":8080"
upstreams:
  catalog:
    endpoints: ["http://127.0.0.1:9001"]
    protocol: http2
    timout: 1s
`), "bff.yaml")
	fmt.Println(err)
	// Output: bff.yaml:7:5: unknown key "timout" in "upstreams.catalog"; did you mean "timeout"? (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)
}

func ExampleRender() {
	_, err := config.Parse([]byte(`
listen: ":8080"
upstreams:
  catalog:
    endpoints: ["http://127.0.0.1:9001"]
    timout: 1s
`), "bff.yaml")
	_ = config.Render(os.Stdout, err)
	// Output:
	// bff.yaml:6:5: error: unknown key "timout" in "upstreams.catalog"
	//     6 |     timout: 1s
	//       |     ^^^^^^
	//     hint: did you mean "timeout"? (allowed: circuit_breaker, compression, discovery, endpoints, fault, forward_authorization, forward_claims, forward_headers, health_check, hedging, load_balancing, max_batch_size, max_message_bytes, mirror, outlier_detection, protocol, response_headers, retry, split, timeout, tls)
}
