package bench

// Result is the JSON line a load run ends with: cmd/floor prints it, and
// cmd/onehop's wrk script prints the same keys, so the driver reads both
// the same way. Latencies are of the requests that succeeded.
type Result struct {
	// Requests counts every request made, failed ones included.
	Requests int `json:"requests"`
	// Seconds is how long the run took.
	Seconds float64 `json:"seconds"`
	// Bad counts the requests that failed: an error status, a GraphQL
	// answer with errors or without data, or (floor) a failed call.
	Bad int `json:"bad"`
	// SocketErrors counts connect, read, write and timeout errors (wrk).
	SocketErrors int     `json:"socket_errors"`
	P50us        float64 `json:"p50_us"`
	P90us        float64 `json:"p90_us"`
	P99us        float64 `json:"p99_us"`
	MaxUs        float64 `json:"max_us"`
	// FirstErr is the first failure's message, when the client knows it.
	FirstErr string `json:"first_error,omitempty"`
}
