package main

import (
	"fmt"
	"testing"
)

// BenchmarkProductsWithSellerAndReviews runs the shop's N+1 case through
// the generated BFF and its real backends on loopback: N products, each
// with two batched fields. It reports the backend calls per request, which
// must not grow with N, next to the latency.
func BenchmarkProductsWithSellerAndReviews(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			endpoint, c := countingBFF(b, "")
			query := fmt.Sprintf(`{ products(first: %d) { id name seller { displayName } reviews { rating reviewer { displayName } } } }`, n)
			c.reset()
			b.ReportAllocs()
			for b.Loop() {
				if _, res := post(b, endpoint, query, nil); len(res.Errors) > 0 {
					b.Fatalf("errors: %+v", res.Errors)
				}
			}
			calls := 0
			for _, v := range c.reset() {
				calls += v
			}
			b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
		})
	}
}
