// Command bffgen generates Backend-for-Frontend services with the API
// gateway and the service-mesh sidecar built in. Run `bffgen --help`.
//
// Two environment variables tune the process rather than the generation:
// GOGC, when set, replaces bffgen's garbage-collection target (400, for a
// short-lived process; Go's default is 100), and BFFGEN_CPUPROFILE=file
// writes a CPU profile of the run to file, for `go tool pprof` (the go
// commands bffgen starts are not in it).
package main
