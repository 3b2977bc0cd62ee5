package email

import "time"

// Say is the text of key with its placeholders filled in from pairs of name
// and value, like Say("page_heading", "ref", "H-7F3K9"), folded onto one
// line: for pages that share the emails' words (the organization's page for
// a referral). A key w does not have says nothing.
func (w Words) Say(key string, pairs ...string) string {
	return phrases{w}.say(key, pairs...)
}

// Date writes the day of t the way the words' date says, like
// "Wed Nov 25, 2026", in t's location.
func (w Words) Date(t time.Time) string { return phrases{w}.date(t) }

// Clock writes the time of day of t the way the words' time says, like
// "3:04 PM CST", in t's location.
func (w Words) Clock(t time.Time) string { return phrases{w}.clock(t) }
