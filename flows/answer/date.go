package answer

import "time"

// monthNames maps normalized English and Spanish month names and their usual
// abbreviations (and a few common misspellings) to months.
var monthNames = map[string]time.Month{
	"january": time.January, "jan": time.January, "enero": time.January, "ene": time.January,
	"february": time.February, "feb": time.February, "febuary": time.February, "feburary": time.February,
	"febrero": time.February,
	"march":   time.March, "mar": time.March, "marzo": time.March,
	"april": time.April, "apr": time.April, "abril": time.April, "abr": time.April,
	"may": time.May, "mayo": time.May,
	"june": time.June, "jun": time.June, "junio": time.June,
	"july": time.July, "jul": time.July, "julio": time.July,
	"august": time.August, "aug": time.August, "agosto": time.August, "ago": time.August,
	"september": time.September, "sep": time.September, "sept": time.September,
	"septiembre": time.September, "setiembre": time.September, "set": time.September,
	"october": time.October, "oct": time.October, "octubre": time.October,
	"november": time.November, "nov": time.November, "noviembre": time.November,
	"december": time.December, "dec": time.December, "diciembre": time.December, "dic": time.December,
}

// weekdayNames maps normalized English and Spanish weekday names to days.
// Spanish abbreviations are left out because "mar" and "dom" clash with
// month names and ordinary words.
var weekdayNames = map[string]time.Weekday{
	"monday": time.Monday, "mon": time.Monday, "lunes": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "martes": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "miercoles": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"jueves": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "viernes": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday, "sabado": time.Saturday,
	"sunday": time.Sunday, "sun": time.Sunday, "domingo": time.Sunday,
}

// relativeDays maps words for days near today to their offset in days.
// "manana" is handled separately because it also means "morning".
var relativeDays = map[string]int{
	"today": 0, "tonight": 0, "hoy": 0,
	"tomorrow": 1, "tomorow": 1, "tommorow": 1, "tommorrow": 1, "tmrw": 1, "tmr": 1,
	"yesterday": -1, "ayer": -1, "anteayer": -2,
}

// dateDayFillers may stand between a day number and a month name: "3 de
// diciembre", "3rd of December", "December the 3rd".
var dateDayFillers = map[string]bool{"de": true, "of": true, "the": true, "el": true}

// dateReader collects the dates an answer mentions, so that an answer naming
// two different dates is refused instead of resolved by guessing.
type dateReader struct {
	today    time.Time // midnight UTC of the hotline's local date
	date     time.Time
	haveDate bool
	weekday  time.Weekday
	past     bool // the weekday was "last monday", "el lunes pasado"
	haveDay  bool
	bad      bool
}

func (d *dateReader) add(t time.Time) {
	if d.haveDate && !t.Equal(d.date) {
		d.bad = true
	}
	d.date, d.haveDate = t, true
}

func (d *dateReader) addWeekday(w time.Weekday, past bool) {
	if d.haveDay && (w != d.weekday || past != d.past) {
		d.bad = true
	}
	d.weekday, d.past, d.haveDay = w, past, true
}

// Date reads a calendar date relative to today (the hotline's local date;
// only its year, month and day are used) and returns it as midnight UTC of
// that date. Accepts "12/03", "12/3", "12-03", "12/03/2026", "12/3/26",
// "2026-12-03", "Dec 3", "dec. 3rd", "December 3", "3 December", "Dec 3,
// 2026", Spanish "3 de diciembre", "3 dic", "diciembre 3", "today",
// "tomorrow", "hoy", "mañana"/"manana", weekday names ("monday", "next
// monday", "lunes", "el lunes") meaning the next such day after today.
// Numbers are month/day (US style); when the first number is over 12 and the
// second is 12 or less, read it day/month. Without a year, take the year that
// puts the date nearest to today (so on Dec 20, "1/5" is next January, and
// on Jan 3, "12/30" is last December). Invalid dates (2/30) return ok=false.
//
// Also understood: "yesterday"/"ayer", "pasado mañana" and "day after
// tomorrow", "last monday"/"el lunes pasado" (the most recent such day before
// today), and "en la mañana"/"por la mañana" as "in the morning" rather than
// tomorrow. Words around the date are ignored ("court is on dec 3 at 9am"),
// but an answer with two different dates, or a weekday that does not match
// its date, gives ok=false: for a court date a wrong guess is worse than
// asking again. Two-digit years take the century nearest to today; years
// outside 1900..2200 are refused. A date without a year must be within 366
// days of today, which only Feb 29 can fail: on 2025-12-31, "2/29" is
// refused rather than read as a date almost two years away.
func Date(s string, today time.Time) (date time.Time, ok bool) {
	if len(s) > 4*maxShortAnswer {
		return time.Time{}, false
	}
	a := Normalize(s)
	if a == "" || len(a) > maxShortAnswer {
		return time.Time{}, false
	}
	var buf [maxShortAnswer]token
	toks, fits := tokenize(a, buf[:0])
	if !fits {
		return time.Time{}, false
	}
	y, m, day := today.Date()
	d := dateReader{today: time.Date(y, m, day, 0, 0, 0, 0, time.UTC)}

	for i := 0; i < len(toks) && !d.bad; i++ {
		t := toks[i]
		switch t.kind {
		case tokForeignDigit:
			return time.Time{}, false
		case tokNumber:
			if next, isNumeric := d.numericDate(a, toks, i); isNumeric {
				i = next - 1
			}
		case tokWord:
			w := t.text(a)
			if month, isMonth := monthNames[w]; isMonth {
				d.monthName(a, toks, i, month)
			} else if wd, isWeekday := weekdayNames[w]; isWeekday {
				past := i > 0 && toks[i-1].is(a, "last") ||
					i > 0 && toks[i-1].is(a, "pasado") ||
					i+1 < len(toks) && toks[i+1].is(a, "pasado")
				d.addWeekday(wd, past)
			} else if offset, isRelative := relativeDays[w]; isRelative {
				if offset == 1 && i >= 2 && toks[i-1].is(a, "after") && toks[i-2].is(a, "day") {
					offset = 2 // "day after tomorrow"
				}
				d.add(d.today.AddDate(0, 0, offset))
			} else if w == "manana" {
				switch {
				case i > 0 && toks[i-1].is(a, "pasado"):
					d.add(d.today.AddDate(0, 0, 2))
				case i > 0 && (toks[i-1].is(a, "la") || toks[i-1].is(a, "esta")):
					// "en la mañana", "por la mañana", "esta mañana":
					// a time of day, not tomorrow.
				default:
					d.add(d.today.AddDate(0, 0, 1))
				}
			}
		}
	}
	if d.bad {
		return time.Time{}, false
	}
	switch {
	case d.haveDate && d.haveDay:
		if d.date.Weekday() != d.weekday {
			return time.Time{}, false
		}
		return d.date, true
	case d.haveDate:
		return d.date, true
	case d.haveDay:
		if d.past {
			back := (int(d.today.Weekday())-int(d.weekday)+6)%7 + 1
			return d.today.AddDate(0, 0, -back), true
		}
		ahead := (int(d.weekday)-int(d.today.Weekday())+6)%7 + 1
		return d.today.AddDate(0, 0, ahead), true
	}
	return time.Time{}, false
}

// numericDate reads a date written with numbers at toks[i]: "12/3",
// "12-03-2026", "3/12/26", "2026-12-03". It reports false, consuming
// nothing, when toks[i] does not start such a date; a malformed or invalid
// one marks the reader bad.
func (d *dateReader) numericDate(n string, toks []token, i int) (next int, ok bool) {
	var parts [3]string
	count, sep := 0, ""
	k := i
	for {
		parts[count] = toks[k].text(n)
		count++
		k++
		if k+1 >= len(toks) || !toks[k].glued || !toks[k+1].glued || toks[k+1].kind != tokNumber {
			break
		}
		s := toks[k].text(n)
		if toks[k].kind != tokSymbol || s != "/" && s != "-" && s != "." || sep != "" && s != sep {
			break
		}
		if count == len(parts) {
			d.bad = true // "1/2/3/4"
			return k, true
		}
		sep = s
		k++
	}
	if count == 1 {
		return 0, false
	}
	if len(parts[0]) == 4 {
		// ISO order: year first.
		if count != 3 || len(parts[1]) > 2 || len(parts[2]) > 2 {
			d.bad = true
			return k, true
		}
		d.addDate(parts[0], atoiSmall(parts[1]), atoiSmall(parts[2]))
		return k, true
	}
	if len(parts[0]) > 2 || len(parts[1]) > 2 {
		d.bad = true
		return k, true
	}
	month, day := atoiSmall(parts[0]), atoiSmall(parts[1])
	if month > 12 && day <= 12 {
		month, day = day, month
	}
	year := yearAfter(n, toks, k) // "12/3, 2026"
	if count == 3 {
		year = parts[2]
		if len(year) != 2 && len(year) != 4 {
			d.bad = true
			return k, true
		}
	}
	d.addDate(year, month, day)
	return k, true
}

// monthName reads the day (and maybe year) around a month name at toks[i]:
// "dec 3", "dec. 3rd, 2026", "3 de diciembre de 2026", "3rd of december". A
// month name without a day nearby is ignored, since "may" is also a verb and
// "ago" an English word.
func (d *dateReader) monthName(n string, toks []token, i int, month time.Month) {
	k := i + 1
	if k < len(toks) && toks[k].is(n, ".") && toks[k].glued {
		k++ // "dec."
	}
	for k < len(toks) && toks[k].kind == tokWord && dateDayFillers[toks[k].text(n)] {
		k++
	}
	if k < len(toks) && isDayNumber(n, toks[k]) {
		d.addDate(yearAfter(n, toks, k+1), int(month), atoiSmall(toks[k].text(n)))
		return
	}
	k = i - 1
	for k >= 0 && toks[k].kind == tokWord && dateDayFillers[toks[k].text(n)] {
		k--
	}
	if k >= 1 && toks[k].kind == tokWord && toks[k].glued && toks[k-1].kind == tokNumber {
		k-- // an ordinal suffix: "3rd of december"
	}
	if k >= 0 && isDayNumber(n, toks[k]) {
		d.addDate(yearAfter(n, toks, i+1), int(month), atoiSmall(toks[k].text(n)))
	}
}

// isDayNumber reports whether t is a number that could be a day of a month.
func isDayNumber(n string, t token) bool {
	if t.kind != tokNumber || t.end-t.start > 2 {
		return false
	}
	v := atoiSmall(t.text(n))
	return v >= 1 && v <= 31
}

// yearAfter returns the four-digit year that follows a day or month at
// toks[k] ("dec 3, 2026", "3 de diciembre de 2026", "3rd 2026"), or "".
func yearAfter(n string, toks []token, k int) string {
	if k < len(toks) && toks[k].kind == tokWord && toks[k].glued && k > 0 && toks[k-1].kind == tokNumber {
		k++ // an ordinal suffix: "3rd"
	}
	for k < len(toks) && (toks[k].is(n, ",") || toks[k].is(n, ".") || toks[k].is(n, "de") || toks[k].is(n, "del")) {
		k++
	}
	if k < len(toks) && toks[k].kind == tokNumber && toks[k].end-toks[k].start == 4 {
		return toks[k].text(n)
	}
	return ""
}

// addDate adds the date month/day of year, a string of two or four digits or
// "" for the year nearest today; an invalid date marks the reader bad.
func (d *dateReader) addDate(year string, month, day int) {
	if month < 1 || month > 12 || day < 1 || day > 31 {
		d.bad = true
		return
	}
	m := time.Month(month)
	switch len(year) {
	case 0:
		t, ok := nearestDate(d.today, m, day)
		if !ok {
			d.bad = true
			return
		}
		d.add(t)
		return
	case 2:
		// The century that puts the year nearest today: "26" is 2026, and
		// a century from now "99" would be 2099.
		yy := atoiSmall(year)
		best := 0
		for c := 1900; c <= 2100; c += 100 {
			if best == 0 || absInt(c+yy-d.today.Year()) <= absInt(best-d.today.Year()) {
				best = c + yy
			}
		}
		d.addYear(best, m, day)
	default:
		d.addYear(atoiSmall(year), m, day)
	}
}

// addYear adds month/day of year y, which must be in 1900..2200.
func (d *dateReader) addYear(y int, m time.Month, day int) {
	t, ok := makeDate(y, m, day)
	if !ok || y < 1900 || y > 2200 {
		d.bad = true
		return
	}
	d.add(t)
}

// maxYearlessDistance is how far from today a date given without a year
// may be. Only Feb 29 can be further, and reading "2/29" on 2025-12-31 as a
// date almost two years ago is a guess, not an answer.
const maxYearlessDistance = 366 * 24 * time.Hour

// nearestDate returns month/day in the year (last, this or next) that puts
// it nearest to today, preferring the future on a tie. Years where the date
// does not exist (Feb 29) are skipped, and so are dates more than
// maxYearlessDistance away.
func nearestDate(today time.Time, m time.Month, day int) (time.Time, bool) {
	var best time.Time
	var bestDist time.Duration
	found := false
	for y := today.Year() - 1; y <= today.Year()+1; y++ {
		t, ok := makeDate(y, m, day)
		if !ok {
			continue
		}
		dist := t.Sub(today)
		if dist < 0 {
			dist = -dist
		}
		if dist > maxYearlessDistance {
			continue
		}
		if !found || dist <= bestDist {
			best, bestDist, found = t, dist, true
		}
	}
	return best, found
}

// makeDate returns midnight UTC of y-m-d, or false when that day does not
// exist (time.Date would silently roll Feb 30 over into March).
func makeDate(y int, m time.Month, day int) (time.Time, bool) {
	t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || t.Month() != m {
		return time.Time{}, false
	}
	return t, true
}

// atoiSmall converts a short run of ASCII digits; callers bound the length.
func atoiSmall(s string) int {
	v := 0
	for i := 0; i < len(s) && i < 9; i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
