//go:build !unix

package main

import "time"

// processCPU reports false: the benchmarks read the process's CPU time on
// unix only.
func processCPU() (time.Duration, bool) { return 0, false }
