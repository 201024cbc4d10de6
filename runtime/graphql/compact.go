package graphql

// appendCompactJSON appends src, one JSON value, to dst as encoding/json
// writes a json.RawMessage: whitespace outside strings dropped, '<', '>',
// '&', U+2028 and U+2029 escaped as \u003c, \u003e, \u0026, \u2028 and
// \u2029, everything else as it is (invalid UTF-8 included). It is one
// pass with no scanner state machine, for the data of a response, which
// is most of its bytes. ok is false, with dst as it was, for anything it
// does not accept, which the caller leaves to encoding/json: a syntax
// error, nesting deeper than maxCompactDepth. Whatever it accepts,
// encoding/json accepts with the same bytes (FuzzAppendCompactJSON).
func appendCompactJSON(dst, src []byte) (out []byte, ok bool) {
	c := compactor{dst: dst, src: src}
	i, ok := c.value(skipSpace(src, 0), 0)
	if !ok || skipSpace(src, i) != len(src) {
		return dst, false
	}
	return c.dst, true
}

// maxCompactDepth bounds the nesting appendCompactJSON follows itself.
const maxCompactDepth = 1000

type compactor struct {
	dst, src []byte
}

// value appends the value at src[i] (not a space) and returns the index
// after it.
func (c *compactor) value(i, depth int) (int, bool) {
	src := c.src
	if i >= len(src) || depth > maxCompactDepth {
		return 0, false
	}
	switch b := src[i]; {
	case b == '{' || b == '[':
		closer := byte('}')
		if b == '[' {
			closer = ']'
		}
		c.dst = append(c.dst, b)
		i = skipSpace(src, i+1)
		if i < len(src) && src[i] == closer {
			c.dst = append(c.dst, closer)
			return i + 1, true
		}
		for {
			var ok bool
			if b == '{' {
				if i >= len(src) || src[i] != '"' {
					return 0, false
				}
				if i, ok = c.str(i); !ok {
					return 0, false
				}
				i = skipSpace(src, i)
				if i >= len(src) || src[i] != ':' {
					return 0, false
				}
				c.dst = append(c.dst, ':')
				i = skipSpace(src, i+1)
			}
			if i, ok = c.value(i, depth+1); !ok {
				return 0, false
			}
			i = skipSpace(src, i)
			switch {
			case i < len(src) && src[i] == ',':
				c.dst = append(c.dst, ',')
				i = skipSpace(src, i+1)
			case i < len(src) && src[i] == closer:
				c.dst = append(c.dst, closer)
				return i + 1, true
			default:
				return 0, false
			}
		}
	case b == '"':
		return c.str(i)
	case b == '-' || '0' <= b && b <= '9':
		end := i
		for end < len(src) && !isDelimiter(src[end]) {
			end++
		}
		if !isNumber(src[i:end]) {
			return 0, false
		}
		c.dst = append(c.dst, src[i:end]...)
		return end, true
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(src)-i >= len(lit) && string(src[i:i+len(lit)]) == lit {
				end := i + len(lit)
				if end < len(src) && !isDelimiter(src[end]) {
					return 0, false
				}
				c.dst = append(c.dst, lit...)
				return end, true
			}
		}
		return 0, false
	}
}

// str appends the string at src[i] (a quote), escaping the HTML
// characters, U+2028 and U+2029, and returns the index after it.
func (c *compactor) str(i int) (int, bool) {
	src := c.src
	start := i
	for i++; i < len(src); i++ {
		b := src[i]
		switch {
		case b == '"':
			c.dst = append(c.dst, src[start:i+1]...)
			return i + 1, true
		case b < 0x20:
			return 0, false
		case b == '\\':
			i++
			if i >= len(src) {
				return 0, false
			}
			switch src[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := hex4(src, i+1); !ok {
					return 0, false
				}
				i += 4
			default:
				return 0, false
			}
		case b == '<' || b == '>' || b == '&':
			c.dst = append(c.dst, src[start:i]...)
			c.dst = append(c.dst, '\\', 'u', '0', '0', hexLower[b>>4], hexLower[b&0xF])
			start = i + 1
		case b == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
			c.dst = append(c.dst, src[start:i]...)
			c.dst = append(c.dst, '\\', 'u', '2', '0', '2', hexLower[src[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	return 0, false
}

const hexLower = "0123456789abcdef"
