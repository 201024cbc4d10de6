// Command bffgen generates Backend-for-Frontend services with the API
// gateway and the service-mesh sidecar built in. Run `bffgen --help`.
package main
