// Package backends holds the example's backend services, written as plain
// connect-go handlers against the code bffgen generated from proto/: the
// catalog (products) and the reviews. Serve runs them on a listener with
// HTTP/1.1 and h2c, so they answer Connect, gRPC and gRPC-Web.
package backends
