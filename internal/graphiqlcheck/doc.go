// Package graphiqlcheck checks the GraphiQL page that runtime/gateway
// serves in development mode; it is not Go code, apart from the page
// command that prints the page. package.json and the committed
// package-lock.json pin the npm packages the page loads from jsDelivr
// (graphiql, react, react-dom, at the versions of its URLs) and jsdom.
// `make check-graphiql` (needs node and npm; not part of make test)
// installs them with npm ci and runs check.js on the page, which fails
// unless:
//
//   - each asset's integrity attribute is the sha384 of the npm file its
//     URL names, and the installed package is the URL's version;
//   - the page, with those files, renders GraphiQL in jsdom;
//   - its first request is the introspection query, POSTed to the
//     endpoint.
//
// Run it after changing a version or a hash in runtime/gateway/graphiql.go.
package graphiqlcheck
