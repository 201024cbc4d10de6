// Package heapfloor keeps the Go garbage collector's heap goal at or above
// a floor while the live heap is small.
//
// With the default GOGC=100 the collector runs each time the heap grows by
// the live heap (plus stacks and globals). A BFF's live heap at rest is a
// few MiB, so under a steady load of small requests it collects tens of
// times a second, and on a two-core machine those cycles land in the tail
// latency of the requests they overlap. A floor of a few MiB lets the heap
// grow that much between cycles when the live heap is small, and changes
// nothing once twice the live heap is above the floor: the goal is then
// GOGC=100's. It is the floor under the heap goal that debug.SetMemoryLimit
// cannot give (a memory limit only lowers the goal).
//
// [Start] re-tunes GOGC once per cycle, from a finalizer that the collector
// runs after each cycle, with runtime/metrics' live heap, scannable stack
// and globals: the smallest GOGC that brings the runtime's goal to the
// floor ([Percent]), at least 100 and at most [MaxPercent]. A memory limit
// (GOMEMLIMIT) still caps the goal: the runtime takes the lower of the two.
package heapfloor
