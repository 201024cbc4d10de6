package importproto

import (
	"cmp"
	"fmt"
	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/mapping"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Options selects what [Import] turns into GraphQL.
//
// Every pattern is a glob with [path.Match] semantics, matched against the
// fully-qualified, dotted name ("catalog.v1.CatalogService.GetProduct") and
// against the simple name ("GetProduct"); "*" matches dots too, so
// "catalog.*" matches every service of every catalog package.
type Options struct {
	// Services are patterns of services to import. Empty means every
	// service declared under the import roots, except those of google.*
	// packages. Each pattern must match a service.
	Services []string
	// Methods are patterns of methods to import from the chosen services.
	// Empty means every method. Each pattern must match a method.
	Methods []string
	// Query and Mutation are patterns of chosen methods to place on Query
	// or on Mutation, whatever their names and options say. A method may
	// not match both, nor be a streaming method.
	Query, Mutation []string
	// Existing is the project's other GraphQL schema files. Root types
	// they declare are extended ("extend type Query") rather than declared
	// again, and the names they declare, of types and of root fields, are
	// avoided as if they collided. Files that do not parse are ignored.
	Existing []*ast.Source
}

// Imported is the outcome of [Import].
type Imported struct {
	// SDL is the generated GraphQL schema, formatted, ending with a
	// newline.
	SDL []byte
	// Files are the proto files (relative to the project root) that
	// declare the imported services, sorted.
	Files []string
	// Notes say what was left out and why, one sentence each, lowercase.
	Notes []string
	// Queries, Mutations and Subscriptions count the root fields written;
	// Types counts the other types.
	Queries, Mutations, Subscriptions, Types int
}

// Error is a mistake in [Options]: a malformed pattern, a
// pattern that matches nothing, a method placed on a root type that cannot
// hold it.
type Error struct {
	// Option is the option at fault: "services", "methods", "query" or
	// "mutation".
	Option string
	msg    string
}

// Error returns the message, which names the option at fault.
func (e *Error) Error() string { return e.msg }

func errorf(option, format string, args ...any) *Error {
	return &Error{Option: option, msg: fmt.Sprintf(format, args...)}
}

// ImportProto writes GraphQL SDL with bffgen bindings for the chosen
// services and methods of set: a root field per RPC with its @rpc, and an
// object, input or enum type bound with @proto(type:) per message or enum
// the RPCs reach, following the proto <-> GraphQL mapping of docs/spec.md.
// docs/import.md describes the naming rules.
//
// The output depends only on set and opts. Errors are *[Error]
// values, except internal errors (bugs in bffgen), which say so.
func Import(set *schema.ProtoSet, opts Options) (*Imported, error) {
	im := &importer{
		set:     set,
		opts:    opts,
		units:   map[unitKey]*unit{},
		emit:    map[emitKey]bool{},
		noted:   map[string]bool{},
		taken:   map[string]bool{},
		extends: map[rootKind]bool{},
		fields:  map[rootKind]map[string]bool{},
	}
	for _, n := range [...]string{"String", "Int", "Float", "Boolean", "ID", "Query", "Mutation", "Subscription", "_Mapping"} {
		im.taken[n] = true
	}
	for _, s := range mapping.Scalars {
		im.taken[s.Name] = true
	}
	im.readExisting()
	if err := im.selectMethods(); err != nil {
		return nil, err
	}
	for _, rf := range im.roots {
		im.gatherRoot(rf)
	}
	im.nameTypes()
	im.nameRootFields()
	sdl := im.print()
	// The import never declares a scalar of the prelude: those names are
	// taken.
	if _, err := gqlparser.LoadSchema(schema.Prelude(nil), &ast.Source{Name: "imported.graphql", Input: sdl}); err != nil {
		return nil, fmt.Errorf("internal error, please report: the imported SDL does not load: %v", err)
	}
	out := &Imported{SDL: []byte(sdl), Files: im.files, Notes: im.notes}
	for _, rf := range im.roots {
		switch rf.root {
		case rootQuery:
			out.Queries++
		case rootMutation:
			out.Mutations++
		case rootSubscription:
			out.Subscriptions++
		}
	}
	for _, u := range im.order {
		out.Types += len(u.derived)
		if u.key.role != roleArgs {
			out.Types++
		}
	}
	return out, nil
}

// rootKind is a root operation type.
type rootKind int

const (
	rootQuery rootKind = iota
	rootMutation
	rootSubscription
)

var rootTypeNames = [...]string{rootQuery: "Query", rootMutation: "Mutation", rootSubscription: "Subscription"}

// role is what a proto message or enum becomes in GraphQL.
type role int

const (
	roleObject role = iota
	roleInput
	roleEnum
	// roleArgs is a request message, whose fields are the arguments of a
	// root field: only the @oneOf input types of its oneofs are printed.
	roleArgs
)

// unitKey identifies a generated type made from one proto message or enum.
type unitKey struct {
	full protoreflect.FullName
	role role
}

// unit is one generated type made from a proto message (an object or an
// input) or enum, with the types derived from its oneofs.
type unit struct {
	key  unitKey
	msg  protoreflect.MessageDescriptor
	enum protoreflect.EnumDescriptor
	// candidate is the name without the package prefix.
	candidate string
	name      string
	// oneofs maps a oneof to its union (object) or @oneOf input name;
	// wrappers maps a oneof member to its union member type name.
	oneofs   map[protoreflect.FullName]string
	wrappers map[protoreflect.FullName]string
	// derived lists the oneof types in declaration order.
	derived []string
}

// rootField is the root field made from one RPC.
type rootField struct {
	method protoreflect.MethodDescriptor
	root   rootKind
	name   string
	// result is the single field of the response the field returns, nil
	// for the whole response; boolean is set when the response carries
	// nothing (google.protobuf.Empty or a message without fields).
	result  protoreflect.FieldDescriptor
	boolean bool
	// args are the request fields that become arguments, and the oneofs,
	// each one argument at the place of its first member.
	args []arg
}

// arg is an argument of a root field: a request field, or a oneof.
type arg struct {
	field protoreflect.FieldDescriptor
	oneof protoreflect.OneofDescriptor
}

// emitKey identifies a message in one direction: input types leave out
// the fields that are OUTPUT_ONLY.
type emitKey struct {
	full  protoreflect.FullName
	input bool
}

// importer holds the state of one [Import] run.
type importer struct {
	set  *schema.ProtoSet
	opts Options

	// roots are the root fields in output order; files the proto files of
	// their services; notes what was left out (noted dedupes them).
	roots []*rootField
	files []string
	notes []string
	noted map[string]bool

	// units are the generated types by message or enum and role, and
	// order the same in the order the root fields reach them; emit caches
	// whether a message has a field to map, as an output or as an input.
	units map[unitKey]*unit
	order []*unit
	emit  map[emitKey]bool

	// taken holds type names that generated types must avoid; extends the
	// root types declared by other files; fields the root fields there.
	taken   map[string]bool
	extends map[rootKind]bool
	fields  map[rootKind]map[string]bool

	// sources are the batch RPCs of the import by the message they
	// return, for the links of foreign keys.
	sources map[protoreflect.FullName][]batchSource
}

func (im *importer) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !im.noted[msg] {
		im.noted[msg] = true
		im.notes = append(im.notes, msg)
	}
}

// readExisting records the names the project's other SDL files declare.
func (im *importer) readExisting() {
	for k := range rootTypeNames {
		im.fields[rootKind(k)] = map[string]bool{}
	}
	for _, src := range im.opts.Existing {
		doc, err := parser.ParseSchema(src)
		if err != nil {
			continue
		}
		for _, d := range append(slices.Clone(doc.Definitions), doc.Extensions...) {
			im.taken[d.Name] = true
			if k := slices.Index(rootTypeNames[:], d.Name); k >= 0 {
				for _, f := range d.Fields {
					im.fields[rootKind(k)][f.Name] = true
				}
			}
		}
		for _, d := range doc.Definitions {
			if k := slices.Index(rootTypeNames[:], d.Name); k >= 0 {
				im.extends[rootKind(k)] = true
			}
		}
	}
}

// selectMethods applies the patterns of the options and decides the root
// type and the arguments of every chosen method.
func (im *importer) selectMethods() error {
	for _, p := range [...]struct {
		option   string
		patterns []string
	}{{"services", im.opts.Services}, {"methods", im.opts.Methods}, {"query", im.opts.Query}, {"mutation", im.opts.Mutation}} {
		for _, pat := range p.patterns {
			if _, err := path.Match(pat, ""); err != nil {
				return errorf(p.option, "%s pattern %q is malformed: %v", p.option, pat, err)
			}
		}
	}
	services, err := im.chooseServices()
	if err != nil {
		return err
	}
	var offered, methods []protoreflect.MethodDescriptor
	for _, sd := range services {
		for i := 0; i < sd.Methods().Len(); i++ {
			md := sd.Methods().Get(i)
			offered = append(offered, md)
			if len(im.opts.Methods) == 0 || matchAny(im.opts.Methods, md) {
				methods = append(methods, md)
			}
		}
	}
	if err := everyPatternMatches("methods", im.opts.Methods, offered); err != nil {
		return err
	}
	if err := everyPatternMatches("query", im.opts.Query, methods); err != nil {
		return err
	}
	if err := everyPatternMatches("mutation", im.opts.Mutation, methods); err != nil {
		return err
	}
	files := map[string]bool{}
	for _, md := range methods {
		rf, err := im.rootField(md)
		if err != nil {
			return err
		}
		if rf != nil {
			im.roots = append(im.roots, rf)
			files[im.fileName(md.ParentFile())] = true
		}
	}
	switch {
	case len(im.roots) > 0:
	case len(im.notes) > 0:
		return errorf("methods", "no method of the selection can be imported: %s", strings.Join(im.notes, "; "))
	default:
		return errorf("methods", "the chosen services have no method")
	}
	im.files = slices.Sorted(maps.Keys(files))
	return nil
}

// chooseServices returns the services the options choose, sorted by full
// name.
func (im *importer) chooseServices() ([]protoreflect.ServiceDescriptor, error) {
	var all []protoreflect.ServiceDescriptor
	for _, f := range im.set.Files {
		for i := 0; i < f.Services().Len(); i++ {
			all = append(all, f.Services().Get(i))
		}
	}
	slices.SortFunc(all, func(a, b protoreflect.ServiceDescriptor) int { return cmp.Compare(a.FullName(), b.FullName()) })
	if len(all) == 0 {
		return nil, errorf("services", "the proto roots %s declare no service", strings.Join(im.set.Config.Proto.Roots, ", "))
	}
	var chosen []protoreflect.ServiceDescriptor
	if len(im.opts.Services) == 0 {
		for _, sd := range all {
			if pkg := string(sd.ParentFile().Package()); pkg != "google" && !strings.HasPrefix(pkg, "google.") {
				chosen = append(chosen, sd)
			}
		}
		if len(chosen) == 0 {
			return nil, errorf("services", "the proto roots declare only google.* services; name them with a services pattern to import them")
		}
		return chosen, nil
	}
	for _, sd := range all {
		if matchAny(im.opts.Services, sd) {
			chosen = append(chosen, sd)
		}
	}
	for _, pat := range im.opts.Services {
		if !slices.ContainsFunc(chosen, func(sd protoreflect.ServiceDescriptor) bool { return matchAny([]string{pat}, sd) }) {
			names := make([]string, len(all))
			for i, sd := range all {
				names[i] = string(sd.FullName())
			}
			return nil, errorf("services", "services pattern %q matches no service; the proto roots declare %s", pat, listNames(names))
		}
	}
	return chosen, nil
}

// rootField makes the root field of a method; it returns nil (with a note)
// for a method that cannot be imported.
func (im *importer) rootField(md protoreflect.MethodDescriptor) (*rootField, error) {
	full := string(md.FullName())
	q, m := matchAny(im.opts.Query, md), matchAny(im.opts.Mutation, md)
	forced := "query"
	if m {
		forced = "mutation"
	}
	switch {
	case q && m:
		return nil, errorf("query", "method %q matches both a query and a mutation pattern; keep it in one", full)
	case (q || m) && md.IsStreamingClient():
		return nil, errorf(forced, "method %q streams from the client: it cannot be exposed in GraphQL", full)
	case (q || m) && md.IsStreamingServer():
		return nil, errorf(forced, "method %q is server-streaming: it can only be a Subscription field", full)
	case md.IsStreamingClient() && md.IsStreamingServer():
		im.note("skipped %s: bidirectional streaming methods cannot be exposed in GraphQL", full)
		return nil, nil
	case md.IsStreamingClient():
		im.note("skipped %s: client-streaming methods cannot be exposed in GraphQL", full)
		return nil, nil
	}
	rf := &rootField{method: md, root: defaultRoot(md)}
	switch {
	case q:
		rf.root = rootQuery
	case m:
		rf.root = rootMutation
	}
	if !im.response(rf) {
		return nil, nil
	}
	req := md.Input()
	for i := 0; i < req.Fields().Len(); i++ {
		fd := req.Fields().Get(i)
		switch od := fd.ContainingOneof(); {
		case mapping.RealOneof(fd):
			if im.anyMapped(od, roleArgs) && !slices.ContainsFunc(rf.args, func(a arg) bool { return a.oneof == od }) {
				rf.args = append(rf.args, arg{oneof: od})
			}
		case im.mapped(fd, roleArgs):
			rf.args = append(rf.args, arg{field: fd})
		}
	}
	return rf, nil
}

// fileName names a proto file relative to the project root.
func (im *importer) fileName(f protoreflect.FileDescriptor) string {
	if s, ok := im.set.Paths[f.Path()]; ok {
		return s
	}
	return f.Path()
}

// response decides what the root field of an RPC returns; it returns false
// (with a note) when the method cannot be imported.
func (im *importer) response(rf *rootField) bool {
	out := rf.method.Output()
	switch {
	case out.FullName() == "google.protobuf.Empty":
		rf.boolean = true
	case mapping.IsWellKnown(out):
		im.note("skipped %s: its response %s is not a message bffgen maps to an object type", rf.method.FullName(), out.FullName())
		return false
	case !im.emittable(out, roleObject):
		rf.boolean = true
	case out.Fields().Len() == 1 && !mapping.RealOneof(out.Fields().Get(0)) && im.mapped(out.Fields().Get(0), roleObject):
		rf.result = out.Fields().Get(0)
	}
	return true
}

// everyPatternMatches checks that each pattern matches one of methods.
func everyPatternMatches(option string, patterns []string, methods []protoreflect.MethodDescriptor) error {
	for _, pat := range patterns {
		if slices.ContainsFunc(methods, func(md protoreflect.MethodDescriptor) bool { return matchAny([]string{pat}, md) }) {
			continue
		}
		if len(methods) == 0 {
			return errorf(option, "%s pattern %q matches no method: the chosen services have none", option, pat)
		}
		names := make([]string, len(methods))
		for i, md := range methods {
			names[i] = string(md.FullName())
		}
		return errorf(option, "%s pattern %q matches no method of the chosen services; they have %s", option, pat, listNames(names))
	}
	return nil
}

// matchAny reports whether one of patterns matches the full or the simple
// name of d.
func matchAny(patterns []string, d protoreflect.Descriptor) bool {
	for _, p := range patterns {
		for _, n := range [...]string{string(d.FullName()), string(d.Name())} {
			if ok, _ := path.Match(p, n); ok {
				return true
			}
		}
	}
	return false
}

// listNames lists a few names for an error message.
func listNames(names []string) string {
	const most = 8
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// queryVerbs are the method name prefixes of reads; writeVerbs those of
// writes, which make a Batch method a mutation (BatchDeleteReviews).
var (
	queryVerbs = []string{"Get", "List", "Search", "Batch"}
	writeVerbs = []string{"Create", "Update", "Delete", "Remove", "Add", "Set", "Put", "Insert", "Upsert", "Patch", "Write"}
)

// defaultRoot places a method: server streaming on Subscription;
// NO_SIDE_EFFECTS or a read verb on Query; the rest on Mutation.
func defaultRoot(md protoreflect.MethodDescriptor) rootKind {
	if md.IsStreamingServer() {
		return rootSubscription
	}
	if v, ok := option(md.Options(), "idempotency_level"); ok && v.Enum() == 1 { // NO_SIDE_EFFECTS
		return rootQuery
	}
	name := string(md.Name())
	for _, verb := range queryVerbs {
		if rest, ok := verbPrefix(name, verb); ok {
			if verb == "Batch" && slices.ContainsFunc(writeVerbs, func(w string) bool { _, ok := verbPrefix(rest, w); return ok }) {
				return rootMutation
			}
			return rootQuery
		}
	}
	return rootMutation
}

// verbPrefix reports whether name starts with the word verb ("GetProduct"
// does, "Getaway" does not) and returns the rest.
func verbPrefix(name, verb string) (string, bool) {
	rest, ok := strings.CutPrefix(name, verb)
	if !ok {
		return "", false
	}
	if rest == "" {
		return rest, true
	}
	r := []rune(rest)[0]
	return rest, unicode.IsUpper(r) || unicode.IsDigit(r) || r == '_'
}

// option reads a set option of a descriptor by name ("deprecated").
func option(opts protoreflect.ProtoMessage, name protoreflect.Name) (protoreflect.Value, bool) {
	if opts == nil {
		return protoreflect.Value{}, false
	}
	m := opts.ProtoReflect()
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || !m.Has(fd) {
		return protoreflect.Value{}, false
	}
	return m.Get(fd), true
}

func deprecated(d protoreflect.Descriptor) bool {
	v, ok := option(d.Options(), "deprecated")
	return ok && v.Bool()
}

// elemMessage is the message of a field's elements (of a map's values), or
// nil.
func elemMessage(fd protoreflect.FieldDescriptor) protoreflect.MessageDescriptor {
	if fd.IsMap() {
		return fd.MapValue().Message()
	}
	return fd.Message()
}

// mapped reports whether a field has a GraphQL counterpart in the
// direction of role r; when it has none, it notes why it is left out. An
// OUTPUT_ONLY field (google.api.field_behavior) has none in inputs, which
// needs no note.
func (im *importer) mapped(fd protoreflect.FieldDescriptor, r role) bool {
	md := elemMessage(fd)
	switch {
	case r != roleObject && mapping.HasBehavior(fd, mapping.OutputOnly):
		return false
	case md == nil:
		return true
	case r != roleObject && md.FullName() == "google.protobuf.Any":
		im.note("left out %s of inputs: a google.protobuf.Any cannot be filled from GraphQL", fd.FullName())
		return false
	case mapping.IsWellKnown(md):
		if mapping.WellKnownScalars[md.FullName()] != "" || (md.FullName() == "google.protobuf.FieldMask" && !fd.IsList() && !fd.IsMap()) {
			return true
		}
		im.note("left out %s: a %s field has no GraphQL counterpart", fd.FullName(), md.FullName())
		return false
	case !im.emittable(md, r):
		im.note("left out %s: message %s has no field to map", fd.FullName(), md.FullName())
		return false
	}
	return true
}

// emittable reports whether a message has a field with a GraphQL
// counterpart in the direction of role r, so that its object or input type
// is not empty.
func (im *importer) emittable(md protoreflect.MessageDescriptor, r role) bool {
	key := emitKey{md.FullName(), r != roleObject}
	if v, ok := im.emit[key]; ok {
		return v
	}
	im.emit[key] = true // a message that contains itself
	ok := false
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		m := elemMessage(fd)
		switch {
		case key.input && mapping.HasBehavior(fd, mapping.OutputOnly):
		case m == nil, m.FullName() == md.FullName():
			ok = true
		case key.input && m.FullName() == "google.protobuf.Any":
		case mapping.IsWellKnown(m):
			ok = mapping.WellKnownScalars[m.FullName()] != "" || (m.FullName() == "google.protobuf.FieldMask" && !fd.IsList() && !fd.IsMap())
		default:
			ok = im.emittable(m, r)
		}
		if ok {
			break
		}
	}
	im.emit[key] = ok
	return ok
}

// gatherRoot records the types a root field reaches: its result first,
// then its arguments.
func (im *importer) gatherRoot(rf *rootField) {
	switch {
	case rf.boolean:
	case rf.result != nil:
		im.gatherField(rf.result, roleObject)
	default:
		im.gatherMessage(rf.method.Output(), roleObject)
	}
	for _, a := range rf.args {
		switch {
		case a.field != nil:
			im.gatherField(a.field, roleInput)
		case im.addUnit(unitKey{rf.method.Input().FullName(), roleArgs}, rf.method.Input(), nil):
			for i := 0; i < rf.method.Input().Fields().Len(); i++ {
				if fd := rf.method.Input().Fields().Get(i); mapping.RealOneof(fd) && im.mapped(fd, roleArgs) {
					im.gatherField(fd, roleInput)
				}
			}
		}
	}
}

func (im *importer) gatherField(fd protoreflect.FieldDescriptor, r role) {
	switch {
	case fd.IsMap():
		im.gatherMessage(fd.Message(), r)
	case fd.Enum() != nil:
		im.addUnit(unitKey{fd.Enum().FullName(), roleEnum}, nil, fd.Enum())
	case fd.Message() != nil && !mapping.IsWellKnown(fd.Message()):
		im.gatherMessage(fd.Message(), r)
	}
}

func (im *importer) gatherMessage(md protoreflect.MessageDescriptor, r role) {
	if !im.addUnit(unitKey{md.FullName(), r}, md, nil) {
		return
	}
	for i := 0; i < md.Fields().Len(); i++ {
		if fd := md.Fields().Get(i); im.mapped(fd, r) {
			im.gatherField(fd, r)
		}
	}
}

// desc is the message or enum of a unit.
func (u *unit) desc() protoreflect.Descriptor {
	if u.enum != nil {
		return u.enum
	}
	return u.msg
}

// addUnit records a type; it returns false when it was already recorded.
func (im *importer) addUnit(k unitKey, md protoreflect.MessageDescriptor, ed protoreflect.EnumDescriptor) bool {
	if _, ok := im.units[k]; ok {
		return false
	}
	u := &unit{key: k, msg: md, enum: ed}
	im.units[k] = u
	im.order = append(im.order, u)
	return true
}

// nameTypes names every type: the message's or enum's name relative to
// its package (nested names joined: Product.Variant -> ProductVariant),
// with the suffix Input for input objects. A message or enum one of whose
// types would share its name with a type of another message or enum, or
// with a name the schema already has, takes the PascalCase package as a
// prefix on all its types (CatalogV1Image, CatalogV1ImageInput,
// UsersV1Image); a number is the last resort. Oneof types are named after
// their message.
func (im *importer) nameTypes() {
	descs := map[string]map[protoreflect.FullName]bool{}
	for _, u := range im.order {
		if u.key.role == roleArgs {
			continue
		}
		u.candidate = relName(u.desc()) + suffix(u.key.role)
		if descs[u.candidate] == nil {
			descs[u.candidate] = map[protoreflect.FullName]bool{}
		}
		descs[u.candidate][u.key.full] = true
	}
	prefixed := map[protoreflect.FullName]bool{}
	for _, u := range im.order {
		if len(descs[u.candidate]) > 1 || im.taken[u.candidate] {
			prefixed[u.key.full] = true
		}
	}
	sorted := slices.Clone(im.order)
	slices.SortFunc(sorted, func(a, b *unit) int {
		return cmp.Or(cmp.Compare(a.candidate, b.candidate), cmp.Compare(a.key.full, b.key.full), cmp.Compare(a.key.role, b.key.role))
	})
	for _, u := range sorted {
		if u.key.role == roleArgs {
			u.name = relName(u.msg) // never printed: the base of its oneof types
			continue
		}
		name := u.candidate
		if prefixed[u.key.full] {
			name = packagePrefix(u.desc()) + name
		}
		u.name = im.claim(name)
	}
	for _, u := range im.order {
		if u.msg == nil {
			continue
		}
		u.oneofs = map[protoreflect.FullName]string{}
		u.wrappers = map[protoreflect.FullName]string{}
		base := u.name
		if u.key.role == roleInput {
			base = strings.TrimSuffix(base, "Input")
		}
		for i := 0; i < u.msg.Oneofs().Len(); i++ {
			od := u.msg.Oneofs().Get(i)
			if od.IsSynthetic() || !im.anyMapped(od, u.key.role) {
				continue
			}
			u.oneofs[od.FullName()] = im.claim(base + mapping.Pascal(string(od.Name())) + suffix(u.key.role))
			u.derived = append(u.derived, u.oneofs[od.FullName()])
			if u.key.role != roleObject {
				continue
			}
			for j := 0; j < od.Fields().Len(); j++ {
				fd := od.Fields().Get(j)
				if im.mapped(fd, roleObject) {
					u.wrappers[fd.FullName()] = im.claim(base + mapping.Pascal(string(fd.Name())))
					u.derived = append(u.derived, u.wrappers[fd.FullName()])
				}
			}
		}
	}
}

// anyMapped reports whether a oneof has a member with a GraphQL
// counterpart in the direction of role r.
func (im *importer) anyMapped(od protoreflect.OneofDescriptor, r role) bool {
	for j := 0; j < od.Fields().Len(); j++ {
		if im.mapped(od.Fields().Get(j), r) {
			return true
		}
	}
	return false
}

// claim reserves a type name, numbering it when it is taken.
func (im *importer) claim(name string) string {
	out := name
	for i := 2; im.taken[out]; i++ {
		out = fmt.Sprintf("%s%d", name, i)
	}
	im.taken[out] = true
	return out
}

func suffix(r role) string {
	if r == roleInput || r == roleArgs {
		return "Input"
	}
	return ""
}

// nameRootFields names root fields after their methods in lowerCamel
// (GetProduct -> getProduct). Methods of several services that would share
// a name on one root type are all prefixed with their service's name minus
// "Service" (catalogGetHealth, userGetHealth), then with their package.
func (im *importer) nameRootFields() {
	namers := []func(rf *rootField) string{
		func(rf *rootField) string { return mapping.LowerCamel(string(rf.method.Name())) },
		func(rf *rootField) string {
			svc := rf.method.Parent()
			short := strings.TrimSuffix(string(svc.Name()), "Service")
			if short == "" {
				short = packagePrefix(svc) + string(svc.Name())
			}
			return mapping.LowerCamel(short + string(rf.method.Name()))
		},
		func(rf *rootField) string {
			svc := rf.method.Parent()
			return mapping.LowerCamel(packagePrefix(svc) + strings.TrimSuffix(string(svc.Name()), "Service") + string(rf.method.Name()))
		},
	}
	for k := range rootTypeNames {
		var pending []*rootField
		for _, rf := range im.roots {
			if rf.root == rootKind(k) {
				pending = append(pending, rf)
			}
		}
		taken := im.fields[rootKind(k)]
		for _, namer := range namers {
			counts := map[string]int{}
			for _, rf := range pending {
				counts[namer(rf)]++
			}
			var next []*rootField
			for _, rf := range pending {
				if n := namer(rf); counts[n] == 1 && !taken[n] {
					rf.name = n
					taken[n] = true
				} else {
					next = append(next, rf)
				}
			}
			pending = next
		}
		for _, rf := range pending {
			base := namers[len(namers)-1](rf)
			n := base
			for i := 2; taken[n]; i++ {
				n = fmt.Sprintf("%s%d", base, i)
			}
			rf.name = n
			taken[n] = true
		}
	}
}

// relName is a message's or enum's name relative to its package, nested
// names joined: catalog.v1.Product.Variant -> ProductVariant.
func relName(d protoreflect.Descriptor) string {
	rel := string(d.FullName())
	if pkg := string(d.ParentFile().Package()); pkg != "" {
		rel = strings.TrimPrefix(rel, pkg+".")
	}
	parts := strings.Split(rel, ".")
	for i, p := range parts {
		parts[i] = mapping.UpperFirst(p)
	}
	return strings.Join(parts, "")
}

// packagePrefix is the PascalCase package of a descriptor: catalog.v1 ->
// CatalogV1.
func packagePrefix(d protoreflect.Descriptor) string {
	return mapping.Pascal(strings.ReplaceAll(string(d.ParentFile().Package()), ".", "_"))
}

// fieldName is the GraphQL name of a field: its json_name, unless that is
// no GraphQL name (json_name may be any string), then the lowerCamel of
// its proto name, which the binder finds as well.
func fieldName(fd protoreflect.FieldDescriptor) string {
	if n := fd.JSONName(); mapping.GraphQLName(n) {
		return n
	}
	return mapping.JSONCamel(string(fd.Name()))
}
