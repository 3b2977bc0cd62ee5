package hotline

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ResponseTime is how long an organization takes to answer a referral, as
// its directory entry's response_time says it in words ("1 business day",
// "48 hours", "same day for safety concerns, else 2 business days"): the
// longest time the words name, so that silence is never called early.
type ResponseTime struct {
	Hours, Days, BusinessDays int
}

// responseWords finds each span of time in a response_time.
var responseWords = regexp.MustCompile(`\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|a|an|same)[\s-]+(business[\s-]+|working[\s-]+)?(hours?|days?|weeks?)\b`)

// numberWords are the numbers response times are written with in words.
var numberWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10}

// ParseResponseTime reads the longest span of time a response_time names;
// false when it names none. "Same day" is a business day: the referral may
// come in at closing time.
func ParseResponseTime(s string) (ResponseTime, bool) {
	var best ResponseTime
	found := false
	for _, m := range responseWords.FindAllStringSubmatch(strings.ToLower(s), -1) {
		n, business, unit := 0, m[2] != "", strings.TrimSuffix(m[3], "s")
		switch {
		case m[1] == "same":
			if unit != "day" {
				continue
			}
			n, business = 1, true
		case numberWords[m[1]] > 0:
			n = numberWords[m[1]]
		default:
			f, err := strconv.ParseFloat(m[1], 64)
			if err != nil || f <= 0 || f > 365 {
				continue
			}
			n = int(math.Ceil(f)) // "1.5 business days" is waited out as 2
		}
		var r ResponseTime
		switch {
		case unit == "hour":
			r.Hours = n
		case unit == "week" && business:
			r.BusinessDays = 5 * n
		case unit == "week":
			r.Days = 7 * n
		case business:
			r.BusinessDays = n
		default:
			r.Days = n
		}
		if !found || r.longerThan(best) {
			best, found = r, true
		}
	}
	return best, found
}

// approx is a response time in hours, business days counted as 1.4 calendar
// days (7/5), to compare two.
func (r ResponseTime) approx() float64 {
	return float64(r.Hours) + 24*float64(r.Days) + 24*1.4*float64(r.BusinessDays)
}

func (r ResponseTime) longerThan(o ResponseTime) bool { return r.approx() > o.approx() }

// After returns when a referral sent at t is due an answer: business days
// skip Saturdays and Sundays in loc (the hotline's time zone).
func (r ResponseTime) After(t time.Time, loc *time.Location) time.Time {
	end := t.Add(time.Duration(r.Hours)*time.Hour).AddDate(0, 0, r.Days)
	local := end.In(loc)
	for n := r.BusinessDays; n > 0; {
		local = local.AddDate(0, 0, 1)
		if wd := local.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return local
}
