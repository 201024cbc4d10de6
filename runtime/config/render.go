package config

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Render writes the problems of err, as returned by Load or Parse (one
// *Error or the errors.Join of several), in the compiler style that
// `bffgen check` uses for spec errors, one problem after the other:
//
//	bff.yaml:3:5: error: unknown key "listn" at the top level
//	    3 |     listn: ":8080"
//	      |     ^^^^^
//	    hint: did you mean "listen"?
//
// The first line of each is "file:line:col: error: msg" ("file: error: msg"
// without position); the source line and the carets under the offending
// token follow when the problem has a position (one caret when the length
// of the token is unknown), and the hint when there is one. Tabs before the
// column are kept so the carets line up in a terminal. An error that is not
// an *Error is written as "error: " and its text. A nil err writes nothing.
func Render(w io.Writer, err error) error {
	var b strings.Builder
	for _, e := range problems(err) {
		var ce *Error
		if !errors.As(e, &ce) {
			b.WriteString("error: ")
			b.WriteString(e.Error())
			b.WriteByte('\n')
			continue
		}
		switch {
		case ce.File == "":
		case ce.Line <= 0:
			b.WriteString(ce.File + ": ")
		case ce.Col <= 0:
			fmt.Fprintf(&b, "%s:%d: ", ce.File, ce.Line)
		default:
			fmt.Fprintf(&b, "%s:%d:%d: ", ce.File, ce.Line, ce.Col)
		}
		b.WriteString("error: ")
		b.WriteString(ce.Msg)
		b.WriteByte('\n')
		if ce.Line > 0 && ce.sourced {
			writeExcerpt(&b, ce)
		}
		if ce.Hint != "" {
			b.WriteString("    hint: ")
			b.WriteString(ce.Hint)
			b.WriteByte('\n')
		}
	}
	_, werr := io.WriteString(w, b.String())
	return werr
}

// problems splits the joined errors of Load and Parse.
func problems(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// writeExcerpt prints the source line of e with carets under its token.
func writeExcerpt(b *strings.Builder, e *Error) {
	line := e.Source
	fmt.Fprintf(b, "%5d | %s\n", e.Line, line)
	if e.Col <= 0 {
		return
	}
	pad := make([]byte, 0, e.Col)
	for i := 0; i < e.Col-1 && i < len(line); i++ {
		if line[i] == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	n := 1
	if e.Len > 1 {
		n = min(e.Len, len(line)-(e.Col-1)) // a token past the line ends there
	}
	fmt.Fprintf(b, "      | %s%s\n", pad, strings.Repeat("^", max(n, 1)))
}
