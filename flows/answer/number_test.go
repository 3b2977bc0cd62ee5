package answer

import (
	"strings"
	"testing"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{"3", 3, true},
		{" 3 ", 3, true},
		{"3.", 3, true},
		{"3 people", 3, true},
		{"3people", 3, true},
		{"three", 3, true},
		{"Three.", 3, true},
		{"tres", 3, true},
		{"TRES", 3, true},
		{"we are 4", 4, true},
		{"4 of us", 4, true},
		{"somos 5", 5, true},
		{"the two of us", 2, true},
		{"una", 1, true},
		{"una persona", 1, true},
		{"somos una familia de 4", 4, true}, // "una" is an article here
		{"one", 1, true},
		{"twenty", 20, true},
		{"veinte", 20, true},
		{"dieciséis", 16, true},
		{"dieciseis", 16, true},
		{"DIECISÉIS", 16, true},
		{"once", 11, true}, // Spanish eleven
		{"zero", 0, true},
		{"0", 0, true},
		{"cero", 0, true},
		{"007", 7, true},
		{"3 (three)", 3, true},
		{"3, yes 3", 3, true},
		{"1,000", 1000, true},
		{"1.000", 1000, true},
		{"1,000,000", 1_000_000, true},
		{"1000000", 1_000_000, true},
		{"4th", 4, true},
		{"x3", 3, true},
		{"", 0, false},
		{"   ", 0, false},
		{"none", 0, false},
		{"no one", 0, false},
		{"a few", 0, false},
		{"3 or 4", 0, false},
		{"3-4", 0, false},
		{"three or four", 0, false},
		{"3 adults and 2 kids", 0, false},
		{"twenty one", 0, false}, // 20 and 1: not understood rather than 20
		{"-5", 0, false},
		{"- 5", 0, false},
		{"−5", 0, false},
		{"-$5", 0, false},
		{"2.5", 0, false},
		{"2,5", 0, false},
		{"1,000,00", 0, false},
		{"1.2.3", 0, false},
		{"1000001", 0, false},
		{"1,000,001", 0, false},
		{"99999999999999999999999999", 0, false},
		{"1e9", 0, false},
		{"1e+9", 0, false},
		{"0x10", 0, false},
		{"٣", 0, false}, // Arabic-Indic digits are refused, not guessed at
		{"3 ٣", 0, false},
		{"３", 0, false}, // fullwidth digit
		{"\xff\xfe", 0, false},
		{"3\xff", 3, true},
		{"👍", 0, false},
		{"3 👍", 3, true},
		{strings.Repeat("3 ", 5000), 0, false}, // 10 KB: too long to be a number
		{strings.Repeat("1", 300), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, ok := Number(tt.in)
			if n != tt.want || ok != tt.wantOK {
				t.Errorf("Number(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.wantOK)
			}
		})
	}
	t.Run("allocations", func(t *testing.T) {
		for _, in := range []string{"3", "we are 4", "Three."} {
			if got := testing.AllocsPerRun(100, func() { Number(in) }); got > 1 {
				t.Errorf("Number(%q) allocates %v times; want at most 1", in, got)
			}
		}
	})
}
