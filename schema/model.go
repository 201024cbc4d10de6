package schema

import (
	"github.com/vektah/gqlparser/v2/ast"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Model is the linked, checked composition spec.
type Model struct {
	// Dir is the absolute project root.
	Dir string
	// Config is the decoded bffgen.yaml with defaults applied.
	Config *Config
	// ModulePath is the Go module path of the project, and ModuleDir the
	// directory of its go.mod (Dir or a parent of it).
	ModulePath string
	ModuleDir  string
	// Schema is the user's GraphQL schema with the bffgen prelude.
	Schema *ast.Schema
	// Protos are all compiled proto files, in a stable order.
	Protos []protoreflect.FileDescriptor
	// Objects are the GraphQL object types, by name, including the root
	// operation types.
	Objects map[string]*Object
	// Enums are GraphQL enums bound to proto enums, by GraphQL name.
	Enums map[string]*Enum
	// Inputs are GraphQL input objects bound to proto messages, by name.
	Inputs map[string]*Input
	// MapEntries are the GraphQL object types that hold the entries of proto
	// maps (fields key and value), by name, with the map entry message.
	MapEntries map[string]protoreflect.MessageDescriptor
	// InputMapEntries are the GraphQL input object types that hold the
	// entries of proto maps in requests (fields key and value), by name,
	// with the map entry message.
	InputMapEntries map[string]protoreflect.MessageDescriptor
	// Services are the proto services that bound fields call, sorted by
	// full name.
	Services []*Service
	// Operations are the frontend's named operations read from
	// operations.documents, validated against Schema, sorted by name;
	// empty without documents.
	Operations []*Operation
}

// Object is a GraphQL object type and the proto message it is bound to.
type Object struct {
	Def *ast.Definition
	// Message is nil for root operation types and for types that no binding
	// reaches (their fields are all user resolvers).
	Message protoreflect.MessageDescriptor
	// Fields in SDL order.
	Fields []*Field
}

// FieldKind says how a GraphQL field is resolved.
type FieldKind int

const (
	// FieldProto reads a field of the parent proto message.
	FieldProto FieldKind = iota
	// FieldRPC calls a unary RPC.
	FieldRPC
	// FieldUser is resolved by user code in the resolvers directory.
	FieldUser
	// FieldBatch is resolved for all sibling parents at once by @batch.
	FieldBatch
	// FieldOneof reads a oneof of the parent message as a GraphQL union of
	// one-field member types.
	FieldOneof
)

// DefaultMaxBatchSize is the number of keys one @batch call carries at most
// when maxBatchSize is not given; more keys are split into parallel calls.
const DefaultMaxBatchSize = 100

// Field is one field of an [Object] with its binding.
type Field struct {
	Def  *ast.FieldDefinition
	Kind FieldKind
	// Proto is the parent message's field, for FieldProto.
	Proto protoreflect.FieldDescriptor
	// RPC is the call, for FieldRPC.
	RPC *RPC
	// Batch is the batched call, for FieldBatch.
	Batch *Batch
	// Oneof is the oneof and its members, for FieldOneof.
	Oneof *Oneof
	// Auth is the authorization the field needs: from @auth on the field,
	// on the object type it returns, and, for a root field, on its root
	// type; nil when it needs none.
	Auth *Auth
	// Redact is the scope of @redact(unless:) on the field; "" when the
	// field is not redacted.
	Redact string
}

// Auth is the effective @auth of a field: an authenticated caller holding
// every one of Scopes (none: any authenticated caller).
type Auth struct {
	// Scopes are sorted and distinct.
	Scopes []string
}

// Oneof binds a oneof to a union: each member type of the union has one
// field, which reads one member of the oneof.
type Oneof struct {
	Desc    protoreflect.OneofDescriptor
	Members []OneofMember
}

// OneofMember is a union member type and the oneof member it holds.
type OneofMember struct {
	Type  *ast.Definition
	Field *ast.FieldDefinition
	Proto protoreflect.FieldDescriptor
}

// BatchShape says how the response of a @batch call is matched to its keys.
type BatchShape int

const (
	// BatchByKey: Results is a repeated message field with at most one
	// result per key, matched by its field By.
	BatchByKey BatchShape = iota
	// BatchInOrder: Results is a repeated message field with one result per
	// key, in the order of the keys (Cosmo's lookups and field resolvers).
	BatchInOrder
	// BatchGrouped: Results is a flat repeated message field whose items
	// carry their parent's key in By; each key gets the list of its items,
	// in response order (one-to-many: reviews of many products in one list).
	BatchGrouped
	// BatchMap: Results is a map<key, message> field of the response.
	BatchMap
)

// Batch is a bound @batch: one call per level (and per chunk of keys) for
// all sibling parents.
type Batch struct {
	Service *Service
	Method  protoreflect.MethodDescriptor
	// Key is the repeated request field that receives the keys: a scalar or
	// enum field, or a message field with one message per key (then
	// KeyField is the field of that message that holds the key).
	Key      protoreflect.FieldDescriptor
	KeyField protoreflect.FieldDescriptor
	// From is the path, in the parent message, of each parent's key.
	From []protoreflect.FieldDescriptor
	// Shape says how results are matched to keys.
	Shape BatchShape
	// Results is the response field that holds the results: a repeated
	// message field, or a map keyed by the key for BatchMap.
	Results protoreflect.FieldDescriptor
	// By is the field of a result that holds its key, for BatchByKey and
	// BatchGrouped; nil otherwise.
	By protoreflect.FieldDescriptor
	// Pick is the path, in a result, of the field's value; empty means the
	// result itself.
	Pick []protoreflect.FieldDescriptor
	// Assigns fill the other request fields, the same for every parent
	// (arguments and literals only).
	Assigns []*Assign
	// MaxBatchSize bounds the keys of one call.
	MaxBatchSize int
}

// KeyScalar is the scalar or enum field whose values are the keys: KeyField
// when the keys are messages, else Key.
func (b *Batch) KeyScalar() protoreflect.FieldDescriptor {
	if b.KeyField != nil {
		return b.KeyField
	}
	return b.Key
}

// ResultMessage is the message of one result: the element of a repeated
// Results, or the value of a map.
func (b *Batch) ResultMessage() protoreflect.MessageDescriptor {
	if b.Results.IsMap() {
		return b.Results.MapValue().Message()
	}
	return b.Results.Message()
}

// RPC is a bound call of a unary method.
type RPC struct {
	Service *Service
	Method  protoreflect.MethodDescriptor
	// Whole, when set, fills the whole request message from one input
	// object argument ("request: $args.input").
	Whole *Source
	// Assigns fill request fields one by one, in request-field order.
	Assigns []*Assign
	// Result is the path of fields from the response message to the value
	// of the GraphQL field; empty means the whole response.
	Result []protoreflect.FieldDescriptor
}

// Assign sets one field of a request message (Path has one element per
// nested message) from a source; or, when Oneof is set (and Path empty), a
// oneof of the request from a @oneOf input object argument whose fields
// are Members.
//
// A Path that ends at a member of a oneof sets that member when the source
// is not null; a second member of the same oneof set by another Assign is
// an input error at run time.
type Assign struct {
	Path    []protoreflect.FieldDescriptor
	Source  *Source
	Oneof   protoreflect.OneofDescriptor
	Members []InputField
}

// SourceKind says where a value of a request mapping comes from.
type SourceKind int

const (
	// SourceArg is a GraphQL argument ($args.name, or $args.name.field for
	// a field of an input object argument).
	SourceArg SourceKind = iota
	// SourceParent is a field of the parent proto message ($parent.field).
	SourceParent
	// SourceLiteral is a constant from the spec.
	SourceLiteral
	// SourceHeader is an inbound HTTP request header ($header.Name): its
	// first value for a string field, every value for a repeated one; a
	// missing header is the empty string (or no values).
	SourceHeader
	// SourceContext is a value a middleware put in the request context
	// with request.SetValue ($context.name); its type is checked at run
	// time against the target field's.
	SourceContext
	// SourceClaims is a claim of the caller's verified credential
	// ($claims.name), of the type declared in bffgen.yaml; a missing claim
	// or an anonymous caller fails the field with UNAUTHENTICATED.
	SourceClaims
)

// Source is the right-hand side of a request mapping.
type Source struct {
	Kind SourceKind
	// Text is the source as written, for messages.
	Text string
	// Arg is the argument, for SourceArg; ArgPath the input object fields
	// below it (GraphQL names).
	Arg     *ast.ArgumentDefinition
	ArgPath []string
	// Type is the GraphQL type of the value for SourceArg.
	Type *ast.Type
	// Parent is the path of parent message fields, for SourceParent.
	Parent []protoreflect.FieldDescriptor
	// Literal is the constant, for SourceLiteral: string, int64, float64,
	// bool, or protoreflect.EnumNumber for enum targets.
	Literal any
	// Name is the value's name, for SourceContext, the header's, for
	// SourceHeader, or the claim's, for SourceClaims.
	Name string
	// Claim is the declared type of the claim, for SourceClaims.
	Claim ClaimType
}

// Enum is a GraphQL enum bound to a proto enum. Values map GraphQL value
// names to proto numbers; the proto zero value has no GraphQL value and
// maps to null.
type Enum struct {
	Def    *ast.Definition
	Proto  protoreflect.EnumDescriptor
	Values []EnumValue
}

// EnumValue pairs a GraphQL enum value with a proto enum value.
type EnumValue struct {
	Name  string
	Proto protoreflect.EnumValueDescriptor
}

// Input is a GraphQL input object bound to a proto message: each input
// field fills the message field of the same name.
type Input struct {
	Def     *ast.Definition
	Message protoreflect.MessageDescriptor
	Fields  []InputField
}

// InputField pairs an input object field with its message field.
type InputField struct {
	Def   *ast.FieldDefinition
	Proto protoreflect.FieldDescriptor
	// Oneof, when set, is the oneof this input field fills instead of Proto:
	// its type is a @oneOf input object whose fields are Members.
	Oneof   protoreflect.OneofDescriptor
	Members []InputField
}

// Service is a proto service that bound fields call, and the upstream (a
// key of `upstreams:` in bff.yaml) that serves it.
type Service struct {
	Desc     protoreflect.ServiceDescriptor
	Upstream string
}
