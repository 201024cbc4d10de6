// Package cli implements the bffgen command line: one file per command, each
// with its flags, its binding and its run function. [Run] is the whole
// program; cmd/bffgen only calls it, so tests run the CLI in-process.
//
// Exit codes: 0 success, 1 user error (a bad spec, flag or argument), 2
// internal error (a bug in bffgen: please report it).
package cli
