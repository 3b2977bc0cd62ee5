package email_test

import (
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

var update = flag.Bool("update", false, "rewrite the golden emails in testdata/")

// samplePack is the sample pack, loaded once: its email.yaml holds the words.
var samplePack = sync.OnceValues(func() (*pack.Pack, error) {
	p, _, err := pack.Load(defaultpack.FS, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	return p, err
})

// sampleWords are the sample pack's words in lang, copied so that a test may
// change them.
func sampleWords(t testing.TB, lang string) email.Words {
	t.Helper()
	p, err := samplePack()
	if err != nil {
		t.Fatalf("Load(sample): %v", err)
	}
	w := p.EmailWords(lang)
	if w.Lang != lang {
		t.Fatalf("the sample pack has no %s words", lang)
	}
	return email.Words{Lang: w.Lang, Text: maps.Clone(w.Text)}
}

// TestRenderGolden: the whole English email, for review by eye when it
// changes: a referral with everything an email can show (safe contact, a
// hearing, a re-route, the organization's link, what the person was told,
// answers as given), its alert, and the alert about an organization that
// has not answered (the referral re-routed on).
func TestRenderGolden(t *testing.T) {
	r := fullReferral()
	r.Link = link
	r.Rerouted = &hotline.Reroute{From: "Example County Legal Aid", Reason: hotline.ReasonCapacity, Hop: 1}
	// One answer of every kind, each shown its own way.
	r.Answers = append(r.Answers, []hotline.QA{
		{Question: "Language", Kind: "choice", Value: "es", Label: "Spanish"},
		{Question: "Choice no label", Kind: "choice", Value: "other"},
		{Question: "Agreed", Kind: "yesno", Value: "yes"},
		{Question: "Locked out", Kind: "yesno", Value: "no"},
		{Question: "Income", Kind: "money", Value: "216667", Given: "500 a week"},
		{Question: "Court date", Kind: "date", Value: "2026-12-03"},
		{Question: "Bad date", Kind: "date", Value: "soon"},
		{Question: "Skipped", Kind: "text", Value: ""},
		{Question: "Opposing party", Kind: "text", Value: "Acme"},
		{Question: "Callback", Kind: "phone", Value: "+13125550142"},
	}...)
	m := render(t, r, options(t))
	a := mustAlert(t, r, "coordinator@example.org", "550 no")
	silent := loopAlert()
	silent.RerouteTo = "Example County Legal Aid"
	l := mustLoopAlert(t, silent, "en")
	for name, got := range map[string]string{
		"referral.txt": m.Subject + "\n\n" + m.Text, "referral.html": m.HTML,
		"alert.txt": a.Subject + "\n\n" + a.Text, "alert.html": a.HTML,
		"loop-alert.txt": l.Subject + "\n\n" + l.Text, "loop-alert.html": l.HTML,
	} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./bot/email -update writes it)", err)
		}
		if got != string(want) {
			t.Errorf("%s changed (go test ./bot/email -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
		}
	}
}

// TestRenderSpanish: an organization whose email_language is es reads its email
// in Spanish: subject, labels, values and the date, written the Spanish way.
func TestRenderSpanish(t *testing.T) {
	o := options(t)
	o.Words = sampleWords(t, "es")
	m := render(t, referral(), o)
	if want := "[Referido de la línea de ayuda H-7F3K9] URGENTE · Housing (eviction) · ZIP 60612"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	for _, want := range []string{
		"Referido H-7F3K9 de la línea de ayuda para Tenant Rights Clinic (Eviction defense)\n",
		"Hecho el miércoles 25 de noviembre de 2026, 15:04 CST\n",
		"URGENTE: court hearing within 14 days\n",
		"RIESGO PARA LA SEGURIDAD: la persona dijo que está en peligro",
		// The longest label widens the column, so that the values still line up.
		"Urgente:          Sí: court hearing within 14 days\n",
		"Tipo de caso:     Housing (eviction) (código de problema LSC 63)\n",
		"Nombre:           Maria\n",
		"Teléfono:         (312) 555-0142\n",
		"Idioma:           español\n",
		"Parte contraria:  Acme Properties  ← para su revisión de conflictos\n",
		"Hogar:            3 personas\n",
		"Ingresos:         $2,000 al mes, 88 % de la guía federal de pobreza de 2026 (su límite: 200 %)\n",
		"Código postal:    60612\n",
		"Nos contactó por: WhatsApp\n",
		"Preguntas y respuestas\n- Court date: lunes 30 de noviembre de 2026\n",
		"Por favor llame a Maria al (312) 555-0142 y mencione la referencia H-7F3K9.",
		"Enviado automáticamente por Legal Aid Hotline.",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the Spanish text part lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{`<html lang="es">`, ">Idioma<", ">español<", "Legal Aid Hotline · referido", "para Tenant Rights Clinic (Eviction defense)",
		"Por favor llame a <strong>Maria</strong> al <a href=\"tel:+13125550142\"", "lunes 30 de noviembre de 2026"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the Spanish HTML part lacks %q", want)
		}
	}
	for _, english := range []string{"Made ", "Name", "Household", "people", "a month", "poverty guideline", "Please call", "Wed", "Nov", "PM", `lang="en"`} {
		if strings.Contains(m.Text, english) || strings.Contains(m.HTML, english) {
			t.Errorf("the Spanish email still says %q", english)
		}
	}
	a, err := email.RenderAlert(referral(), "coordinator@example.org", 1, "", o)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[Alerta de la línea de ayuda] URGENTE · El referido H-7F3K9 NO se entregó a Tenant Rights Clinic"; a.Subject != want {
		t.Errorf("alert Subject = %q, want %q", a.Subject, want)
	}
	for _, want := range []string{"falló después de 1 intento.", "Último error: (no se registró ninguno)",
		"Qué hacer: llame a Tenant Rights Clinic al (312) 555-0111 hoy mismo (el caso es urgente) y deles", "Organización:"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("the Spanish alert lacks %q:\n%s", want, a.Text)
		}
	}
}

// TestRenderBadWords: words that are missing or wrong fail the render with a
// permanent *RenderError, never a panic or half an email.
func TestRenderBadWords(t *testing.T) {
	tests := []struct {
		name   string
		change func(w email.Words)
		want   string
	}{
		{"no words at all", func(w email.Words) { clear(w.Text) }, "no words to write the email with"},
		{"a key missing", func(w email.Words) { delete(w.Text, "label_name") }, "missing label_name"},
		{"an unknown placeholder", func(w email.Words) { w.Text["footer"] = "Sent by {hotline} to {org}." }, "footer: unknown placeholder {org}"},
		{"a brace never closed", func(w email.Words) { w.Text["made"] = "Made {date} at {time" }, "made: a { is never closed"},
		{"eleven months", func(w email.Words) { w.Text["months"] = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov" }, "months: 11 names"},
		{"eight weekdays", func(w email.Words) { w.Text["weekdays"] += " Sun" }, "weekdays: 8 names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(t)
			tt.change(o.Words)
			m, err := email.Render(referral(), o)
			var re *email.RenderError
			if !errors.As(err, &re) || !re.Permanent() || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render: err = %v, want a permanent *email.RenderError saying %q", err, tt.want)
			}
			if m.Text != "" || m.HTML != "" || m.Subject != "" {
				t.Errorf("a failed render returned a message")
			}
			if _, err := email.RenderAlert(referral(), "c@example.org", 1, "x", o); !errors.As(err, &re) {
				t.Errorf("RenderAlert: err = %v, want a *email.RenderError", err)
			}
		})
	}
	if _, err := email.Render(referral(), email.Options{}); err == nil {
		t.Error("Render without words succeeded")
	}
}

// TestRenderWordsCannotBreakTheEmail: the pack's words are escaped in the HTML part
// and folded onto one line like a person's text, so that a slip in email.yaml
// cannot forge markup or a header.
func TestRenderWordsCannotBreakTheEmail(t *testing.T) {
	o := options(t)
	o.Words.Text["subject"] = "[Referral {ref}]\r\nBcc: x@example.com {case}"
	o.Words.Text["subject_urgent"] = o.Words.Text["subject"]
	o.Words.Text["call_back"] = `Call <b onclick="x()">{name}</b> & "quote" {ref}.`
	o.Words.Text["footer"] = "<script>alert(1)</script> {hotline}"
	o.Words.Text["label_name"] = "Name\nURGENT: fake"
	o.Words.Text["alert_today"] = "<i>today</i>"
	m := render(t, referral(), o)
	a := mustAlert(t, referral(), "c@example.org", "x")
	if want := "[Referral H-7F3K9] Bcc: x@example.com Housing (eviction)"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	for _, part := range []string{m.HTML, a.HTML} {
		for _, bad := range []string{"<b ", "<script", "<i>", "& \""} {
			if strings.Contains(part, bad) {
				t.Errorf("the HTML part holds the words' %q unescaped", bad)
			}
		}
	}
	if !strings.Contains(m.HTML, `Call &lt;b onclick="x()"&gt;<strong>Maria</strong>&lt;/b&gt; &amp; "quote" <strong>H-7F3K9</strong>.`) {
		t.Errorf("the call to action's words are not escaped as expected:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; Legal Aid Hotline") {
		t.Errorf("the footer's words are not escaped")
	}
	for _, line := range splitLines(m.Text) {
		if headerLike.MatchString(line) {
			t.Errorf("a word started its own line: %q", line)
		}
	}
	if !strings.Contains(m.Text, "Name URGENT: fake: Maria\n") {
		t.Errorf("the label is not kept on one line:\n%s", m.Text)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		text  string
		names []string
		ok    bool
	}{
		{"Referral {ref} for {org}", []string{"ref", "org"}, true},
		{"{{literal} and { spaced }", []string{"spaced"}, true},
		{"no placeholders}", nil, true},
		{"open {ref", nil, false},
	}
	for _, tt := range tests {
		names, ok := email.Placeholders(tt.text)
		if !slices.Equal(names, tt.names) || ok != tt.ok {
			t.Errorf("Placeholders(%q) = %q, %v, want %q, %v", tt.text, names, ok, tt.names, tt.ok)
		}
	}
}

// TestKeysAreDistinct: each key once, each placeholder once per key.
func TestKeysAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range email.Keys() {
		if seen[k.Name] || k.About == "" {
			t.Errorf("key %q is listed twice or says nothing about itself", k.Name)
		}
		seen[k.Name] = true
		if _, isLanguage := email.IsLanguageKey(k.Name); isLanguage {
			t.Errorf("key %q looks like a language's name", k.Name)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(k.Placeholders)))) != len(k.Placeholders) {
			t.Errorf("key %q lists a placeholder twice", k.Name)
		}
	}
}
