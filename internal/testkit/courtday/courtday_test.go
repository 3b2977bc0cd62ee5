package courtday

import (
	"testing"
	"time"
)

func TestSoon(t *testing.T) {
	for today, want := range map[string]string{
		"2026-12-01": "12/07", // Tuesday: five days on is a Sunday, so the Monday
		"2026-11-30": "12/07", // Monday: a Saturday, so the Monday
		"2026-12-02": "12/07", // Wednesday: a Monday already
		"2026-12-03": "12/08", // Thursday: a Tuesday
		"2026-12-29": "01/04", // across the year: Sunday 3 January, so Monday 4
	} {
		d, err := time.Parse(time.DateOnly, today)
		if err != nil {
			t.Fatal(err)
		}
		if got := Soon(d); got != want {
			t.Errorf("Soon(%s) = %s, want %s", today, got, want)
		}
	}
}
