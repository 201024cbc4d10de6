// Package tscheck type-checks the TypeScript that bffgen generate writes for
// the frontend, with tsc --strict; it is not Go code. package.json and the
// committed package-lock.json pin typescript. `make typecheck-frontend`
// (needs node and npm; not part of make test) installs it with npm ci and
// checks, with tsconfig.json:
//
//   - check.ts: what the types must accept and refuse, against the shop's
//     examples/shop/gen/frontend/operations.ts and the kitchensink golden
//     case's module (extracted to out/kitchensink.ts); each
//     @ts-expect-error must be an error;
//   - out/answers.ts: the shop BFF's real answers to its operations, sent
//     by hash to the production profile by TestFrontendOperationsRunByHash
//     in examples/shop, each assigned to its operation's generated type, so
//     a field, a nullability or a scalar's JSON form the types get wrong
//     fails the check.
package tscheck
