// Package redistest gives the runtime's tests a Redis and a TCP proxy in
// front of it that a test can stop, restart and blackhole, to play a Redis
// outage without touching the Redis itself (it may be shared).
package redistest
