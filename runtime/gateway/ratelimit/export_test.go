package ratelimit

// KeysForTest returns the keys held in memory by the i-th rule checked by
// the middleware.
func KeysForTest(l *Limiter, i int) int { return l.http[i].local.len() }
