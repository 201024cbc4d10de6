package codegen

import (
	"testing"

	"github.com/bffgen/bffgen/codegen/plan"
)

// TestCostAddsSaturateWhenAWeightCan: once a weight of the package is
// large enough to saturate the run's cost, every add of the package goes
// through satCost, small ones too, so that no add after a saturation
// wraps the cost to a negative number (which rgraphql.CostMeter would
// then ignore). Without such a weight, adds are plain.
func TestCostAddsSaturateWhenAWeightCan(t *testing.T) {
	small := &plan.Selection{Fields: []*plan.Field{{Key: "a", Cost: 3}}}
	big := &plan.Selection{Fields: []*plan.Field{{Key: "a", Cost: 1}, {Key: "b", Sel: &plan.Selection{Fields: []*plan.Field{{Key: "c", ArgCost: bigWeight}}}}}}
	if hasBigWeight(small) {
		t.Error("hasBigWeight(small) = true")
	}
	if !hasBigWeight(big) {
		t.Error("hasBigWeight misses a weight two levels down")
	}
	tests := []struct {
		name       string
		saturating bool
		w          int
		times      string
		want       string
	}{
		{"no weight, no statement", true, 0, "", ""},
		{"plain add", false, 3, "", "d.cost += 3\n"},
		{"plain add per element", false, 2, "len(p.Tags)", "d.cost += 2 * len(p.Tags)\n"},
		{"small weight saturates too", true, 3, "", "d.cost = satCost(d.cost, 3, 1)\n"},
		{"per element, saturating", true, 1, "len(p.Tags)", "d.cost = satCost(d.cost, 1, len(p.Tags))\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &emitter{shared: &sharedWriters{saturating: tt.saturating}}
			if got := e.addCost(tt.w, tt.times); got != tt.want {
				t.Errorf("addCost(%d, %q) = %q, want %q", tt.w, tt.times, got, tt.want)
			}
			if tt.times == "" {
				want := "x()\n"
				if tt.want != "" {
					want = "{\n" + tt.want + "x()\n}\n"
				}
				if got := e.withCost(tt.w, "x()\n"); got != want {
					t.Errorf("withCost(%d) = %q, want %q", tt.w, got, want)
				}
			}
		})
	}
}
