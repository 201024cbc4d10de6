// Command handlookahead serves the lookahead gqlgen BFF of package
// handlookahead, for the one-hop benchmark; its flags and behaviour are
// those of cmd/handbff:
//
//	handlookahead -listen 127.0.0.1:8082 -catalog URL -reviews URL -users URL
//
// It listens only on -listen, serves GraphQL at /graphql, prints
// "handlookahead listening on http://ADDR" to stderr once it accepts
// connections, and shuts down gracefully on SIGINT or SIGTERM, exiting 0.
// A missing flag exits 2; a failure to listen or serve exits 1.
package main
