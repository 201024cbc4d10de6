package model

import (
	"time"

	catalogv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/catalog/v1"
	usersv1 "github.com/bffgen/bffgen/examples/shop/gen/pb/users/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The mapping from the backends' messages to the models both hand-written
// BFFs share (handbff and handlookahead): a user, the category enum both
// ways, and a timestamp.

// UserFromPB maps a user to its GraphQL model.
func UserFromPB(u *usersv1.User) *User {
	return &User{
		ID:          u.GetId(),
		DisplayName: u.GetDisplayName(),
		Country:     u.GetCountry(),
		JoinedAt:    TimeFromPB(u.GetJoinedAt()),
	}
}

// CategoryFromPB maps a catalog category to the GraphQL enum; the zero
// value (CATEGORY_UNSPECIFIED) and values the schema does not know are
// null.
func CategoryFromPB(c catalogv1.Category) *Category {
	var m Category
	switch c {
	case catalogv1.Category_CATEGORY_ELECTRONICS:
		m = CategoryElectronics
	case catalogv1.Category_CATEGORY_BOOKS:
		m = CategoryBooks
	case catalogv1.Category_CATEGORY_HOME:
		m = CategoryHome
	case catalogv1.Category_CATEGORY_OUTDOOR:
		m = CategoryOutdoor
	default:
		return nil
	}
	return &m
}

// CategoryToPB maps the GraphQL enum to a catalog category; null is
// CATEGORY_UNSPECIFIED, which the catalog reads as "all categories".
func CategoryToPB(c *Category) catalogv1.Category {
	if c == nil {
		return catalogv1.Category_CATEGORY_UNSPECIFIED
	}
	switch *c {
	case CategoryElectronics:
		return catalogv1.Category_CATEGORY_ELECTRONICS
	case CategoryBooks:
		return catalogv1.Category_CATEGORY_BOOKS
	case CategoryHome:
		return catalogv1.Category_CATEGORY_HOME
	case CategoryOutdoor:
		return catalogv1.Category_CATEGORY_OUTDOOR
	}
	return catalogv1.Category_CATEGORY_UNSPECIFIED
}

// TimeFromPB maps a timestamp to a time; an unset timestamp is null.
func TimeFromPB(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}
