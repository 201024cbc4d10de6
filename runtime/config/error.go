package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Error is one problem in a configuration file. Load and Parse return an
// *Error when there is one problem and the errors.Join of several *Error,
// sorted by position, when there are more; use errors.As to get the first
// one, or the Unwrap() []error method of the joined error to get them all.
type Error struct {
	// File is the file name given to Parse, or the path given to Load.
	File string
	// Line and Col locate the problem, counted from 1; both are zero when
	// the problem has no position (an unreadable file, an invalid mode
	// given by WithMode).
	Line, Col int
	// Msg says what is wrong and how to fix it.
	Msg string

	cause error
}

// Error renders the problem as "file:line:col: msg", or "file: msg" when it
// has no position.
func (e *Error) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	default:
		return e.Msg
	}
}

// Unwrap returns the underlying error, such as the fs.PathError of a file
// that cannot be read; it is nil for problems in the content of the file.
func (e *Error) Unwrap() error { return e.cause }

// join sorts errs by position and returns nil, the only error or the
// errors.Join of all of them.
func join(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
