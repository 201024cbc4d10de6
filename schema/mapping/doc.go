// Package mapping is the proto <-> GraphQL table of bffgen (docs/spec.md,
// "Type mapping") in one place, shared by the checker (package schema), the
// importer (schema/importproto) and the generator (codegen):
//
//   - scalars: the GraphQL scalar of each proto kind and well-known type
//     ([Scalar], [WellKnownScalars]), the custom scalars of the prelude
//     ([Scalars]), which scalar fits which field in each direction
//     ([ScalarFits]), and presence ([Nullable]);
//   - names: how GraphQL names meet proto names ([FindField], [JSONCamel],
//     [Snake], [EnumPrefix], [IsIDField]) and the casing helpers the
//     module uses ([Pascal], [LowerCamel], [UpperFirst], [GraphQLName]);
//   - google.api.field_behavior ([HasBehavior]): REQUIRED and OUTPUT_ONLY.
//
// The package is pure: functions of protobuf descriptors and strings, no
// state, no diagnostics.
package mapping
