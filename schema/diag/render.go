package diag

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format names an output format of [Render].
type Format string

const (
	// Text is the compiler-style human format (the default).
	Text Format = "text"
	// JSON writes one JSON object per line.
	JSON Format = "json"
	// GitHub writes GitHub Actions workflow commands.
	GitHub Format = "github"
)

// ParseFormat validates a user-supplied format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON, GitHub:
		return f, nil
	}
	return "", fmt.Errorf("unknown error format %q: use text, json or github", s)
}

// Sources gives the text of a source file by the name used in spans; it
// returns false when the file is unknown. The text renderer uses it to print
// the offending line.
type Sources func(file string) (string, bool)

// Render writes the diagnostics in the given format. sources may be nil.
func Render(w io.Writer, f Format, l List, sources Sources) error {
	switch f {
	case JSON:
		return renderJSON(w, l)
	case GitHub:
		return renderGitHub(w, l)
	default:
		return renderText(w, l, sources)
	}
}

func renderText(w io.Writer, l List, sources Sources) error {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.Error())
		b.WriteByte('\n')
		if sources != nil && d.Span.Line > 0 {
			if text, ok := sources(d.Span.File); ok {
				writeExcerpt(&b, text, d.Span)
			}
		}
		for _, n := range d.Notes {
			b.WriteString("    ")
			if s := n.Span.String(); s != "" {
				b.WriteString(s)
				b.WriteString(": ")
			}
			b.WriteString("note: ")
			b.WriteString(n.Message)
			b.WriteByte('\n')
		}
		if d.Hint != "" {
			b.WriteString("    hint: ")
			b.WriteString(d.Hint)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExcerpt prints the line of span with carets under its token (one
// caret when its length is unknown). Tabs before the column are kept so the
// carets line up in a terminal.
func writeExcerpt(b *strings.Builder, text string, s Span) {
	lines := strings.Split(text, "\n")
	if s.Line > len(lines) {
		return
	}
	line := strings.TrimRight(lines[s.Line-1], "\r")
	fmt.Fprintf(b, "%5d | %s\n", s.Line, line)
	if s.Col <= 0 {
		return
	}
	pad := make([]byte, 0, s.Col)
	for i := 0; i < s.Col-1 && i < len(line); i++ {
		if line[i] == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	n := 1
	if s.Len > 1 {
		n = min(s.Len, len(line)-(s.Col-1)) // a token past the line ends there
	}
	fmt.Fprintf(b, "      | %s%s\n", pad, strings.Repeat("^", max(n, 1)))
}

type jsonDiagnostic struct {
	Severity string        `json:"severity"`
	Code     string        `json:"code,omitempty"`
	File     string        `json:"file,omitempty"`
	Line     int           `json:"line,omitempty"`
	Col      int           `json:"col,omitempty"`
	EndCol   int           `json:"endCol,omitempty"`
	Message  string        `json:"message"`
	Hint     string        `json:"hint,omitempty"`
	Notes    []jsonRelated `json:"notes,omitempty"`
}

type jsonRelated struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

func renderJSON(w io.Writer, l List) error {
	enc := json.NewEncoder(w)
	for _, d := range l {
		jd := jsonDiagnostic{
			Severity: d.Severity.String(), Code: d.Code,
			File: d.Span.File, Line: d.Span.Line, Col: d.Span.Col, EndCol: endCol(d.Span),
			Message: d.Message, Hint: d.Hint,
		}
		for _, n := range d.Notes {
			jd.Notes = append(jd.Notes, jsonRelated{File: n.Span.File, Line: n.Span.Line, Col: n.Span.Col, Message: n.Message})
		}
		if err := enc.Encode(jd); err != nil {
			return err
		}
	}
	return nil
}

// githubEscape escapes a value for a workflow command, as the Actions
// toolkit does.
func githubEscape(s string, property bool) string {
	s = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
	if property {
		s = strings.NewReplacer(":", "%3A", ",", "%2C").Replace(s)
	}
	return s
}

// endCol is the column just past a span's token, or 0 when unknown.
func endCol(s Span) int {
	if s.Col <= 0 || s.Len <= 0 {
		return 0
	}
	return s.Col + s.Len
}

// githubProps are the location properties of a workflow command.
func githubProps(s Span) []string {
	var props []string
	if s.File != "" {
		props = append(props, "file="+githubEscape(s.File, true))
	}
	if s.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", s.Line))
	}
	if s.Col > 0 {
		props = append(props, fmt.Sprintf("col=%d", s.Col))
	}
	if e := endCol(s); e > 0 {
		props = append(props, fmt.Sprintf("endColumn=%d", e))
	}
	return props
}

// renderGitHub writes one workflow command per diagnostic, its notes (the
// secondary locations) in its message, and a notice at each note's own
// location, so a pull request shows the proto declaration a field was
// checked against next to the field.
func renderGitHub(w io.Writer, l List) error {
	var b strings.Builder
	for _, d := range l {
		cmd := "error"
		switch d.Severity {
		case Warning:
			cmd = "warning"
		case Note:
			cmd = "notice"
		}
		b.WriteString("::")
		b.WriteString(cmd)
		props := githubProps(d.Span)
		if d.Code != "" {
			props = append(props, "title="+githubEscape("bffgen "+d.Code, true))
		}
		if len(props) > 0 {
			b.WriteByte(' ')
			b.WriteString(strings.Join(props, ","))
		}
		msg := d.Message
		for _, n := range d.Notes {
			msg += "\nnote: "
			if s := n.Span.String(); s != "" {
				msg += s + ": "
			}
			msg += n.Message
		}
		if d.Hint != "" {
			msg += "\nhint: " + d.Hint
		}
		b.WriteString("::")
		b.WriteString(githubEscape(msg, false))
		b.WriteByte('\n')
		for _, n := range d.Notes {
			if n.Span.File == "" || n.Span.Line <= 0 {
				continue
			}
			b.WriteString("::notice ")
			b.WriteString(strings.Join(append(githubProps(n.Span), "title="+githubEscape("bffgen "+cmp.Or(d.Code, "note"), true)), ","))
			b.WriteString("::")
			b.WriteString(githubEscape(n.Message+"\nrelated to: "+d.Error(), false))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
