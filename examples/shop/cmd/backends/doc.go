// Command backends runs the example's catalog and reviews backends, for
// running the BFF (go run .) against them as separate processes.
package main
