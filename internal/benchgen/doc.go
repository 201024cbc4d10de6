// Command benchgen writes a large composition spec for the generator
// benchmark (make bench-generate): 30 services of 10 messages each (300
// messages), a Query field bound with @rpc per message, and 3 proto fields
// read per message type: 1200 bound fields. Next to it, it writes two
// gqlgen projects with the same GraphQL schema, without bindings, for the
// two baselines a gqlgen user has:
//
//   - gqlgen/: gqlgen generates its own model structs;
//   - gqlgen-bound/: a gqlgen.yml whose models map every GraphQL type to
//     the protobuf Go type it reads (module example.com/biggqlbound,
//     packages example.com/biggqlbound/pb/svcN/v1), as a gqlgen BFF over
//     protobuf backends is written. Its pb/ tree is not written here: the
//     benchmark copies protoc-gen-go's output from bffgen's gen/pb, so both
//     tools bind to the same Go code. Every field maps without a resolver
//     (ID and String to string, Int to int32: gqlgen's default scalar
//     models); the spec has no int64 or enum fields.
//
// Usage:
//
//	go run ./internal/benchgen -out /tmp/big
package main
