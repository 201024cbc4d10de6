// Command h2flood measures IN-14, HTTP/2 abuse, against a GraphQL endpoint
// on loopback: the latency of well-behaved clients before and during a
// rapid-reset flood (HEADERS + RST_STREAM(CANCEL) pairs at -rate per
// second, CVE-2023-44487) and a stream flood (-streams streams opened on
// one connection and left waiting for their bodies). It is a benchmark, not
// part of `make test`, and bounded: two phases of -d each (default 3s).
//
//	h2flood                      # the shop BFF it starts itself, over h2c
//	h2flood -target 127.0.0.1:8080
//
// Without -target it starts the example backends and the shop BFF's
// handler (production mode) behind an http.Server with the runtime's
// timeouts and HTTP/2 over cleartext (h2c) turned on, Go's defaults
// otherwise: this is what the runtime would be if it offered HTTP/2, which
// runtime.Server.Serve does not do today. With -target it first checks that
// the target answers the HTTP/2 preface with a SETTINGS frame; when it does
// not (the runtime today), it prints what the target answered and exits 0:
// nothing to flood.
//
// It prints one table: requests, p50 and p99 of the well-behaved clients
// in each phase and their ratio, what the server did to the attacking
// connections (GOAWAY and its code, streams refused or reset), and the
// heap of the process when it serves itself. It exits 2 on bad flags and
// 1 when a phase could not run.
package main
