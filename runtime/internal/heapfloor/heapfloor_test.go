package heapfloor_test

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"

	"github.com/bffgen/bffgen/runtime/internal/heapfloor"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name              string
		floor, live, root uint64
		want              int
	}{
		{"a live heap above the floor keeps GOGC=100", 8 * mib, 9 * mib, 0, 100},
		{"twice the live heap above the floor keeps GOGC=100", 8 * mib, 5 * mib, 0, 100},
		{"a floor at the runtime's 4 MiB minimum keeps GOGC=100", 4 * mib, 1 * mib, 0, 100},
		{"a live heap grows to the floor", 16 * mib, 4 * mib, 0, 300},
		{"stacks and globals count in the base", 16 * mib, 4 * mib, 1 * mib, 240},
		{"rounds up, so the goal reaches the floor", 16 * mib, 6 * mib, 0, 167},
		{"a small live heap reaches the floor by the scaled 4 MiB minimum", 8 * mib, 1 * mib, 0, 200},
		{"an empty heap reaches the floor by the minimum too", 8 * mib, 0, 0, 200},
		{"a huge floor is capped", 1 << 30, 1 * mib, 0, heapfloor.MaxPercent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := heapfloor.Percent(tt.floor, tt.live, tt.root); got != tt.want {
				t.Errorf("Percent(%d, %d, %d) = %d, want %d", tt.floor, tt.live, tt.root, got, tt.want)
			}
		})
	}
}

var sink []byte

// cycles allocates 256 MiB of garbage in 32 KiB pieces, with a small live
// heap, and returns how many GC cycles ran meanwhile.
func cycles() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	for range 256 << 20 / (32 << 10) {
		sink = make([]byte, 32<<10)
	}
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

func TestStartRaisesTheHeapGoalToTheFloor(t *testing.T) {
	if v := debug.SetGCPercent(100); v != 100 {
		debug.SetGCPercent(v)
		t.Skipf("GOGC is %d here; the comparison assumes 100", v)
	}
	without := cycles()
	stop := heapfloor.Start(64 << 20)
	if again := heapfloor.Start(1 << 20); again == nil {
		t.Fatal("a second Start returned a nil stop")
	} else {
		again() // a no-op: the first floor stays
	}
	with := cycles()
	stop()
	stop() // a second stop does nothing
	t.Logf("GC cycles for 256 MiB of garbage: %d without a floor, %d with a 64 MiB floor", without, with)
	// With a live heap of well under a MiB the default goal is 4 MiB (the
	// runtime's minimum), about 60 cycles; a 64 MiB floor (GOGC=1000, the
	// cap: a 40 MiB goal) makes about 7.
	if with*4 > without {
		t.Errorf("%d cycles with a 64 MiB floor, %d without: want at most a quarter", with, without)
	}
	if v := debug.SetGCPercent(100); v != 100 {
		t.Errorf("after stop, GOGC is %d; want the 100 in force before Start", v)
	}
	after := cycles()
	if after*2 < without {
		t.Errorf("%d cycles after stop, %d before Start: the floor is still in force", after, without)
	}
}

func TestStartWithAZeroFloorDoesNothing(t *testing.T) {
	before := debug.SetGCPercent(123)
	defer debug.SetGCPercent(before)
	stop := heapfloor.Start(0)
	runtime.GC()
	runtime.GC()
	if v := debug.SetGCPercent(123); v != 123 {
		t.Errorf("GOGC is %d with a zero floor; want 123, untouched", v)
	}
	stop()
	if v := debug.SetGCPercent(123); v != 123 {
		t.Errorf("GOGC is %d after stop of a zero floor; want 123, untouched", v)
	}
}
