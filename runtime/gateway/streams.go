package gateway

import (
	"context"
	"fmt"
	"sync"
)

// Streams tracks the long-lived streams of a GraphQL endpoint, websockets
// and SSE responses, so that a shutdown can end them: http.Server.Shutdown
// does not see hijacked websocket connections at all, and it waits for an
// SSE response until its deadline. Pass it to [NewGraphQLHandler] with
// [WithStreams], register [Streams.Drain] with
// http.Server.RegisterOnShutdown, and after Shutdown call [Streams.Wait].
// The zero value is not usable; use [NewStreams]. Its methods are safe for
// concurrent use.
type Streams struct {
	mu       sync.Mutex
	active   map[*stream]struct{}
	draining bool
	idle     chan struct{} // closed once draining with no stream left
}

// stream is one tracked stream; goAway ends it.
type stream struct {
	mu     sync.Mutex
	goAway func()
	gone   bool
}

// setGoAway sets how the stream ends; when the drain already asked for it,
// f runs at once.
func (s *stream) setGoAway(f func()) {
	s.mu.Lock()
	s.goAway = f
	gone := s.gone
	s.mu.Unlock()
	if gone {
		f()
	}
}

func (s *stream) end() {
	s.mu.Lock()
	s.gone = true
	f := s.goAway
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

// NewStreams returns an empty registry.
func NewStreams() *Streams {
	return &Streams{active: map[*stream]struct{}{}, idle: make(chan struct{})}
}

// add registers a new stream; it returns nil once the registry drains.
// A nil registry tracks nothing and admits every stream.
func (s *Streams) add() (*stream, bool) {
	if s == nil {
		return nil, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return nil, false
	}
	st := &stream{}
	s.active[st] = struct{}{}
	return st, true
}

// remove forgets st when its handler returns.
func (s *Streams) remove(st *stream) {
	if s == nil || st == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, st)
	if s.draining && len(s.active) == 0 {
		close(s.idle)
	}
}

// Drain ends every stream and refuses new ones (a websocket upgrade or an
// SSE request is then answered with 503 and the code UNAVAILABLE): a
// websocket is closed with 1001 (going away), its subscriptions cancelled;
// an SSE response gets its "complete" event and ends. Drain does not wait;
// see [Streams.Wait]. Calling it again does nothing.
func (s *Streams) Drain() {
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		return
	}
	s.draining = true
	list := make([]*stream, 0, len(s.active))
	for st := range s.active {
		list = append(list, st)
	}
	if len(s.active) == 0 {
		close(s.idle)
	}
	s.mu.Unlock()
	for _, st := range list {
		st.end()
	}
}

// Wait waits, after [Streams.Drain], until the handler of every stream has
// returned, or until ctx is done; then it returns an error that says how
// many streams were still open.
func (s *Streams) Wait(ctx context.Context) error {
	select {
	case <-s.idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%d subscription streams still open: %w", s.Len(), ctx.Err())
	}
}

// Len returns the number of open streams.
func (s *Streams) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}
