package scalar

import (
	"fmt"
	"math"
)

// ToUint32 converts an Int64 input to the value of a uint32 or fixed32
// request field, which holds 0..4294967295. A value outside that range is
// an input *[Error] (extensions.code BAD_USER_INPUT), so the client learns
// of it instead of the backend receiving a value cut to 32 bits.
func ToUint32(v int64) (uint32, error) {
	if v < 0 || v > math.MaxUint32 {
		return 0, inputErr("Int64", "%d is out of range 0..%d of a uint32 field", v, uint64(math.MaxUint32))
	}
	return uint32(v), nil
}

// OneofConflict returns the input error of a request whose input sets two
// members of proto oneof oneof (its full name, such as
// "shop.v1.Search.filter"), through two nullable fields or arguments that
// each fill one member: a oneof holds one value. Its extensions.code is
// BAD_USER_INPUT.
func OneofConflict(oneof string) error {
	return &Error{Scalar: "input", Reason: fmt.Sprintf("more than one member of oneof %s is set; set at most one", oneof)}
}
