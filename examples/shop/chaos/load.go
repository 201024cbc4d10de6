package chaos

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Mix is the shop's request mix of `make chaos`: idempotent queries that
// reach every backend, and the addReview mutation. Every query asks for
// nullable fields of each backend, so a failing backend shows as partial
// data.
var Mix = []Request{
	{Name: "product", Query: `query Product($id: ID!) { product(id: $id) { id name priceCents displayPrice stock sellerProfile { displayName } } }`, Variables: map[string]any{"id": "p-1003"}},
	{Name: "products", Query: `{ products(first: 3) { id name seller { displayName } reviews(first: 2) { rating reviewer { displayName } } } }`},
	{Name: "page", Query: `{ productPage(first: 2) { totalSize products { id name sellerProfile { displayName } latestReviews(first: 1) { title } } } }`},
	{Name: "me", Query: `{ me { id displayName } }`, Auth: true},
	{Name: "addReview", Query: `mutation Add($in: AddReviewInput!) { addReview(input: $in) { id rating } }`, Auth: true, Mutation: true,
		Variables: map[string]any{"in": map[string]any{"productId": "p-1001", "rating": 4, "title": "chaos", "body": "written under faults", "author": "u-1"}}},
}

// LoadOptions bound a load.
type LoadOptions struct {
	// Workers is the number of concurrent clients, each sending its next
	// request when the previous one is answered; default 4.
	Workers int
	// Duration is how long the load runs; it stops earlier when ctx ends
	// or Requests are sent. Default 1s.
	Duration time.Duration
	// Requests, when above zero, caps the requests sent.
	Requests int
	// Pause is the time each worker waits between two requests; default 0.
	Pause time.Duration
	// Mix is the requests, taken in turn; default [Mix].
	Mix []Request
	// Samples caps the malformed answers kept in Result.Samples; default 5.
	Samples int
}

// Tally counts the answers of one request name.
type Tally struct {
	// Sent and Received count requests and answers.
	Sent, Received int64
	// Clean counts the answers without any error.
	Clean int64
	// Codes counts the errors by extensions.code.
	Codes map[string]int64
}

// Result is what a load saw.
type Result struct {
	Duration time.Duration
	// Sent counts the requests sent, Received the HTTP answers (whatever
	// their status), TransportErrors the requests without an answer.
	Sent, Received, TransportErrors int64
	// Status counts the answers by HTTP status.
	Status map[int]int64
	// Codes counts GraphQL errors by extensions.code, and Upstreams by
	// the upstream they name and their code ("users UNAVAILABLE"; "-"
	// for an error that names none).
	Codes, Upstreams map[string]int64
	// Malformed counts the answers that are not well-formed GraphQL
	// (see Check); Samples keeps the first few, with why.
	Malformed int64
	Samples   []string
	// ByName tallies the answers by Request.Name.
	ByName map[string]*Tally
	// Latencies are the latencies of the answers, in the order received.
	Latencies []time.Duration
}

// Load sends the mix from o.Workers workers until o.Duration passes, ctx
// ends or o.Requests are sent, and returns the tallies.
func (s *Shop) Load(ctx context.Context, o LoadOptions) *Result {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Duration <= 0 {
		o.Duration = time.Second
	}
	if len(o.Mix) == 0 {
		o.Mix = Mix
	}
	if o.Samples <= 0 {
		o.Samples = 5
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	res := &Result{Status: map[int]int64{}, Codes: map[string]int64{}, Upstreams: map[string]int64{}, ByName: map[string]*Tally{}}
	for _, r := range o.Mix {
		res.ByName[r.Name] = &Tally{Codes: map[string]int64{}}
	}
	var mu sync.Mutex
	next := 0
	take := func() (Request, bool) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || (o.Requests > 0 && res.Sent >= int64(o.Requests)) {
			return Request{}, false
		}
		r := o.Mix[next%len(o.Mix)]
		next++
		res.Sent++
		res.ByName[r.Name].Sent++
		return r, true
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			for {
				r, ok := take()
				if !ok {
					return
				}
				t0 := time.Now()
				// A request in flight when the load ends is still
				// answered: only new requests stop.
				a, err := s.Query(context.WithoutCancel(ctx), r)
				took := time.Since(t0)
				mu.Lock()
				res.record(r, a, err, took, o.Samples)
				mu.Unlock()
				if o.Pause > 0 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(o.Pause):
					}
				}
			}
		})
	}
	wg.Wait()
	res.Duration = time.Since(start)
	return res
}

// record adds one answer to the result.
func (res *Result) record(r Request, a Answer, err error, took time.Duration, samples int) {
	if err != nil {
		res.TransportErrors++
		if len(res.Samples) < samples {
			res.Samples = append(res.Samples, fmt.Sprintf("%s: no answer: %v", r.Name, err))
		}
		return
	}
	t := res.ByName[r.Name]
	res.Received++
	t.Received++
	res.Status[a.Status]++
	res.Latencies = append(res.Latencies, took)
	if a.Malformed != nil {
		res.Malformed++
		if len(res.Samples) < samples {
			res.Samples = append(res.Samples, fmt.Sprintf("%s: %d %v: %.300s", r.Name, a.Status, a.Malformed, a.Body))
		}
		return
	}
	if len(a.Errors) == 0 {
		t.Clean++
	}
	for _, e := range a.Errors {
		res.Codes[e.Code]++
		t.Codes[e.Code]++
		res.Upstreams[cmp.Or(e.Upstream, "-")+" "+e.Code]++
	}
}

// Failed returns the errors of the requests named, summed over codes.
func (res *Result) Failed(names ...string) int64 {
	var n int64
	for _, name := range names {
		if t := res.ByName[name]; t != nil {
			n += t.Received - t.Clean
		}
	}
	return n
}

// Print writes the result as `make chaos` shows it.
func (res *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "requests sent      %d (%.0f/s over %s)\n", res.Sent, float64(res.Sent)/res.Duration.Seconds(), res.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "answers received   %d\n", res.Received)
	fmt.Fprintf(w, "no answer          %d\n", res.TransportErrors)
	fmt.Fprintf(w, "malformed answers  %d\n", res.Malformed)
	fmt.Fprintf(w, "HTTP status       ")
	for _, st := range slices.Sorted(maps.Keys(res.Status)) {
		fmt.Fprintf(w, " %d: %d", st, res.Status[st])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "GraphQL errors    ")
	if len(res.Codes) == 0 {
		fmt.Fprint(w, " none")
	}
	for _, c := range slices.Sorted(maps.Keys(res.Codes)) {
		fmt.Fprintf(w, " %s: %d", c, res.Codes[c])
	}
	fmt.Fprintln(w)
	if len(res.Upstreams) > 0 {
		fmt.Fprintf(w, "errors by upstream ")
		for _, k := range slices.Sorted(maps.Keys(res.Upstreams)) {
			fmt.Fprintf(w, " %s: %d", k, res.Upstreams[k])
		}
		fmt.Fprintln(w)
	}
	if len(res.Latencies) > 0 {
		l := slices.Clone(res.Latencies)
		slices.Sort(l)
		q := func(p float64) time.Duration { return l[min(len(l)-1, int(p*float64(len(l))))] }
		fmt.Fprintf(w, "latency            p50 %s  p99 %s  max %s\n", q(0.5).Round(time.Microsecond*100), q(0.99).Round(time.Microsecond*100), l[len(l)-1].Round(time.Microsecond*100))
	}
	fmt.Fprintf(w, "by request         %-10s %8s %8s %8s  errors by code\n", "", "sent", "answers", "clean")
	for _, name := range slices.Sorted(maps.Keys(res.ByName)) {
		t := res.ByName[name]
		fmt.Fprintf(w, "                   %-10s %8d %8d %8d ", name, t.Sent, t.Received, t.Clean)
		for _, c := range slices.Sorted(maps.Keys(t.Codes)) {
			fmt.Fprintf(w, " %s: %d", c, t.Codes[c])
		}
		fmt.Fprintln(w)
	}
	for _, s := range res.Samples {
		fmt.Fprintf(w, "sample: %s\n", s)
	}
}

// Add adds the counts of o to res: its duration, counters, tallies and
// latencies, and its samples up to the cap of 5 kept by Load's default.
func (res *Result) Add(o *Result) {
	if res.Status == nil {
		res.Status = map[int]int64{}
	}
	if res.Codes == nil {
		res.Codes = map[string]int64{}
	}
	if res.Upstreams == nil {
		res.Upstreams = map[string]int64{}
	}
	if res.ByName == nil {
		res.ByName = map[string]*Tally{}
	}
	res.Duration += o.Duration
	res.Sent += o.Sent
	res.Received += o.Received
	res.TransportErrors += o.TransportErrors
	res.Malformed += o.Malformed
	for k, v := range o.Status {
		res.Status[k] += v
	}
	for k, v := range o.Codes {
		res.Codes[k] += v
	}
	for k, v := range o.Upstreams {
		res.Upstreams[k] += v
	}
	for name, t := range o.ByName {
		mine := res.ByName[name]
		if mine == nil {
			mine = &Tally{Codes: map[string]int64{}}
			res.ByName[name] = mine
		}
		mine.Sent += t.Sent
		mine.Received += t.Received
		mine.Clean += t.Clean
		for k, v := range t.Codes {
			mine.Codes[k] += v
		}
	}
	for _, s := range o.Samples {
		if len(res.Samples) < 5 {
			res.Samples = append(res.Samples, s)
		}
	}
	res.Latencies = append(res.Latencies, o.Latencies...)
}
