package plan

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bffgen/bffgen/schema"
	"github.com/bffgen/bffgen/schema/mapping"
)

// FillKind says how one step of a request is filled.
type FillKind int

const (
	// FillField sets the request field at Path from Source, allocating
	// the messages on the way.
	FillField FillKind = iota
	// FillMember is FillField for a Path that ends at a member of a oneof:
	// the member is set only when the source is not null, and a oneof that
	// holds a member already is the client's error.
	FillMember
	// FillOneof fills the oneof Oneof of the request from the @oneOf input
	// object argument Source (of the input type Input): the one field set,
	// among Members, becomes the oneof's member.
	FillOneof
	// FillWhole converts the whole request from the input object argument
	// Source, with the converter of the bound input Input.
	FillWhole
)

// Fill is one step of filling a request message.
type Fill struct {
	Kind FillKind
	// Path is the request field to set, one element per nested message,
	// for FillField and FillMember.
	Path []protoreflect.FieldDescriptor
	// Source is where the value comes from: for FillOneof and FillWhole,
	// the argument (SourceArg) that holds the input object.
	Source *schema.Source
	// Input names the GraphQL input object type, for FillOneof and
	// FillWhole.
	Input string
	// Oneof and Members are the request's oneof and the input fields that
	// fill its members, for FillOneof.
	Oneof   protoreflect.OneofDescriptor
	Members []schema.InputField
	// From is the input object field the value comes from, for the fills
	// of an input converter (Source is nil then).
	From *schema.InputField
}

// FillOf decides how a request field at path is filled: FillMember when
// the path ends at a member of a oneof, else FillField.
func FillOf(path []protoreflect.FieldDescriptor, src *schema.Source) Fill {
	kind := FillField
	if n := len(path); n > 0 && mapping.RealOneof(path[n-1]) {
		kind = FillMember
	}
	return Fill{Kind: kind, Path: path, Source: src}
}

// fills plans the assignments of a request mapping, in their order.
func fills(assigns []*schema.Assign) []Fill {
	var out []Fill
	for _, a := range assigns {
		if a.Oneof != nil {
			out = append(out, Fill{Kind: FillOneof, Source: a.Source, Input: a.Source.Type.Name(), Oneof: a.Oneof, Members: a.Members})
			continue
		}
		out = append(out, FillOf(a.Path, a.Source))
	}
	return out
}

// ResultKind says what the response of an @rpc call becomes.
type ResultKind int

const (
	// ResultValue: the value at the call's Result path (the response
	// itself when the path is empty).
	ResultValue ResultKind = iota
	// ResultEmpty: the method returns google.protobuf.Empty and the field
	// reads nothing of it: the field is true once the call succeeded.
	ResultEmpty
	// ResultMap: the Result path ends at a map field: the list of its
	// entries, ordered by key, as a map field of a message is read.
	ResultMap
	// ResultStream: a server-streaming method behind a subscription: the
	// value at the Result path of every message is an event, until the
	// client leaves.
	ResultStream
)

// Call is the plan of an @rpc field: the request's fills, in order, the
// call, and what its response becomes.
type Call struct {
	RPC *schema.RPC
	// Fill fills the request: one FillWhole, or the assignments in
	// request-field order.
	Fill   []Fill
	Result ResultKind
}

func newCall(rpc *schema.RPC) *Call {
	c := &Call{RPC: rpc}
	if rpc.Whole != nil {
		c.Fill = []Fill{{Kind: FillWhole, Source: rpc.Whole, Input: rpc.Whole.Type.Name()}}
	} else {
		c.Fill = fills(rpc.Assigns)
	}
	n := len(rpc.Result)
	switch {
	case rpc.Method.IsStreamingServer():
		c.Result = ResultStream
	case rpc.Method.Output().FullName() == "google.protobuf.Empty" && n == 0:
		c.Result = ResultEmpty
	case n > 0 && rpc.Result[n-1].IsMap():
		c.Result = ResultMap
	}
	return c
}

// BatchCall is the plan of a @batch field: the fills of the request
// fields other than the keys (the same for every parent), and whether the
// function that calls the method for a list of keys is shared.
type BatchCall struct {
	Batch *schema.Batch
	Fill  []Fill
	// Shared: the fields with the same call (method, key, results, shape)
	// and no request fills of their own share one fetch function; a field
	// with fills has its own, which takes the field's arguments.
	Shared bool
}

func newBatchCall(b *schema.Batch) *BatchCall {
	return &BatchCall{Batch: b, Fill: fills(b.Assigns), Shared: len(b.Assigns) == 0}
}

// Converter is the plan of the converter of a bound input object type to
// its message: one fill per input field, in the input's field order.
type Converter struct {
	Input *schema.Input
	Fill  []Fill
}

func newConverter(in *schema.Input) *Converter {
	c := &Converter{Input: in}
	for i := range in.Fields {
		f := &in.Fields[i]
		if f.Oneof != nil {
			c.Fill = append(c.Fill, Fill{Kind: FillOneof, Input: f.Def.Type.Name(), Oneof: f.Oneof, Members: f.Members, From: f})
			continue
		}
		fl := FillOf([]protoreflect.FieldDescriptor{f.Proto}, nil)
		fl.From = f
		c.Fill = append(c.Fill, fl)
	}
	return c
}
