package email_test

import (
	"errors"
	"html/template"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
)

func referral() *hotline.Referral {
	return &hotline.Referral{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC), OrgID: "tenant-clinic", OrgName: "Tenant Rights Clinic",
		OrgEmail: "intake.tenants@example.org", OrgPhone: "(312) 555-0111", ProgramName: "Eviction defense", IncludeAnswers: true,
		Urgent: true, UrgentReasons: []string{"court hearing within 14 days"}, SafetyConcern: true,
		CaseType: "housing", CaseLabel: "Housing (eviction)", CaseCode: "63",
		Name: "Maria", Callback: "+13125550142", Channel: "whatsapp", Language: "es", Opponent: "Acme Properties", ZIP: "60612",
		Household: 3, MonthlyIncomeCents: 200000, PovertyPercent: 87.85, IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []hotline.QA{{Question: "Court date", Kind: "date", Value: "2026-11-30"}, {Question: "People in the household", Kind: "number", Value: "3"}},
	}
}

func options(t *testing.T) email.Options {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return email.Options{
		From: "Legal Aid Hotline <hotline@example.org>", Location: loc, HotlineName: "Legal Aid Hotline",
		MessageID: email.MessageID("H-7F3K9", "job-1", "example.org"), Words: sampleWords(t, "en"),
	}
}

func render(t *testing.T, r *hotline.Referral, o email.Options) email.Message {
	t.Helper()
	m, err := email.Render(r, o)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return m
}

func TestSubject(t *testing.T) {
	tests := []struct {
		name   string
		change func(*hotline.Referral)
		want   string
	}{
		{"urgent", func(r *hotline.Referral) { r.Language = "en" }, "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
		{"not urgent", func(r *hotline.Referral) { r.Urgent, r.Language = false, "en" }, "[Hotline referral H-7F3K9] Housing (eviction) · ZIP 60612"},
		{"no label", func(r *hotline.Referral) { r.Urgent, r.CaseLabel, r.Language = false, "", "en" }, "[Hotline referral H-7F3K9] housing · ZIP 60612"},
		{"line breaks", func(r *hotline.Referral) {
			r.CaseLabel, r.ZIP, r.Language = "Housing\r\nBcc: x@example.com", "60612\nX-Evil: 1\u2028", "en"
		},
			"[Hotline referral H-7F3K9] URGENT · Housing Bcc: x@example.com · ZIP 60612 X-Evil: 1"},
		// The hearing: the day the referral was made (Nov 25 in Chicago) is not
		// missed; the day before is.
		{"urgent hearing", func(r *hotline.Referral) {
			r.HearingDate, r.At, r.Language = "2026-12-07", time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC), "en"
		}, "[Hotline referral H-7F3K9] URGENT · hearing Mon Dec 7 · Housing (eviction) · ZIP 60612"},
		{"hearing not urgent", func(r *hotline.Referral) { r.Urgent, r.HearingDate, r.Language = false, "2027-01-15", "en" },
			"[Hotline referral H-7F3K9] hearing Fri Jan 15 · Housing (eviction) · ZIP 60612"},
		{"hearing the same day", func(r *hotline.Referral) { r.HearingDate, r.Language = "2026-11-25", "en" },
			"[Hotline referral H-7F3K9] URGENT · hearing Wed Nov 25 · Housing (eviction) · ZIP 60612"},
		{"missed hearing", func(r *hotline.Referral) { r.HearingDate, r.Language = "2026-11-24", "en" },
			"[Hotline referral H-7F3K9] URGENT · missed hearing? Tue Nov 24 · Housing (eviction) · ZIP 60612"},
		// 21:04 UTC on Nov 25 is 3:04 PM in Chicago: still Nov 25 there, while
		// 03:00 UTC on Nov 26 is Nov 25 in Chicago too.
		{"missed hearing in the hotline's zone", func(r *hotline.Referral) {
			r.HearingDate, r.At, r.Language = "2026-11-25", time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), "en"
		}, "[Hotline referral H-7F3K9] URGENT · hearing Wed Nov 25 · Housing (eviction) · ZIP 60612"},
		{"unreadable hearing", func(r *hotline.Referral) { r.HearingDate, r.Language = "next week\r\nBcc: x", "en" },
			"[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
		{"Spanish speaker", func(*hotline.Referral) {}, "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612 · Spanish"},
		{"no language", func(r *hotline.Referral) { r.Language = "" }, "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
		{"everything", func(r *hotline.Referral) { r.HearingDate = "2026-11-30" },
			"[Hotline referral H-7F3K9] URGENT · hearing Mon Nov 30 · Housing (eviction) · ZIP 60612 · Spanish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := referral()
			tt.change(r)
			if got := render(t, r, options(t)).Subject; got != tt.want {
				t.Errorf("Subject = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRenderFields: everything intake staff need is in both parts.
func TestRenderFields(t *testing.T) {
	m := render(t, referral(), options(t))
	if m.To != "intake.tenants@example.org" || m.From != "Legal Aid Hotline <hotline@example.org>" || m.Ref != "H-7F3K9" {
		t.Errorf("To, From, Ref = %q, %q, %q", m.To, m.From, m.Ref)
	}
	if !m.Date.Equal(referral().At) {
		t.Errorf("Date = %v, want the referral's time", m.Date)
	}
	if m.MessageID != email.MessageID("H-7F3K9", "job-1", "example.org") {
		t.Errorf("MessageID = %q, not the one given", m.MessageID)
	}
	for _, tt := range []struct{ field, text, html string }{
		{"reference", "H-7F3K9", "H-7F3K9"},
		{"organization", "Tenant Rights Clinic (Eviction defense)", "Tenant Rights Clinic (Eviction defense)"},
		{"date in the hotline's zone", "Wed Nov 25, 2026 at 3:04 PM CST", "Wed Nov 25, 2026 at 3:04 PM CST"},
		{"urgency", "URGENT: court hearing within 14 days", "URGENT: court hearing within 14 days"},
		{"urgent row", "Urgent:          Yes: court hearing within 14 days", ">Yes: court hearing within 14 days<"},
		{"safety concern", "SAFETY CONCERN: the person said they are in danger", "SAFETY CONCERN: the person said they are in danger"},
		{"case type and LSC code", "Case type:       Housing (eviction) (LSC problem code 63)", "Housing (eviction) (LSC problem code 63)"},
		{"name", "Name:            Maria", ">Maria<"},
		{"callback", "Callback:        (312) 555-0142", "(312) 555-0142"},
		{"callback link", "", `href="tel:+13125550142"`},
		{"language", "Language:        Spanish", ">Spanish<"},
		{"opposing party", "Opposing party:  Acme Properties  ← for your conflict check", "Acme Properties"},
		{"conflict check flag", "for your conflict check", "for your conflict check"},
		{"household", "Household:       3 people", ">3 people<"},
		{"income", "Income:          $2,000 a month, 88% of the 2026 poverty guideline (your limit: 200%)", "$2,000 a month, 88% of the 2026 poverty guideline (your limit: 200%)"},
		{"ZIP", "ZIP:             60612", ">60612<"},
		{"channel", "Reached us by:   WhatsApp", ">WhatsApp<"},
		{"answers", "- Court date: Mon Nov 30, 2026", "Mon Nov 30, 2026"},
		{"call to action", "Please call Maria back at (312) 555-0142 and quote reference H-7F3K9.", "quote reference <strong>H-7F3K9</strong>"},
		{"hotline", "Sent automatically by Legal Aid Hotline.", "Sent automatically by Legal Aid Hotline."},
	} {
		if tt.text != "" && !strings.Contains(m.Text, tt.text) {
			t.Errorf("%s: the text part lacks %q:\n%s", tt.field, tt.text, m.Text)
		}
		if tt.html != "" && !strings.Contains(m.HTML, tt.html) {
			t.Errorf("%s: the HTML part lacks %q", tt.field, tt.html)
		}
	}
}

// TestRenderHTMLIsSelfContained: what Gmail and Outlook need, and nothing loaded
// from elsewhere.
func TestRenderHTMLIsSelfContained(t *testing.T) {
	html := render(t, referral(), options(t)).HTML
	for _, bad := range []string{"<script", "<style", "<link", "<img", "@import", "url(", "http://", "https://", "class="} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML part contains %q", bad)
		}
	}
	for _, want := range []string{"<!DOCTYPE html>", `<meta charset="utf-8">`, "max-width:600px", `role="presentation"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML part lacks %q", want)
		}
	}
}

func TestRenderBanners(t *testing.T) {
	r := referral()
	r.Urgent, r.SafetyConcern = false, false
	m := render(t, r, options(t))
	for _, part := range []string{m.Text, m.HTML} {
		if strings.Contains(part, "URGENT") || strings.Contains(part, "SAFETY CONCERN") {
			t.Errorf("a case neither urgent nor unsafe shows a banner:\n%s", part)
		}
	}
	if !strings.Contains(m.Text, "Urgent:          No") || !strings.Contains(m.Text, "Safety concern:  No") {
		t.Errorf("the text part does not say No to urgent and safety:\n%s", m.Text)
	}
}

func TestRenderIncomeLimit(t *testing.T) {
	r := referral()
	r.IncomeLimit = 0
	m := render(t, r, options(t))
	if want := "88% of the 2026 poverty guideline (no income limit for this service)"; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("a service without an income limit: the email lacks %q:\n%s", want, m.Text)
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	r := referral()
	r.Name = `<script>alert("name")</script> & Co`
	r.Opponent = `Acme & <b onmouseover="x()">Sons</b>`
	r.Answers = []hotline.QA{{Question: "Anything else", Kind: "text", Value: `</td><script src=//evil.example/x.js></script> & more`}}
	r.Callback = `"><img src=x onerror=alert(1)>`
	m := render(t, r, options(t))
	for _, bad := range []string{"<script", "<b ", "<img", `onmouseover="`, "& Co", "& more", "& <b"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("the HTML part contains %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt; &amp; Co", "Acme &amp; &lt;b onmouseover=&#34;x()&#34;&gt;Sons&lt;/b&gt;", "&amp; more", "&lt;img src=x"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML part lacks the escaped %q", want)
		}
	}
	if strings.Contains(m.HTML, `href="tel:`) {
		t.Errorf("a callback that is not a phone number became a tel: link")
	}
	// The text part is plain text: it keeps the characters as typed.
	if !strings.Contains(m.Text, `Name:            <script>alert("name")</script> & Co`) {
		t.Errorf("the text part changed the name:\n%s", m.Text)
	}
}

// TestRenderKeepsPersonTextOnOneLine: nothing a person types can add a header, or a
// line to the email that looks like the hotline wrote it.
func TestRenderKeepsPersonTextOnOneLine(t *testing.T) {
	breaks := []struct{ name, br string }{
		{"CRLF", "\r\n"}, {"LF", "\n"}, {"CR", "\r"}, {"U+2028", "\u2028"}, {"U+2029", "\u2029"},
		{"NEL", "\u0085"}, {"VT", "\v"}, {"FF", "\f"}, {"NUL", "\x00"},
	}
	for _, tt := range breaks {
		t.Run(tt.name, func(t *testing.T) {
			br := tt.br
			r := referral()
			r.Name = "Maria" + br + "Bcc: victim@example.com"
			r.Opponent = "Acme" + br + "URGENT: fake"
			r.ZIP = "60612" + br + "X-Injected: 1"
			r.Callback = "+13125550142" + br + "Reply-To: x@example.com"
			r.Answers = []hotline.QA{{Question: "Name" + br + "Subject: hi", Kind: "text", Value: "Maria" + br + "To: y@example.com"}}
			referralEmail := render(t, r, options(t))
			alert := mustAlert(t, r, "coord@example.org"+br+"Cc: z@example.com", "err"+br+"Bcc: w@example.com")
			for _, m := range []email.Message{referralEmail, alert} {
				for _, s := range []string{m.Subject, m.To, m.From, m.MessageID, m.Ref} {
					if strings.ContainsAny(s, "\r\n\u2028\u2029\u0085\v\f\x00") {
						t.Errorf("a header value has a line break: %q", s)
					}
				}
				for _, part := range []string{m.Text, m.HTML} {
					for _, line := range splitLines(part) {
						if headerLike.MatchString(line) {
							t.Errorf("a person's text started its own line: %q", line)
						}
					}
				}
			}
			if !strings.Contains(referralEmail.Text, "Name:            Maria Bcc: victim@example.com\n") {
				t.Errorf("the name is not kept, on one line:\n%s", referralEmail.Text)
			}
		})
	}
}

var headerLike = regexp.MustCompile(`^\s*(Bcc|Cc|To|Reply-To|Subject|X-Injected|URGENT: fake):`)

// splitLines splits at every character a mail program might treat as a line end.
func splitLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085' || r == '\v' || r == '\f'
	})
}

func TestRenderIncludeAnswers(t *testing.T) {
	r := referral()
	r.IncludeAnswers = false
	m := render(t, r, options(t))
	for _, part := range []string{m.Text, m.HTML} {
		if strings.Contains(part, "Questions and answers") || strings.Contains(part, "Mon Nov 30, 2026") {
			t.Errorf("answers shown to an organization that does not want them:\n%s", part)
		}
	}
	r.IncludeAnswers = true
	m = render(t, r, options(t))
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "Questions and answers") || !strings.Contains(part, "Mon Nov 30, 2026") {
			t.Errorf("answers missing for an organization that wants them:\n%s", part)
		}
	}
}

func TestRenderOrganizationTemplate(t *testing.T) {
	custom := template.Must(template.New("tenant-clinic.html").Parse(
		`<p>Referral {{.Ref}} for {{.Name}} vs {{.Opponent}}{{if .Urgent}} (urgent){{end}}</p>`))
	o := options(t)
	o.Template = custom
	r := referral()
	r.Opponent = "Acme & <Sons>"
	m := render(t, r, o)
	if want := "<p>Referral H-7F3K9 for Maria vs Acme &amp; &lt;Sons&gt; (urgent)</p>"; m.HTML != want {
		t.Errorf("HTML = %q, want %q", m.HTML, want)
	}
	if !strings.Contains(m.Text, "Name:            Maria") {
		t.Errorf("the text part is not the default one with the template:\n%s", m.Text)
	}

	broken := []struct{ name, src string }{
		{"missing field", `<p>{{.Ref}} {{.NoSuchField}}</p>`},
		{"index out of range", `<p>{{index .Answers 99}}</p>`},
		{"writes nothing", ` {{/* nothing */}} `},
		{"never parsed", ""},
	}
	for _, tt := range broken {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t)
			o.Template = template.New(tt.name)
			if tt.src != "" {
				o.Template = template.Must(o.Template.Parse(tt.src))
			}
			m, err := email.Render(referral(), o)
			if err == nil {
				t.Fatalf("Render with a broken template succeeded: %q", m.HTML)
			}
			var re *email.RenderError
			if !errors.As(err, &re) || !re.Permanent() {
				t.Errorf("err = %v (%T), want a permanent *email.RenderError", err, err)
			}
			if m.HTML != "" || m.Text != "" {
				t.Errorf("a failed render returned a message")
			}
		})
	}
	t.Run("panicking function", func(t *testing.T) {
		o := options(t)
		o.Template = template.Must(template.New("panics").Funcs(template.FuncMap{"boom": func() string { panic("boom") }}).Parse(`{{boom}}`))
		if _, err := email.Render(referral(), o); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("Render with a panicking template: err = %v, want one mentioning the panic", err)
		}
	})
}

func TestMessageID(t *testing.T) {
	a := email.MessageID("H-7F3K9", "1732568640000-0", "example.org")
	if !regexp.MustCompile(`^H-7F3K9\.[0-9a-f]{16}@example\.org$`).MatchString(a) {
		t.Errorf("MessageID = %q, want H-7F3K9.<16 hex>@example.org", a)
	}
	if b := email.MessageID("H-7F3K9", "1732568640000-0", "example.org"); a != b {
		t.Errorf("MessageID is not stable: %q then %q", a, b)
	}
	tests := []struct{ name, ref, job, domain string }{
		{"another job", "H-7F3K9", "1732568640000-1", "example.org"},
		{"another reference", "H-7F3K4", "1732568640000-0", "example.org"},
		{"an alert", "alert-H-7F3K9", "1732568640000-0", "example.org"},
	}
	for _, tt := range tests {
		if b := email.MessageID(tt.ref, tt.job, tt.domain); b == a {
			t.Errorf("%s: MessageID(%q, %q) = %q, the same as for the first job", tt.name, tt.ref, tt.job, b)
		}
	}
	for _, tt := range []struct{ ref, domain, want string }{
		{"H-7F3K9", "", `^H-7F3K9\.[0-9a-f]{16}@hotline\.invalid$`},
		{"H-7F3K9", "bad domain>\r\n", `^H-7F3K9\.[0-9a-f]{16}@hotline\.invalid$`},
		{"<H 7F\r\n3K9>", "Example.ORG", `^H7F3K9\.[0-9a-f]{16}@example\.org$`},
		{"", "example.org", `^hotline\.[0-9a-f]{16}@example\.org$`},
	} {
		if got := email.MessageID(tt.ref, "j", tt.domain); !regexp.MustCompile(tt.want).MatchString(got) {
			t.Errorf("MessageID(%q, j, %q) = %q, want it to match %s", tt.ref, tt.domain, got, tt.want)
		}
	}
}

func TestPhoneForPeople(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"+13125550142", "(312) 555-0142"},
		{"+442071838750", "+442071838750"},
		{"+1312555014x", "+1312555014x"},
		{"", ""},
	} {
		if got := email.PhoneForPeople(tt.in); got != tt.want {
			t.Errorf("PhoneForPeople(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustAlert(t *testing.T, r *hotline.Referral, to, lastErr string) email.Message {
	t.Helper()
	o := options(t)
	o.MessageID = email.MessageID("alert-"+r.Ref, "job-1", "example.org")
	o.Date = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	m, err := email.RenderAlert(r, to, 5, lastErr, o)
	if err != nil {
		t.Fatalf("RenderAlert: %v", err)
	}
	return m
}

func TestRenderAlert(t *testing.T) {
	r := referral()
	o := options(t)
	o.Template = template.Must(template.New("broken").Parse(`{{.NoSuchField}}`))
	m := mustAlert(t, r, "coordinator@example.org", "send failed: sending SMTP RCPT TO command: 550 5.1.1 no such user\nsecond line")
	if m.To != "coordinator@example.org" {
		t.Errorf("To = %q", m.To)
	}
	if want := "[Hotline alert] URGENT · Referral H-7F3K9 NOT delivered to Tenant Rights Clinic"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if !m.Date.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Date = %v, want Options.Date", m.Date)
	}
	for _, want := range []string{
		"referral H-7F3K9 could NOT be delivered to Tenant Rights Clinic",
		"failed after 5 attempts",
		"Last error: send failed: sending SMTP RCPT TO command: 550 5.1.1 no such user second line",
		"call Tenant Rights Clinic at (312) 555-0111 today",
		"intake.tenants@example.org",
		// and the referral itself
		"Name:            Maria", "Callback:        (312) 555-0142", "Acme Properties  ← for your conflict check", "Mon Nov 30, 2026",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the alert's text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{"could NOT be delivered to Tenant Rights Clinic", "failed after 5 attempts", "550 5.1.1 no such user second line",
		`href="tel:+13125550111"`, "intake.tenants@example.org", ">Maria<", "Acme Properties"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the alert's HTML lacks %q", want)
		}
	}
	r.Urgent = false
	m = mustAlert(t, r, "coordinator@example.org", "")
	if strings.Contains(m.Subject, "URGENT") || strings.Contains(m.Text, "today (the case is urgent)") {
		t.Errorf("an alert for a case that is not urgent says it is:\n%s\n%s", m.Subject, m.Text)
	}
	if !strings.Contains(m.Text, "Last error: (none recorded)") {
		t.Errorf("an alert without an error does not say so:\n%s", m.Text)
	}
	// An organization's broken template must not stop the alert about it.
	if _, err := email.RenderAlert(referral(), "coordinator@example.org", 1, "x", o); err != nil {
		t.Errorf("RenderAlert used the organization's template: %v", err)
	}
}

func TestRenderNil(t *testing.T) {
	if _, err := email.Render(nil, email.Options{}); err == nil {
		t.Error("Render(nil) succeeded")
	}
	if _, err := email.RenderAlert(nil, "a@example.org", 1, "", email.Options{}); err == nil {
		t.Error("RenderAlert(nil) succeeded")
	}
}

// TestRenderDeterministic: the same referral renders the same email, so a resend
// is the same email.
func TestRenderDeterministic(t *testing.T) {
	a, b := render(t, referral(), options(t)), render(t, referral(), options(t))
	if a != b {
		t.Errorf("two renders of one referral differ")
	}
}

// TestRenderOnceIsOneSum: a debt (per: once) reads as the sum, never "a month";
// income beside it still reads per month.
func TestRenderOnceIsOneSum(t *testing.T) {
	r := referral()
	r.Answers = []hotline.QA{
		{Question: "Amount they say is owed", Kind: "money", Value: "600000", Once: true},
		{Question: "Household income", Kind: "money", Value: "310000"},
	}
	m := render(t, r, options(t))
	for _, part := range []string{m.Text, m.HTML} {
		if strings.Contains(part, "$6,000 a month") || !strings.Contains(part, "$6,000") {
			t.Errorf("a one-time debt reads as income:\n%s", part)
		}
		if !strings.Contains(part, "$3,100 a month") {
			t.Errorf("the income lost its period:\n%s", part)
		}
	}
}
