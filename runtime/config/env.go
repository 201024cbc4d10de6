package config

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// expandEnv replaces ${NAME} and ${NAME:-default} in data with the values
// lookup returns, line by line, outside YAML comments. ${NAME:-default}
// uses default when NAME is unset or empty; $${ is a literal ${. A value
// that contains a line break is refused: it would change the structure of
// the document and shift the positions of every later error.
func expandEnv(data []byte, filename string, lookup func(string) (string, bool)) ([]byte, []*Error) {
	if !bytes.Contains(data, []byte("${")) {
		return data, nil
	}
	var (
		out  bytes.Buffer
		errs []*Error
	)
	out.Grow(len(data))
	for lineNo, line := range bytes.SplitAfter(data, []byte("\n")) {
		errs = append(errs, expandLine(&out, line, lineNo+1, filename, lookup)...)
	}
	return out.Bytes(), errs
}

func expandLine(out *bytes.Buffer, line []byte, lineNo int, filename string, lookup func(string) (string, bool)) []*Error {
	var (
		errs  []*Error
		quote byte // the open quote character, 0 outside quotes
		col   = 1  // column of line[i], counted in characters like the YAML parser
	)
	errorf := func(col, length int, format string, args ...any) {
		errs = append(errs, &Error{File: filename, Line: lineNo, Col: col, Len: length, Msg: fmt.Sprintf(format, args...)})
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case quote == 0 && c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			// A comment runs to the end of the line and is not expanded.
			out.Write(line[i:])
			return errs
		case quote == 0 && (c == '"' || c == '\'') && startsScalar(line, i):
			quote = c
		case quote == '"' && c == '\\' && i+1 < len(line):
			out.Write(line[i : i+2])
			i += 2
			col += 2
			continue
		case quote != 0 && c == quote:
			if quote == '\'' && i+1 < len(line) && line[i+1] == '\'' {
				out.WriteString("''") // an escaped single quote
				i += 2
				col += 2
				continue
			}
			quote = 0
		case c == '$' && bytes.HasPrefix(line[i:], []byte("$${")):
			out.WriteString("${")
			i += 3
			col += 3
			continue
		case c == '$' && bytes.HasPrefix(line[i:], []byte("${")):
			n, value, msg := expandRef(line[i:], lookup)
			if msg != "" {
				errorf(col, utf8.RuneCount(line[i:i+n]), "%s", msg)
			}
			out.WriteString(value)
			col += utf8.RuneCount(line[i : i+n])
			i += n
			continue
		}
		out.WriteByte(c)
		if c < utf8.RuneSelf || utf8.RuneStart(c) {
			col++
		}
		i++
	}
	return errs
}

// startsScalar reports whether a quote at line[i] opens a quoted scalar: it
// follows the indentation, a key, a list dash or a flow delimiter.
func startsScalar(line []byte, i int) bool {
	j := i - 1
	for j >= 0 && (line[j] == ' ' || line[j] == '\t') {
		j--
	}
	if j < 0 {
		return true
	}
	switch line[j] {
	case ':', '-', '[', '{', ',', '?':
		return j < i-1 || line[j] != ':' && line[j] != '-'
	}
	return false
}

// expandRef expands the reference at the start of s ("${..."). It returns
// the number of bytes consumed, the replacement and, on failure, a message.
func expandRef(s []byte, lookup func(string) (string, bool)) (int, string, string) {
	end := bytes.IndexByte(s, '}')
	if nl := bytes.IndexByte(s, '\n'); end < 0 || nl >= 0 && nl < end {
		return 2, "", `unterminated variable reference: close it with "}", or write "$${" for a literal "${"`
	}
	body := string(s[2:end])
	name, def, hasDefault := strings.Cut(body, ":-")
	if !validEnvName(name) {
		return end + 1, "", fmt.Sprintf("invalid variable reference %q: use ${NAME} or ${NAME:-default}, where NAME is letters, digits and underscores", "${"+body+"}")
	}
	value, ok := lookup(name)
	switch {
	case hasDefault && value == "":
		value = def
	case !ok:
		return end + 1, "", fmt.Sprintf("environment variable %q is not set: set it, or give a default with ${%s:-default}", name, name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return end + 1, "", fmt.Sprintf("environment variable %q contains a line break, which bff.yaml does not allow in a substituted value", name)
	}
	return end + 1, value, ""
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
