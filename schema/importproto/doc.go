// Package importproto is `bffgen import proto`: from compiled protos
// ([schema.ProtoSet], made by [schema.CompileProtos]), it writes GraphQL
// SDL with bffgen bindings for chosen services and methods, following the
// table of package schema/mapping, so that whatever it writes passes
// `bffgen check`. docs/import.md describes the rules.
//
// In order, [Import] chooses the methods (globs of [Options]), decides each
// root field (root type, arguments, result), gathers the types the root
// fields reach (an object, an input or an enum per message or enum and
// direction, and the types of their oneofs), names them (package prefixes
// only on collision), links foreign keys to batch RPCs, and prints.
package importproto
