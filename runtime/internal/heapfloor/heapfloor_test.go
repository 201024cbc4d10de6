package heapfloor_test

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/bffgen/bffgen/runtime/internal/heapfloor"
)

func TestPercent(t *testing.T) {
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

// read returns a runtime/metrics value: the GOGC in force or the heap goal.
func read(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

const (
	gogc = "/gc/gogc:percent"
	goal = "/gc/heap/goal:bytes"
	mib  = 1 << 20
)

// ballast is live heap the test sets and drops.
var ballast []byte

// The test reads the GOGC and heap goal the runtime reports, not a count
// of GC cycles: how many cycles a given garbage makes depends on how much
// of it is allocated while a cycle marks, which depends on the load of the
// machine.
func TestStartKeepsTheHeapGoalAtTheFloor(t *testing.T) {
	if v := debug.SetGCPercent(100); v != 100 {
		debug.SetGCPercent(v)
		t.Skipf("GOGC is %d here; the test assumes 100", v)
	}
	runtime.GC()
	if g := read(goal); g >= 16*mib {
		t.Skipf("the heap goal is already %d MiB here; the test assumes a small live heap", g/mib)
	}
	cycled := make(chan struct{}, 1)
	defer heapfloor.OnCycle(func() {
		select {
		case cycled <- struct{}{}:
		default:
		}
	})()
	// retuned runs cycles until the floor's finalizer has set GOGC to want.
	// Each round ends when a finalizer has run after two full cycles (the
	// sentinel in place when the first began is gone by the second's end);
	// a stale signal costs one more round. The timeout only turns a
	// finalizer that never runs (a tuner that did not re-arm) into a
	// failure instead of a hang.
	retuned := func(want uint64) {
		t.Helper()
		for range 10 {
			runtime.GC()
			runtime.GC()
			select {
			case <-cycled:
			case <-time.After(time.Minute):
				t.Fatal("no re-tune ran after two GC cycles: the finalizer did not re-arm")
			}
			if read(gogc) == want {
				return
			}
		}
		t.Fatalf("GOGC is %d after 10 rounds of cycles; want %d", read(gogc), want)
	}

	stop := heapfloor.Start(64 * mib)
	// A live heap of about a MiB: the cap, whose goal is the runtime's
	// 4 MiB minimum scaled by 10.
	if p := read(gogc); p != heapfloor.MaxPercent {
		t.Errorf("GOGC after Start(64 MiB) over a small live heap = %d, want %d (the cap)", p, heapfloor.MaxPercent)
	}
	if g := read(goal); g < 40*mib {
		t.Errorf("heap goal after Start(64 MiB) = %d MiB, want at least 40", g/mib)
	}
	again := heapfloor.Start(1 * mib)
	again() // a no-op: the first floor stays
	if p := read(gogc); p != heapfloor.MaxPercent {
		t.Errorf("GOGC after a second Start and its stop = %d, want the first floor's %d", p, heapfloor.MaxPercent)
	}

	// 48 MiB of live heap: GOGC=100 already puts the goal near 96 MiB.
	ballast = make([]byte, 48*mib)
	retuned(100)
	if g := read(goal); g < 64*mib {
		t.Errorf("heap goal with 48 MiB live and GOGC=100 = %d MiB, want at least the 64 MiB floor", g/mib)
	}
	// The live heap shrinks again: back to the cap.
	ballast = nil
	retuned(heapfloor.MaxPercent)

	stop()
	stop() // a second stop does nothing
	if p := read(gogc); p != 100 {
		t.Errorf("GOGC after stop = %d, want the 100 in force before Start", p)
	}
	runtime.GC()
	runtime.GC()
	if p, g := read(gogc), read(goal); p != 100 || g >= 16*mib {
		t.Errorf("after stop and two cycles: GOGC %d, heap goal %d MiB; want 100 and the small goal of before", p, g/mib)
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
