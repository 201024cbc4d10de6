// Package templates holds the text/template files of the Go code bffgen
// writes, embedded with go:embed. Each file's leading comment states the
// data it renders. codegen renders each with text/template and an import
// set of the file's own (lookupImport, reserveImport, resolverDecl), so
// imports are never pasted as strings; unused imports are pruned and the
// output is gofmt-ed.
package templates

import "embed"

// FS holds every template, by file name.
//
//go:embed *.gotpl
var FS embed.FS

// Init holds the files of a new project (`bffgen init`), by path with a
// ".tmpl" suffix; they render with {Name, Module}.
//
//go:embed all:init
var Init embed.FS

// InitProto holds the files of a project started from existing protos
// (`bffgen init --from-proto`) that differ from [Init]'s: a Makefile
// without the example backend, rendered with {Name}, and bff.yaml, rendered
// with {Upstreams: [{Name, Services, Env, Port}]}.
//
//go:embed initproto
var InitProto embed.FS

// Read returns one template's text; it panics on an unknown name, which is
// a bug in bffgen, not a user error.
func Read(name string) string {
	data, err := FS.ReadFile(name)
	if err != nil {
		panic("internal error, please report: missing template " + name)
	}
	return string(data)
}
