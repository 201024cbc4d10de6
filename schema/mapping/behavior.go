package mapping

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Behavior is a value of google.api.field_behavior
// (google/api/field_behavior.proto).
type Behavior int32

// The field behaviors the mapping reads: a REQUIRED request field is a
// non-null argument or input field; an OUTPUT_ONLY one is left out of
// inputs.
const (
	Required   Behavior = 2
	OutputOnly Behavior = 3
)

// fieldBehaviorNumber is the field number of the google.api.field_behavior
// extension of google.protobuf.FieldOptions.
const fieldBehaviorNumber = 1052

// HasBehavior reports whether a field is annotated with
// (google.api.field_behavior) = b. It reads the options' wire form, so it
// needs neither the extension's Go type nor google/api/field_behavior.proto
// among the compiled files.
func HasBehavior(fd protoreflect.FieldDescriptor, b Behavior) bool {
	opts := fd.Options()
	if opts == nil {
		return false
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil {
		return false
	}
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return false
		}
		raw = raw[n:]
		if num == fieldBehaviorNumber && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(raw)
			if m < 0 {
				return false
			}
			if Behavior(v) == b {
				return true
			}
		}
		if num == fieldBehaviorNumber && typ == protowire.BytesType {
			packed, m := protowire.ConsumeBytes(raw)
			if m < 0 {
				return false
			}
			for len(packed) > 0 {
				v, k := protowire.ConsumeVarint(packed)
				if k < 0 {
					break
				}
				if Behavior(v) == b {
					return true
				}
				packed = packed[k:]
			}
		}
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return false
		}
		raw = raw[m:]
	}
	return false
}
