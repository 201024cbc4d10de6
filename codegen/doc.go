// Package codegen is the back end of bffgen: a function from a checked
// [schema.Model] to a [FileSet], the Go code of the BFF, held in memory.
//
// Generation runs in phases:
//
//  0. frontend: from the model's operations, the persisted-operation
//     manifests (Apollo's format and a hash -> document map) and the
//     TypeScript types of each operation ([Frontend]; pure, no gqlgen);
//  1. protos: Go protobuf types (the protoc-gen-go generator run in-process
//     on the descriptors protocompile produced) and connect-go clients and
//     handlers, for the proto packages the spec uses, unless a proto's
//     go_package names a package that already exists in the user's module;
//  2. mapping: function marshalers that bind GraphQL enums to proto enums;
//  3. executor: gqlgen driven as a library, with the GraphQL types bound to
//     the proto Go types and a bffgen plugin that writes the bound
//     resolvers, the user-resolver interface, the server wiring and the
//     scaffolds of user resolvers. The plugin also decides which fields
//     gqlgen may resolve in a goroutine of their own and which lists of
//     objects may marshal inline (concurrency.go: a value already in
//     memory gets no goroutine; docs/architecture.md, "the lean gqlgen
//     path").
//
// The decisions of phase 3 (how each bound field is read, how each request
// is filled, each call and batch) are taken once, in package plan, from the
// model alone (plan.NewSchema; plan.Build for the frontend's operations).
// The plugin is a thin adapter: it maps gqlgen's fields to the plan and
// prints Go, converting between the Go types gqlgen loaded; the compiled
// executors are printed from the same plan (compiled.go). Every file bffgen
// renders has its own import set (goImports, gofile.go); nothing uses
// gqlgen's global one.
//
// gqlgen type-checks the packages it binds to, so phase 3 runs in a scratch
// copy of the module (a directory with the module's go.mod and the files of
// phases 1 and 2); its output is read back into the file set. The scratch
// directory of a module is the same from run to run (under the user cache
// directory, locked while in use), so the go command's build cache serves
// the generated packages that did not change instead of compiling them
// again; a concurrent run on the same module uses a temporary one. The
// user's project is written only by [FileSet.Write], once everything has
// succeeded, and only files whose content changed are rewritten.
package codegen
