package email

import (
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
)

// noticeView is what both parts of the coordinator's needs-a-person notice show,
// gathered once as view is for referrals. A notice carries no message bodies
// (hotline.Notice has none), so every value here is a label from the pack, a
// flag, or a number parsed as one; the few that come from the pack (the step's
// and the case's labels) are still folded onto one line and escaped, since a
// pack is edited by hand.
type noticeView struct {
	w       phrases
	Lang    string
	Title   string
	Heading string // the text part's first line
	Kicker  string // the HTML part's small line above the reference
	Ref     string
	Subline string
	// Contact is how to reach the person safely (what the notice knows of it:
	// texts are not safe), first when there is one; nil otherwise.
	Contact      *contactView
	ContactFirst bool
	Banners      banners
	FactsHeading string
	Facts        []fact
	WhatToDo     string
	Call         sentence
	Footer       string
}

// RenderNotice writes the email to the hotline's coordinator (to) saying that a
// conversation needs a person: why, where it stood, and how to call back. It
// is written in o.Words (the pack's first language: the coordinator's, not the
// person's); o.Template is not used. Like Render it is pure: the same notice
// renders the same bytes on every attempt.
func RenderNotice(n *hotline.Notice, to string, o Options) (Message, error) {
	if n == nil {
		return Message{}, &RenderError{Err: errors.New("no notice to render")}
	}
	if err := o.Words.check(); err != nil {
		return Message{}, &RenderError{Err: err}
	}
	v := newNoticeView(n, o)
	return coordinatorEmail(noticeHTML, v, coordinatorParts{Ref: oneLine(n.Ref), Subject: v.Title, Text: v.text()}, to, o, n.At)
}

// coordinatorParts are what a coordinator's email (a notice, a loop alert)
// says beside its HTML part.
type coordinatorParts struct{ Ref, Subject, Text string }

// coordinatorEmail writes a coordinator's email: its HTML part from tpl and
// v, its other parts, and its headers. Its Date is o.Date, or at when that is
// zero, so that every attempt writes the same bytes.
func coordinatorEmail(tpl *template.Template, v any, parts coordinatorParts, to string, o Options, at time.Time) (Message, error) {
	var b strings.Builder
	if err := tpl.Execute(&b, v); err != nil {
		return Message{}, &RenderError{Err: err}
	}
	date := o.Date
	if date.IsZero() {
		date = at
	}
	return Message{
		MessageID: o.MessageID,
		Ref:       parts.Ref,
		From:      o.From,
		To:        oneLine(to),
		ReplyTo:   oneLine(o.ReplyTo),
		Subject:   parts.Subject,
		Date:      date,
		Text:      parts.Text,
		HTML:      b.String(),
	}, nil
}

func newNoticeView(n *hotline.Notice, o Options) *noticeView {
	w := phrases{o.Words}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	at := n.At.In(loc)
	ref := oneLine(n.Ref)
	hotlineName := firstNonEmpty(oneLine(o.HotlineName), w.say("the_hotline"))
	subject := "notice_subject"
	switch {
	case n.SafetyConcern:
		// A safety concern is urgent whatever else the case is: the coordinator
		// must see both in the inbox, before opening it.
		subject = "notice_subject_safety"
	case n.Urgent:
		subject = "notice_subject_urgent"
	}
	v := &noticeView{
		w:            w,
		Lang:         o.Words.Lang,
		Title:        w.say(subject, "ref", ref),
		Heading:      w.say("notice_heading", "ref", ref),
		Kicker:       w.say("notice_kicker", "hotline", hotlineName),
		Ref:          ref,
		Subline:      w.say("notice_raised", "date", w.date(at), "time", w.clock(at)),
		FactsHeading: w.say("facts_heading"),
		WhatToDo:     w.say("alert_what_to_do"),
		Footer:       w.say("footer", "hotline", hotlineName),
	}
	country := firstNonEmpty(o.Country, defaultCountry)
	if n.Reason == hotline.NoticeWithdrawn {
		about := oneLine(n.Withdraws)
		v.Title = w.say("notice_subject_withdrawn", "ref", ref, "about", about)
		v.Facts = []fact{
			{Label: w.say("label_why"), Value: w.say("notice_withdrawn", "about", about), Flag: true},
			{Label: w.say("label_reference"), Value: about},
			{Label: w.say("label_language"), Value: w.language(n.Language)},
			{Label: w.say("label_channel"), Value: w.channel(n.Channel)},
		}
		v.Call = w.sentence("notice_call_withdrawn", map[string]span{"about": {Text: about, Strong: true}})
		linkFacts(v.Facts, country)
		return v
	}
	step := oneLine(n.StepLabel)
	why := w.say("notice_asked")
	if n.Reason != hotline.NoticeAsked {
		why = w.say("notice_not_understood_no_step")
		if step != "" {
			why = w.say("notice_not_understood", "step", step)
		}
	}
	urgent, urgentBanner := w.urgency(n.Urgent, n.UrgentReasons)
	safety, safetyBanner := w.safety(n.SafetyConcern)
	v.Banners = banners{Urgent: urgentBanner, Safety: safetyBanner}
	callback := firstNonEmpty(PhoneForPeople(oneLine(n.Callback)), w.say("no_number"))
	v.Facts = []fact{
		{Label: w.say("label_why"), Value: why, Flag: n.Reason != hotline.NoticeAsked},
		{Label: w.say("label_reference"), Value: ref},
		{Label: w.say("label_question"), Value: firstNonEmpty(step, w.say("not_known"))},
		phoneFact(w.say("label_callback"), callback, n.Callback),
		{Label: w.say("label_case_type"), Value: firstNonEmpty(oneLine(n.CaseLabel), oneLine(n.CaseType), w.say("not_known"))},
		urgent,
		safety,
	}
	if n.TextsUnsafe || n.VoicemailUnsafe {
		// Only what was said: the hotline does not know that texts or a
		// voicemail are safe when the person was never asked.
		c := hotline.SafeContact{}
		if n.TextsUnsafe {
			c.Texts = "no"
		}
		if n.VoicemailUnsafe {
			c.Voicemail = "no"
		}
		v.Contact, v.ContactFirst = w.contact(c, false, country), true
	}
	v.Facts = append(v.Facts,
		fact{Label: w.say("label_language"), Value: w.language(n.Language)},
		fact{Label: w.say("label_channel"), Value: w.channel(n.Channel)},
	)
	linkFacts(v.Facts, country)
	refSpan := span{Text: ref, Strong: true}
	if n.Callback == "" {
		v.Call = w.sentence("notice_call_no_number", map[string]span{"ref": refSpan})
	} else {
		v.Call = w.sentence("notice_call", map[string]span{
			"phone": {Text: callback, Strong: true, Tel: telURL(n.Callback)},
			"ref":   refSpan,
		})
	}
	return v
}

// text is the notice's plain-text part.
func (v *noticeView) text() string {
	var b strings.Builder
	b.WriteString(v.Heading + "\n")
	b.WriteString(v.Subline + "\n\n")
	// The top and the facts in the referral's layout (view.line), so that
	// both read alike.
	rows := &view{w: v.w, Facts: v.Facts, Contact: v.Contact, ContactFirst: v.ContactFirst, Banners: v.Banners}
	width := rows.labelWidth()
	rows.writeTop(&b, width)
	b.WriteString(v.FactsHeading + "\n")
	for _, f := range v.Facts {
		rows.line(&b, f, width)
	}
	b.WriteString("\n" + v.WhatToDo + " " + v.Call.String() + "\n")
	b.WriteString("\n" + v.Footer + "\n")
	return b.String()
}
