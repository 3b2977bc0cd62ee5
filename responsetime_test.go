package hotline

import (
	"testing"
	"time"
)

func TestParseResponseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ResponseTime
		ok   bool
	}{
		{"1 business day", ResponseTime{BusinessDays: 1}, true},
		{"2 business days", ResponseTime{BusinessDays: 2}, true},
		{"48 hours", ResponseTime{Hours: 48}, true},
		{"3 days", ResponseTime{Days: 3}, true},
		{"one week", ResponseTime{Days: 7}, true},
		{"two working days", ResponseTime{BusinessDays: 2}, true},
		{"same day for safety concerns, else 2 business days", ResponseTime{BusinessDays: 2}, true},
		{"same day", ResponseTime{BusinessDays: 1}, true},
		{"Within 24 hours or 2 business days", ResponseTime{BusinessDays: 2}, true},
		{"as soon as we can", ResponseTime{}, false},
		{"", ResponseTime{}, false},
		{"0 days", ResponseTime{}, false},
		{"1.5 business days", ResponseTime{BusinessDays: 2}, true},
		{"an extra day", ResponseTime{}, false},
		{"within a day", ResponseTime{Days: 1}, true},
	} {
		got, ok := ParseResponseTime(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseResponseTime(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestResponseTimeAfter(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 12, 4, 16, 0, 0, 0, chicago)
	for _, c := range []struct {
		r    ResponseTime
		want time.Time
	}{
		{ResponseTime{BusinessDays: 1}, time.Date(2026, 12, 7, 16, 0, 0, 0, chicago)}, // Monday
		{ResponseTime{BusinessDays: 2}, time.Date(2026, 12, 8, 16, 0, 0, 0, chicago)},
		{ResponseTime{Days: 1}, time.Date(2026, 12, 5, 16, 0, 0, 0, chicago)},
		{ResponseTime{Hours: 48}, time.Date(2026, 12, 6, 16, 0, 0, 0, chicago)},
	} {
		if got := c.r.After(friday, chicago); !got.Equal(c.want) {
			t.Errorf("%+v.After(Friday 4pm) = %v, want %v", c.r, got, c.want)
		}
	}
}
