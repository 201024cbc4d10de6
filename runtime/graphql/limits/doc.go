// Package limits bounds what one GraphQL document may ask for, before the
// document is validated or executed.
//
// A GraphQL server that takes traffic directly cannot let one request make
// it work for free: a 200 KB document can keep validation busy for minutes,
// and 10 000 aliases of one field fan out into 10 000 backend calls. This
// package is the first line: [Parse] lexes and parses with a token budget,
// so a 10 MB document stops after MaxTokens+1 tokens, and [Config.Check]
// measures the parsed but unvalidated document (depth, aliases, root
// fields, directives, fields and an estimated cost) in time linear in its
// size, whatever its fragments do: fragment bombs, cycles and spreads of
// unknown fragments are measured without expanding anything twice.
//
// The cost estimate follows the IBM GraphQL cost directive specification as
// Apollo Router and WunderGraph Cosmo read it: an object (composite) field
// costs 1 and a scalar or enum field 0, @cost(weight:) overrides the weight
// of a field or of the type it returns, a list field multiplies the cost of
// what it selects by its size (the value of a slicing argument named by
// @listSize(slicingArguments:), else @listSize(assumedSize:), else
// [Config.DefaultListSize]), and every root field of a mutation adds 10.
// [NewCostModel] reads the directives from the schema once; an executor
// that counts the actual cost of an operation by the same rules reads the
// weights from it too ([CostModel.FieldWeight], [CostModel.ArgumentWeight]).
//
// Every limit is off when its value in [Config] is 0. Over a limit, the
// error is an [*Error] whose Code is one of the Code constants: the
// dispatcher answers it with status 400 and the code in
// errors[].extensions.code. [*Error] implements the Coder interface of
// runtime/errcode, whose closed list of codes includes these ones.
//
// The package depends on gqlparser's AST only; it imports neither gqlgen
// nor the rest of the runtime.
package limits
