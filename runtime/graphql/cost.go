package graphql

import (
	"context"
	"math"
	"sync/atomic"
)

// CostMeter adds up the actual cost of one executing operation, by the
// rules of the estimate (see package limits): each resolved field counts
// its weight once for every value it returns (a list of 3 objects counts 3
// times the weight, null counts 0), and each root field of a mutation
// adds 10 (limits.MutationRootCost). The dispatcher puts one in the context
// of every operation it executes when the cost report is on (see
// [WithCostReport]); an executor that finds one in its context counts
// into it (see [CostMeterFromContext]). Its zero value is ready to use;
// it is safe for concurrent use, as resolvers run concurrently.
type CostMeter struct{ n atomic.Int64 }

// Add adds n to the cost; n <= 0 adds nothing, and the sum saturates at
// the largest int64 instead of overflowing.
func (m *CostMeter) Add(n int) {
	if n <= 0 {
		return
	}
	for {
		old := m.n.Load()
		sum := old + int64(n)
		if sum < old {
			sum = math.MaxInt64
		}
		if m.n.CompareAndSwap(old, sum) {
			return
		}
	}
}

// Cost returns the cost counted so far.
func (m *CostMeter) Cost() int64 { return m.n.Load() }

type costMeterKey struct{}

// ContextWithCostMeter returns ctx carrying m, for the executor to count
// into.
func ContextWithCostMeter(ctx context.Context, m *CostMeter) context.Context {
	return context.WithValue(ctx, costMeterKey{}, m)
}

// CostMeterFromContext returns the meter of ctx, nil when there is none
// (the cost report is off): an executor then counts nothing.
func CostMeterFromContext(ctx context.Context) *CostMeter {
	m, _ := ctx.Value(costMeterKey{}).(*CostMeter)
	return m
}
