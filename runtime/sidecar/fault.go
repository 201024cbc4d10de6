package sidecar

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"connectrpc.com/connect"

	"github.com/bffgen/bffgen/runtime/config"
)

// ErrInjectedFault is the cause of a failure that fault injection made
// (upstreams.<name>.fault): the call never left.
var ErrInjectedFault = errors.New("fault injected by upstreams.<name>.fault")

// faultInjector delays and fails calls as an upstream's fault settings
// say; nil injects nothing.
type faultInjector struct {
	delay        time.Duration
	delayPercent int
	abort        connect.Code
	abortPercent int
}

// newFaultInjector returns the injector of f, nil when f injects nothing.
// f comes validated from the config package; an unknown code is an error.
func newFaultInjector(f config.Fault) (*faultInjector, error) {
	if (f.DelayPercent <= 0 || f.Delay <= 0) && f.AbortPercent <= 0 {
		return nil, nil
	}
	fi := &faultInjector{delay: f.Delay, delayPercent: f.DelayPercent, abortPercent: f.AbortPercent}
	if f.AbortPercent > 0 {
		if err := fi.abort.UnmarshalText([]byte(f.AbortCode)); err != nil {
			return nil, err
		}
	}
	return fi, nil
}

// inject delays the call, or fails it, by chance; it returns the error
// the call fails with, or nil to send it. A delay ends early with the
// call's context.
func (f *faultInjector) inject(ctx context.Context) error {
	if f == nil {
		return nil
	}
	if f.delayPercent > 0 && rand.IntN(100) < f.delayPercent {
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			code := connect.CodeCanceled
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				code = connect.CodeDeadlineExceeded
			}
			return connect.NewError(code, ctx.Err())
		}
	}
	if f.abortPercent > 0 && rand.IntN(100) < f.abortPercent {
		return connect.NewError(f.abort, ErrInjectedFault)
	}
	return nil
}
