package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// Error is one problem in a configuration file. Load and Parse return an
// *Error when there is one problem and the errors.Join of several *Error,
// sorted by position, when there are more; use errors.As to get the first
// one, or the Unwrap() []error method of the joined error to get them all.
type Error struct {
	// File is the file name given to Parse, or the path given to Load.
	File string
	// Line and Col locate the problem, counted from 1 (Col in characters,
	// as the YAML parser counts); both are zero when the problem has no
	// position (an unreadable file, an invalid mode given by WithMode).
	Line, Col int
	// Len is the length in characters of the offending token at Line:Col
	// (a key, a value with its quotes, a ${VAR} reference), cut at the end
	// of its line; 0 when unknown, such as for a problem without position.
	Len int
	// Source is the text of line Line of the file, without its line
	// break; empty when the problem has no position.
	Source string
	// Msg says what is wrong, and how to fix it when Hint is empty.
	Msg string
	// Hint says how to fix the problem when the message has a separate
	// fix (the text that followed "; " in the message, such as
	// `did you mean "listen"?`); empty otherwise.
	Hint string

	cause   error
	tok     *token.Token // the offending token, to measure Len
	sourced bool         // Source holds line Line of the file
}

// Error renders the problem as "file:line:col: msg", or "file: msg" when it
// has no position; msg is Msg followed by "; " and Hint when there is one.
// [Render] prints the longer compiler-style form.
func (e *Error) Error() string {
	msg := e.Msg
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, msg)
	default:
		return msg
	}
}

// Unwrap returns the underlying error, such as the fs.PathError of a file
// that cannot be read; it is nil for problems in the content of the file.
func (e *Error) Unwrap() error { return e.cause }

// join sorts errs by position and returns nil, the only error or the
// errors.Join of all of them.
func join(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// splitHint cuts a message at its first "; " outside double quotes (names
// and values are quoted with %q, which may hold "; "): what is wrong before
// it, how to fix it after it. hint is empty when the message has no such
// separator.
func splitHint(msg string) (what, hint string) {
	quoted := false
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ';' && strings.HasPrefix(msg[i:], "; "):
			return msg[:i], msg[i+2:]
		}
	}
	return msg, ""
}

// finish completes errs for rendering: it splits the hint off each message,
// and for each with a position sets Source from data (the configuration as
// read, before ${VAR} expansion) and, when it is not known yet, Len from the
// offending token.
func finish(errs []*Error, data []byte) {
	var lines []string
	for _, e := range errs {
		if e.Hint == "" {
			e.Msg, e.Hint = splitHint(e.Msg)
		}
		if e.Line <= 0 {
			continue
		}
		if lines == nil {
			lines = strings.Split(string(data), "\n")
		}
		if e.Line > len(lines) {
			continue
		}
		e.Source, e.sourced = strings.TrimRight(lines[e.Line-1], "\r"), true
		if e.Len == 0 && e.tok != nil {
			e.Len = tokenLen(e.tok, e.Source, e.Col)
		}
	}
}

// tokenLen measures tk, which starts at column col of line, in characters:
// its source text (with quotes) up to the end of the line, or a flow
// collection up to its closing bracket on the same line, or the ${VAR}
// reference the value was expanded from. It returns 0 when the line does
// not hold the token at col, as when a ${VAR} reference earlier on the line
// was expanded to text of another length.
func tokenLen(tk *token.Token, line string, col int) int {
	rest, ok := fromColumn(line, col)
	if !ok {
		return 0
	}
	text := strings.TrimSpace(tk.Origin)
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	switch tk.Type {
	case token.SequenceStartType, token.MappingStartType:
		closer := map[token.Type]byte{token.SequenceStartType: ']', token.MappingStartType: '}'}[tk.Type]
		if strings.HasPrefix(rest, text) {
			if end := strings.IndexByte(rest, closer); end >= 0 {
				return utf8.RuneCountInString(rest[:end+1])
			}
		}
	}
	if text != "" && strings.HasPrefix(rest, text) {
		return utf8.RuneCountInString(text)
	}
	if strings.HasPrefix(rest, "${") {
		// The value came from a ${VAR} reference: mark the reference.
		if end := strings.IndexByte(rest, '}'); end >= 0 {
			return utf8.RuneCountInString(rest[:end+1])
		}
	}
	return 0
}

// fromColumn returns the text of line from column col, counted in
// characters; false when the line is shorter.
func fromColumn(line string, col int) (string, bool) {
	for i := range line {
		if col == 1 {
			return line[i:], true
		}
		col--
	}
	return "", false
}
