// Package schema is the front end of bffgen: it reads a composition spec and
// turns it into a checked [Model], or into diagnostics that say what is
// wrong, where, and how to fix it.
//
// A composition spec is a project directory with:
//
//   - bffgen.yaml, the codegen config (see [Config]);
//   - the frontend's GraphQL schema (SDL) annotated with binding directives,
//     whose declarations bffgen provides (see [Prelude]);
//   - the backends' .proto files, compiled in-process with protocompile (no
//     protoc is needed).
//
// [Load] runs the phases in order, collecting every diagnostic of a phase
// before deciding whether the next can run:
//
//  1. config: decode bffgen.yaml strictly (unknown keys are errors);
//  2. parse: parse every SDL file with gqlparser and compile every .proto
//     file under the import roots with protocompile;
//  3. link: resolve @rpc methods and @proto types, bind GraphQL object,
//     input and enum types to proto messages and enums (explicitly or by
//     inference from @rpc results and requests);
//  4. check: every field of a bound type resolves to a compatible proto
//     field, an @rpc, or becomes a user resolver (a note); every request
//     mapping and result path is type-checked.
//
// [CompileProtos] runs phases 1 and 2 for the protos alone (the input of
// `bffgen import proto`, package schema/importproto). The proto <-> GraphQL
// table that linking and checking apply lives in package schema/mapping,
// shared with the importer and the generator.
//
// The model is the only thing the back end (package codegen) sees. Spans in
// diagnostics name files relative to the project root.
package schema
