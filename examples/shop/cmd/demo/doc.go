// Command demo runs the example shop BFF together with its three example
// backends (catalog, reviews and users) in one process, on 127.0.0.1: the
// backends on free ports, the BFF where its configuration says. It takes
// the flags of the generated service (runtime.Main):
//
//	--config PATH   the runtime configuration; default bff.yaml (development
//	                mode: GraphiQL at http://127.0.0.1:8080/, admin on :9090);
//	                bff.production.yaml is the production profile, with
//	                every protection on and no GraphiQL or introspection
//	--dev           force development mode
//
// Both files read BFF_LISTEN (default 127.0.0.1:8080) and BFF_ADMIN (default
// 127.0.0.1:9090). Stop it with Ctrl-C (SIGINT) or SIGTERM: it drains and
// exits 0. `make demo` runs it with bff.yaml; from examples/shop, `go run
// ./cmd/demo --config bff.production.yaml` serves the production profile.
package main
