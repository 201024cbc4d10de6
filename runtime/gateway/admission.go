package gateway

import rgraphql "github.com/bffgen/bffgen/runtime/graphql"

// WithAdmission sets the admission check of every GraphQL operation, over
// GET and POST and over the subscription transports: it runs after the
// document limits and validation, with the operation's estimated cost and
// name, and before execution; a non-nil *rgraphql.Failure refuses the
// operation (see rgraphql.Admission). The rate-limit phase registers its
// cost-based and per-operation rules with it. Several WithAdmission options
// do not add up: the last one wins. Default: every operation is admitted.
func WithAdmission(a rgraphql.Admission) GraphQLOption {
	return func(o *graphqlOptions) { o.admission = a }
}
