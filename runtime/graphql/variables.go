package graphql

import "github.com/bffgen/bffgen/runtime/errcode"

// VariablesLimits caps the JSON of a request's variables and extensions,
// checked on the raw bytes before they are decoded, so that a hostile
// request is refused before it costs memory. A zero field means no cap.
type VariablesLimits struct {
	// MaxDepth caps the nesting of objects and arrays inside the variables
	// (the variables object itself is depth 1). Over it: 400
	// MAX_VARIABLES_DEPTH_LIMIT.
	MaxDepth int
	// MaxListLength caps the number of elements of one array. Over it:
	// 400 MAX_VARIABLES_LIST_LIMIT.
	MaxListLength int
	// MaxStringLength caps the length in bytes (as sent, escapes included)
	// of one string. The "query" member of a POST body is not a variable
	// and is not capped by it. Over it: 400 MAX_VARIABLES_STRING_LIMIT.
	MaxStringLength int
	// MaxValues caps the number of JSON values (scalars, objects and
	// arrays) inside the variables and extensions together, which bounds
	// the memory of the decoded variables. Over it: 400
	// MAX_VARIABLES_VALUES_LIMIT.
	MaxValues int
}

// Codes of the variables caps.
const (
	CodeVariablesDepth  = errcode.VariablesDepth
	CodeVariablesList   = errcode.VariablesList
	CodeVariablesString = errcode.VariablesString
	CodeVariablesValues = errcode.VariablesValues
)

func (l VariablesLimits) off() bool {
	return l.MaxDepth <= 0 && l.MaxListLength <= 0 && l.MaxStringLength <= 0 && l.MaxValues <= 0
}

// scan checks the caps on raw JSON without decoding it. body is true for
// a whole POST body, an object whose members "variables" and "extensions"
// are the capped values (its own nesting level is not counted, and its
// "query" string is not capped). Malformed JSON is not reported here: the
// decoder that runs next does it with a better message.
func (l VariablesLimits) scan(data []byte, body bool) *RequestError {
	_, err := l.scanFrom(data, body, 0)
	return err
}

// scanFrom is scan with values already counted (by the scan of the
// variables, for the extensions); it returns the count so far.
func (l VariablesLimits) scanFrom(data []byte, body bool, values int) (int, *RequestError) {
	if l.off() {
		return values, nil
	}
	base := 0
	if body {
		base = 1
	}
	// Per open container: whether it is an array, its element count, and
	// for objects whether the next string is a key.
	type frame struct {
		array     bool
		expectKey bool
		count     int
	}
	var stackBuf [40]frame
	stack := stackBuf[:0]
	exemptNext := false // the next string is the body's "query"
	value := func() *RequestError {
		depth := len(stack)
		if depth <= base {
			return nil
		}
		values++
		if l.MaxValues > 0 && values > l.MaxValues {
			return badRequest(CodeVariablesValues, "the variables hold more than %d values", l.MaxValues)
		}
		if top := &stack[depth-1]; top.array {
			top.count++
			if l.MaxListLength > 0 && top.count > l.MaxListLength {
				return badRequest(CodeVariablesList, "a list in the variables has more than %d elements", l.MaxListLength)
			}
		}
		return nil
	}
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			if err := value(); err != nil {
				return values, err
			}
			stack = append(stack, frame{array: c == '[', expectKey: c == '{'})
			if l.MaxDepth > 0 && len(stack)-base > l.MaxDepth {
				return values, badRequest(CodeVariablesDepth, "the variables are nested more than %d levels deep", l.MaxDepth)
			}
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && !stack[n-1].array {
				stack[n-1].expectKey = true
			}
		case '"':
			start := i + 1
			i++
			for i < len(data) && data[i] != '"' {
				if data[i] == '\\' {
					i++
				}
				i++
			}
			s := data[start:min(i, len(data))]
			n := len(stack)
			if n > 0 && !stack[n-1].array && stack[n-1].expectKey {
				stack[n-1].expectKey = false
				exemptNext = body && n == 1 && string(s) == "query"
				continue
			}
			exempt := exemptNext
			exemptNext = false
			if err := value(); err != nil {
				return values, err
			}
			if !exempt && l.MaxStringLength > 0 && len(s) > l.MaxStringLength {
				return values, badRequest(CodeVariablesString, "a string in the variables is longer than %d bytes", l.MaxStringLength)
			}
		case ' ', '\t', '\n', '\r', ':':
		default:
			// A number, true, false or null: one value up to the next
			// delimiter.
			exemptNext = false
			if err := value(); err != nil {
				return values, err
			}
			for i+1 < len(data) && !isDelimiter(data[i+1]) {
				i++
			}
		}
	}
	return values, nil
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
		return true
	}
	return false
}

// check applies the caps to values that are already decoded (the
// variables and extensions of a websocket or SSE subscription, which the
// subscription transport decoded itself).
func (l VariablesLimits) check(vars, ext map[string]any) *RequestError {
	if l.off() {
		return nil
	}
	values := 0
	var walk func(v any, depth int) *RequestError
	walk = func(v any, depth int) *RequestError {
		values++
		if l.MaxValues > 0 && values > l.MaxValues {
			return badRequest(CodeVariablesValues, "the variables hold more than %d values", l.MaxValues)
		}
		switch v := v.(type) {
		case map[string]any:
			if l.MaxDepth > 0 && depth+1 > l.MaxDepth {
				return badRequest(CodeVariablesDepth, "the variables are nested more than %d levels deep", l.MaxDepth)
			}
			for _, e := range v {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		case []any:
			if l.MaxDepth > 0 && depth+1 > l.MaxDepth {
				return badRequest(CodeVariablesDepth, "the variables are nested more than %d levels deep", l.MaxDepth)
			}
			if l.MaxListLength > 0 && len(v) > l.MaxListLength {
				return badRequest(CodeVariablesList, "a list in the variables has more than %d elements", l.MaxListLength)
			}
			for _, e := range v {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		case string:
			if l.MaxStringLength > 0 && len(v) > l.MaxStringLength {
				return badRequest(CodeVariablesString, "a string in the variables is longer than %d bytes", l.MaxStringLength)
			}
		}
		return nil
	}
	for _, m := range []map[string]any{vars, ext} {
		if m == nil {
			continue
		}
		values-- // the top object itself is not a value of the caps
		if err := walk(m, 0); err != nil {
			return err
		}
	}
	return nil
}
