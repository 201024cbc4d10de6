// Package diag holds the diagnostics of the bffgen front end: what went wrong
// in a composition spec, where (a [Span] in a named file), and how to fix it.
//
// The front end collects every [Diagnostic] of a run into a [List] before it
// fails, so a user sees all problems at once, and renders them in one of three
// formats:
//
//   - text: compiler style, "file:line:col: error: message", the source line,
//     a caret under the column, then notes and a hint;
//   - json: one JSON object per diagnostic, for tools;
//   - github: GitHub Actions workflow commands (::error file=...::message).
//
// Lines and columns are 1-based; a column counts bytes, as gc and protoc do.
package diag
