package batch_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/bffgen/bffgen/runtime/batch"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestChunks(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		n, size    int
		failChunk  int // lo of the chunk that fails, -1 for none
		wantRanges string
		wantErrs   []bool
	}{
		{"no keys, no call", 0, 10, -1, "[]", nil},
		{"one chunk when size is 0", 5, 0, -1, "[0-5]", []bool{false, false, false, false, false}},
		{"one chunk when size covers all", 5, 5, -1, "[0-5]", []bool{false, false, false, false, false}},
		{"50 keys in chunks of 20", 50, 20, -1, "[0-20 20-40 40-50]", make([]bool, 50)},
		{"a failing chunk fails its keys only", 5, 2, 2, "[0-2 2-4 4-5]", []bool{false, false, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var ranges []string
			errs := batch.Chunks(context.Background(), tt.n, tt.size, func(_ context.Context, lo, hi int) error {
				mu.Lock()
				ranges = append(ranges, fmt.Sprintf("%d-%d", lo, hi))
				mu.Unlock()
				if lo == tt.failChunk {
					return boom
				}
				return nil
			})
			slices.Sort(ranges)
			if got := fmt.Sprint(ranges); got != tt.wantRanges && !(tt.wantRanges == "[]" && len(ranges) == 0) {
				t.Errorf("ranges %s, want %s", got, tt.wantRanges)
			}
			if len(errs) != tt.n {
				t.Fatalf("%d errors, want %d", len(errs), tt.n)
			}
			for i, err := range errs {
				if (err != nil) != (tt.wantErrs != nil && tt.wantErrs[i]) {
					t.Errorf("key %d: err %v", i, err)
				}
			}
		})
	}
}

type parent struct{ id string }

func TestStoreAndLoadByParentAndResponseKey(t *testing.T) {
	ctx := batch.WithCache(context.Background())
	a, b := &parent{"a"}, &parent{"b"}
	batch.Store(ctx, "seller", []*parent{a, b}, []string{"sa", "sb"}, []error{nil, errors.New("gone")})
	field := func(alias string) context.Context {
		return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: "seller"}}})
	}
	if v, err, ok := batch.Load[string](field("seller"), a); !ok || v != "sa" || err != nil {
		t.Errorf("a: %q %v %v", v, err, ok)
	}
	if v, err, ok := batch.Load[string](field("seller"), b); !ok || v != "sb" || err == nil {
		t.Errorf("b: %q %v %v", v, err, ok)
	}
	if _, _, ok := batch.Load[string](field("other"), a); ok {
		t.Error("an alias that was not prefetched must miss")
	}
	if _, _, ok := batch.Load[string](field("seller"), &parent{"a"}); ok {
		t.Error("another parent object must miss, even with equal content")
	}
	if _, _, ok := batch.Load[string](context.Background(), a); ok {
		t.Error("no cache, no hit")
	}
}

func TestRunCallsEveryFuncSideBySide(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		batch.Run(nil) // nothing to call, returns
		var ran []int
		batch.Run([]func(){func() { ran = append(ran, 0) }})
		if !slices.Equal(ran, []int{0}) {
			t.Errorf("ran %v, want [0]", ran)
		}
		// The last blocks until the others have run: they run in
		// goroutines of their own, beside it, or the bubble deadlocks.
		var mu sync.Mutex
		done := make(chan struct{})
		count := 0
		others := func() {
			mu.Lock()
			defer mu.Unlock()
			if count++; count == 2 {
				close(done)
			}
		}
		last := false
		batch.Run([]func(){others, others, func() { <-done; last = true }})
		if count != 2 || !last {
			t.Errorf("count %d, last ran %v; want 2 and true", count, last)
		}
	})
}

func TestGroupRunsTheLastLoadInTheCallingGoroutine(t *testing.T) {
	for _, n := range []int{0, 1, 2, 4, 5, 9} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Every load but the last waits for the last: they must run
				// beside it, or the bubble deadlocks; the last must run in
				// the calling goroutine, which it records.
				release := make(chan struct{})
				var mu sync.Mutex
				ran := make([]bool, n)
				caller := goid()
				var lastIn uint64
				var g batch.Group
				for i := range n {
					g.Go(func() {
						if i == n-1 {
							lastIn = goid()
							close(release)
						} else {
							<-release
						}
						mu.Lock()
						ran[i] = true
						mu.Unlock()
					})
				}
				g.Wait()
				for i, ok := range ran {
					if !ok {
						t.Errorf("load %d of %d did not run before Wait returned", i, n)
					}
				}
				if n > 0 && lastIn != caller {
					t.Errorf("the last load ran in goroutine %d, want the caller's, %d", lastIn, caller)
				}
			})
		})
	}
}

// goid is the calling goroutine's id, read from its stack trace.
func goid() uint64 {
	var buf [64]byte
	s := strings.TrimPrefix(string(buf[:runtime.Stack(buf[:], false)]), "goroutine ")
	id, _ := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	return id
}
