// Package testkit holds helpers shared by bffgen's tests: spec projects
// kept as txtar archives and written out to temporary directories.
package testkit
