//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package codegen

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file at path, creating it, without
// waiting: ok is false when another process holds it (or it cannot be
// opened). The lock ends with unlock, or with the process.
func lockFile(path string) (unlock func(), ok bool) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true
}
