package answer

import (
	"strings"
	"testing"
	"time"
)

// day parses a YYYY-MM-DD test date as midnight UTC.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("bad test date %q: %v", s, err)
	}
	return d
}

func TestDate(t *testing.T) {
	const (
		wed     = "2026-03-11" // a Wednesday in an ordinary year
		nov     = "2026-11-20"
		dec20   = "2025-12-20"
		jan3    = "2026-01-03"
		newYear = "2026-12-31" // a Thursday
	)
	tests := []struct {
		in    string
		today string
		want  string // "" for ok=false
	}{
		// Numbers, month first.
		{"3/12", wed, "2026-03-12"},
		{"03/12", wed, "2026-03-12"},
		{"3-12", wed, "2026-03-12"},
		{"03.12", wed, "2026-03-12"},
		{"3/12/2026", wed, "2026-03-12"},
		{"3/12/26", wed, "2026-03-12"},
		{"2026-03-12", wed, "2026-03-12"},
		{"2026/3/12", wed, "2026-03-12"},
		{"3/12 2026", wed, "2026-03-12"},
		{"3/12, 2026", wed, "2026-03-12"},
		{"12/03/2026", wed, "2026-12-03"},
		{"12/3/26", wed, "2026-12-03"},
		{"12-03", nov, "2026-12-03"},
		{"12/03", nov, "2026-12-03"},
		{"12/3", nov, "2026-12-03"},
		{"court is 3/12 at 10:30", wed, "2026-03-12"},
		{"1/2/99", wed, "1999-01-02"}, // the century nearest today
		{"1/2/30", wed, "2030-01-02"},
		// Day first when only that makes sense.
		{"25/12/2026", wed, "2026-12-25"},
		{"25/12", nov, "2026-12-25"},
		{"13/13", wed, ""},
		// Month names.
		{"Dec 3", nov, "2026-12-03"},
		{"dec. 3rd", nov, "2026-12-03"},
		{"December 3", nov, "2026-12-03"},
		{"DECEMBER 3RD", nov, "2026-12-03"},
		{"3 December", nov, "2026-12-03"},
		{"the 3rd of December", nov, "2026-12-03"},
		{"December the 3rd", nov, "2026-12-03"},
		{"Dec 3, 2026", nov, "2026-12-03"},
		{"Dec 3 2027", nov, "2027-12-03"},
		{"3 December 2027", nov, "2027-12-03"},
		{"3 de diciembre", nov, "2026-12-03"},
		{"3 de diciembre de 2027", nov, "2027-12-03"},
		{"3 dic", nov, "2026-12-03"},
		{"diciembre 3", nov, "2026-12-03"},
		{"Diciembre 3.", nov, "2026-12-03"},
		{"el 3 de dic.", nov, "2026-12-03"},
		{"court is on dec 3 at 9am", nov, "2026-12-03"},
		{"sept 9", wed, "2026-09-09"},
		{"1 de septiembre", wed, "2026-09-01"},
		{"12 de agosto", wed, "2026-08-12"},
		{"may 5", wed, "2026-05-05"},
		{"I may come", wed, ""},
		{"dec 32", nov, ""},
		{"december", nov, ""},
		{"dec 3 or dec 4", nov, ""},
		{"dec 3 (12/3)", nov, "2026-12-03"},
		{"dec 3 (12/4)", nov, ""},
		// Relative days.
		{"today", wed, "2026-03-11"},
		{"Hoy", wed, "2026-03-11"},
		{"tomorrow", wed, "2026-03-12"},
		{"Tomorrow!", wed, "2026-03-12"},
		{"tmrw", wed, "2026-03-12"},
		{"mañana", wed, "2026-03-12"},
		{"manana", wed, "2026-03-12"},
		{"MAÑANA", wed, "2026-03-12"},
		{"pasado mañana", wed, "2026-03-13"},
		{"day after tomorrow", wed, "2026-03-13"},
		{"yesterday", wed, "2026-03-10"},
		{"ayer", wed, "2026-03-10"},
		{"tomorrow", newYear, "2027-01-01"},
		{"today or tomorrow", wed, ""},
		{"today 3/11", wed, "2026-03-11"},
		// Weekdays: the next such day after today.
		{"monday", wed, "2026-03-16"},
		{"Monday", wed, "2026-03-16"},
		{"next monday", wed, "2026-03-16"},
		{"this monday", wed, "2026-03-16"},
		{"lunes", wed, "2026-03-16"},
		{"el lunes", wed, "2026-03-16"},
		{"el lunes en la mañana", wed, "2026-03-16"}, // morning, not tomorrow
		{"wednesday", wed, "2026-03-18"},
		{"miércoles", wed, "2026-03-18"},
		{"thursday", wed, "2026-03-12"},
		{"thurs", wed, "2026-03-12"},
		{"sábado", wed, "2026-03-14"},
		{"sunday", wed, "2026-03-15"},
		{"friday", newYear, "2027-01-01"},
		{"last monday", wed, "2026-03-09"},
		{"el lunes pasado", wed, "2026-03-09"},
		{"last wednesday", wed, "2026-03-04"},
		{"monday 3/16", wed, "2026-03-16"},
		{"monday 3/17", wed, ""}, // the weekday contradicts the date
		{"mañana jueves", wed, "2026-03-12"},
		{"mañana viernes", wed, ""},
		{"tomorrow, thursday", wed, "2026-03-12"},
		{"monday or tuesday", wed, ""},
		// Year end: without a year, the nearest date.
		{"1/5", dec20, "2026-01-05"},
		{"jan 5", dec20, "2026-01-05"},
		{"12/30", dec20, "2025-12-30"},
		{"12/19", dec20, "2025-12-19"},
		{"tomorrow", dec20, "2025-12-21"},
		{"12/30", jan3, "2025-12-30"},
		{"dec 30", jan3, "2025-12-30"},
		{"30 de diciembre", jan3, "2025-12-30"},
		{"1/5", jan3, "2026-01-05"},
		{"yesterday", jan3, "2026-01-02"},
		{"7/2", "2026-01-01", "2026-07-02"}, // 182 days ahead beats 183 back
		{"1/1", "2026-07-02", "2026-01-01"}, // 182 days back beats 183 ahead
		{"1/1/2027", dec20, "2027-01-01"},
		// Feb 29.
		{"2/29", "2028-01-15", "2028-02-29"},
		{"feb 29", "2027-12-01", "2028-02-29"},
		{"2/29", "2025-03-01", "2024-02-29"},
		{"2/29", "2026-06-01", ""},
		{"2/29", "2025-12-31", ""}, // 2024 and 2028 are both over a year away
		{"2/29", "2027-03-01", "2028-02-29"},
		{"2/29/2028", wed, "2028-02-29"},
		{"2/29/2027", wed, ""},
		{"2024-02-29", wed, "2024-02-29"},
		{"today", "2024-02-29", "2024-02-29"},
		{"tomorrow", "2024-02-28", "2024-02-29"},
		{"tomorrow", "2023-02-28", "2023-03-01"},
		// Invalid and hostile.
		{"2/30", wed, ""},
		{"4/31", wed, ""},
		{"0/5", wed, ""},
		{"12/0", wed, ""},
		{"99/99", wed, ""},
		{"1/2/3", wed, ""},
		{"1/2/3/4", wed, ""},
		{"123/4", wed, ""},
		{"2026-12", wed, ""},
		{"12/2026", wed, ""},
		{"12/03/1800", wed, ""},
		{"12/03/2300", wed, ""},
		{"3", wed, ""},
		{"the 3rd", wed, ""},
		{"1e9", wed, ""},
		{"٣/١٢", wed, ""},
		{"", wed, ""},
		{"   ", wed, ""},
		{"\xff\xfe", wed, ""},
		{"👍", wed, ""},
		{"soon", wed, ""},
		{strings.Repeat("monday ", 1500), wed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in+"@"+tt.today, func(t *testing.T) {
			today := day(t, tt.today)
			got, ok := Date(tt.in, today)
			if tt.want == "" {
				if ok {
					t.Errorf("Date(%q, %s) = %s, true; want false", tt.in, tt.today, got.Format(time.DateOnly))
				}
				return
			}
			want := day(t, tt.want)
			if !ok || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Date(%q, %s) = %v, %v; want %v, true", tt.in, tt.today, got, ok, want)
			}
		})
	}
}

// TestDateUsesOnlyTodaysDate checks that the time of day and zone of today
// do not matter, only its calendar date in its own zone.
func TestDateUsesOnlyTodaysDate(t *testing.T) {
	chicago := time.FixedZone("CST", -6*3600)
	today := time.Date(2025, time.December, 31, 23, 30, 0, 0, chicago) // already 2026 in UTC
	tests := []struct{ in, want string }{
		{"today", "2025-12-31"},
		{"tomorrow", "2026-01-01"},
		{"1/1", "2026-01-01"},
		{"12/31", "2025-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Date(tt.in, today)
			if want := day(t, tt.want); !ok || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Date(%q, %v) = %v, %v; want %v, true", tt.in, today, got, ok, want)
			}
		})
	}
}

func TestDateAllocations(t *testing.T) {
	today := time.Date(2026, time.March, 11, 9, 0, 0, 0, time.UTC)
	for _, in := range []string{"12/3", "Dec 3rd", "3 de diciembre", "next monday", "mañana"} {
		if got := testing.AllocsPerRun(100, func() { Date(in, today) }); got > 1 {
			t.Errorf("Date(%q) allocates %v times; want at most 1", in, got)
		}
	}
}
