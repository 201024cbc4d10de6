// Package layering holds the test that enforces the architecture's import
// rules (docs/architecture.md): the runtime never imports the generator, the
// front end never imports the back end or the runtime, the generator's plan
// (codegen/plan) knows no gqlgen, the generator renders every file with an
// import set of its own (never gqlgen's global one), and generated code
// imports only the runtime and the libraries it is built on.
package layering
