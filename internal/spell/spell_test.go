package spell

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"ask", "ask", 0}, {"aks", "ask", 2}, {"reaks", "reask", 2}, {"reask", "reasks", 1},
		{"", "abc", 3}, {"kitten", "sitting", 3}, {string(make([]byte, 65)), "a", 64},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
