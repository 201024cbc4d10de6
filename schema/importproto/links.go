package importproto

import (
	"cmp"
	"fmt"
	"github.com/bffgen/bffgen/schema/mapping"
	"maps"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// link is a foreign key the import offers as a batched field: a field
// x_id (or x_ids) of a message, and a batch RPC of the import that returns
// X messages by id.
type link struct {
	// from is the key field of the parent message; name the GraphQL field.
	from protoreflect.FieldDescriptor
	name string
	// method is the batch RPC; key its repeated request field; results
	// the repeated response field of X; by the id field of X.
	method  protoreflect.MethodDescriptor
	key     protoreflect.FieldDescriptor
	results protoreflect.FieldDescriptor
	by      protoreflect.FieldDescriptor
	// target is the object type of X.
	target string
}

// batchSource is a unary method of the import that takes a list of keys
// and returns a list of messages that each carry their key in a field id.
type batchSource struct {
	method  protoreflect.MethodDescriptor
	key     protoreflect.FieldDescriptor
	results protoreflect.FieldDescriptor
	by      protoreflect.FieldDescriptor
}

// batchSources finds the batch RPCs among the imported methods, by the
// full name of the message they return.
func (im *importer) batchSources() map[protoreflect.FullName][]batchSource {
	out := map[protoreflect.FullName][]batchSource{}
	for _, rf := range im.roots {
		md := rf.method
		if md.IsStreamingClient() || md.IsStreamingServer() {
			continue
		}
		var keys []protoreflect.FieldDescriptor
		for i := 0; i < md.Input().Fields().Len(); i++ {
			fd := md.Input().Fields().Get(i)
			if fd.IsList() && fd.Message() == nil && fd.Enum() == nil && !mapping.RealOneof(fd) {
				keys = append(keys, fd)
			}
		}
		if len(keys) > 1 { // prefer ids or *_ids
			keys = slices.DeleteFunc(keys, func(fd protoreflect.FieldDescriptor) bool { return !mapping.IsIDField(fd) })
		}
		if len(keys) != 1 {
			continue
		}
		for i := 0; i < md.Output().Fields().Len(); i++ {
			res := md.Output().Fields().Get(i)
			if !res.IsList() || res.Message() == nil || mapping.IsWellKnown(res.Message()) {
				continue
			}
			by := res.Message().Fields().ByName("id")
			if by == nil || by.IsList() || !mapping.SameScalar(by, keys[0]) || mapping.RealOneof(by) {
				continue
			}
			out[res.Message().FullName()] = append(out[res.Message().FullName()], batchSource{method: md, key: keys[0], results: res, by: by})
		}
	}
	for k, v := range out {
		slices.SortStableFunc(v, func(a, b batchSource) int { return cmp.Compare(a.method.FullName(), b.method.FullName()) })
		out[k] = v
	}
	return out
}

// links finds the foreign keys of an object type: each singular or
// repeated scalar field x_id or x_ids (not in a oneof) for which a batch
// RPC of the import returns a message named X (x in PascalCase, matched
// without regard to case) whose field id has the key's type, and whose
// object type the import writes. taken holds the GraphQL field names of
// the type, which the link's field must not reuse.
func (im *importer) links(u *unit, sources map[protoreflect.FullName][]batchSource, taken map[string]bool) []link {
	var out []link
	md := u.msg
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		if fd.Message() != nil || fd.Enum() != nil || fd.IsMap() || mapping.RealOneof(fd) || !mapping.IsIDField(fd) {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(string(fd.Name()), "_ids"), "_id")
		if base == string(fd.Name()) || base == "" {
			continue
		}
		for full, srcs := range sortedSources(sources) {
			if !strings.EqualFold(string(full.Name()), mapping.Pascal(base)) {
				continue
			}
			target, ok := im.units[unitKey{full, roleObject}]
			if !ok {
				continue
			}
			src := srcs[0]
			name := mapping.LowerCamel(mapping.Pascal(base))
			if fd.IsList() {
				name = plural(name)
			}
			if taken[name] {
				continue
			}
			out = append(out, link{from: fd, name: name, method: src.method, key: src.key, results: src.results, by: src.by, target: target.name})
			break
		}
	}
	return out
}

// sortedSources iterates sources in name order.
func sortedSources(sources map[protoreflect.FullName][]batchSource) func(yield func(protoreflect.FullName, []batchSource) bool) {
	return func(yield func(protoreflect.FullName, []batchSource) bool) {
		for _, k := range slices.Sorted(maps.Keys(sources)) {
			if !yield(k, sources[k]) {
				return
			}
		}
	}
}

// plural makes an English plural of a field name, enough for the names
// of linked lists: author -> authors, category -> categories.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	}
	return s + "s"
}

// printLink writes the batched field of a link: a field for a singular
// key, which @batch binds; a comment for a repeated one, which @batch does
// not take yet (one key per parent).
func printLink(b *strings.Builder, l link) {
	dir := fmt.Sprintf("@batch(method: %s, key: %s, from: %s, results: %s, by: %s)",
		strconv.Quote(string(l.method.FullName())), strconv.Quote(string(l.key.Name())), strconv.Quote("$parent."+string(l.from.Name())),
		strconv.Quote(string(l.results.Name())), strconv.Quote(string(l.by.Name())))
	if l.from.IsList() {
		fmt.Fprintf(b, "  # link: %s holds %s ids; @batch takes one key per parent, so this field is offered\n", l.from.Name(), l.target)
		fmt.Fprintf(b, "  # as a comment. A user resolver (or a batch RPC keyed by the parent) can serve it:\n")
		fmt.Fprintf(b, "  # %s: [%s!]! %s\n", l.name, l.target, dir)
		return
	}
	fmt.Fprintf(b, "  \"\"\"The %s of %s, fetched for all parents at once by %s.\"\"\"\n", l.target, l.from.Name(), l.method.Name())
	fmt.Fprintf(b, "  %s: %s\n    %s\n", l.name, l.target, dir)
}
