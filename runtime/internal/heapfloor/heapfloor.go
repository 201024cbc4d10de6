package heapfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// MaxPercent caps the GOGC Start sets, for a live heap near zero.
const MaxPercent = 1000

// The runtime/metrics Start reads after each cycle.
const (
	liveHeap = "/gc/heap/live:bytes"
	stacks   = "/gc/scan/stack:bytes"
	globals  = "/gc/scan/globals:bytes"
)

var (
	mu     sync.Mutex
	active *tuner // the running tuner; at most one per process

	// afterCycle, when set (by tests only), is called under mu after the
	// finalizer has re-tuned and re-armed. It must not block.
	afterCycle func()
)

// tuner is one Start: its floor, and the metrics it reads, allocated once.
type tuner struct {
	floor   uint64
	samples []metrics.Sample
	// stopped is set by stop under mu; the finalizer checks it under mu.
	stopped bool
	// before is the GOGC in force when Start was called, restored by stop.
	before int
}

// Start keeps the heap goal at least floor bytes (see the package doc)
// until the returned stop is called, which restores the GOGC in force
// before. Above the floor it sets GOGC=100, whatever was in force: the
// caller starts it only where GOGC is the default. A floor of 0 does
// nothing. GOGC is process-wide: a second Start while one runs does
// nothing and returns a stop that does nothing, so the first floor stays.
// Start does not look at the GOGC environment variable; the caller
// decides whether an explicit GOGC should turn the floor off.
func Start(floor uint64) (stop func()) {
	mu.Lock()
	defer mu.Unlock()
	if floor == 0 || active != nil {
		return func() {}
	}
	t := &tuner{floor: floor, samples: []metrics.Sample{{Name: liveHeap}, {Name: stacks}, {Name: globals}}}
	t.before = currentPercent()
	active = t
	t.adjust()
	t.arm()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			t.stopped = true
			active = nil
			debug.SetGCPercent(t.before)
		})
	}
}

// currentPercent is the GOGC in force, read without setting it (100 on a
// Go whose runtime/metrics lacks it).
func currentPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 100
	}
	return int(s[0].Value.Uint64())
}

// sentinel is an object nothing references, whose finalizer the collector
// queues once the cycle that finds it unreachable ends. It holds a pointer
// and is larger than the tiny allocator's 16 bytes, so that it is an
// allocation of its own.
type sentinel struct {
	t   *tuner
	pad [16]byte
}

// arm allocates a new sentinel, whose finalizer re-tunes and re-arms.
func (t *tuner) arm() {
	s := &sentinel{t: t}
	runtime.SetFinalizer(s, func(s *sentinel) {
		mu.Lock()
		defer mu.Unlock()
		if s.t.stopped {
			return
		}
		s.t.adjust()
		s.t.arm()
		if afterCycle != nil {
			afterCycle()
		}
	})
}

// adjust sets GOGC for the live heap of the last cycle.
func (t *tuner) adjust() {
	metrics.Read(t.samples)
	var live, roots uint64
	for _, s := range t.samples {
		if s.Value.Kind() != metrics.KindUint64 {
			continue // a metric this Go does not have: counts as 0
		}
		switch s.Name {
		case liveHeap:
			live = s.Value.Uint64()
		default:
			roots += s.Value.Uint64()
		}
	}
	debug.SetGCPercent(Percent(t.floor, live, roots))
}

// heapMinimum is the Go runtime's smallest heap goal at GOGC=100 (its
// defaultHeapMinimum); it scales with GOGC.
const heapMinimum = 4 << 20

// Percent is the smallest GOGC that puts the heap goal at floor for a live
// heap of live bytes and roots bytes of scannable stacks and globals. The
// Go runtime's goal is the larger of live + (live + roots) × GOGC / 100
// and 4 MiB × GOGC / 100, so the answer is the smaller of the GOGCs that
// bring either to floor. It is 100 when the goal is already at or above
// floor, and at most MaxPercent.
func Percent(floor, live, roots uint64) int {
	if live >= floor {
		return 100
	}
	p := math.Ceil(100 * float64(floor) / heapMinimum)
	if base := live + roots; base > 0 {
		p = min(p, math.Ceil(100*float64(floor-live)/float64(base)))
	}
	return int(min(max(p, 100), MaxPercent))
}
