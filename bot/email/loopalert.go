package email

import (
	"errors"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
)

// LoopAlert is what the coordinator's alert about a silent organization says:
// an organization has neither accepted nor declined a referral within its
// response time. It holds the reference and the organization, and nothing of
// the person: the coordinator looks the rest up by the reference.
type LoopAlert struct {
	Ref string
	// OrgName and OrgPhone are the organization that has not answered, as
	// the directory gives them.
	OrgName  string
	OrgPhone string
	// SentAt is when the referral was sent to it.
	SentAt time.Time
	// ResponseTime is the directory's response_time for it, like
	// "1 business day"; "" when it gives none.
	ResponseTime string
	// RerouteTo is the organization the referral is now sent to, because
	// the pack re-routes on silence; "" when it stays with OrgName.
	RerouteTo string
	// Fallback is set when the referral was to be re-routed but no
	// organization that fits was left: the person was given the fallback.
	Fallback bool
	// Reason, when set, makes it the notice that the referral left OrgName
	// for another reason than its silence: OrgName declined it (a decline's
	// reason, like "capacity") or the person said it never contacted them
	// ("not_contacted"). "" is the no-answer alert.
	Reason string
}

// loopView is what both parts of the alert about a silent organization show,
// gathered once as view is for referrals.
type loopView struct {
	w            phrases
	Lang         string
	Title        string
	Heading      string // the text part's first line
	Kicker       string // the HTML part's small line above the reference
	Ref          string
	Subline      string
	Silent       string
	Outcome      string
	FactsHeading string
	Facts        []fact
	WhatToDo     string
	Call         sentence
	Footer       string
}

// RenderLoopAlert writes the email to the hotline's coordinator (to) saying
// that an organization has not answered a referral within its response time,
// what became of the referral (still waiting, re-routed, or the person given
// the fallback), and what to do. It is written in o.Words (the pack's first
// language, the coordinator's); o.Template is not used. Its Date is o.Date,
// or SentAt when that is zero, so that it is the same on every attempt.
func RenderLoopAlert(a LoopAlert, to string, o Options) (Message, error) {
	if a.Ref == "" || a.OrgName == "" {
		return Message{}, &RenderError{Err: errors.New("no referral or organization to render a no-answer alert for")}
	}
	if err := o.Words.check(); err != nil {
		return Message{}, &RenderError{Err: err}
	}
	v := newLoopView(a, o)
	return coordinatorEmail(loopHTML, v, coordinatorParts{Ref: v.Ref, Subject: v.Title, Text: v.text()}, to, o, a.SentAt)
}

func newLoopView(a LoopAlert, o Options) *loopView {
	w := phrases{o.Words}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	sent := a.SentAt.In(loc)
	ref, org := oneLine(a.Ref), oneLine(a.OrgName)
	phone := firstNonEmpty(PhoneForPeople(oneLine(a.OrgPhone)), w.say("not_known"))
	hotlineName := firstNonEmpty(oneLine(o.HotlineName), w.say("the_hotline"))
	v := &loopView{
		w:            w,
		Lang:         o.Words.Lang,
		Title:        w.say("loop_subject", "ref", ref, "org", org),
		Heading:      w.say("loop_heading", "ref", ref, "org", org),
		Kicker:       w.say("loop_kicker", "hotline", hotlineName),
		Ref:          ref,
		Subline:      w.say("loop_sent", "date", w.date(sent), "time", w.clock(sent)),
		Silent:       w.say("loop_silent", "org", org),
		FactsHeading: w.say("facts_heading"),
		WhatToDo:     w.say("alert_what_to_do"),
		Footer:       w.say("footer", "hotline", hotlineName),
		Facts: []fact{
			{Label: w.say("label_reference"), Value: ref},
			{Label: w.say("label_organization"), Value: org},
			phoneFact(w.say("label_phone"), phone, a.OrgPhone),
			{Label: w.say("label_response_time"), Value: firstNonEmpty(oneLine(a.ResponseTime), w.say("not_known"))},
		},
	}
	linkFacts(v.Facts, firstNonEmpty(o.Country, defaultCountry))
	if a.Reason != "" {
		// Not silence: the organization declined, or the person said it
		// never called. The same alert, told as what it is.
		reason := w.reason(a.Reason)
		v.Title = w.say("loop_moved_subject", "ref", ref, "org", org, "reason", reason)
		v.Heading = w.say("loop_moved_heading", "ref", ref, "org", org, "reason", reason)
		v.Kicker = w.say("loop_moved_kicker", "hotline", hotlineName)
		v.Silent = w.say("loop_declined", "org", org, "reason", reason)
		if a.Reason == hotline.ReasonNotContacted {
			v.Silent = w.say("loop_not_contacted", "org", org)
		}
	}
	call := "loop_call"
	switch next := oneLine(a.RerouteTo); {
	case a.Fallback:
		// Nobody is left, whatever RerouteTo says: the person has only the
		// fallback now, which is what the coordinator must act on.
		v.Outcome, call = w.say("loop_fallback"), "loop_call_fallback"
	case next != "" && a.Reason != "":
		v.Outcome, call = w.say("loop_rerouted", "next", next), "loop_call_moved"
	case next != "":
		v.Outcome, call = w.say("loop_rerouted", "next", next), "loop_call_rerouted"
	default:
		v.Outcome = w.say("loop_waiting")
	}
	v.Call = w.sentence(call, map[string]span{
		"org":   {Text: org},
		"phone": {Text: phone, Strong: true, Tel: telURL(a.OrgPhone)},
		"ref":   {Text: ref, Strong: true},
	})
	return v
}

// text is the alert's plain-text part, in the layout of the notice's.
func (v *loopView) text() string {
	var b strings.Builder
	b.WriteString(v.Heading + "\n")
	b.WriteString(v.Subline + "\n\n")
	b.WriteString(v.Silent + " " + v.Outcome + "\n\n")
	rows := &view{w: v.w, Facts: v.Facts}
	width := rows.labelWidth()
	b.WriteString(v.FactsHeading + "\n")
	for _, f := range v.Facts {
		rows.line(&b, f, width)
	}
	b.WriteString("\n" + v.WhatToDo + " " + v.Call.String() + "\n")
	b.WriteString("\n" + v.Footer + "\n")
	return b.String()
}
