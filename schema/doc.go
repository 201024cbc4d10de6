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
//     protoc is needed);
//   - optionally, the frontend's operations (.graphql files named by
//     operations.documents).
//
// [Load] runs the phases in order, collecting every diagnostic of a phase
// before deciding whether the next can run; a [Loader] runs them one at a
// time ([Loader.Config], [Loader.Module], [Loader.SDL], [Loader.Protos],
// [Loader.Bind], [Loader.Operations]):
//
//  1. config: decode bffgen.yaml strictly (unknown keys are errors);
//  2. module: find go.mod at or above the project root;
//  3. SDL: parse every SDL file with gqlparser, build the schema with the
//     prelude;
//  4. protos: compile every .proto file under the import roots with
//     protocompile;
//  5. bind, in two passes. Link: resolve @rpc methods and @proto types,
//     and decide every binding of a GraphQL object, input and enum type to
//     a proto message or enum (explicitly, by inference from @rpc and
//     @batch results and requests, then through the fields of each bound
//     type). Check: every field of a bound type resolves to a compatible
//     proto field, an @rpc or @batch, or a declared user resolver; every
//     request mapping and result path is type-checked, against the
//     bindings decided, never binding a type itself;
//  6. operations: parse the frontend's operation files, check their names
//     and validate each operation with the fragments it uses against the
//     schema (gqlparser's validator, as the runtime validates a request);
//     each becomes an [Operation] of the model with its document text and
//     SHA-256. It runs whenever the SDL loaded, so its problems are
//     reported with those of phases 4 and 5.
//
// [CompileProtos] runs phases 1 and 2 for the protos alone (the input of
// `bffgen import proto`, package schema/importproto). The proto <-> GraphQL
// table that linking and checking apply lives in package schema/mapping,
// shared with the importer and the generator.
//
// The model is the only thing the back end (package codegen) sees. Spans in
// diagnostics name files relative to the project root.
package schema
