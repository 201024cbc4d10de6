// Command page prints the GraphiQL page of runtime/gateway for the
// endpoint /graphql, as the runtime serves it, for check.js.
package main
