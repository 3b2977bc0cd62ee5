package pack_test

import (
	"strings"
	"testing"

	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/pack"
)

// TestEmailLanguage: an organization with email_language: es gets its referral
// email in Spanish, whatever language the person spoke; the others get the
// pack's first language.
func TestEmailLanguage(t *testing.T) {
	fsys := samplePackWith(t, edit{"directory.yaml", "    response_time: 1 business day\n", "    response_time: 1 business day\n    email_language: es\n"})
	p, problems, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	for _, o := range p.Directory.Organizations {
		if want := map[bool]string{true: "es", false: "en"}[o.ID == "tenant-clinic"]; o.EmailLanguage != want {
			t.Errorf("%s: EmailLanguage = %q, want %q", o.ID, o.EmailLanguage, want)
		}
	}
	_, fxs := converse(p, englishScript, "+13125550142")
	r := fxs[len(fxs)-1].Referral
	if r == nil || r.OrgID != "tenant-clinic" || r.EmailLanguage != "es" || r.Language != "en" {
		t.Fatalf("referral = %+v, want one to tenant-clinic with email_language es from an English conversation", r)
	}
	m, err := email.Render(r, email.Options{Location: p.Flow.Location, HotlineName: p.Flow.Name, Words: p.EmailWords(r.EmailLanguage)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Subject, "[Referido de la línea de ayuda H-7F3K9] URGENTE · ") {
		t.Errorf("Subject = %q, want it in Spanish", m.Subject)
	}
	for _, want := range []string{"Hecho el miércoles 25 de noviembre de 2026, 15:14 CST", "Nombre:", "Idioma:           inglés", "Hogar:            3 personas",
		"- Court date: lunes 30 de noviembre de 2026", "Por favor llame a Maria al (312) 555-0142"} {
		if !strings.Contains(strings.Join(strings.Fields(m.Text), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("the email lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `<html lang="es">`) {
		t.Errorf("the HTML part is not marked as Spanish")
	}
}

// TestEmailWordsFallback: a referral queued for a language the pack has since
// dropped is written in the pack's first language rather than not at all.
func TestEmailWordsFallback(t *testing.T) {
	p := loadSample(t)
	if w := p.EmailWords("fr"); w.Lang != "en" || w.Text["label_name"] != "Name" {
		t.Errorf("EmailWords(fr) = %s words, want the English ones", w.Lang)
	}
	if w := p.EmailWords("es"); w.Lang != "es" || w.Text["label_name"] != "Nombre" {
		t.Errorf("EmailWords(es) = %s words, want the Spanish ones", w.Lang)
	}
	for _, lang := range p.Flow.Languages {
		if err := p.EmailWords(lang).Check(); err != nil {
			t.Errorf("the sample's %s words: %v", lang, err)
		}
	}
}

// TestScreeningEmailDoneWhen: issue 13's "done when", through the sample pack
// end to end: a screening that answered "no" to the voicemail question gets
// an email that says so in its first lines, whose subject carries the hearing
// date, and which holds the text the person was told, word for word.
func TestScreeningEmailDoneWhen(t *testing.T) {
	sample := loadSample(t)
	script := []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "500 a week",
		"Maria", "yes", "no", "yes", "after 3pm"}
	_, fxs := converse(sample, script, "+13125550142")
	last := fxs[len(fxs)-1]
	r := last.Referral
	if r == nil || r.SafeContact.Voicemail != "no" {
		t.Fatalf("referral = %+v; last replies %q", r, last.Replies)
	}
	m, err := email.Render(r, email.Options{Location: sample.Flow.Location, HotlineName: sample.Flow.Name,
		Country: sample.Flow.Country, Words: sample.EmailWords(r.EmailLanguage)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, "hearing Mon Nov 30") {
		t.Errorf("Subject = %q; want the hearing date in it", m.Subject)
	}
	lines := strings.Split(m.Text, "\n")
	first := strings.Join(lines[:min(8, len(lines))], "\n")
	if !strings.Contains(first, "Do NOT leave a voicemail") || !strings.Contains(first, "after 3pm") {
		t.Errorf("the first lines of the email do not say not to leave a voicemail:\n%s", first)
	}
	told := last.Replies[0] // then the offer of a hearing reminder
	if !strings.Contains(told, "Tenant Rights Clinic") || !strings.Contains(m.Text, told) || !strings.Contains(m.HTML, "call them today") {
		t.Errorf("the email lacks what the person was told, %q:\n%s", told, m.Text)
	}
	if !strings.Contains(m.Text, "500 a week → $2,166.67 a month") {
		t.Errorf("the email lacks the income as given:\n%s", m.Text)
	}
}
