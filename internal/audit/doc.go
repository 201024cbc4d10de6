// Package audit is the graphql-http audit harness, not Go code: package.json
// and the committed package-lock.json pin the npm packages graphql-http and
// graphql, and audit.mjs runs graphql-http's auditServer (the GraphQL over
// HTTP spec's 61 MUST, SHOULD and MAY audits) against one URL and prints the
// results as JSON.
//
// TestGraphQLHTTPAudit in examples/shop serves the shop BFF from bff.yaml
// and bff.production.yaml, installs the packages with `npm ci
// --prefer-offline` when node_modules is missing, runs the harness with node
// and judges the results; it skips when node or npm is missing. `make audit`
// runs it alone. By hand:
//
//	cd internal/audit && npm ci && node audit.mjs http://127.0.0.1:8080/graphql
package audit
