package email_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
)

// link is an organization's link to a referral's page, as the hotline makes
// one: base64url and a dot.
const link = "https://hotline.example.org/referrals/H-7F3K9.eyJyIjoiSC03RjNLOSJ9.q1w2e3r4t5y6u7i8o9p0aA"

// TestLink: the organization's link is in both parts, under the banners and
// before the facts, with what it is for and not to forward it: the address
// alone on its line in the text part, a real link styled as a button in the
// HTML part.
func TestLink(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    *hotline.Referral
		// after are what comes before the link block, in both parts.
		after []string
	}{
		{"safety case", dvReferral(), []string{"Contacting them safely", "URGENT: afraid for their safety", "SAFETY CONCERN"}},
		{"plain case", referral(), []string{"URGENT: court hearing within 14 days", "SAFETY CONCERN"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Link = link
			m := render(t, tt.r, options(t))
			sentence := "Use the link to tell Legal Aid Hotline whether your office will take it, so that the person is not left waiting. The link is for your office only: do not forward it."
			block := "\nWill you take this referral?\n" + sentence + "\n" + link + "\n\nKey facts\n"
			if !strings.Contains(m.Text, block) {
				t.Errorf("the text part lacks\n%s\nin\n%s", block, m.Text)
			}
			button := regexp.MustCompile(`<a href="` + regexp.QuoteMeta(link) + `" style="[^"]*background-color:#0b4f8a;color:#ffffff;[^"]*">Accept or decline this referral</a>`)
			if !button.MatchString(m.HTML) {
				t.Errorf("the HTML part has no button to %s:\n%s", link, m.HTML)
			}
			for _, want := range []string{">Will you take this referral?</h2>", sentence, ">" + link + "</p>"} {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("the HTML part lacks %q", want)
				}
			}
			for _, part := range []struct{ name, s string }{{"text", m.Text}, {"HTML", m.HTML}} {
				at := strings.Index(part.s, "Will you take this referral?")
				for _, before := range tt.after {
					if i := strings.Index(part.s, before); i < 0 || i > at {
						t.Errorf("%s part: %q (at %d) is not before the link (at %d)", part.name, before, i, at)
					}
				}
				if i := strings.Index(part.s, "Key facts"); i < at {
					t.Errorf("%s part: the facts (at %d) are before the link (at %d)", part.name, i, at)
				}
			}
			// The only address of the web in the HTML part is the link's:
			// nothing is loaded from elsewhere.
			if n := strings.Count(m.HTML, "https://"); n != 2 || strings.Count(m.HTML, link) != 2 {
				t.Errorf("the HTML part has %d https:// addresses, want the link's two (href and text)", n)
			}
		})
	}
	o := options(t)
	o.Words = sampleWords(t, "es")
	r := referral()
	r.Link = link
	m := render(t, r, o)
	for _, want := range []string{"¿Pueden aceptar este referido?\n", "El enlace es solo para su oficina: no lo reenvíe.\n" + link + "\n"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the Spanish text part lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `">Aceptar o rechazar este referido</a>`) {
		t.Errorf("the Spanish HTML part has no button")
	}
}

// TestNoLink: without a link, or with one the hotline could not have made,
// neither part says a word about it.
func TestNoLink(t *testing.T) {
	for _, tt := range []struct{ name, link string }{
		{"none", ""},
		{"relative", "/referrals/H-7F3K9.abc"},
		{"no host", "https:///referrals/abc"},
		{"javascript", "javascript:alert(1)//https://x"},
		{"a line break", "https://hotline.example.org/referrals/abc\r\nBcc: x@example.com"},
		{"a space", "https://hotline.example.org/referrals/a b"},
		{"another scheme", "ftp://hotline.example.org/referrals/abc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := referral()
			r.Link = tt.link
			m := render(t, r, options(t))
			for _, part := range []string{m.Text, m.HTML} {
				for _, never := range []string{"Will you take", "Accept or decline", "forward", "/referrals/", "javascript", "Bcc"} {
					if strings.Contains(part, never) {
						t.Errorf("link %q: the email says %q", tt.link, never)
					}
				}
			}
		})
	}
}

// TestAlertHasNoLink: the coordinator's alert about a referral that was not
// delivered carries the referral, but not the organization's link: whoever
// has it may answer for the organization.
func TestAlertHasNoLink(t *testing.T) {
	r := fullReferral()
	r.Link = link
	a := mustAlert(t, r, "coordinator@example.org", "550 no")
	for _, part := range []string{a.Text, a.HTML} {
		if strings.Contains(part, "/referrals/") || strings.Contains(part, "Will you take") {
			t.Errorf("the alert carries the organization's link:\n%s", part)
		}
	}
	if !strings.Contains(a.Text, "Name:") {
		t.Errorf("the alert lost the referral:\n%s", a.Text)
	}
}

// TestRerouted: a referral that comes from an organization that could not
// take it says so in the subject and in a banner, with the reason in words,
// in English and Spanish; a reason the words do not know reads as "other".
func TestRerouted(t *testing.T) {
	for _, tt := range []struct {
		lang, reason string
		banner       string
	}{
		{"en", hotline.ReasonConflict, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (conflict of interest)."},
		{"en", hotline.ReasonCapacity, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (no capacity)."},
		{"en", hotline.ReasonPriorities, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (outside its priorities)."},
		{"en", hotline.ReasonOther, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (another reason)."},
		{"en", hotline.ReasonNoResponse, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (no answer within its response time)."},
		{"en", hotline.ReasonNotContacted, "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (the person said it never contacted them)."},
		{"en", "too_busy", "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (another reason)."},
		{"en", "", "RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (another reason)."},
		{"es", hotline.ReasonConflict, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (conflicto de intereses)."},
		{"es", hotline.ReasonCapacity, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (sin capacidad para más casos)."},
		{"es", hotline.ReasonPriorities, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (fuera de sus prioridades)."},
		{"es", hotline.ReasonOther, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (otro motivo)."},
		{"es", hotline.ReasonNoResponse, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (no respondió dentro de su plazo de respuesta)."},
		{"es", hotline.ReasonNotContacted, "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (la persona dijo que nunca la contactaron)."},
		{"es", "too_busy", "REDIRIGIDO A SU OFICINA: Tenant Rights Clinic no pudo aceptar este referido (otro motivo)."},
	} {
		t.Run(tt.lang+" "+tt.reason, func(t *testing.T) {
			o := options(t)
			o.Words = sampleWords(t, tt.lang)
			r := referral()
			r.OrgName = "Example County Legal Aid"
			r.Rerouted = &hotline.Reroute{From: "Tenant Rights Clinic", Reason: tt.reason, Hop: 1}
			m := render(t, r, o)
			if !strings.Contains(m.Text, "\n"+tt.banner+"\n") {
				t.Errorf("the text part lacks the banner %q:\n%s", tt.banner, m.Text)
			}
			if !strings.Contains(m.HTML, "\n"+tt.banner+"\n</td></tr>") {
				t.Errorf("the HTML part lacks the banner %q", tt.banner)
			}
			if tt.reason != "" && strings.Contains(m.Text+m.HTML, "("+tt.reason+")") {
				t.Errorf("the email shows the reason's code %q", tt.reason)
			}
		})
	}
}

// TestReroutedSubject: the subject carries the marker after URGENT, before
// the hearing, and only for a re-routed referral.
func TestReroutedSubject(t *testing.T) {
	rerouted := &hotline.Reroute{From: "Tenant Rights Clinic", Reason: hotline.ReasonCapacity, Hop: 1}
	for _, tt := range []struct {
		name, lang string
		change     func(*hotline.Referral)
		want       string
	}{
		{"urgent", "en", func(r *hotline.Referral) { r.Rerouted = rerouted },
			"[Hotline referral H-7F3K9] URGENT · RE-ROUTED · Housing (eviction) · ZIP 60612 · Spanish"},
		{"not urgent", "en", func(r *hotline.Referral) { r.Rerouted, r.Urgent, r.Language = rerouted, false, "en" },
			"[Hotline referral H-7F3K9] RE-ROUTED · Housing (eviction) · ZIP 60612"},
		{"with a hearing", "en", func(r *hotline.Referral) { r.Rerouted, r.HearingDate = rerouted, "2026-11-30" },
			"[Hotline referral H-7F3K9] URGENT · RE-ROUTED · hearing Mon Nov 30 · Housing (eviction) · ZIP 60612 · Spanish"},
		{"not re-routed", "en", func(r *hotline.Referral) { r.Language = "en" },
			"[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"},
		{"Spanish", "es", func(r *hotline.Referral) { r.Rerouted, r.Language = rerouted, "es" },
			"[Referido de la línea de ayuda H-7F3K9] URGENTE · REDIRIGIDO · Housing (eviction) · ZIP 60612"},
		{"Spanish not urgent", "es", func(r *hotline.Referral) { r.Rerouted, r.Urgent, r.Language = rerouted, false, "es" },
			"[Referido de la línea de ayuda H-7F3K9] REDIRIGIDO · Housing (eviction) · ZIP 60612"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t)
			o.Words = sampleWords(t, tt.lang)
			r := referral()
			tt.change(r)
			m := render(t, r, o)
			if m.Subject != tt.want {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.want)
			}
			if r.Rerouted == nil && (strings.Contains(m.Text, "RE-ROUTED") || strings.Contains(m.HTML, "RE-ROUTED")) {
				t.Errorf("a referral not re-routed says it was")
			}
		})
	}
}

// TestReroutedBannerLast: the re-routed banner comes after the banners about
// the person's safety and deadlines, and keeps a hostile name on one line.
func TestReroutedBannerLast(t *testing.T) {
	r := fullReferral()
	r.Rerouted = &hotline.Reroute{From: "Clinic\r\nBcc: x@example.com <b>", Reason: hotline.ReasonConflict, Hop: 2}
	m := render(t, r, options(t))
	for _, part := range []struct{ name, s string }{{"text", m.Text}, {"HTML", m.HTML}} {
		at := strings.Index(part.s, "RE-ROUTED TO YOU")
		for _, before := range []string{"Contacting them safely", "URGENT: court hearing", "SAFETY CONCERN", "COURT HEARING"} {
			if i := strings.Index(part.s, before); i < 0 || i > at {
				t.Errorf("%s part: %q (at %d) is not before the re-routed banner (at %d)", part.name, before, i, at)
			}
		}
	}
	if !strings.Contains(m.Text, "RE-ROUTED TO YOU: Clinic Bcc: x@example.com <b> could not take") {
		t.Errorf("the name of the organization before is not kept on one line:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, "Clinic Bcc: x@example.com &lt;b&gt; could not take") {
		t.Errorf("the name of the organization before is not escaped")
	}
}

func loopAlert() email.LoopAlert {
	return email.LoopAlert{
		Ref: "H-7F3K9", OrgName: "Tenant Rights Clinic", OrgPhone: "(312) 555-0111",
		SentAt: time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC), ResponseTime: "1 business day",
	}
}

func mustLoopAlert(t *testing.T, a email.LoopAlert, lang string) email.Message {
	t.Helper()
	o := options(t)
	o.Words = sampleWords(t, lang)
	o.MessageID = email.MessageID("alert-loop-H-7F3K9", "job-1", "example.org")
	o.Date = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	m, err := email.RenderLoopAlert(a, "coordinator@example.org", o)
	if err != nil {
		t.Fatalf("RenderLoopAlert: %v", err)
	}
	return m
}

// TestRenderLoopAlert: the coordinator reads which organization has not
// answered which referral, since when, what became of the referral, and
// what to do, in both parts, in English and Spanish.
func TestRenderLoopAlert(t *testing.T) {
	waiting := loopAlert()
	rerouted := loopAlert()
	rerouted.RerouteTo = "Example County Legal Aid"
	fallback := loopAlert()
	fallback.Fallback = true
	declined := loopAlert()
	declined.RerouteTo, declined.Reason = "Example County Legal Aid", "capacity"
	notCalled := loopAlert()
	notCalled.Fallback, notCalled.Reason = true, "not_contacted"
	for _, tt := range []struct {
		name, lang string
		a          email.LoopAlert
		subject    string
		text       []string
		html       []string
	}{
		{
			name: "waiting", lang: "en", a: waiting,
			subject: "[Hotline] No answer on referral H-7F3K9 from Tenant Rights Clinic",
			text: []string{
				"No answer from Tenant Rights Clinic on referral H-7F3K9\nSent to them Wed Nov 25, 2026 at 3:04 PM CST\n\n",
				"Tenant Rights Clinic has neither accepted nor declined this referral within its response time. The referral is still with them, waiting for their answer.\n",
				"Reference:       H-7F3K9\n", "Organization:    Tenant Rights Clinic\n", "Phone:           (312) 555-0111\n", "Response time:   1 business day\n",
				"What to do: call Tenant Rights Clinic at (312) 555-0111 and ask whether they will take referral H-7F3K9. They can answer with the link in their referral email.\n",
				"Sent automatically by Legal Aid Hotline.",
			},
			html: []string{`<h1 style="margin:4px 0 0 0;font-size:22px;font-weight:bold;color:#ffffff;">H-7F3K9</h1>`, "Legal Aid Hotline · no answer",
				`<strong>The referral is still with them, waiting for their answer.</strong>`,
				`call Tenant Rights Clinic at <a href="tel:+13125550111" style="color:#0b4f8a;font-weight:bold;">(312) 555-0111</a> and ask whether they will take referral <strong>H-7F3K9</strong>`},
		},
		{
			name: "declined", lang: "en", a: declined,
			subject: "[Hotline] Referral H-7F3K9 re-routed: Tenant Rights Clinic (no capacity)",
			text: []string{
				"Referral H-7F3K9 left Tenant Rights Clinic (no capacity)\n",
				"Tenant Rights Clinic declined this referral: no capacity. It has gone on to Example County Legal Aid, the next organization that fits.\n",
				"What to do: nothing, unless referrals to Tenant Rights Clinic often come back: then call them at (312) 555-0111. Referral H-7F3K9 is followed as before.\n",
			},
			html: []string{"Legal Aid Hotline · re-routed"},
		},
		{
			name: "not contacted", lang: "es", a: notCalled,
			subject: "[Línea de ayuda] Referido H-7F3K9 reenviado: Tenant Rights Clinic (la persona dijo que nunca la contactaron)",
			text:    []string{"La persona dijo que Tenant Rights Clinic nunca se comunicó con ella. No queda otra organización adecuada"},
		},
		{
			name: "re-routed", lang: "en", a: rerouted,
			subject: "[Hotline] No answer on referral H-7F3K9 from Tenant Rights Clinic",
			text: []string{
				"within its response time. It has gone on to Example County Legal Aid, the next organization that fits.\n",
				"What to do: nothing more for referral H-7F3K9. If Tenant Rights Clinic often misses referrals, call them at (312) 555-0111: their intake inbox may not be read.\n",
			},
			html: []string{"<strong>It has gone on to Example County Legal Aid, the next organization that fits.</strong>"},
		},
		{
			name: "fallback", lang: "en", a: fallback,
			subject: "[Hotline] No answer on referral H-7F3K9 from Tenant Rights Clinic",
			text: []string{
				"within its response time. No other organization that fits is left: the person was given the fallback referral.\n",
				"What to do: look up referral H-7F3K9 and call the person back if it is safe to: no organization in the directory took it. Then call Tenant Rights Clinic at (312) 555-0111",
			},
			html: []string{"<strong>No other organization that fits is left: the person was given the fallback referral.</strong>"},
		},
		{
			name: "Spanish", lang: "es", a: rerouted,
			subject: "[Línea de ayuda] Sin respuesta de Tenant Rights Clinic al referido H-7F3K9",
			text: []string{
				"Tenant Rights Clinic no ha respondido al referido H-7F3K9\nSe les envió el miércoles 25 de noviembre de 2026, 15:04 CST\n\n",
				"Tenant Rights Clinic no ha aceptado ni rechazado este referido dentro de su plazo de respuesta. Se envió a Example County Legal Aid, la siguiente organización adecuada.\n",
				"Plazo de respuesta: 1 business day\n",
				"Qué hacer: nada más para el referido H-7F3K9. Si Tenant Rights Clinic deja pasar referidos a menudo, llámela al (312) 555-0111",
			},
			html: []string{`<html lang="es">`, "Legal Aid Hotline · sin respuesta", ">Plazo de respuesta<"},
		},
		{
			name: "Spanish fallback", lang: "es", a: fallback,
			subject: "[Línea de ayuda] Sin respuesta de Tenant Rights Clinic al referido H-7F3K9",
			text: []string{"No queda otra organización adecuada: se le indicó a la persona el servicio alternativo.\n",
				"Qué hacer: busque el referido H-7F3K9 y devuelva la llamada a la persona si es seguro hacerlo"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := mustLoopAlert(t, tt.a, tt.lang)
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if m.To != "coordinator@example.org" || m.Ref != "H-7F3K9" || m.From != "Legal Aid Hotline <hotline@example.org>" {
				t.Errorf("To, Ref, From = %q, %q, %q", m.To, m.Ref, m.From)
			}
			if !m.Date.Equal(time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)) {
				t.Errorf("Date = %v, want Options.Date", m.Date)
			}
			for _, want := range tt.text {
				if !strings.Contains(squeeze(m.Text), squeeze(want)) {
					t.Errorf("the text part lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("the HTML part lacks %q", want)
				}
			}
		})
	}
}

// TestRenderLoopAlertEdges: the fallback wins over a RerouteTo; an unknown
// response time and phone say so; the date falls back to SentAt; hostile
// names stay on one line and escaped; missing words or a missing reference
// are a permanent *RenderError.
func TestRenderLoopAlertEdges(t *testing.T) {
	a := loopAlert()
	a.Fallback, a.RerouteTo = true, "Example County Legal Aid"
	a.ResponseTime, a.OrgPhone = "", ""
	a.OrgName = "Clinic\r\nBcc: x@example.com <script>"
	o := options(t)
	m, err := email.RenderLoopAlert(a, "coordinator@example.org", o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "Example County Legal Aid") || !strings.Contains(m.Text, "the person was given the fallback referral") {
		t.Errorf("a fallback does not read as one:\n%s", m.Text)
	}
	for _, want := range []string{"Response time:   (not known)\n", "Phone:           (not known)\n", "Organization:    Clinic Bcc: x@example.com <script>\n"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the text part lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "tel:") || strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("a hostile name or a missing phone got through:\n%s\n%s", m.Subject, m.HTML)
	}
	if !m.Date.Equal(a.SentAt) {
		t.Errorf("Date = %v, want SentAt without Options.Date", m.Date)
	}
	again, _ := email.RenderLoopAlert(a, "coordinator@example.org", o)
	if again != m {
		t.Errorf("two renders of one alert differ")
	}
	var re *email.RenderError
	for _, tt := range []struct {
		name string
		a    email.LoopAlert
		o    email.Options
	}{
		{"no reference", email.LoopAlert{OrgName: "X"}, options(t)},
		{"no organization", email.LoopAlert{Ref: "H-7F3K9"}, options(t)},
		{"no words", loopAlert(), email.Options{}},
		{"a word missing", loopAlert(), func() email.Options { o := options(t); delete(o.Words.Text, "loop_call"); return o }()},
	} {
		if _, err := email.RenderLoopAlert(tt.a, "c@example.org", tt.o); !errors.As(err, &re) || !re.Permanent() {
			t.Errorf("%s: err = %v, want a permanent *email.RenderError", tt.name, err)
		}
	}
}
