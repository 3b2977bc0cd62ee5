package email_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
)

func notice() *hotline.Notice {
	return &hotline.Notice{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC), Reason: hotline.NoticeNotUnderstood,
		Step: "zip", StepLabel: "ZIP code", Channel: "sms", Language: "es", Callback: "+13125550142",
		CaseType: "housing", CaseLabel: "Housing (eviction)", SafetyConcern: true, Urgent: true,
		UrgentReasons: []string{"afraid for their safety", "court hearing within 14 days"}, TextsUnsafe: true,
	}
}

func noticeOptions(t *testing.T, lang string) email.Options {
	o := options(t)
	o.MessageID = email.MessageID("notice-H-7F3K9", "job-1", "example.org")
	o.Words = sampleWords(t, lang)
	return o
}

func mustNotice(t *testing.T, n *hotline.Notice, o email.Options) email.Message {
	t.Helper()
	m, err := email.RenderNotice(n, "coordinator@example.org", o)
	if err != nil {
		t.Fatalf("RenderNotice: %v", err)
	}
	return m
}

// TestRenderNotice: the coordinator reads why the conversation needs a person,
// where it stood and how to call back, in both parts, in English and in
// Spanish; the subject says URGENT and the safety concern before it is opened.
func TestRenderNotice(t *testing.T) {
	tests := []struct {
		lang    string
		subject string
		text    []string
		html    []string
	}{
		{
			lang:    "en",
			subject: "[Hotline] URGENT · safety concern · Needs a person · H-7F3K9",
			text: []string{
				"Conversation H-7F3K9 needs a person\nRaised Wed Nov 25, 2026 at 3:04 PM CST\n\n",
				"URGENT: afraid for their safety; court hearing within 14 days\n",
				"SAFETY CONCERN: the person said they are in danger",
				"Why:             The bot could not understand their answer to “ZIP code” after every try.\n",
				"Reference:       H-7F3K9\n",
				"Question:        ZIP code\n",
				"Callback:        (312) 555-0142\n",
				"Case type:       Housing (eviction)\n",
				"Urgent:          Yes: afraid for their safety; court hearing within 14 days\n",
				"Safety concern:  Yes: the person said they are in danger",
				"Texts:           NOT safe: do not text this number\n",
				"Language:        Spanish\n",
				"Reached us by:   Text message (SMS)\n",
				"What to do: call them back at (312) 555-0142 and mention the reference H-7F3K9. If there is a safety concern, call only on the number given",
				"Sent automatically by Legal Aid Hotline",
			},
			html: []string{`<html lang="en">`, "Legal Aid Hotline · needs a person", ">H-7F3K9<",
				`<a href="tel:+13125550142" style="color:#0b4f8a;font-weight:bold;">(312) 555-0142</a>`,
				"<strong>What to do:</strong>", "NOT safe: do not text this number", "ZIP code"},
		},
		{
			lang:    "es",
			subject: "[Línea de ayuda] URGENTE · riesgo para la seguridad · Necesita una persona · H-7F3K9",
			text: []string{
				"La conversación H-7F3K9 necesita una persona\nAvisado el miércoles 25 de noviembre de 2026, 15:04 CST\n\n",
				"Motivo:",
				"El bot no entendió su respuesta a «ZIP code» después de todos los intentos.\n",
				"Idioma:", "español\n",
				"Qué hacer: devuelva la llamada al (312) 555-0142 y mencione la referencia H-7F3K9.",
			},
			html: []string{`<html lang="es">`, `href="tel:+13125550142"`, "<strong>Qué hacer:</strong>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			m := mustNotice(t, notice(), noticeOptions(t, tt.lang))
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if m.To != "coordinator@example.org" || m.Ref != "H-7F3K9" || !m.Date.Equal(notice().At) ||
				m.MessageID != email.MessageID("notice-H-7F3K9", "job-1", "example.org") {
				t.Errorf("To, Ref, Date, MessageID = %q, %q, %v, %q", m.To, m.Ref, m.Date, m.MessageID)
			}
			for _, want := range tt.text {
				if !strings.Contains(m.Text, want) {
					t.Errorf("the text part lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("the HTML part lacks %q:\n%s", want, m.HTML)
				}
			}
		})
	}
}

// TestRenderNoticeSubjects: URGENT when urgent, the safety concern when there is
// one, neither otherwise.
func TestRenderNoticeSubjects(t *testing.T) {
	tests := []struct {
		urgent, safety bool
		want           string
	}{
		{false, false, "[Hotline] Needs a person · H-7F3K9"},
		{true, false, "[Hotline] URGENT · Needs a person · H-7F3K9"},
		{true, true, "[Hotline] URGENT · safety concern · Needs a person · H-7F3K9"},
		{false, true, "[Hotline] URGENT · safety concern · Needs a person · H-7F3K9"},
	}
	for _, tt := range tests {
		n := notice()
		n.Urgent, n.SafetyConcern = tt.urgent, tt.safety
		if got := mustNotice(t, n, noticeOptions(t, "en")).Subject; got != tt.want {
			t.Errorf("urgent %v, safety %v: Subject = %q, want %q", tt.urgent, tt.safety, got, tt.want)
		}
	}
}

// TestRenderNoticeAskedWithoutNumber: a person who asked for someone on the web
// chat, before giving a number: the notice says so, shows no tel: link and no
// flags that were not raised.
func TestRenderNoticeAskedWithoutNumber(t *testing.T) {
	n := &hotline.Notice{Ref: "H-7F3K9", At: notice().At, Reason: hotline.NoticeAsked, Step: "consent",
		StepLabel: "Agreed to the screening", Channel: "web", Language: "en"}
	m := mustNotice(t, n, noticeOptions(t, "en"))
	for _, want := range []string{
		"Why:             They asked to talk with a person.\n",
		"Callback:        (no number given)\n",
		"Case type:       (not known)\n",
		"Urgent:          No\n",
		"Safety concern:  No\n",
		"Reached us by:   Web chat\n",
		"What to do: they gave no number to call back (web chat).",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the text part lacks %q:\n%s", want, m.Text)
		}
	}
	for _, unwanted := range []string{"URGENT", "SAFETY CONCERN", "Texts:", "tel:"} {
		if strings.Contains(m.Text, unwanted) || strings.Contains(m.HTML, unwanted) {
			t.Errorf("the notice says %q", unwanted)
		}
	}
}

// TestRenderNoticeHostileLabels: the step's and the case's labels come from a
// pack someone edits by hand; they are escaped in the HTML part and kept on one
// line in the text part and the subject, and a callback that is not a phone
// number makes no link.
func TestRenderNoticeHostileLabels(t *testing.T) {
	n := notice()
	n.StepLabel = `ZIP</td><script>alert(1)</script>` + "\r\nBcc: x@example.com"
	n.CaseLabel = `<img src=x onerror=alert(2)> & Co` + "\nURGENT: fake"
	n.Ref = "H-7F3K9\r\nX-Injected: 1"
	n.Callback = `"><a href="javascript:alert(3)">`
	m := mustNotice(t, n, noticeOptions(t, "en"))
	for _, bad := range []string{"<script", "<img", "& Co", `href="javascript`, `href="tel:`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("the HTML part contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt; &amp; Co"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML part lacks the escaped %q", want)
		}
	}
	for _, s := range []string{m.Subject, m.Ref} {
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("a header value has a line break: %q", s)
		}
	}
	for _, part := range []string{m.Text, m.HTML} {
		for _, line := range splitLines(part) {
			if headerLike.MatchString(line) {
				t.Errorf("a label started its own line: %q", line)
			}
		}
	}
}

// TestRenderNoticeHasNoMessageBodies: a notice shows the Notice's fields and
// the pack's words, none of the facts a referral carries from what the person
// wrote (name, opposing party, answers), nor their labels.
func TestRenderNoticeHasNoMessageBodies(t *testing.T) {
	n := notice()
	m := mustNotice(t, n, noticeOptions(t, "en"))
	// Every value in the email comes from these fields or the pack's words;
	// "Maria", "Acme" and the answers a referral carries have no field here.
	for _, personal := range []string{"Maria", "Acme", "60612", "Opposing party", "Household", "Income", "Name:"} {
		if strings.Contains(m.Text, personal) || strings.Contains(m.HTML, personal) {
			t.Errorf("the notice holds %q, which a notice has no field for", personal)
		}
	}
}

// TestRenderNoticeErrors: no notice, or words that lack the notice's texts,
// fail with a permanent *RenderError.
func TestRenderNoticeErrors(t *testing.T) {
	var re *email.RenderError
	if _, err := email.RenderNotice(nil, "c@example.org", noticeOptions(t, "en")); !errors.As(err, &re) {
		t.Errorf("RenderNotice(nil) = %v; want a *RenderError", err)
	}
	o := noticeOptions(t, "en")
	delete(o.Words.Text, "notice_call")
	if _, err := email.RenderNotice(notice(), "c@example.org", o); !errors.As(err, &re) || !strings.Contains(err.Error(), "notice_call") {
		t.Errorf("RenderNotice without notice_call = %v; want a *RenderError naming it", err)
	}
}

// TestRenderNoticeWithdrawn: the notice a STOP raises says not to text, names
// the notice it takes back, and has no number to call.
func TestRenderNoticeWithdrawn(t *testing.T) {
	n := &hotline.Notice{Ref: "H-AAAAA", At: notice().At, Reason: hotline.NoticeWithdrawn, Withdraws: "H-7F3K9", Channel: "sms", Language: "es"}
	for _, lang := range []string{"en", "es"} {
		m := mustNotice(t, n, noticeOptions(t, lang))
		if !strings.Contains(m.Subject, "H-7F3K9") || !strings.Contains(m.Subject, map[string]string{"en": "STOP", "es": "ALTO"}[lang]) {
			t.Errorf("%s subject %q", lang, m.Subject)
		}
		for _, part := range []string{m.Text, m.HTML} {
			if !strings.Contains(part, map[string]string{"en": "do not text them", "es": "no le envíe mensajes"}[lang]) {
				t.Errorf("%s: no 'do not text':\n%s", lang, part)
			}
			if strings.Contains(part, "tel:") || strings.Contains(part, "555") {
				t.Errorf("%s: a withdrawal shows a number to call:\n%s", lang, part)
			}
		}
	}
}
