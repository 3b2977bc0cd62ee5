package answer_test

import (
	"slices"
	"testing"

	"github.com/hotline-legal/hotline/flows/answer"
)

func TestPhonesIn(t *testing.T) {
	tests := []struct {
		text string
		want []string // each number as written
	}{
		{"call my sister 312-555-0177 after 5", []string{"312-555-0177"}},
		{"this is not my phone, call me at 312 555 0177", []string{"312 555 0177"}},
		{"3 312-555-0177", []string{"312-555-0177"}},
		{"(312) 555-0111 or +1 312 555 0142", []string{"(312) 555-0111", "+1 312 555 0142"}},
		{"ZIP 60612, $1,800 a month, 2026", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, ph := range answer.PhonesIn(tt.text, "US") {
			got = append(got, tt.text[ph.Start:ph.End])
			if ph.E164 == "" || ph.E164[0] != '+' {
				t.Errorf("PhonesIn(%q): E164 %q", tt.text, ph.E164)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("PhonesIn(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
