// Command demo runs the example shop BFF together with its two example
// backends (catalog and reviews) in one process, on 127.0.0.1: the BFF on
// :8080 (GraphiQL at http://127.0.0.1:8080/), its admin on :9090, the
// backends on free ports. Stop it with Ctrl-C. `make demo` runs it.
package main
