package heapfloor

// OnCycle sets the hook the finalizer calls after each re-tune, and
// returns a function that removes it. The hook must not block.
func OnCycle(f func()) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	afterCycle = f
	return func() {
		mu.Lock()
		defer mu.Unlock()
		afterCycle = nil
	}
}
