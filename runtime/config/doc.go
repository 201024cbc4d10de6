// Package config loads the runtime configuration of a bffgen service, the
// file conventionally named bff.yaml.
//
// Loading happens in phases, and every phase reports all the problems it
// finds, each as an [*Error] that names file:line:col:
//
//  1. Expansion: ${VAR} and ${VAR:-default} references in the raw text are
//     replaced by environment variables, outside YAML comments. An undefined
//     variable without a default is an error. $${ writes a literal ${.
//  2. Parsing: the text is parsed with github.com/goccy/go-yaml, which keeps
//     the position of every node. The file holds one YAML document whose top
//     level is a mapping; anchors, aliases and merge keys (<<) are allowed,
//     and keys that start with "x-" are ignored at any level, so that they
//     can hold anchors shared by several entries.
//  3. Decoding: the document is decoded strictly into [Config]. An unknown
//     key, a value of the wrong type or a malformed duration is an error with
//     a hint (the keys that are allowed, the closest one, the expected form).
//     Durations are Go duration strings such as "800ms" or "1m30s".
//  4. Defaults: every key the file leaves out gets its default. Some defaults
//     depend on the mode (production or development); [WithMode] overrides
//     the mode of the file before the defaults are applied.
//  5. Validation: values are checked together (URLs, protocols, positive
//     timeouts, addresses, settings that production mode forbids).
//
// [Default] returns the configuration of an empty file in production mode.
//
// [Render] prints the problems in the compiler style of `bffgen check`: the
// "file:line:col: error: msg" line, the source line, carets under the whole
// offending token and the hint; runtime.Main uses it at startup.
package config
