// Package e2e holds the end-to-end test of the user journey: scaffold a
// project with the bffgen binary, generate, build, run the BFF and its
// backend as real processes on loopback, query it, stop it with SIGTERM
// during a request, then break the contract and watch `bffgen check` fail.
package e2e
