package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// extensionPrefix starts the keys that are ignored, at any level, to hold
// anchors shared by several entries (as in Docker Compose files).
const extensionPrefix = "x-"

// maxMergeDepth bounds nested merge keys (<<), which aliases could make
// cyclic.
const maxMergeDepth = 32

// decoder walks the YAML syntax tree alongside the Go type of Config, so
// that it reports every unknown key and every bad value with its position
// instead of stopping at the first one, and records which keys the file set
// so that defaults apply only to the others.
type decoder struct {
	file       string
	errs       []*Error
	at         map[string]*token.Token // path -> token of its value (or key)
	overridden map[string]bool         // paths set by options
	anchors    map[string]ast.Node
}

func newDecoder(file string) *decoder {
	return &decoder{
		file:       file,
		at:         map[string]*token.Token{},
		overridden: map[string]bool{},
		anchors:    map[string]ast.Node{},
	}
}

// isSet reports whether the file (or an option) gave path a non-null value.
func (d *decoder) isSet(path string) bool {
	_, ok := d.at[path]
	return ok || d.overridden[path]
}

// position returns the token of path, or of its closest ancestor that has
// one; nil when none has.
func (d *decoder) position(path string) *token.Token {
	for {
		if p, ok := d.at[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return nil
		}
		path = path[:i]
	}
}

// errorAt returns a problem of file at tk, which may be nil.
func errorAt(file string, tk *token.Token, format string, args ...any) *Error {
	e := &Error{File: file, Msg: fmt.Sprintf(format, args...)}
	if tk != nil && tk.Position != nil {
		e.Line, e.Col, e.tok = tk.Position.Line, tk.Position.Column, tk
	}
	return e
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	var tk *token.Token
	if n != nil {
		tk = n.GetToken()
	}
	d.errs = append(d.errs, errorAt(d.file, tk, format, args...))
}

func (d *decoder) decodeFile(f *ast.File) *Config {
	cfg := &Config{}
	var body ast.Node
	for i, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errorf(f.Docs[i].Body, "the file holds more than one YAML document; keep only one (remove the \"---\" separator)")
			break
		}
		body = doc.Body
	}
	if body == nil {
		return cfg
	}
	d.collectAnchors(body)
	body = d.resolve(body)
	if body == nil {
		return cfg
	}
	if _, ok := body.(*ast.NullNode); ok {
		return cfg
	}
	if !isMapping(body) {
		d.errorf(body, "the top level must be a mapping of keys such as \"listen\", \"upstreams\" and \"gateway\", not %s", describe(body))
		return cfg
	}
	d.decodeStruct("", body, reflect.ValueOf(cfg).Elem())
	return cfg
}

// collectAnchors records every anchor of the document, wherever it is (also
// under extension keys, which are not decoded), in document order so that a
// redefined anchor means its last definition.
func (d *decoder) collectAnchors(n ast.Node) {
	switch t := n.(type) {
	case *ast.AnchorNode:
		if t.Name != nil && t.Name.GetToken() != nil {
			d.anchors[t.Name.GetToken().Value] = t.Value
		}
		d.collectAnchors(t.Value)
	case *ast.MappingNode:
		for _, mv := range t.Values {
			d.collectAnchors(mv)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(t.Key)
		d.collectAnchors(t.Value)
	case *ast.SequenceNode:
		for _, v := range t.Values {
			d.collectAnchors(v)
		}
	case *ast.TagNode:
		d.collectAnchors(t.Value)
	}
}

// resolve strips anchors and tags, and follows aliases. It returns nil
// after reporting an unknown alias.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for {
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.AliasNode:
			name := ""
			if t.Value != nil {
				name = t.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.errorf(t, "unknown alias %q: define the anchor &%s before it is used", name, name)
				return nil
			}
			n = target
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
}

func isMapping(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
}

// describe names the kind of a node for messages.
func describe(n ast.Node) string {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "null"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	default:
		return fmt.Sprintf("a %s", strings.ToLower(t.Type().String()))
	}
}

// entries returns the key/value pairs of a mapping, with the pairs of merge
// keys (<<) first so that the explicit keys that follow override them.
func (d *decoder) entries(n ast.Node, depth int) []*ast.MappingValueNode {
	var values []*ast.MappingValueNode
	switch t := n.(type) {
	case *ast.MappingNode:
		values = t.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{t}
	}
	var merged, explicit []*ast.MappingValueNode
	for _, mv := range values {
		if mv.Key == nil || !mv.Key.IsMergeKey() {
			explicit = append(explicit, mv)
			continue
		}
		if depth >= maxMergeDepth {
			d.errorf(mv.Key, "merge keys (<<) are nested more than %d deep", maxMergeDepth)
			continue
		}
		src := d.resolve(mv.Value)
		switch t := src.(type) {
		case nil:
		case *ast.SequenceNode:
			// Earlier mappings take precedence: add them last.
			for _, v := range slices.Backward(t.Values) {
				if m := d.resolve(v); m != nil && isMapping(m) {
					merged = append(merged, d.entries(m, depth+1)...)
				} else if m != nil {
					d.errorf(v, "a merge key (<<) takes a mapping or a list of mappings, not a list of %s", describe(m))
				}
			}
		default:
			if !isMapping(src) {
				d.errorf(mv.Value, "a merge key (<<) takes a mapping or a list of mappings, not %s", describe(src))
				continue
			}
			merged = append(merged, d.entries(src, depth+1)...)
		}
	}
	return append(merged, explicit...)
}

func keyName(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

func join2(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldsOf maps the yaml names of a struct type to field indexes.
type structFields struct {
	index map[string]int
	names []string // sorted
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: map[string]int{}}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	slices.Sort(f.names)
	fieldCache.Store(t, f)
	return f
}

func (d *decoder) decodeStruct(path string, n ast.Node, v reflect.Value) {
	fields := fieldsOf(v.Type())
	for _, mv := range d.entries(n, 0) {
		key := keyName(mv.Key)
		if strings.HasPrefix(key, extensionPrefix) {
			continue
		}
		i, ok := fields.index[key]
		if !ok {
			d.errorf(mv.Key, "%s", unknownKey(path, key, fields.names))
			continue
		}
		if off := v.Type().Field(i).Tag.Get("off"); off != "" {
			d.decodeDurationOrOff(join2(path, key), mv.Key, mv.Value, v.Field(i), v.FieldByName(off))
			continue
		}
		d.decodeValue(join2(path, key), mv.Key, mv.Value, v.Field(i))
	}
}

// offWord is the value of a duration key tagged `off:"Field"` that sets
// the bool Field instead of the duration (upstreams.<name>.timeout: off).
const offWord = "off"

// decodeDurationOrOff decodes the value n of a duration key tagged
// `off:"Field"`: the word off (quoted or not; YAML 1.2, which go-yaml
// follows, reads a bare off as a string) sets off, the bool field Field,
// to true and dur to zero; anything else is a duration, as for
// decodeValue. Null leaves both unset.
func (d *decoder) decodeDurationOrOff(path string, key, n ast.Node, dur, off reflect.Value) {
	if !off.IsValid() || off.Kind() != reflect.Bool {
		d.errorf(key, "internal error, please report: the off tag of %q names no bool field", path)
		return
	}
	n = d.resolve(n)
	if n == nil {
		return
	}
	if _, ok := n.(*ast.NullNode); ok {
		return
	}
	var text string
	switch t := n.(type) {
	case *ast.StringNode:
		text = t.Value
	case *ast.IntegerNode, *ast.FloatNode:
		text = n.GetToken().Value
	default:
		d.errorf(n, "%q must be a duration such as 2s, or off, not %s", path, describe(n))
		return
	}
	// The last value wins, as for any key given twice by merge keys (<<).
	if text == offWord {
		off.SetBool(true)
		dur.SetInt(0)
		d.at[path] = n.GetToken()
		return
	}
	v, err := time.ParseDuration(text)
	if err != nil {
		hint := ""
		if _, isString := n.(*ast.StringNode); !isString {
			hint = fmt.Sprintf("; add a unit, such as \"%ss\"", text)
		}
		d.errorf(n, "invalid duration %q for %q: want a duration such as 2s, or off%s", text, path, hint)
		return
	}
	dur.SetInt(int64(v))
	off.SetBool(false)
	d.at[path] = n.GetToken()
}

func unknownKey(path, key string, known []string) string {
	where := "at the top level"
	if path != "" {
		where = fmt.Sprintf("in %q", path)
	}
	msg := fmt.Sprintf("unknown key %q %s", key, where)
	if s := closest(key, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + " (allowed: " + strings.Join(known, ", ") + ")"
}

// closest returns the known name nearest to key within an edit distance of
// two, or that key abbreviates (four characters or more), or "".
func closest(key string, known []string) string {
	best, bestDist := "", 3
	lower := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	for _, k := range known {
		d := editDistance(lower, k)
		if len(lower) >= 4 && strings.HasPrefix(k, lower) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var durationType = reflect.TypeFor[time.Duration]()

// decodeValue decodes n into v; key is the node of the key that holds n.
func (d *decoder) decodeValue(path string, key, n ast.Node, v reflect.Value) {
	n = d.resolve(n)
	if n == nil {
		return
	}
	if _, ok := n.(*ast.NullNode); ok {
		return // null leaves the field unset: it gets its default
	}
	pos := key.GetToken()
	if isScalar(n) {
		pos = n.GetToken()
	}
	before := len(d.errs)
	switch {
	case v.Type() == durationType:
		d.decodeDuration(path, n, v)
	case v.Kind() == reflect.Struct:
		if !isMapping(n) {
			d.errorf(n, "%q must be a mapping of keys, not %s", path, describe(n))
			break
		}
		d.decodeStruct(path, n, v)
	case v.Kind() == reflect.Map:
		d.decodeMap(path, n, v)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		d.decodeStructs(path, n, v)
	case v.Kind() == reflect.Slice:
		d.decodeStrings(path, n, v)
	case v.Kind() == reflect.String:
		if s, ok := d.stringValue(path, n); ok {
			v.SetString(s)
		}
	case v.Kind() == reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.errorf(n, "%q must be true or false, not %s", path, describe(n))
			break
		}
		v.SetBool(b.Value)
	case v.Kind() == reflect.Int, v.Kind() == reflect.Int64:
		if _, ok := n.(*ast.IntegerNode); !ok {
			d.errorf(n, "%q must be an integer, not %s", path, describe(n))
			break
		}
		if err := yaml.NodeToValue(n, v.Addr().Interface()); err != nil {
			d.errorf(n, "%q is out of range: %s", path, n.GetToken().Value)
		}
	default:
		d.errorf(n, "internal error, please report: no decoder for %q (%s)", path, v.Type())
	}
	if len(d.errs) == before {
		d.at[path] = pos
	}
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return false
	}
	return true
}

func (d *decoder) stringValue(path string, n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		if t.Value != nil {
			return t.Value.Value, true
		}
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		d.errorf(n, "%q must be a string, not %s; quote it: \"%s\"", path, describe(n), n.GetToken().Value)
	default:
		d.errorf(n, "%q must be a string, not %s", path, describe(n))
	}
	return "", false
}

func (d *decoder) decodeDuration(path string, n ast.Node, v reflect.Value) {
	var text string
	switch t := n.(type) {
	case *ast.StringNode:
		text = t.Value
	case *ast.IntegerNode, *ast.FloatNode:
		text = n.GetToken().Value
	default:
		d.errorf(n, "%q must be a duration such as \"800ms\", \"5s\" or \"1m30s\", not %s", path, describe(n))
		return
	}
	dur, err := time.ParseDuration(text)
	if err != nil {
		hint := "use a number with a unit: ns, us, ms, s, m or h, such as \"800ms\", \"5s\" or \"1m30s\""
		if _, isNum := n.(*ast.StringNode); !isNum {
			hint = fmt.Sprintf("add a unit, such as \"%ss\" or \"%sms\"", text, text)
		}
		d.errorf(n, "invalid duration %q for %q: %s", text, path, hint)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) decodeStrings(path string, n ast.Node, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if isScalar(n) {
			d.errorf(n, "%q must be a list; write [%q]", path, n.GetToken().Value)
		} else {
			d.errorf(n, "%q must be a list, not %s", path, describe(n))
		}
		return
	}
	out := make([]string, 0, len(seq.Values))
	failed := false
	for i, elem := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		elem = d.resolve(elem)
		if elem == nil {
			failed = true
			continue
		}
		s, ok := d.stringValue(p, elem)
		if !ok {
			failed = true
			continue
		}
		d.at[p] = elem.GetToken()
		out = append(out, s)
	}
	if !failed {
		v.Set(reflect.ValueOf(out))
	}
}

func (d *decoder) decodeMap(path string, n ast.Node, v reflect.Value) {
	if !isMapping(n) {
		d.errorf(n, "%q must be a mapping of names, not %s", path, describe(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	elemType := v.Type().Elem()
	for _, mv := range d.entries(n, 0) {
		name := keyName(mv.Key)
		p := join2(path, name)
		elem := reflect.New(elemType).Elem()
		if existing := v.MapIndex(reflect.ValueOf(name)); existing.IsValid() {
			elem.Set(existing) // a merge key gave it first
		}
		d.at[p] = mv.Key.GetToken()
		value := d.resolve(mv.Value)
		if value == nil {
			continue
		}
		if elemType.Kind() == reflect.String {
			// A mapping of names to strings, such as forward_claims.
			if _, isNull := value.(*ast.NullNode); isNull {
				d.errorf(mv.Key, "%q has no value: give it a string", p)
				continue
			}
			if str, ok := d.stringValue(p, value); ok {
				d.at[p] = value.GetToken()
				v.SetMapIndex(reflect.ValueOf(name), reflect.ValueOf(str))
			}
			continue
		}
		if _, isNull := value.(*ast.NullNode); !isNull {
			if !isMapping(value) {
				d.errorf(value, "%q must be a mapping of keys, not %s", p, describe(value))
				continue
			}
			d.decodeStruct(p, value, elem)
		}
		v.SetMapIndex(reflect.ValueOf(name), elem)
	}
}

// decodeStructs decodes a list of mappings (gateway.rate_limit.rules) into
// a slice of structs; element i has the path "<path>[i]", so its keys are
// reported and defaulted as "<path>[i].<key>".
func (d *decoder) decodeStructs(path string, n ast.Node, v reflect.Value) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "%q must be a list of mappings, not %s", path, describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(seq.Values))
	for i, elem := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		value := d.resolve(elem)
		if value == nil {
			continue
		}
		if !isMapping(value) {
			d.errorf(value, "%q must be a mapping of keys, not %s", p, describe(value))
			continue
		}
		d.at[p] = firstToken(value)
		e := reflect.New(v.Type().Elem()).Elem()
		d.decodeStruct(p, value, e)
		out = reflect.Append(out, e)
	}
	v.Set(out)
}

// firstToken returns the token where a mapping starts: its "{" in flow
// style, else its first key.
func firstToken(n ast.Node) *token.Token {
	switch t := n.(type) {
	case *ast.MappingNode:
		if !t.IsFlowStyle && len(t.Values) > 0 && t.Values[0].Key != nil {
			return t.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		if t.Key != nil {
			return t.Key.GetToken()
		}
	}
	return n.GetToken()
}
