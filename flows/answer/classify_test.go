package answer

import "testing"

func TestClassifier(t *testing.T) {
	c := NewClassifier([][]string{
		{"landlord", "rent", "locked me out", "eviction"},
		{"custody", "kids", "divorce"},
		{"debt", "collector", "shared"},
		{"shared"},
	})
	tests := []struct {
		msg  string
		want int // -1: no guess
	}{
		{"my landlord locked me out", 0},
		{"i need custody of my kids", 1},
		{"debt collectors call me", 2},
		{"hi", -1},
		{"", -1},
		{"my kids and my landlord", 1},                     // a tie: the class told first
		{"my landlord, my kids", 0},                        // the same tie the other way
		{"eviction next week and i have 3 kids", 0},        // a tie at different places
		{"i have 3 kids and my landlord locked me out", 0}, // more words win wherever they are
		{"shared", -1},                                     // the same phrase in two classes
		{"the eviction, my kids, a divorce", 1},            // two phrases beat one
		{"my landlord s RENT is due", 0},
	}
	for _, tt := range tests {
		got, ok := c.Classify(Normalize(tt.msg))
		if !ok {
			got = -1
		}
		if got != tt.want {
			t.Errorf("Classify(%q) = %d, want %d", tt.msg, got, tt.want)
		}
	}
	var nilc *Classifier
	if _, ok := nilc.Classify("rent"); ok {
		t.Error("a nil Classifier guessed")
	}
}
