package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity orders how bad a diagnostic is. Only [Error] fails a run.
type Severity int

const (
	// Note is information, for example a field that becomes a user resolver.
	Note Severity = iota
	// Warning is something that works but is probably not what the user wants.
	Warning
	// Error fails the run: nothing is written.
	Error
)

// String returns "note", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warning:
		return "warning"
	default:
		return "error"
	}
}

// Span is a place in a source file. Line and Col are 1-based; a zero Line
// means the diagnostic concerns the whole file (or no file at all when File is
// empty too).
type Span struct {
	File string
	Line int
	Col  int
	// Len is the length in bytes of the token at Col, for the renderer to
	// underline it whole; 0 when unknown (a single caret).
	Len int
}

// String renders "file:line:col", "file" or "" depending on what is known.
func (s Span) String() string {
	switch {
	case s.File == "":
		return ""
	case s.Line <= 0:
		return s.File
	case s.Col <= 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", s.File, s.Line, s.Col)
	}
}

// Diagnostic is one finding about the spec.
type Diagnostic struct {
	Severity Severity
	// Code is a stable, kebab-case identifier such as "unknown-method", so
	// tools and tests need not match on messages.
	Code string
	Span Span
	// Message says what is wrong, lowercase, no trailing period.
	Message string
	// Hint says how to fix it; empty when there is nothing useful to say.
	Hint string
	// Notes point at related places, such as the proto declaration a
	// GraphQL field was checked against.
	Notes []Related
}

// Related is a secondary location attached to a diagnostic.
type Related struct {
	Span    Span
	Message string
}

// Error makes a Diagnostic usable as an error; it renders the one-line form.
func (d Diagnostic) Error() string {
	var b strings.Builder
	if s := d.Span.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Message)
	return b.String()
}

// List is the diagnostics of one run, in the order they were found until
// [List.Sort] is called.
type List []Diagnostic

// Add appends a diagnostic.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf appends an error at span with a hint (which may be empty).
func (l *List) Errorf(span Span, code, hint, format string, args ...any) {
	l.Add(Diagnostic{Severity: Error, Code: code, Span: span, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Notef appends a note at span.
func (l *List) Notef(span Span, code, format string, args ...any) {
	l.Add(Diagnostic{Severity: Note, Code: code, Span: span, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an [Error].
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors returns the error diagnostics only.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by file, line, column, then severity (errors
// first), keeping the discovery order otherwise. Exact duplicates are removed.
func (l *List) Sort() {
	slices.SortStableFunc(*l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Span.File, b.Span.File),
			cmp.Compare(a.Span.Line, b.Span.Line),
			cmp.Compare(a.Span.Col, b.Span.Col),
			cmp.Compare(b.Severity, a.Severity),
		)
	})
	*l = slices.CompactFunc(*l, func(a, b Diagnostic) bool {
		return a.Severity == b.Severity && a.Span == b.Span && a.Message == b.Message && a.Code == b.Code
	})
}

// Error renders the errors of the list on one line each; it implements
// error so a List can be returned where an error is expected.
func (l List) Error() string {
	var lines []string
	for _, d := range l {
		if d.Severity == Error {
			lines = append(lines, d.Error())
		}
	}
	return strings.Join(lines, "\n")
}

// TokenAt returns s with Len set to the length of the token that starts at
// its line and column in source: a quoted string with its quotes, a flow
// list or mapping up to its first closing bracket, else the run of
// characters up to a space or one of `:,[]{}#"`. s is returned
// unchanged when it has no column or lies outside source.
func TokenAt(source string, s Span) Span {
	if s.Line <= 0 || s.Col <= 0 {
		return s
	}
	lines := strings.Split(source, "\n")
	if s.Line > len(lines) {
		return s
	}
	line := strings.TrimRight(lines[s.Line-1], "\r")
	if s.Col > len(line) {
		return s
	}
	rest := line[s.Col-1:]
	if q := rest[0]; q == '"' || q == '\'' {
		if end := strings.IndexByte(rest[1:], q); end >= 0 {
			s.Len = end + 2
			return s
		}
		s.Len = len(rest)
		return s
	}
	if open := rest[0]; open == '[' || open == '{' {
		closer := map[byte]byte{'[': ']', '{': '}'}[open]
		if end := strings.IndexByte(rest, closer); end >= 0 {
			s.Len = end + 1
			return s
		}
	}
	n := strings.IndexAny(rest, " \t:,[]{}#\"")
	if n < 0 {
		n = len(rest)
	}
	if n > 0 {
		s.Len = n
	}
	return s
}
