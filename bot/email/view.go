package email

import (
	"fmt"
	"html/template"
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
	w     phrases
	Lang  string // the words' language, for <html lang>
	Title string // the subject, as the HTML page's title
	// Heading is the text part's first line; the HTML part shows its pieces:
	// Kicker above the reference, For below it.
	Heading string
	Kicker  string
	Ref     string
	For     string
	Made    string
	// UrgentBanner and SafetyBanner are "" unless the case is urgent, or the
	// person said they are in danger.
	UrgentBanner string
	SafetyBanner string
	Facts        []fact
	// Answers is nil when the organization does not want them.
	Answers        []qa
	AnswersHeading string
	CallBack       sentence
	Footer         string
	Alert          *alertView
}

// fact is one row of the key-facts table.
type fact struct {
	Label string
	Value string
	// Note is a hint after the value, like "for your conflict check".
	Note string
	// Flag marks a value staff must not miss (urgent, safety concern).
	Flag bool
}

// qa is one question and its answer as staff read it.
type qa struct {
	Question string
	Answer   string
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
// "[Hotline referral H-7F3K2] URGENT · Housing (eviction) · ZIP 60612". It is one
// line whatever the referral holds, and carries nothing the person typed freely:
// the case label comes from the pack and the ZIP was parsed as five digits.
func (p phrases) subject(r *hotline.Referral) string {
	key := "subject"
	if r.Urgent {
		key = "subject_urgent"
	}
	label := firstNonEmpty(oneLine(r.CaseLabel), oneLine(r.CaseType), p.say("legal_problem"))
	return p.say(key, "ref", oneLine(r.Ref), "case", label, "zip", oneLine(r.ZIP))
}

func newView(r *hotline.Referral, o Options) *view {
	w := phrases{o.Words}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	at := r.At.In(loc)
	hotlineName := firstNonEmpty(oneLine(o.HotlineName), w.say("the_hotline"))
	org, program := oneLine(r.OrgName), oneLine(r.ProgramName)
	v := &view{
		w:              w,
		Lang:           o.Words.Lang,
		Title:          w.subject(r),
		Kicker:         w.say("html_kicker", "hotline", hotlineName),
		Ref:            oneLine(r.Ref),
		Made:           w.say("made", "date", w.date(at), "time", w.clock(at)),
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
	urgent, urgentBanner := w.urgency(r.Urgent, r.UrgentReasons)
	safety, safetyBanner := w.safety(r.SafetyConcern)
	v.UrgentBanner, v.SafetyBanner = urgentBanner, safetyBanner
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
	v.Facts = []fact{
		urgent,
		safety,
		{Label: w.say("label_case_type"), Value: caseType},
		{Label: w.say("label_name"), Value: firstNonEmpty(oneLine(r.Name), w.say("not_given"))},
		{Label: w.say("label_callback"), Value: callback},
		{Label: w.say("label_language"), Value: w.language(r.Language)},
		{Label: w.say("label_opponent"), Value: firstNonEmpty(oneLine(r.Opponent), w.say("not_given")), Note: w.say("conflict_check")},
		{Label: w.say("label_household"), Value: household},
		{Label: w.say("label_income"), Value: w.income(r)},
		{Label: w.say("label_zip"), Value: firstNonEmpty(oneLine(r.ZIP), w.say("not_given"))},
		{Label: w.say("label_channel"), Value: w.channel(r.Channel)},
	}
	if r.IncludeAnswers {
		v.Answers = make([]qa, 0, len(r.Answers))
		for _, a := range r.Answers {
			q := qa{Question: oneLine(a.Question), Answer: firstNonEmpty(oneLine(w.shown(a)), w.say("none"))}
			q.Line = w.say("answer_line", "question", q.Question, "answer", q.Answer)
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

// alert adds to the view what the coordinator's alert says: the referral could
// not be delivered after attempts tries, the last failing with lastErr.
func (v *view) alert(r *hotline.Referral, attempts int, lastErr string) {
	w := v.w
	org, orgEmail := oneLine(r.OrgName), oneLine(r.OrgEmail)
	orgPhone := PhoneForPeople(oneLine(r.OrgPhone))
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
			{Label: w.say("label_phone"), Value: orgPhone},
			{Label: w.say("label_intake_email"), Value: orgEmail},
		},
	}
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
	}
	return a.Value
}

// income is the household's income per month and how it compares with the
// poverty guideline and the organization's limit, the figures eligibility turns on.
func (p phrases) income(r *hotline.Referral) string {
	amount := answer.FormatMoney(r.MonthlyIncomeCents)
	if r.GuidelineYear == 0 {
		return p.say("per_month", "amount", amount)
	}
	percent, year := fmt.Sprintf("%.0f", r.PovertyPercent), strconv.Itoa(r.GuidelineYear)
	if r.IncomeLimit > 0 {
		return p.say("income_limit", "amount", amount, "percent", percent, "year", year, "limit", strconv.Itoa(r.IncomeLimit))
	}
	return p.say("income_no_limit", "amount", amount, "percent", percent, "year", year)
}

// minLabelWidth is the width of the text part's label column, so that the values
// line up in the fixed-width fonts most mail programs use for plain text; longer
// labels (in some languages) widen it.
const minLabelWidth = 16

// text is the plain-text part.
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
	writeBanners(&b, v.UrgentBanner, v.SafetyBanner)
	for _, f := range v.Facts {
		v.line(&b, f, width)
	}
	if len(v.Answers) > 0 {
		b.WriteString("\n" + v.AnswersHeading + "\n")
		for _, qa := range v.Answers {
			b.WriteString("- " + qa.Line + "\n")
		}
	}
	b.WriteString("\n" + v.CallBack.String() + "\n")
	b.WriteString("\n" + v.Footer + "\n")
	return b.String()
}

// labelWidth is the width of the text part's label column: the longest label, as
// text_label writes it, and at least minLabelWidth.
func (v *view) labelWidth() int {
	width := minLabelWidth
	rows := v.Facts
	if v.Alert != nil {
		rows = append(rows[:len(rows):len(rows)], v.Alert.Rows...)
	}
	for _, f := range rows {
		width = max(width, utf8.RuneCountInString(v.w.say("text_label", "label", f.Label)))
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

// writeBanners writes the urgent and safety banners of a plain-text part, each
// on its line and a blank line after them; nothing when there are none.
func writeBanners(b *strings.Builder, urgent, safety string) {
	for _, banner := range []string{urgent, safety} {
		if banner != "" {
			b.WriteString(banner + "\n")
		}
	}
	if urgent != "" || safety != "" {
		b.WriteString("\n")
	}
}
