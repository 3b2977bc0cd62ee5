package email_test

import (
	"fmt"
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
)

// fullReferral is referral() with everything an email can show: safe contact,
// a hearing, what the person was told, the income as given with the guideline
// for the household, and an answer as given.
func fullReferral() *hotline.Referral {
	r := referral()
	r.SafeContact = hotline.SafeContact{Voicemail: "no", Texts: "no", When: "after 3pm or 312-555-0177"}
	r.HearingDate = "2026-11-30"
	r.AskedForPerson = true
	r.Told = "Tenant Rights Clinic can help. Call them today: (312) 555-0111.\nYour reference is H-7F3K9."
	r.MonthlyIncomeCents, r.IncomeGiven, r.GuidelineAnnualCents = 216667, "500 a week", 2732000
	r.PovertyPercent = 95.17
	r.IncomeLabel = "Household income (not counting the abuser)"
	r.Answers = append(r.Answers, hotline.QA{Question: "Household income (not counting the abuser)", Kind: "money", Value: "216667", Given: "500 a week"})
	return r
}

// dvReferral is a domestic violence referral from a person who said not to
// leave a voicemail and that texts are not safe.
func dvReferral() *hotline.Referral {
	r := fullReferral()
	r.OrgName, r.ProgramName, r.CaseType, r.CaseLabel, r.CaseCode = "Family Justice Center", "", "domestic_violence", "Domestic violence", "37"
	r.Urgent, r.UrgentReasons, r.SafetyConcern, r.HearingDate = true, []string{"afraid for their safety"}, true, ""
	r.Opponent = "Jon Doe"
	return r
}

// TestSafeContactFirst: in a safety case, the first lines of both parts say
// how to reach the person safely, before the banners and the facts.
func TestSafeContactFirst(t *testing.T) {
	m := render(t, dvReferral(), options(t))
	lines := strings.Split(m.Text, "\n")
	if !strings.HasPrefix(lines[0], "Hotline referral H-7F3K9 for Family Justice Center") {
		t.Fatalf("the text part starts %q", lines[0])
	}
	first := squeeze(strings.Join(lines[1:7], "\n"))
	for _, want := range []string{
		"Contacting them safely",
		"Voicemail:       Do NOT leave a voicemail",
		"Texts:           NOT safe: do not text this number",
	} {
		if !strings.Contains(first, squeeze(want)) {
			t.Errorf("the 6 lines after the heading lack %q:\n%s", want, first)
		}
	}
	if want := "Safe to call:    after 3pm or 312-555-0177\n"; !strings.Contains(squeeze(m.Text), squeeze(want)) {
		t.Errorf("the text part lacks %q:\n%s", want, m.Text)
	}
	for _, part := range []struct{ name, s string }{{"text", m.Text}, {"HTML", m.HTML}} {
		block := strings.Index(part.s, "Contacting them safely")
		for _, after := range []string{"URGENT: afraid for their safety", "SAFETY CONCERN", "Key facts", "Please call"} {
			if i := strings.Index(part.s, after); block < 0 || i < block {
				t.Errorf("%s part: the safe-contact block (at %d) is not before %q (at %d)", part.name, block, after, i)
			}
		}
	}
	for _, want := range []string{
		`<h2 style="margin:0 0 6px 0;font-size:16px;font-weight:bold;color:#7a1010;">Contacting them safely</h2>`,
		">Do NOT leave a voicemail<",
		">NOT safe: do not text this number<",
		`after 3pm or <a href="tel:+13125550177" style="color:#0b4f8a;">312-555-0177</a>`,
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML part lacks %q", want)
		}
	}
}

// TestSafeContactLines: each answer shows as said, none when not asked; a
// person in danger who was not asked gets the careful note; a case with no
// limit shows the block after the banners.
func TestSafeContactLines(t *testing.T) {
	tests := []struct {
		name    string
		contact hotline.SafeContact
		concern bool
		want    []string
		not     []string
		first   bool // the block comes before the banners
	}{
		{"all yes", hotline.SafeContact{Voicemail: "yes", Texts: "yes"}, false,
			[]string{"Contacting them safely\n", "Voicemail:       OK\n", "Texts:           OK\n"}, []string{"Safe to call", "not asked", "Do NOT"}, false},
		{"voicemail only", hotline.SafeContact{Voicemail: "no"}, false,
			[]string{"Voicemail:       Do NOT leave a voicemail\n"}, []string{"Texts:", "Safe to call", "not asked"}, true},
		{"texts only", hotline.SafeContact{Texts: "no"}, false,
			[]string{"Texts:           NOT safe: do not text this number\n"}, []string{"Voicemail:", "not asked"}, true},
		{"a safe time only", hotline.SafeContact{When: "mornings\r\nBcc: x@example.com"}, false,
			[]string{"Safe to call:    mornings Bcc: x@example.com\n"}, []string{"Voicemail:", "Texts:", "not asked"}, true},
		{"danger, not asked", hotline.SafeContact{}, true,
			[]string{"They were not asked about voicemail or texts: leave no voicemail and send no texts until you have spoken with them.\n"},
			[]string{"Voicemail:", "Texts:"}, true},
		{"nothing asked, no danger", hotline.SafeContact{}, false, nil, []string{"Contacting them safely", "Voicemail", "Texts:"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := referral()
			r.SafeContact, r.SafetyConcern = tt.contact, tt.concern
			m := render(t, r, options(t))
			for _, want := range tt.want {
				if !strings.Contains(squeeze(m.Text), squeeze(want)) {
					t.Errorf("the text part lacks %q:\n%s", want, m.Text)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(m.Text, not) || strings.Contains(m.HTML, not) {
					t.Errorf("the email says %q:\n%s", not, m.Text)
				}
			}
			if len(tt.want) == 0 {
				return
			}
			for _, part := range []string{m.Text, m.HTML} {
				block, banner := strings.Index(part, "Contacting them safely"), strings.Index(part, "URGENT: court hearing")
				if block < 0 || banner < 0 || (block < banner) != tt.first || block > strings.Index(part, "Key facts") {
					t.Errorf("the block is at %d, the banner at %d; want the block first: %v, and before the facts", block, banner, tt.first)
				}
			}
		})
	}
}

// TestHearing: the court date is in the subject, a banner and the facts; one
// before the day the referral was made (in the hotline's zone) is flagged as a
// missed hearing.
func TestHearing(t *testing.T) {
	tests := []struct {
		name, date string
		at         time.Time
		subject    string
		text, html []string
	}{
		{"coming", "2026-12-07", time.Date(2026, 12, 2, 21, 4, 0, 0, time.UTC),
			"[Hotline referral H-7F3K9] URGENT · hearing Mon Dec 7 · Housing (eviction) · ZIP 60612",
			[]string{"URGENT: court hearing within 14 days\nCOURT HEARING: Mon Dec 7, 2026\n", "Hearing:         Mon Dec 7, 2026\n"},
			[]string{">\nCOURT HEARING: Mon Dec 7, 2026\n<", ">Hearing</td>", "font-weight:bold;\">Mon Dec 7, 2026</td>"}},
		{"missed", "2026-12-01", time.Date(2026, 12, 2, 21, 4, 0, 0, time.UTC),
			"[Hotline referral H-7F3K9] URGENT · missed hearing? Tue Dec 1 · Housing (eviction) · ZIP 60612",
			[]string{"MISSED HEARING? The court date they gave, Tue Dec 1, 2026, is before the day of this referral.\n",
				"Hearing:         Tue Dec 1, 2026: missed hearing? (before the day of this referral)\n"},
			[]string{"background-color:#c62828;color:#ffffff;font-weight:bold;\">\nMISSED HEARING? The court date they gave, Tue Dec 1, 2026", "Tue Dec 1, 2026: missed hearing?"}},
		// 2:00 UTC on Dec 2 is still Dec 1 in Chicago: a hearing on Dec 1 is today.
		{"today in the hotline's zone", "2026-12-01", time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC),
			"[Hotline referral H-7F3K9] URGENT · hearing Tue Dec 1 · Housing (eviction) · ZIP 60612",
			[]string{"COURT HEARING: Tue Dec 1, 2026\n"}, []string{"COURT HEARING: Tue Dec 1, 2026"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := referral()
			r.HearingDate, r.At, r.Language, r.SafetyConcern = tt.date, tt.at, "en", false
			m := render(t, r, options(t))
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, want := range tt.text {
				if !strings.Contains(squeeze(m.Text), squeeze(want)) {
					t.Errorf("the text part lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("the HTML part lacks %q:\n%s", want, m.HTML)
				}
			}
			if missed := strings.Contains(m.Text, "missed") || strings.Contains(m.Text, "MISSED"); missed != (tt.name == "missed") {
				t.Errorf("missed hearing said: %v, want %v", missed, tt.name == "missed")
			}
		})
	}
	// Spanish: the same in Spanish words.
	r := referral()
	r.HearingDate, r.At = "2026-11-24", time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC)
	o := options(t)
	o.Words = sampleWords(t, "es")
	m := render(t, r, o)
	if want := "[Referido de la línea de ayuda H-7F3K9] URGENTE · ¿audiencia perdida? martes 24 de noviembre · Housing (eviction) · ZIP 60612"; m.Subject != want {
		t.Errorf("Spanish Subject = %q, want %q", m.Subject, want)
	}
}

// TestSubjectLanguage: the subject names the person's language when the
// email is written in another one, in the email's words.
func TestSubjectLanguage(t *testing.T) {
	tests := []struct{ person, email, want string }{
		{"es", "en", "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612 · Spanish"},
		{"en", "en", "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
		{"en", "es", "[Referido de la línea de ayuda H-7F3K9] URGENTE · Housing (eviction) · ZIP 60612 · inglés"},
		{"es", "es", "[Referido de la línea de ayuda H-7F3K9] URGENTE · Housing (eviction) · ZIP 60612"},
		{"", "en", "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
	}
	for _, tt := range tests {
		r := referral()
		r.Language = tt.person
		o := options(t)
		o.Words = sampleWords(t, tt.email)
		if got := render(t, r, o).Subject; got != tt.want {
			t.Errorf("a %q speaker, an email in %s: Subject = %q, want %q", tt.person, tt.email, got, tt.want)
		}
	}
}

// TestTold: what the person was told is quoted word for word in both parts,
// line by line, and cannot forge a line of the email or markup.
func TestTold(t *testing.T) {
	r := referral()
	r.Told = "Tenant Rights Clinic can help. Call them today: (312) 555-0111.\nYour reference is H-7F3K9.\r\nBcc: x@example.com <b>&</b>"
	m := render(t, r, options(t))
	if want := "\nWhat the person was told\n> Tenant Rights Clinic can help. Call them today: (312) 555-0111.\n> Your reference is H-7F3K9.\n> Bcc: x@example.com <b>&</b>\n"; !strings.Contains(squeeze(m.Text), squeeze(want)) {
		t.Errorf("the text part lacks %q:\n%s", want, m.Text)
	}
	for _, want := range []string{
		`<h2 style="font-size:16px;font-weight:bold;margin:0 0 8px 0;color:#1f2933;">What the person was told</h2>`,
		`Tenant Rights Clinic can help. Call them today: <a href="tel:+13125550111" style="color:#0b4f8a;">(312) 555-0111</a>.<br>Your reference is H-7F3K9.<br>Bcc: x@example.com &lt;b&gt;&amp;&lt;/b&gt;</blockquote>`,
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML part lacks %q:\n%s", want, m.HTML)
		}
	}
	for _, line := range splitLines(m.Text) {
		if headerLike.MatchString(line) {
			t.Errorf("what the person was told started a line of its own: %q", line)
		}
	}
	r.Told = " \n "
	m = render(t, r, options(t))
	if strings.Contains(m.Text, "What the person was told") || strings.Contains(m.HTML, "What the person was told") {
		t.Errorf("an empty Told shows its heading:\n%s", m.Text)
	}
}

// TestAskedForPerson: a person who asked for a person is flagged in the facts;
// one who did not, is not mentioned.
func TestAskedForPerson(t *testing.T) {
	r := referral()
	r.AskedForPerson = true
	m := render(t, r, options(t))
	if !strings.Contains(m.Text, "\nAsked for a person: Yes\n") || !strings.Contains(m.HTML, ">Asked for a person</td>") {
		t.Errorf("the email does not say they asked for a person:\n%s", m.Text)
	}
	r.AskedForPerson = false
	m = render(t, r, options(t))
	if strings.Contains(m.Text, "Asked for a person") || strings.Contains(m.HTML, "Asked for a person") {
		t.Errorf("the email says they asked for a person")
	}
}

// TestIncome: the income as the person gave it beside its reading, the yearly
// figure, the guideline for the household and its year, under the income
// question's own label; the older line when the guideline is not known.
func TestIncome(t *testing.T) {
	tests := []struct {
		name   string
		change func(*hotline.Referral)
		want   string
	}{
		{"as given, with the guideline", func(*hotline.Referral) {},
			"Household income (not counting the abuser): 500 a week → $2,166.67 a month ($26,000 a year) = 95% of the 2026 guideline for 3 ($27,320); your limit: 200%\n"},
		{"no limit", func(r *hotline.Referral) { r.IncomeLimit = 0 },
			"Household income (not counting the abuser): 500 a week → $2,166.67 a month ($26,000 a year) = 95% of the 2026 guideline for 3 ($27,320); no income limit for this service\n"},
		{"a plain amount", func(r *hotline.Referral) { r.IncomeGiven, r.IncomeLabel = "", "" },
			"Income:          $2,166.67 a month ($26,000 a year) = 95% of the 2026 guideline for 3 ($27,320); your limit: 200%\n"},
		{"guideline not known", func(r *hotline.Referral) { r.GuidelineAnnualCents, r.IncomeLabel = 0, "" },
			"Income:          500 a week → $2,166.67 a month, 95% of the 2026 poverty guideline (your limit: 200%)\n"},
		{"no guideline year", func(r *hotline.Referral) { r.GuidelineYear, r.IncomeLabel, r.IncomeGiven = 0, "", "" },
			"Income:          $2,166.67 a month\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fullReferral()
			tt.change(r)
			m := render(t, r, options(t))
			if !strings.Contains(squeeze(m.Text), squeeze(tt.want)) {
				t.Errorf("the text part lacks %q:\n%s", tt.want, m.Text)
			}
			label, value, _ := strings.Cut(strings.TrimSuffix(tt.want, "\n"), ":")
			if !strings.Contains(m.HTML, ">"+label+"</td>") || !strings.Contains(m.HTML, ">"+strings.TrimSpace(value)+"</td>") {
				t.Errorf("the HTML part lacks %q and %q", label, strings.TrimSpace(value))
			}
		})
	}
	// The answer as given, beside its reading, in both parts.
	m := render(t, fullReferral(), options(t))
	if want := "- Household income (not counting the abuser): 500 a week → $2,166.67 a month\n"; !strings.Contains(squeeze(m.Text), squeeze(want)) {
		t.Errorf("the text part lacks %q:\n%s", want, m.Text)
	}
	if want := ">500 a week → $2,166.67 a month</td>"; !strings.Contains(m.HTML, want) {
		t.Errorf("the HTML part lacks %q", want)
	}
}

// TestReplyTo: Options.ReplyTo is the message's Reply-To, on one line; none
// when not set.
func TestReplyTo(t *testing.T) {
	o := options(t)
	if m := render(t, referral(), o); m.ReplyTo != "" {
		t.Errorf("ReplyTo = %q with none set", m.ReplyTo)
	}
	o.ReplyTo = "Intake Coordinator <coordinator@example.org>\r\nBcc: x@example.com"
	want := "Intake Coordinator <coordinator@example.org> Bcc: x@example.com"
	if m := render(t, referral(), o); m.ReplyTo != want {
		t.Errorf("ReplyTo = %q, want %q", m.ReplyTo, want)
	}
	if m := mustAlertWith(t, referral(), o); m.ReplyTo != want {
		t.Errorf("the alert's ReplyTo = %q, want %q", m.ReplyTo, want)
	}
	n, err := email.RenderNotice(notice(), "coordinator@example.org", o)
	if err != nil || n.ReplyTo != want {
		t.Errorf("the notice's ReplyTo = %q (%v), want %q", n.ReplyTo, err, want)
	}
}

func mustAlertWith(t *testing.T, r *hotline.Referral, o email.Options) email.Message {
	t.Helper()
	m, err := email.RenderAlert(r, "coordinator@example.org", 5, "550 no", o)
	if err != nil {
		t.Fatalf("RenderAlert: %v", err)
	}
	return m
}

// squeeze folds runs of spaces into one, so that a test does not depend on
// how wide the text part's label column is.
func squeeze(s string) string { return spaceRun.ReplaceAllString(s, " ") }

var spaceRun = regexp.MustCompile(` {2,}`)

// telLink is a tel: link as the HTML part writes it.
var telLink = regexp.MustCompile(`<a href="tel:([^"]*)"[^>]*>([^<]*)</a>`)

// phoneShaped is what a person would take for a phone number in the HTML
// part's text.
var phoneShaped = regexp.MustCompile(`\+?1?[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}`)

// TestTelLinks: every phone number in the HTML part is a tel: link to that
// number: the callback, the organization's phone, a safe number, one in what
// the person was told or in an answer.
func TestTelLinks(t *testing.T) {
	r := fullReferral()
	r.Answers = append(r.Answers,
		hotline.QA{Question: "Callback", Kind: "phone", Value: "+13125550142"},
		hotline.QA{Question: "Anything else", Kind: "text", Value: "my sister's number is 312.555.0166, or +1 312 555 0155"},
		hotline.QA{Question: "ZIP", Kind: "zip", Value: "60612"},
	)
	notice := notice()
	for _, tt := range []struct {
		name string
		m    email.Message
		want []string
	}{
		{"referral", render(t, r, options(t)), []string{"+13125550142", "+13125550177", "+13125550111", "+13125550166", "+13125550155"}},
		{"alert", mustAlertWith(t, r, options(t)), []string{"+13125550142", "+13125550177", "+13125550111"}},
		{"notice", mustNotice(t, notice, noticeOptions(t, "en")), []string{"+13125550142"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			linked := map[string]bool{}
			for _, l := range telLink.FindAllStringSubmatch(tt.m.HTML, -1) {
				href, text := html.UnescapeString(l[1]), html.UnescapeString(l[2])
				if href != e164(text) {
					t.Errorf("the link to %q is tel:%s", text, href)
				}
				linked[href] = true
			}
			for _, want := range tt.want {
				if !linked[want] {
					t.Errorf("no tel: link to %s", want)
				}
			}
			rest := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(telLink.ReplaceAllString(tt.m.HTML, ""), " "))
			if unlinked := phoneShaped.FindAllString(rest, -1); len(unlinked) > 0 {
				t.Errorf("phone numbers without a tel: link: %q", unlinked)
			}
		})
	}
}

// e164 is a North American number's E.164 form, from its digits.
func e164(text string) string {
	d := regexp.MustCompile(`\D`).ReplaceAllString(text, "")
	if len(d) == 10 {
		d = "1" + d
	}
	return "+" + d
}

// TestPhoneLinksNotEverywhere: numbers that are not phone numbers (amounts,
// ZIP codes, dates, references, years) get no link.
func TestPhoneLinksNotEverywhere(t *testing.T) {
	r := referral()
	r.Told = "Ref H-7F3K9, ZIP 60612, $2,166.67, 2026-12-07, 95%, case 12345, 1234567 a year"
	m := render(t, r, options(t))
	if n := strings.Count(m.HTML, `href="tel:`); n != 2 {
		t.Errorf("%d tel: links, want 2 (the callback fact and the call to action)", n)
	}
}

// TestNoticeSafeContact: a notice about a person who said texts are unsafe
// opens with the safe-contact block, as a referral does.
func TestNoticeSafeContact(t *testing.T) {
	m := mustNotice(t, notice(), noticeOptions(t, "en"))
	lines := strings.Split(m.Text, "\n")
	if first := squeeze(strings.Join(lines[1:6], "\n")); !strings.Contains(first, "Contacting them safely\nTexts: NOT safe: do not text this number") {
		t.Errorf("the notice's first lines do not say texts are unsafe:\n%s", m.Text)
	}
	if b, f := strings.Index(m.HTML, "Contacting them safely"), strings.Index(m.HTML, "Key facts"); b < 0 || b > f || b > strings.Index(m.HTML, "URGENT:") {
		t.Errorf("the notice's HTML block is not first")
	}
	n := notice()
	n.TextsUnsafe = false
	if m := mustNotice(t, n, noticeOptions(t, "en")); strings.Contains(m.Text, "Contacting them safely") || strings.Contains(m.Text, "Texts:") {
		t.Errorf("a notice shows a safe-contact block with nothing in it:\n%s", m.Text)
	}
}

// TestSpanishFull: the new parts of the email read in Spanish, with no English
// word from the pack's English texts.
func TestSpanishFull(t *testing.T) {
	o := options(t)
	o.Words = sampleWords(t, "es")
	r := fullReferral()
	r.Language, r.UrgentReasons = "en", []string{"audiencia en menos de 14 días"}
	m := render(t, r, o)
	for _, want := range []string{
		"[Referido de la línea de ayuda H-7F3K9] URGENTE · audiencia lunes 30 de noviembre · Housing (eviction) · ZIP 60612 · inglés",
	} {
		if m.Subject != want {
			t.Errorf("Subject = %q, want %q", m.Subject, want)
		}
	}
	for _, want := range []string{
		"Cómo contactarle sin riesgo\n", "NO deje mensaje de voz\n", "NO son seguros: no envíe mensajes a este número\n", "Cuándo llamar:", "after 3pm or 312-555-0177\n",
		"AUDIENCIA EN EL TRIBUNAL: lunes 30 de noviembre de 2026\n", "Datos clave\n", "Audiencia:", "Pidió una persona:",
		"500 a week → $2,166.67 al mes ($26,000 al año) = 95 % de la guía federal de pobreza de 2026 para 3 ($27,320); su límite: 200 %\n",
		"Lo que se le dijo a la persona\n> Tenant Rights Clinic can help.",
	} {
		if !strings.Contains(squeeze(m.Text), squeeze(want)) {
			t.Errorf("the Spanish text part lacks %q:\n%s", want, m.Text)
		}
	}
	for _, english := range []string{"Contacting", "Voicemail", "voicemail", "Key facts", "hearing", "Hearing", "What the person", "a year", "guideline", "Asked for"} {
		if strings.Contains(m.Text, english) || strings.Contains(m.HTML, english) {
			t.Errorf("the Spanish email says %q", english)
		}
	}
}

// TestHTMLContrast: every text in the HTML part, on the background it is
// drawn on, has a contrast ratio of at least 4.5:1 (WCAG AA for normal text),
// small print included.
func TestHTMLContrast(t *testing.T) {
	if got := contrast("#7b8794", "#f7f9fa"); got >= 4.5 || got < 3.4 {
		t.Fatalf("contrast(#7b8794, #f7f9fa) = %.2f, want the footer's old 3.46", got)
	}
	r := fullReferral()
	r.Link = link
	r.Rerouted = &hotline.Reroute{From: "Example County Legal Aid", Reason: hotline.ReasonCapacity, Hop: 1}
	missed := referral()
	missed.HearingDate = "2026-11-01"
	es := options(t)
	es.Words = sampleWords(t, "es")
	for _, tt := range []struct {
		name string
		html string
	}{
		{"referral", render(t, r, options(t)).HTML},
		{"missed hearing", render(t, missed, options(t)).HTML},
		{"Spanish", render(t, r, es).HTML},
		{"alert", mustAlertWith(t, r, options(t)).HTML},
		{"notice", mustNotice(t, notice(), noticeOptions(t, "en")).HTML},
		{"no-answer alert", mustLoopAlert(t, loopAlert(), "en").HTML},
	} {
		t.Run(tt.name, func(t *testing.T) {
			texts := 0
			walkHTML(t, tt.html, func(text, fg, bg string) {
				texts++
				if ratio := contrast(fg, bg); ratio < 4.5 {
					t.Errorf("%q: %s on %s is %.2f:1, under 4.5:1", text, fg, bg, ratio)
				}
			})
			if texts < 20 {
				t.Errorf("only %d texts checked", texts)
			}
		})
	}
}

var (
	htmlTag    = regexp.MustCompile(`<(/?)([a-zA-Z0-9!]+)([^>]*)>`)
	styleAttr  = regexp.MustCompile(`style="([^"]*)"`)
	colorProp  = regexp.MustCompile(`(?:^|;)\s*color:\s*(#[0-9a-fA-F]{6})`)
	bgColorPro = regexp.MustCompile(`(?:^|;)\s*background-color:\s*(#[0-9a-fA-F]{6})`)
)

// walkHTML calls f with each text of page, its colour and its background as
// the inline styles around it set them (black on white where none do).
func walkHTML(t *testing.T, page string, f func(text, fg, bg string)) {
	t.Helper()
	type frame struct{ tag, fg, bg string }
	stack := []frame{{"", "#000000", "#ffffff"}}
	void := map[string]bool{"!DOCTYPE": true, "meta": true, "br": true}
	pos := 0
	inTitle := false
	for _, m := range htmlTag.FindAllStringSubmatchIndex(page, -1) {
		top := stack[len(stack)-1]
		if text := strings.TrimSpace(html.UnescapeString(page[pos:m[0]])); text != "" && !inTitle {
			f(text, top.fg, top.bg)
		}
		pos = m[1]
		closing, tag, attrs := page[m[2]:m[3]] == "/", page[m[4]:m[5]], page[m[6]:m[7]]
		switch {
		case void[tag]:
		case closing:
			for len(stack) > 1 && stack[len(stack)-1].tag != tag {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 1 {
				t.Fatalf("</%s> closes nothing", tag)
			}
			stack = stack[:len(stack)-1]
			inTitle = inTitle && tag != "title"
		default:
			next := frame{tag, top.fg, top.bg}
			if s := styleAttr.FindStringSubmatch(attrs); s != nil {
				if c := colorProp.FindStringSubmatch(s[1]); c != nil {
					next.fg = c[1]
				}
				if c := bgColorPro.FindStringSubmatch(s[1]); c != nil {
					next.bg = c[1]
				}
			}
			stack = append(stack, next)
			inTitle = inTitle || tag == "title"
		}
	}
}

// contrast is the WCAG contrast ratio of two colours written #rrggbb.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the WCAG relative luminance of a colour written #rrggbb.
func luminance(c string) float64 {
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		if err != nil {
			panic(fmt.Sprintf("colour %q: %v", c, err))
		}
		s := float64(v) / 255
		if s <= 0.03928 {
			rgb[i] = s / 12.92
		} else {
			rgb[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

// BenchmarkRender writes the referral email a screening with every fact
// known makes (both parts), as the message that makes the referral does
// before its commit.
func BenchmarkRender(b *testing.B) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		b.Fatal(err)
	}
	words, err := sampleWords(b, "en").Prepare() // as the pack prepares them when it loads
	if err != nil {
		b.Fatal(err)
	}
	o := email.Options{From: "Legal Aid Hotline <hotline@example.org>", Location: loc, HotlineName: "Legal Aid Hotline",
		MessageID: email.MessageID("H-7F3K9", "job-1", "example.org"), Words: words, Country: "US"}
	r := fullReferral()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := email.Render(r, o); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAnswerGivenWithoutValue: an answer the bot did not take as a value (the
// callback question answered "no dont call this number he checks my phone")
// shows what the person wrote, never "(none)" alone.
func TestAnswerGivenWithoutValue(t *testing.T) {
	r := fullReferral()
	r.IncludeAnswers = true
	r.Callback = ""
	r.Answers = append(r.Answers, hotline.QA{Question: "Callback number", Kind: "phone", Given: "no dont call this number he checks my phone"})
	m := render(t, r, options(t))
	want := "- Callback number: no dont call this number he checks my phone → (not given)"
	if !strings.Contains(m.Text, want) {
		t.Errorf("the text part lacks %q:\n%s", want, m.Text)
	}
	if !strings.Contains(m.HTML, "no dont call this number he checks my phone → (not given)") {
		t.Errorf("the HTML part lacks the answer as given")
	}
}
