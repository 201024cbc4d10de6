package diag

import (
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

// writeExcerpt prints the line of span with a caret under its column. Tabs
// before the column are kept so the caret lines up in a terminal.
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
	fmt.Fprintf(b, "      | %s^\n", pad)
}

type jsonDiagnostic struct {
	Severity string        `json:"severity"`
	Code     string        `json:"code,omitempty"`
	File     string        `json:"file,omitempty"`
	Line     int           `json:"line,omitempty"`
	Col      int           `json:"col,omitempty"`
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
			File: d.Span.File, Line: d.Span.Line, Col: d.Span.Col,
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
		var props []string
		if d.Span.File != "" {
			props = append(props, "file="+githubEscape(d.Span.File, true))
		}
		if d.Span.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Span.Line))
		}
		if d.Span.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", d.Span.Col))
		}
		if d.Code != "" {
			props = append(props, "title="+githubEscape("bffgen "+d.Code, true))
		}
		if len(props) > 0 {
			b.WriteByte(' ')
			b.WriteString(strings.Join(props, ","))
		}
		msg := d.Message
		if d.Hint != "" {
			msg += "\nhint: " + d.Hint
		}
		b.WriteString("::")
		b.WriteString(githubEscape(msg, false))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
