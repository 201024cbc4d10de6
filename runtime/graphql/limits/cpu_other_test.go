//go:build !unix

package limits_test

// cpuTime is not measured on this platform.
func cpuTime() (int64, bool) { return 0, false }
