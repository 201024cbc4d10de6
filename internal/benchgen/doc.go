// Command benchgen writes a large composition spec for the generator
// benchmark (make bench-generate): 30 services of 10 messages each (300
// messages), a Query field bound with @rpc per message, and 3 proto fields
// read per message type: 1200 bound fields. Next to it, it writes the same
// schema without bindings and a gqlgen.yml, so gqlgen alone can generate the
// same GraphQL types for comparison.
//
//	go run ./internal/benchgen -out /tmp/big
package main
