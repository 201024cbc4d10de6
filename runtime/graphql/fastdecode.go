package graphql

import (
	"bytes"
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// fastDecode decodes a POST body without encoding/json's scanner going over
// the document text: one pass over the body splits the top-level object
// into its members, checking the JSON syntax of strings on the way, and
// only the small members (operationName, variables, extensions, unknown
// ones) are handed to encoding/json. The document string is copied as it
// is when it has no escape. ok is false whenever the body is anything but
// a plain well-formed request object (a syntax error, a member of the wrong
// type, a key that differs from a known one only by case, which
// encoding/json would match): the caller then decodes with encoding/json,
// which gives the precise error.
//
// The variables caps of lim are checked on the raw variables and
// extensions before they are decoded; a cap error comes with ok true.
func fastDecode(data []byte, lim VariablesLimits) (op *Operation, capErr *RequestError, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, nil, false
	}
	i = skipSpace(data, i+1)
	var query, name, vars, ext []byte
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return nil, nil, false
			}
			keyEnd, escaped, ok := scanString(data, i)
			if !ok || escaped {
				return nil, nil, false
			}
			key := data[i+1 : keyEnd-1]
			i = skipSpace(data, keyEnd)
			if i >= len(data) || data[i] != ':' {
				return nil, nil, false
			}
			i = skipSpace(data, i+1)
			end, ok := skipValue(data, i)
			if !ok {
				return nil, nil, false
			}
			value := data[i:end]
			switch string(key) {
			case "query":
				query = value
			case "operationName":
				name = value
			case "variables":
				vars = value
			case "extensions":
				ext = value
			default:
				for _, known := range [...]string{"query", "operationName", "variables", "extensions"} {
					if bytes.EqualFold(key, []byte(known)) {
						return nil, nil, false
					}
				}
				if value[0] != '"' && !json.Valid(value) {
					return nil, nil, false
				}
			}
			i = skipSpace(data, end)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				i++
				break
			}
			return nil, nil, false
		}
	}
	if skipSpace(data, i) != len(data) {
		return nil, nil, false
	}
	op = &Operation{}
	if op.Document, ok = stringMember(query); !ok {
		return nil, nil, false
	}
	if op.Name, ok = stringMember(name); !ok {
		return nil, nil, false
	}
	values := 0
	for _, member := range [][]byte{vars, ext} {
		if member == nil {
			continue
		}
		var err *RequestError
		if values, err = lim.scanFrom(member, false, values); err != nil {
			return nil, err, true
		}
	}
	if op.Variables, ok = objectMember(vars); !ok {
		return nil, nil, false
	}
	if op.Extensions, ok = objectMember(ext); !ok {
		return nil, nil, false
	}
	return op, nil, true
}

// stringMember decodes a member that must be a string (or null, or absent).
func stringMember(v []byte) (string, bool) {
	switch {
	case v == nil, string(v) == "null":
		return "", true
	case v[0] != '"':
		return "", false
	}
	body := v[1 : len(v)-1]
	if !utf8.Valid(body) {
		// encoding/json replaces invalid bytes with U+FFFD: let it.
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	}
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), true
	}
	return unescape(body)
}

// unescape decodes the escapes of a JSON string body that scanString
// checked, as encoding/json does: a \u escape of a lone or unpaired UTF-16
// surrogate becomes U+FFFD.
func unescape(body []byte) (string, bool) {
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		// Copy up to the next escape in one go.
		n := bytes.IndexByte(body[i:], '\\')
		if n < 0 {
			out = append(out, body[i:]...)
			break
		}
		out = append(out, body[i:i+n]...)
		i += n + 1
		if i >= len(body) {
			return "", false
		}
		switch body[i] {
		case '"', '\\', '/':
			out = append(out, body[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(body, i+1)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
					r2, ok = hex4(body, i+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != unicode.ReplacementChar {
					r = dec
					i += 6
				} else {
					r = unicode.ReplacementChar
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return string(out), true
}

// hex4 reads the 4 hex digits of a \u escape at body[i:].
func hex4(body []byte, i int) (rune, bool) {
	if i+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, h := range body[i : i+4] {
		switch {
		case '0' <= h && h <= '9':
			h -= '0'
		case 'a' <= h && h <= 'f':
			h -= 'a' - 10
		case 'A' <= h && h <= 'F':
			h -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(h)
	}
	return r, true
}

// objectMember decodes a member that must be an object (or null, or
// absent), numbers as json.Number.
func objectMember(v []byte) (map[string]any, bool) {
	switch {
	case v == nil, string(v) == "null":
		return nil, true
	case v[0] != '{':
		return nil, false
	}
	if x, end, ok := plainValue(v, 0, 0); ok && skipSpace(v, end) == len(v) {
		return x.(map[string]any), true
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil, false
	}
	return m, true
}

// maxPlainDepth is the deepest nesting plainValue decodes itself.
const maxPlainDepth = 32

// plainValue decodes the JSON value at data[i:] (after spaces) into what
// encoding/json with UseNumber decodes into an any: map[string]any,
// []any, string, json.Number, bool or nil. It returns the index after the
// value. ok is false for anything it leaves to encoding/json, which then
// gives the value or the error: a syntax error, a string or key that is
// not valid UTF-8 (encoding/json replaces the bytes), nesting deeper than
// maxPlainDepth. The variables and extensions of most requests (an APQ
// hash, a few scalars) need no reflection and no decoder.
func plainValue(data []byte, i, depth int) (v any, end int, ok bool) {
	i = skipSpace(data, i)
	if i >= len(data) || depth > maxPlainDepth {
		return nil, 0, false
	}
	switch c := data[i]; {
	case c == '{':
		m := map[string]any{}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return m, i + 1, true
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return nil, 0, false
			}
			key, keyEnd, ok := plainString(data, i)
			if !ok {
				return nil, 0, false
			}
			i = skipSpace(data, keyEnd)
			if i >= len(data) || data[i] != ':' {
				return nil, 0, false
			}
			var x any
			if x, i, ok = plainValue(data, i+1, depth+1); !ok {
				return nil, 0, false
			}
			m[key] = x
			i = skipSpace(data, i)
			switch {
			case i < len(data) && data[i] == ',':
				i = skipSpace(data, i+1)
			case i < len(data) && data[i] == '}':
				return m, i + 1, true
			default:
				return nil, 0, false
			}
		}
	case c == '[':
		a := []any{}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return a, i + 1, true
		}
		for {
			var x any
			var ok bool
			if x, i, ok = plainValue(data, i, depth+1); !ok {
				return nil, 0, false
			}
			a = append(a, x)
			i = skipSpace(data, i)
			switch {
			case i < len(data) && data[i] == ',':
				i++
			case i < len(data) && data[i] == ']':
				return a, i + 1, true
			default:
				return nil, 0, false
			}
		}
	case c == '"':
		s, end, ok := plainString(data, i)
		return s, end, ok
	case c == '-' || '0' <= c && c <= '9':
		end := i
		for end < len(data) && !isDelimiter(data[end]) {
			end++
		}
		if !isNumber(data[i:end]) {
			return nil, 0, false
		}
		return json.Number(data[i:end]), end, true
	default:
		for _, lit := range [...]struct {
			text string
			v    any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if bytes.HasPrefix(data[i:], []byte(lit.text)) {
				end := i + len(lit.text)
				if end < len(data) && !isDelimiter(data[end]) {
					return nil, 0, false
				}
				return lit.v, end, true
			}
		}
		return nil, 0, false
	}
}

// plainString decodes the JSON string at data[i] (a quote) as
// encoding/json does, and returns the index after it; ok is false for a
// malformed string and for one that is not valid UTF-8.
func plainString(data []byte, i int) (string, int, bool) {
	end, escaped, ok := scanString(data, i)
	if !ok {
		return "", 0, false
	}
	body := data[i+1 : end-1]
	if !utf8.Valid(body) {
		return "", 0, false
	}
	if !escaped {
		return string(body), end, true
	}
	s, ok := unescape(body)
	return s, end, ok
}

// isNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func isNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString checks the JSON string that starts at data[i] (a quote) and
// returns the index after its closing quote, and whether it has escapes.
func scanString(data []byte, i int) (end int, escaped, ok bool) {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(data) {
				return 0, false, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) {
					return 0, false, false
				}
				for _, h := range data[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return 0, false, false
					}
				}
				i += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

// skipValue returns the index after the JSON value that starts at data[i].
// Strings are checked; objects, arrays and literals are only delimited
// (strings inside them skipped), their syntax is checked by whoever
// decodes them.
func skipValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch data[i] {
	case '"':
		end, _, ok := scanString(data, i)
		return end, ok
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				end, _, ok := scanString(data, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default:
		start := i
		for i < len(data) && !isDelimiter(data[i]) {
			i++
		}
		if i == start || !json.Valid(data[start:i]) {
			return 0, false
		}
		return i, true
	}
}
