// Package main is benchgen, the writer of the large spec that the
// generator benchmark (make bench-generate) times bffgen and gqlgen on.
package main
