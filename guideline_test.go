package hotline_test

import (
	"fmt"
	"testing"

	"github.com/hotline-legal/hotline"
)

func TestEligibility(t *testing.T) {
	g := hotline.Guideline{Year: 2026, Base: 15960, PerPerson: 5680}
	tests := []struct {
		household    int
		monthlyCents int64
		limit        int
		within       bool
	}{
		{4, 343750, 125, true},  // $41,250 a year: exactly 125% for four
		{4, 343751, 125, false}, // one cent a month over
		{1, 133000, 100, true},  // $15,960 a year: exactly 100% for one
		{1, 133001, 100, false},
		{3, 455333, 200, true}, // 200% of $27,320 is $54,640 = $4,553.33 a month
		{3, 455334, 200, false},
		{8, 0, 125, true},
		{20, 1290416, 125, true}, // 15,960 + 19 × 5,680 = 123,880; 125% = 154,850 = 12,904.1666 a month
		{20, 1290417, 125, false},
	}
	for _, tt := range tests {
		if got := g.Within(tt.monthlyCents, tt.household, tt.limit); got != tt.within {
			t.Errorf("Within(%d cents, household %d, %d%%) = %v, want %v", tt.monthlyCents, tt.household, tt.limit, got, tt.within)
		}
	}
	if got := g.Annual(4); got != 33000 {
		t.Errorf("Annual(4) = %d, want 33000", got)
	}
	if got := g.Percent(343750, 4); fmt.Sprintf("%.2f", got) != "125.00" {
		t.Errorf("Percent(343750, 4) = %v, want 125", got)
	}
}
