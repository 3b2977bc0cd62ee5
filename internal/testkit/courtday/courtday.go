// Package courtday gives the scripted screenings of tests, the load generator
// and the fault harness a court date the sample pack takes at once: upcoming
// and urgent (within 14 days), and on a weekday, since the pack asks a person
// to confirm a weekend court date.
package courtday

import "time"

// Soon is the date five days after today, moved on to the Monday when it falls
// on a weekend, written like "12/07". today is the hotline's date (in its time
// zone).
func Soon(today time.Time) string {
	d := today.AddDate(0, 0, 5)
	switch d.Weekday() {
	case time.Saturday:
		d = d.AddDate(0, 0, 2)
	case time.Sunday:
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("01/02")
}
