//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package codegen

// lockFile reports that file locks are not available here, so every run
// works in a temporary workspace.
func lockFile(path string) (unlock func(), ok bool) { return nil, false }
