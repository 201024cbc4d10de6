// Command shop is the example BFF: a GraphQL endpoint for a shop frontend
// over two backends, catalog and reviews (see backends/ and cmd/demo).
package main
