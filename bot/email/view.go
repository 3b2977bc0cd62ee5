package email

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/answer"
)

// view is what both parts of an email show, gathered once so that the text part
// and the HTML part cannot drift apart. Every string in it is one line, and every
// word in it comes from the Words: this file holds the layout, never a word.
type view struct {
	w phrases
	// country reads phone numbers written without a country code.
	country string
	Lang    string // the words' language, for <html lang>
	Title   string // the subject, as the HTML page's title
	// Heading is the text part's first line; the HTML part shows its pieces:
	// Kicker above the reference, For below it.
	Heading string
	Kicker  string
	Ref     string
	For     string
	Made    string
	// Contact is how to reach the person safely; nil when there is nothing to
	// say. ContactFirst puts it above the banners: the person said they are in
	// danger, or limited how to reach them.
	Contact      *contactView
	ContactFirst bool
	Banners      banners
	// Link is the organization's way to accept or decline the referral,
	// right under the banners; nil when the referral has no link, and in
	// the coordinator's alert, since only the organization may use it.
	Link         *linkView
	FactsHeading string
	Facts        []fact
	// Told is what the person was told, line by line; nil when not known.
	Told        []sentence
	ToldHeading string
	// Answers is nil when the organization does not want them.
	Answers        []qa
	AnswersHeading string
	CallBack       sentence
	Footer         string
	Alert          *alertView
}

// banners are the lines under an email's heading that staff must not miss;
// each is "" when it does not apply.
type banners struct {
	// Urgent and Safety: the case is urgent; the person said they are in danger.
	Urgent string
	Safety string
	// Hearing is the court date; HearingMissed marks one before the referral.
	Hearing       string
	HearingMissed bool
	// Rerouted says the organization before could not take the referral,
	// and why: after the others, which are about the person's safety and
	// deadlines.
	Rerouted string
}

// any reports whether there is a banner to show.
func (b banners) any() bool {
	return b.Urgent != "" || b.Safety != "" || b.Hearing != "" || b.Rerouted != ""
}

// linkView is the block that gives the organization its link to the
// referral's page: a heading, what the link is for, and the link (URL), as a
// button in the HTML part.
type linkView struct {
	Heading string
	Text    string
	Button  string
	URL     string
}

// contactView is the block that says how to contact the person safely: its
// rows (voicemail, texts, a safe time or number), and a note when a person in
// danger was not asked.
type contactView struct {
	Heading string
	Rows    []fact
	Note    string
}

// fact is one row of the key-facts table.
type fact struct {
	Label string
	Value string
	// Note is a hint after the value, like "for your conflict check".
	Note string
	// Flag marks a value staff must not miss (urgent, safety concern).
	Flag bool
	// Spans is Value for the HTML part, with a tel: link on each phone number
	// (see linkFacts).
	Spans sentence
}

// qa is one question and its answer as staff read it.
type qa struct {
	Question string
	// Answer is the answer for the HTML part, with a tel: link on each phone
	// number.
	Answer sentence
	// Line is both, as the text part writes them.
	Line string
}

// alertView is what an alert adds to the referral.
type alertView struct {
	Heading     string
	Failed      string // "The email to ... failed after 5 attempts."
	LastError   string // "Last error: ..."
	WhatToDo    string
	Call        sentence
	Rows        []fact
	TheReferral string
}

// span is a piece of a sentence whose values the HTML part marks up: the pack's
// Words (escaped already), or a value (Text, escaped by html/template), maybe
// bold or a tel: link.
type span struct {
	Words  template.HTML
	Text   string
	Strong bool
	Tel    template.URL
	plain  string // what the text part shows
}

// sentence is a text of the Words with its placeholders filled in as spans.
type sentence []span

// String is the sentence as the text part writes it.
func (s sentence) String() string {
	var b strings.Builder
	for _, sp := range s {
		b.WriteString(sp.plain)
	}
	return b.String()
}

// HTML is the sentence as the HTML part writes it: the words as they are
// (escaped already: escapeWords), each value escaped, a tel: link and bold
// where marked. It is written here rather than by a template: a sentence is
// in every row of the email, and html/template's call for each cost a third
// of writing one, on the request that makes the referral. A Tel is only
// ever made from an E.164 number (telURL), and escaped all the same.
func (s sentence) HTML() template.HTML {
	var b strings.Builder
	for _, sp := range s {
		closing := ""
		switch {
		case sp.Tel != "":
			b.WriteString(`<a href="`)
			b.WriteString(template.HTMLEscapeString(string(sp.Tel)))
			b.WriteString(`" style="color:#0b4f8a;`)
			if sp.Strong {
				b.WriteString(`font-weight:bold;`)
			}
			b.WriteString(`">`)
			closing = "</a>"
		case sp.Strong:
			b.WriteString("<strong>")
			closing = "</strong>"
		}
		b.WriteString(string(sp.Words))
		b.WriteString(template.HTMLEscapeString(sp.Text))
		b.WriteString(closing)
	}
	return template.HTML(b.String())
}

// escapeWords escapes the pack's words for HTML text content. The words were
// folded onto one line (no control characters); only & and < (and > for
// tidiness) mean anything there, so quotes stay as written, as they did when
// these words were part of the template itself.
var escapeWords = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// phrases fills the texts of the Words in. Render checks the words first
// (Words.Check), so every key is there and names only known placeholders.
type phrases struct{ Words }

// parts is the text of key, folded onto one line, split at its placeholders.
func (p phrases) parts(key string) []flows.Part {
	if parts, ok := p.parsed[key]; ok {
		return parts
	}
	parts, _ := flows.ParseText(oneLine(p.Text[key]))
	return parts
}

// say is the text of key with its placeholders filled in from pairs of name and
// value, like say("heading", "ref", ref, "org", org).
func (p phrases) say(key string, pairs ...string) string {
	var b strings.Builder
	for _, pt := range p.parts(key) {
		if !pt.Placeholder {
			b.WriteString(pt.Text)
			continue
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i] == pt.Text {
				b.WriteString(pairs[i+1])
				break
			}
		}
	}
	return b.String()
}

// sentence is the text of key with each placeholder filled in by its span.
func (p phrases) sentence(key string, values map[string]span) sentence {
	var s sentence
	for _, pt := range p.parts(key) {
		if !pt.Placeholder {
			s = append(s, span{Words: template.HTML(escapeWords.Replace(pt.Text)), plain: pt.Text})
			continue
		}
		v := values[pt.Text]
		if v.plain == "" {
			v.plain = v.Text
		}
		s = append(s, v)
	}
	return s
}

// wordSpan is a word of key as a span of its own, like the bold "today".
func (p phrases) wordSpan(key string, strong bool) span {
	text := p.say(key)
	return span{Words: template.HTML(escapeWords.Replace(text)), Strong: strong, plain: text}
}

// name is the i-th of a list of names, like the months.
func (p phrases) name(key string, i int) string {
	names := strings.Fields(p.Text[key])
	if i < 0 || i >= len(names) {
		return ""
	}
	// As every other word of the pack: on one line, with no controls.
	return oneLine(names[i])
}

// date writes a day the way the words say, like "Wed Nov 25, 2026".
func (p phrases) date(t time.Time) string {
	return p.say("date",
		"weekday", p.name("weekdays", int(t.Weekday())),
		"day", strconv.Itoa(t.Day()),
		"month", p.name("months", int(t.Month())-1),
		"month_number", strconv.Itoa(int(t.Month())),
		"year", strconv.Itoa(t.Year()))
}

// dateShort writes a day the way the words say for a subject, like "Mon Dec 7".
func (p phrases) dateShort(t time.Time) string {
	return p.say("date_short",
		"weekday", p.name("weekdays", int(t.Weekday())),
		"day", strconv.Itoa(t.Day()),
		"month", p.name("months", int(t.Month())-1),
		"month_number", strconv.Itoa(int(t.Month())),
		"year", strconv.Itoa(t.Year()))
}

// clock writes a time of day the way the words say, like "3:04 PM CST".
func (p phrases) clock(t time.Time) string {
	hour, ampm := t.Hour()%12, "am"
	if hour == 0 {
		hour = 12
	}
	if t.Hour() >= 12 {
		ampm = "pm"
	}
	return p.say("time",
		"hour", strconv.Itoa(hour),
		"hour24", t.Format("15"),
		"minute", t.Format("04"),
		"ampm", p.say(ampm),
		"zone", t.Format("MST"))
}

// count writes n of something with the words for one and for several.
func (p phrases) count(n int, one, many string) string {
	if n == 1 {
		return p.say(one, "n", "1")
	}
	return p.say(many, "n", strconv.Itoa(n))
}

// language is a language code as staff read it: its name in the words, else the
// code itself (a language the pack no longer has).
func (p phrases) language(code string) string {
	if code == "" {
		return p.say("not_known")
	}
	return firstNonEmpty(oneLine(p.Text[LanguageKey(code)]), oneLine(code))
}

// channel says how the person reached the hotline, in staff's words.
func (p phrases) channel(code string) string {
	switch code {
	case "":
		return p.say("not_known")
	case "sms", "whatsapp", "web", "terminal":
		return p.say("channel_" + code)
	}
	return oneLine(code)
}

// subject is a referral email's subject, like
// "[Hotline referral H-7F3K2] URGENT · hearing Mon Dec 7 · Housing (eviction) ·
// ZIP 60612 · Spanish". It is one line whatever the referral holds, and carries
// nothing the person typed freely: the case label and the language's name come
// from the pack, the ZIP was parsed as five digits and the court date as a date.
func (p phrases) subject(r *hotline.Referral, h hearing) string {
	key := "subject"
	if r.Urgent {
		key = "subject_urgent"
	}
	label := firstNonEmpty(oneLine(r.CaseLabel), oneLine(r.CaseType), p.say("legal_problem"))
	var when, language string
	switch {
	case h.missed:
		when = p.say("subject_missed_hearing", "date", p.dateShort(h.date))
	case h.known:
		when = p.say("subject_hearing", "date", p.dateShort(h.date))
	}
	if r.Language != "" && r.Language != p.Lang {
		language = p.say("subject_language", "language", p.language(r.Language))
	}
	var rerouted string
	if r.Rerouted != nil {
		rerouted = p.say("subject_rerouted")
	}
	// oneLine also drops the spaces an empty {hearing}, {language} or
	// {rerouted} leaves.
	return oneLine(p.say(key, "ref", oneLine(r.Ref), "case", label, "zip", oneLine(r.ZIP), "hearing", when, "language", language, "rerouted", rerouted))
}

// reasons are the reasons a referral is re-routed for, each with its words
// (reason_ and the reason).
var reasons = []string{
	hotline.ReasonConflict, hotline.ReasonCapacity, hotline.ReasonPriorities, hotline.ReasonOther,
	hotline.ReasonNoResponse, hotline.ReasonNotContacted,
}

// reason is why a referral was re-routed, in staff's words; a reason these
// words do not know (one a newer process wrote) reads as "other", never as
// its code.
func (p phrases) reason(code string) string {
	if !slices.Contains(reasons, code) {
		code = hotline.ReasonOther
	}
	return p.say("reason_" + code)
}

// rerouted is the banner of a referral that comes from another organization;
// "" for one that does not.
func (p phrases) rerouted(rr *hotline.Reroute) string {
	if rr == nil {
		return ""
	}
	return p.say("rerouted_banner", "from", oneLine(rr.From), "reason", p.reason(rr.Reason))
}

// link is the block with the organization's link to the referral's page;
// nil when there is no link, or it is not one the hotline could have made
// (an absolute http or https URL on one line), which would be a bug to keep
// out of an email rather than a link to show.
func (p phrases) link(address, hotlineName string) *linkView {
	if !webURL(address) {
		return nil
	}
	return &linkView{
		Heading: p.say("link_heading"),
		Text:    p.say("link_text", "hotline", hotlineName),
		Button:  p.say("link_button"),
		URL:     address,
	}
}

// webURL reports whether s is an absolute http or https URL with a host and
// nothing oneLine would change (no spaces, controls or line breaks).
func webURL(s string) bool {
	if s == "" || strings.ContainsFunc(s, breaks) || !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// hearing is a referral's court date as the email reads it.
type hearing struct {
	// known is set when the date parsed; missed when it is before the day the
	// referral was made, in the hotline's time zone.
	known, missed bool
	date          time.Time
	// raw is a date that did not parse, shown as it is.
	raw string
}

// hearingOf reads r.HearingDate against the day r was made (at, in the
// hotline's time zone).
func hearingOf(r *hotline.Referral, at time.Time) hearing {
	if r.HearingDate == "" {
		return hearing{}
	}
	d, err := time.Parse(time.DateOnly, r.HearingDate)
	if err != nil {
		return hearing{raw: oneLine(r.HearingDate)}
	}
	made := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	return hearing{known: true, missed: d.Before(made), date: d}
}

func newView(r *hotline.Referral, o Options) *view {
	w := phrases{o.Words}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	at := r.At.In(loc)
	h := hearingOf(r, at)
	hotlineName := firstNonEmpty(oneLine(o.HotlineName), w.say("the_hotline"))
	org, program := oneLine(r.OrgName), oneLine(r.ProgramName)
	v := &view{
		w:              w,
		Lang:           o.Words.Lang,
		Title:          w.subject(r, h),
		Kicker:         w.say("html_kicker", "hotline", hotlineName),
		Ref:            oneLine(r.Ref),
		Made:           w.say("made", "date", w.date(at), "time", w.clock(at)),
		FactsHeading:   w.say("facts_heading"),
		ToldHeading:    w.say("told_heading"),
		AnswersHeading: w.say("answers_heading"),
		Footer:         w.say("footer", "hotline", hotlineName),
	}
	if program == "" {
		v.Heading = w.say("heading", "ref", v.Ref, "org", org)
		v.For = w.say("html_for", "org", org)
	} else {
		v.Heading = w.say("heading_program", "ref", v.Ref, "org", org, "program", program)
		v.For = w.say("html_for_program", "org", org, "program", program)
	}
	country := firstNonEmpty(o.Country, defaultCountry)
	v.country = country
	v.Contact = w.contact(r.SafeContact, r.SafetyConcern, country)
	v.ContactFirst = r.SafetyConcern || r.SafeContact.Unsafe()
	urgent, urgentBanner := w.urgency(r.Urgent, r.UrgentReasons)
	safety, safetyBanner := w.safety(r.SafetyConcern)
	v.Banners = banners{Urgent: urgentBanner, Safety: safetyBanner, Rerouted: w.rerouted(r.Rerouted)}
	v.Link = w.link(r.Link, hotlineName)
	caseType := firstNonEmpty(oneLine(r.CaseLabel), oneLine(r.CaseType), w.say("not_known"))
	if r.CaseCode != "" {
		caseType = w.say("case_type_code", "case", caseType, "code", oneLine(r.CaseCode))
	}
	household := w.say("not_given")
	if r.Household > 0 {
		household = w.count(r.Household, "household_one", "household_many")
	}
	callName := firstNonEmpty(oneLine(r.Name), w.say("the_person"))
	callback := firstNonEmpty(PhoneForPeople(oneLine(r.Callback)), w.say("no_number"))
	v.Facts = []fact{urgent}
	switch {
	case h.missed:
		v.Banners.Hearing, v.Banners.HearingMissed = w.say("missed_hearing_banner", "date", w.date(h.date)), true
		v.Facts = append(v.Facts, fact{Label: w.say("label_hearing"), Value: w.say("hearing_missed", "date", w.date(h.date)), Flag: true})
	case h.known:
		v.Banners.Hearing = w.say("hearing_banner", "date", w.date(h.date))
		v.Facts = append(v.Facts, fact{Label: w.say("label_hearing"), Value: w.date(h.date), Flag: r.Urgent})
	case h.raw != "":
		v.Facts = append(v.Facts, fact{Label: w.say("label_hearing"), Value: h.raw})
	}
	v.Facts = append(v.Facts, safety)
	if r.AskedForPerson {
		// Only when they did: a "No" on every referral is one more line to
		// read past.
		v.Facts = append(v.Facts, fact{Label: w.say("label_asked_person"), Value: w.say("yes"), Flag: true})
	}
	v.Facts = append(v.Facts,
		fact{Label: w.say("label_case_type"), Value: caseType},
		fact{Label: w.say("label_name"), Value: firstNonEmpty(oneLine(r.Name), w.say("not_given"))},
		phoneFact(w.say("label_callback"), callback, r.Callback),
		fact{Label: w.say("label_language"), Value: w.language(r.Language)},
		fact{Label: w.say("label_opponent"), Value: firstNonEmpty(oneLine(r.Opponent), w.say("not_given")), Note: w.say("conflict_check")},
		fact{Label: w.say("label_household"), Value: household},
		fact{Label: firstNonEmpty(oneLine(r.IncomeLabel), w.say("label_income")), Value: w.income(r)},
		fact{Label: w.say("label_zip"), Value: firstNonEmpty(oneLine(r.ZIP), w.say("not_given"))},
		fact{Label: w.say("label_channel"), Value: w.channel(r.Channel)},
	)
	linkFacts(v.Facts, country)
	v.Told = told(r.Told, country)
	if r.IncludeAnswers {
		v.Answers = make([]qa, 0, len(r.Answers))
		for _, a := range r.Answers {
			q := qa{Question: oneLine(a.Question)}
			answer := firstNonEmpty(oneLine(w.shown(a)), w.say("none"))
			if given := oneLine(a.Given); given != "" {
				// An empty value beside what the person wrote is an answer
				// the bot did not take ("no dont call this number..."): it
				// was given, just not as a value.
				if a.Value == "" {
					answer = w.say("not_given")
				}
				answer = w.say("as_given", "given", given, "reading", answer)
			}
			q.Answer = linkPhones(answer, country)
			if a.Value == "" {
				// What a rule took instead of an answer ("dont call 312 555
				// 0177, he checks it") may name the number not to call: no
				// link to it.
				q.Answer = sentence{{Text: answer, plain: answer}}
			}
			q.Line = w.say("answer_line", "question", q.Question, "answer", answer)
			v.Answers = append(v.Answers, q)
		}
	}
	v.CallBack = w.sentence("call_back", map[string]span{
		"name":  {Text: callName, Strong: true},
		"phone": {Text: callback, Strong: true, Tel: telURL(r.Callback)},
		"ref":   {Text: v.Ref, Strong: true},
	})
	return v
}

// contact is the block that says how to reach the person safely: a row for
// each thing they were asked (voicemail, texts, a safe time or number), and,
// for a person in danger who was asked about neither voicemail nor texts, a
// note to assume neither is safe. Nil when there is nothing to say.
func (p phrases) contact(c hotline.SafeContact, concern bool, country string) *contactView {
	v := &contactView{Heading: p.say("contact_heading")}
	switch c.Voicemail {
	case "no":
		v.Rows = append(v.Rows, fact{Label: p.say("label_voicemail"), Value: p.say("voicemail_no"), Flag: true})
	case "yes":
		v.Rows = append(v.Rows, fact{Label: p.say("label_voicemail"), Value: p.say("voicemail_yes")})
	}
	switch c.Texts {
	case "no":
		v.Rows = append(v.Rows, fact{Label: p.say("label_texts"), Value: p.say("notice_texts_unsafe"), Flag: true})
	case "yes":
		v.Rows = append(v.Rows, fact{Label: p.say("label_texts"), Value: p.say("texts_yes")})
	}
	if when := oneLine(c.When); when != "" {
		v.Rows = append(v.Rows, fact{Label: p.say("label_safe_when"), Value: when, Flag: true})
	}
	if concern && c.Voicemail == "" && c.Texts == "" {
		v.Note = p.say("contact_not_asked")
	}
	if len(v.Rows) == 0 && v.Note == "" {
		return nil
	}
	linkFacts(v.Rows, country)
	return v
}

// told is what the person was told, a sentence a line, with a tel: link on
// each phone number; nil when it is not known. Each line is folded like
// anything else a referral carries, and the text part quotes it line by line,
// so that no line of it can pass for one of the email's own.
func told(text, country string) []sentence {
	text = strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD"))
	if text == "" {
		return nil
	}
	var lines []sentence
	for _, line := range strings.FieldsFunc(text, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029
	}) {
		if line = oneLine(line); line != "" {
			lines = append(lines, linkPhones(line, country))
		}
	}
	return lines
}

// alert adds to the view what the coordinator's alert says: the referral could
// not be delivered after attempts tries, the last failing with lastErr.
func (v *view) alert(r *hotline.Referral, attempts int, lastErr string) {
	w := v.w
	org, orgEmail := oneLine(r.OrgName), oneLine(r.OrgEmail)
	orgPhone := PhoneForPeople(oneLine(r.OrgPhone))
	// The link lets whoever has it answer for the organization, and the
	// alert goes to the coordinator, who passes the referral on by phone.
	v.Link = nil
	key := "alert_subject"
	if r.Urgent {
		key = "alert_subject_urgent"
	}
	v.Title = w.say(key, "ref", oneLine(r.Ref), "org", org)
	a := &alertView{
		Heading:     w.say("alert_heading", "ref", v.Ref, "org", org),
		Failed:      w.say("alert_failed", "email", orgEmail, "attempts", w.count(attempts, "attempts_one", "attempts_many")),
		LastError:   w.say("alert_last_error", "error", firstNonEmpty(truncate(oneLine(lastErr), 500), w.say("alert_no_error"))),
		WhatToDo:    w.say("alert_what_to_do"),
		TheReferral: w.say("alert_the_referral"),
		Rows: []fact{
			{Label: w.say("label_organization"), Value: org},
			phoneFact(w.say("label_phone"), orgPhone, r.OrgPhone),
			{Label: w.say("label_intake_email"), Value: orgEmail},
		},
	}
	linkFacts(a.Rows, v.country)
	values := map[string]span{
		"org":   {Text: org},
		"phone": {Text: orgPhone, Tel: telURL(r.OrgPhone)},
	}
	if r.Urgent {
		values["today"] = w.wordSpan("alert_today", true)
		a.Call = w.sentence("alert_call_urgent", values)
	} else {
		a.Call = w.sentence("alert_call", values)
	}
	v.Alert = a
}

// shown writes a saved answer the way intake staff read it.
func (p phrases) shown(a hotline.QA) string {
	if a.Value == "" {
		return p.say("skipped")
	}
	switch a.Kind {
	case "choice":
		if a.Label != "" {
			return a.Label
		}
	case "yesno":
		if a.Value == "yes" {
			return p.say("yes")
		}
		return p.say("no")
	case "money":
		cents, _ := strconv.ParseInt(a.Value, 10, 64)
		if a.Once {
			return answer.FormatMoney(cents) // a debt is one sum, not "a month"
		}
		return p.say("per_month", "amount", answer.FormatMoney(cents))
	case "date":
		if d, err := time.Parse(time.DateOnly, a.Value); err == nil {
			return p.date(d)
		}
	case "phone":
		return PhoneForPeople(a.Value)
	}
	return a.Value
}

// income is the household's income per month and how it compares with the
// poverty guideline and the organization's limit, the figures eligibility turns
// on: with the year's figures when the guideline for the household is known,
// and after the income as the person wrote it ("500 a week → ...") when it was
// not a plain amount.
func (p phrases) income(r *hotline.Referral) string {
	amount := answer.FormatMoney(r.MonthlyIncomeCents)
	var reading string
	percent, year := fmt.Sprintf("%.0f", r.PovertyPercent), strconv.Itoa(r.GuidelineYear)
	switch {
	case r.GuidelineYear == 0:
		reading = p.say("per_month", "amount", amount)
	case r.GuidelineAnnualCents > 0 && r.Household > 0:
		// A year of a monthly amount rounded to the cent is off by a few cents
		// ("500 a week" is $26,000.04 a year): whole dollars read true.
		annual := (r.MonthlyIncomeCents*12 + 50) / 100 * 100
		pairs := []string{"amount", amount, "annual", answer.FormatMoney(annual), "percent", percent, "year", year,
			"size", strconv.Itoa(r.Household), "guideline", answer.FormatMoney(r.GuidelineAnnualCents), "limit", strconv.Itoa(r.IncomeLimit)}
		if r.IncomeLimit > 0 {
			reading = p.say("income_guideline_limit", pairs...)
		} else {
			reading = p.say("income_guideline_no_limit", pairs...)
		}
	case r.IncomeLimit > 0:
		reading = p.say("income_limit", "amount", amount, "percent", percent, "year", year, "limit", strconv.Itoa(r.IncomeLimit))
	default:
		reading = p.say("income_no_limit", "amount", amount, "percent", percent, "year", year)
	}
	if given := oneLine(r.IncomeGiven); given != "" {
		return p.say("as_given", "given", given, "reading", reading)
	}
	return reading
}

// minLabelWidth is the width of the text part's label column, so that the values
// line up in the fixed-width fonts most mail programs use for plain text; longer
// labels (in some languages) widen it.
const minLabelWidth = 16

// maxLabelWidth is the widest label that widens the text part's label column;
// a longer one (an income question's own label, say) is followed by one space,
// so that one long label does not push every value across the page.
const maxLabelWidth = 24

// text is the plain-text part, in the order of the HTML part.
func (v *view) text() string {
	var b strings.Builder
	width := v.labelWidth()
	if a := v.Alert; a != nil {
		b.WriteString(a.Heading + "\n\n")
		b.WriteString(a.Failed + "\n")
		b.WriteString(a.LastError + "\n\n")
		b.WriteString(a.WhatToDo + " " + a.Call.String() + "\n\n")
		for _, f := range a.Rows {
			v.line(&b, f, width)
		}
		b.WriteString("\n" + strings.Repeat("─", 20) + " " + a.TheReferral + " " + strings.Repeat("─", 20) + "\n\n")
	}
	b.WriteString(v.Heading + "\n")
	b.WriteString(v.Made + "\n\n")
	v.writeTop(&b, width)
	if l := v.Link; l != nil {
		// The URL alone on its line, so that every mail program makes it a
		// link and nothing around it sticks to it.
		b.WriteString(l.Heading + "\n" + l.Text + "\n" + l.URL + "\n\n")
	}
	b.WriteString(v.FactsHeading + "\n")
	for _, f := range v.Facts {
		v.line(&b, f, width)
	}
	b.WriteString("\n" + v.CallBack.String() + "\n")
	if len(v.Told) > 0 {
		b.WriteString("\n" + v.ToldHeading + "\n")
		for _, line := range v.Told {
			b.WriteString("> " + line.String() + "\n")
		}
	}
	if len(v.Answers) > 0 {
		b.WriteString("\n" + v.AnswersHeading + "\n")
		for _, qa := range v.Answers {
			b.WriteString("- " + qa.Line + "\n")
		}
	}
	b.WriteString("\n" + v.Footer + "\n")
	return b.String()
}

// writeTop writes what comes before the facts: the safe-contact block and the
// banners, the block first when the person is in danger or limited how to
// reach them, each followed by a blank line.
func (v *view) writeTop(b *strings.Builder, width int) {
	if v.ContactFirst {
		v.writeContact(b, width)
	}
	writeBanners(b, v.Banners)
	if !v.ContactFirst {
		v.writeContact(b, width)
	}
}

// writeContact writes the safe-contact block of a plain-text part and a blank
// line after it; nothing when there is none.
func (v *view) writeContact(b *strings.Builder, width int) {
	c := v.Contact
	if c == nil {
		return
	}
	b.WriteString(c.Heading + "\n")
	for _, f := range c.Rows {
		v.line(b, f, width)
	}
	if c.Note != "" {
		b.WriteString(c.Note + "\n")
	}
	b.WriteString("\n")
}

// labelWidth is the width of the text part's label column: the longest label, as
// text_label writes it, and at least minLabelWidth; labels longer than
// maxLabelWidth do not count.
func (v *view) labelWidth() int {
	width := minLabelWidth
	rows := slices.Clip(v.Facts)
	if v.Contact != nil {
		rows = append(rows, v.Contact.Rows...)
	}
	if v.Alert != nil {
		rows = append(rows, v.Alert.Rows...)
	}
	for _, f := range rows {
		if n := utf8.RuneCountInString(v.w.say("text_label", "label", f.Label)); n <= maxLabelWidth {
			width = max(width, n)
		}
	}
	return width
}

func (v *view) line(b *strings.Builder, f fact, width int) {
	fmt.Fprintf(b, "%-*s %s", width, v.w.say("text_label", "label", f.Label), f.Value)
	if f.Note != "" {
		fmt.Fprintf(b, "  ← %s", f.Note)
	}
	b.WriteByte('\n')
}

// renderHTML runs the organization's template on the referral, or the default
// one on the view. A template that fails (a missing field, a function that
// panics) gives an error, never a half-written email or a crash.
func renderHTML(custom *template.Template, r *hotline.Referral, v *view) (html string, err error) {
	tpl, data := defaultHTML, any(v)
	if custom != nil {
		tpl, data = custom, r
	}
	defer func() {
		if p := recover(); p != nil {
			html, err = "", &RenderError{Err: fmt.Errorf("template %q for %s: %v", tpl.Name(), v.Ref, p)}
		}
	}()
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return "", &RenderError{Err: fmt.Errorf("template for %s: %w", v.Ref, err)}
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", &RenderError{Err: fmt.Errorf("template %q for %s wrote nothing", tpl.Name(), v.Ref)}
	}
	return b.String(), nil
}

// urgency is the Urgent line of an email and its banner ("" when not urgent),
// the same in a referral and in a needs-a-person notice.
func (p phrases) urgency(urgent bool, why []string) (fact, string) {
	f := fact{Label: p.say("label_urgent"), Value: p.say("no")}
	if !urgent {
		return f, ""
	}
	f.Value, f.Flag = p.say("yes"), true
	reasons := oneLine(strings.Join(why, "; "))
	if reasons == "" {
		return f, p.say("urgent_banner_no_reason")
	}
	f.Value = p.say("urgent_yes", "reasons", reasons)
	return f, p.say("urgent_banner", "reasons", reasons)
}

// safety is the Safety concern line of an email and its banner ("" for none).
func (p phrases) safety(concern bool) (fact, string) {
	f := fact{Label: p.say("label_safety"), Value: p.say("no")}
	if !concern {
		return f, ""
	}
	f.Value, f.Flag = p.say("safety_yes"), true
	return f, p.say("safety_banner")
}

// writeBanners writes the banners of a plain-text part, each on its line and
// a blank line after them; nothing when there are none.
func writeBanners(b *strings.Builder, bs banners) {
	for _, banner := range []string{bs.Urgent, bs.Safety, bs.Hearing, bs.Rerouted} {
		if banner != "" {
			b.WriteString(banner + "\n")
		}
	}
	if bs.any() {
		b.WriteString("\n")
	}
}
