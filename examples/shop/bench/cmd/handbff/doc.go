// Command handbff serves the hand-written gqlgen BFF of package handbff,
// for the one-hop benchmark:
//
//	handbff -listen 127.0.0.1:8081 -catalog URL -reviews URL -users URL
//
// It listens only on -listen, serves GraphQL at /graphql, prints
// "handbff listening on http://ADDR" to stderr once it accepts
// connections, and shuts down gracefully on SIGINT or SIGTERM, exiting 0.
// A missing flag exits 2; a failure to listen or serve exits 1.
package main
