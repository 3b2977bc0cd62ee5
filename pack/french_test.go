package pack_test

import (
	"html"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// The French pack (testdata/french) is the sample pack with French added beside
// English and Spanish in every file, and nothing else. If a pack can add a
// language with no change to Go, a French conversation is made only of the
// pack's French texts, and an email in French holds no English word.

func loadFrench(t *testing.T) (*pack.Pack, fs.FS) {
	t.Helper()
	fsys := os.DirFS("testdata/french")
	p, problems, err := pack.Load(fsys, today)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Load(french): %v", problems)
	}
	if _, problems := pack.LoadTests(fsys); len(problems) > 0 {
		t.Fatalf("LoadTests(french): %v", problems)
	}
	return p, fsys
}

// frenchReplies is a regexp that matches a reply made only of the pack's French
// texts: one text, or several joined by a space or a line break (the refer step
// adds its urgent text to the matched one). Each text's words are matched
// literally; its placeholders match only what they can hold: the hotline's
// phone and French hours, the directory's names and numbers, digits for numbers,
// the menu made of the choices' French texts, and what the person typed.
func frenchReplies(t *testing.T, p *pack.Pack, fsys fs.FS, typed []string) *regexp.Regexp {
	t.Helper()
	var texts []string
	menus := map[string]string{} // a question's text → its menu
	read := func(name string) *yaml.Node {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return &doc
	}
	collectFrench(read("messages.yaml"), &texts, menus)
	flowFiles, _ := fs.Glob(fsys, "flows/*.yaml")
	for _, name := range flowFiles {
		collectFrench(read(name), &texts, menus)
	}
	if len(texts) < 40 {
		t.Fatalf("found %d French texts; the walk over the YAML files is broken", len(texts))
	}

	quoteAll := func(values []string) string {
		var alts []string
		for _, v := range values {
			if v != "" {
				alts = append(alts, regexp.QuoteMeta(v))
			}
		}
		return "(?:" + strings.Join(alts, "|") + ")"
	}
	d := p.Directory
	orgs := map[string][]string{}
	for _, o := range d.Organizations {
		orgs["org.name"] = append(orgs["org.name"], o.Name)
		orgs["org.phone"] = append(orgs["org.phone"], o.Phone)
		orgs["org.hours"] = append(orgs["org.hours"], o.Hours)
		orgs["org.website"] = append(orgs["org.website"], o.Website)
		orgs["org.response_time"] = append(orgs["org.response_time"], o.ResponseTime)
	}
	values := map[string]string{
		"hotline.phone":        regexp.QuoteMeta(p.Flow.HotlinePhone),
		"hotline.hours":        regexp.QuoteMeta(p.Flow.Hours("fr")),
		"hotline.name":         regexp.QuoteMeta(p.Flow.Name),
		"fallback.name":        regexp.QuoteMeta(d.Fallback.Name),
		"fallback.phone":       regexp.QuoteMeta(d.Fallback.Phone),
		"fallback.description": regexp.QuoteMeta(d.Fallback.Description),
		"ref":                  `H-[0-9A-Z]+`,
		"min":                  `[0-9]+`,
		"max":                  `[0-9]+`,
		"max_length":           `[0-9]+`,
		"name":                 quoteAll(typed),
	}
	for k, v := range orgs {
		values[k] = quoteAll(v)
	}
	var alts []string
	for _, text := range texts {
		var b strings.Builder
		parts := regexp.MustCompile(`\{[^{}]*\}`).Split(text, -1)
		names := regexp.MustCompile(`\{([^{}]*)\}`).FindAllStringSubmatch(text, -1)
		for i, lit := range parts {
			b.WriteString(regexp.QuoteMeta(lit))
			if i >= len(names) {
				continue
			}
			name := strings.TrimSpace(names[i][1])
			switch v, known := values[name]; {
			case name == "choices":
				b.WriteString(regexp.QuoteMeta(menus[text]))
			case strings.HasPrefix(name, "number."):
				b.WriteString(`[0-9]+`)
			case known:
				b.WriteString(v)
			default:
				b.WriteString(`[^\n]*?`) // a placeholder this test does not know: any one line
			}
		}
		alts = append(alts, b.String())
	}
	one := "(?:" + strings.Join(alts, "|") + ")"
	return regexp.MustCompile(`^` + one + `(?:[ \n]` + one + `)*$`)
}

// collectFrench gathers every fr: text under n: the replies' texts, and each
// choice step's menu made of its choices' text: fr (keyed by the step's questions).
func collectFrench(n *yaml.Node, texts *[]string, menus map[string]string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			collectFrench(c, texts, menus)
		}
	case yaml.MappingNode:
		var menu []string
		var asks []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			switch {
			case key == "fr" && value.Kind == yaml.ScalarNode:
				*texts = append(*texts, value.Value)
			case key == "choices":
				for _, c := range value.Content {
					if text := frOf(c, "text"); text != "" {
						menu = append(menu, text)
					}
				}
				collectFrench(value, texts, menus)
			case key == "text":
				continue // a choice's menu line, not a reply of its own
			default:
				if key == "ask" {
					asks = append(asks, frOf(n, "ask"))
				}
				collectFrench(value, texts, menus)
			}
		}
		for _, ask := range asks {
			var lines []string
			for i, item := range menu {
				lines = append(lines, strconv.Itoa(i+1)+" "+item)
			}
			menus[ask] = strings.Join(lines, "\n")
		}
	}
}

// frOf is the fr text of the field key of mapping n, or "".
func frOf(n *yaml.Node, key string) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			continue
		}
		v := n.Content[i+1]
		for j := 0; j+1 < len(v.Content); j += 2 {
			if v.Content[j].Value == "fr" {
				return v.Content[j+1].Value
			}
		}
	}
	return ""
}

// turn is one message of a French conversation and a piece of what must come back.
type turn struct {
	send string
	want string // a piece of the (joined) replies, to follow the conversation's path
	wait time.Duration
}

func TestFrenchConversation(t *testing.T) {
	p, fsys := loadFrench(t)
	if got := strings.Join(p.Flow.Languages, ","); got != "en,es,fr" {
		t.Fatalf("Languages = %s", got)
	}
	conversations := []struct {
		name  string
		turns []turn
		check func(t *testing.T, st flows.State, last pack.Effects)
	}{
		{
			name: "a housing case, to the fallback (no organization takes French)",
			turns: []turn{
				{send: "bonjour", want: "Répondez 3 pour le français."},
				{send: "3", want: "Continuer ? Répondez OUI ou NON"},
				{send: "AIDE", want: "aide juridique gratuite. Appelez le (312) 555-0100, lun-ven 9h-17h."},
				{send: "oui", want: "Êtes-vous en danger maintenant"},
				{send: "non", want: "code postal (ZIP) à 5 chiffres ?"},
				{send: "pas de code", want: "Envoyez un code postal (ZIP) à 5 chiffres, comme 60612."},
				{send: "60612", want: "1 Logement ou expulsion\n2 Famille"},
				{send: "1", want: "papiers du tribunal"},
				{send: "CONSEILLER", want: "Pour parler à une personne"},
				{send: "oui", want: "date de votre audience"},
				{send: "RETOUR", want: "papiers du tribunal"},
				{send: "Oui", want: "date de votre audience"},
				{send: "11/30", want: "partie adverse"},
				{send: "Acme", want: "Combien de personnes"},
				{send: "3", want: "Bon retour parmi nous", wait: 25 * time.Hour},
				{send: "1", want: "Combien de personnes"},
				{send: "beaucoup", want: "Envoyez un nombre de 1 à 20"},
				{send: "3", want: "revenu total de votre foyer"},
				{send: "2000", want: "votre prénom"},
				{send: "Marie", want: "meilleur numéro"},
				{send: "oui", want: "Merci, Marie. Nos bureaux partenaires ne peuvent pas prendre ce cas, mais le State Bar Lawyer Referral Service"},
			},
			check: func(t *testing.T, st flows.State, last pack.Effects) {
				if !last.Fallback || last.Referral != nil || st.Flags&flows.Ended == 0 {
					t.Errorf("the conversation did not end with the fallback: %+v", last)
				}
			},
		},
		{
			name: "an entry word, a stop sentence, too many tries, then STOP in French",
			turns: []turn{
				{send: "expulsion", want: "Continuer ? Répondez OUI ou NON"},
				{send: "d'accord", want: "Êtes-vous en danger"},
				{send: "oui", want: "En cas de danger immédiat, appelez le 911."},
				{send: "arrêtez de m'écrire", want: "Voulez-vous que nous arrêtions de vous écrire ?"},
				{send: "abc", want: "Envoyez un code postal"},
				{send: "def", want: "Envoyez un code postal"},
				{send: "ghi", want: "Désolé, je ne vous comprends pas."},
				{send: "ARRET", want: "vous êtes désinscrit"},
			},
			check: func(t *testing.T, st flows.State, last pack.Effects) {
				if !last.OptOut {
					t.Errorf("ARRET did not opt out: %+v", last)
				}
			},
		},
	}
	for _, c := range conversations {
		t.Run(c.name, func(t *testing.T) {
			var typed []string
			for _, tr := range c.turns {
				typed = append(typed, tr.send)
			}
			french := frenchReplies(t, p, fsys, typed)
			var st flows.State
			var fx pack.Effects
			now := time.Date(2026, 11, 25, 15, 0, 0, 0, p.Flow.Location)
			for _, tr := range c.turns {
				now = now.Add(time.Minute + tr.wait)
				st, fx = p.Step(st, flows.Input{Text: tr.send, Channel: "sms", From: "+13125550142", Now: now, Ref: "H-7F3K9"})
				if len(fx.Replies) == 0 {
					t.Errorf("%q: no reply", tr.send)
				}
				for _, reply := range fx.Replies {
					if !french.MatchString(reply) {
						t.Errorf("%q: the reply is not made of the pack's French texts:\n%s", tr.send, reply)
					}
				}
				if joined := strings.Join(fx.Replies, "\n"); !strings.Contains(joined, tr.want) {
					t.Errorf("%q: the reply lacks %q:\n%s", tr.send, tr.want, joined)
				}
			}
			c.check(t, st, fx)
		})
	}
}

// TestFrenchEmail: the French words of email.yaml write a whole referral email,
// and its alert, without one English word.
func TestFrenchEmail(t *testing.T) {
	p, fsys := loadFrench(t)
	r := &hotline.Referral{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC), OrgID: "clinique", OrgName: "Clinique des locataires",
		OrgEmail: "accueil@example.org", OrgPhone: "(312) 555-0111", ProgramName: "Défense contre l'expulsion", IncludeAnswers: true,
		EmailLanguage: "fr", Urgent: true, UrgentReasons: []string{"audience dans moins de 14 jours"}, SafetyConcern: true,
		CaseType: "housing", CaseLabel: "Logement", CaseCode: "63", Name: "Marie", Callback: "+13125550142",
		Channel: "whatsapp", Language: "fr", Opponent: "Acme", ZIP: "60612", Household: 3, MonthlyIncomeCents: 200000,
		IncomeKnown: true, PovertyPercent: 87.85, IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []hotline.QA{
			{Question: "Audience", Kind: "date", Value: "2026-11-30"},
			{Question: "Papiers du tribunal", Kind: "yesno", Value: "yes"},
			{Question: "Partie adverse", Kind: "text", Value: ""},
			{Question: "Revenu", Kind: "money", Value: "200000"},
		},
	}
	words := p.EmailWords("fr")
	if words.Lang != "fr" {
		t.Fatalf("EmailWords(fr) gave the %s words", words.Lang)
	}
	o := email.Options{Location: p.Flow.Location, HotlineName: "Ligne d'aide juridique", Words: words}
	m, err := email.Render(r, o)
	if err != nil {
		t.Fatal(err)
	}
	alert, err := email.RenderAlert(r, "coordination@example.org", 5, "550 boîte inconnue", o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Faite le mercredi 25 novembre 2026 à 15 h 04 (CST)", "Nom :", "Langue :", "français", "3 personnes",
		"$2,000 par mois, 88 % du seuil de pauvreté fédéral de 2026 (votre limite : 200 %)", "lundi 30 novembre 2026", "(question passée)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the French email lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `<html lang="fr">`) {
		t.Errorf("the HTML part is not marked as French")
	}
	// Every word of the emails must come from the French texts of email.yaml or
	// from the referral itself (what the person said, the organization's name):
	// a word written by Go, English or not, cannot pass.
	allowed := frenchEmailWords(t, fsys)
	for _, v := range []string{r.Ref, r.OrgName, r.OrgEmail, r.ProgramName, r.CaseLabel, r.Name, r.Opponent, r.ZIP,
		strings.Join(r.UrgentReasons, " "), "Ligne d'aide juridique", "coordination@example.org", "550 boîte inconnue", "CST"} {
		for _, w := range wordsOf(v) {
			allowed[w] = true
		}
	}
	for _, a := range r.Answers {
		for _, w := range wordsOf(a.Question + " " + a.Value) {
			allowed[w] = true
		}
	}
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	for _, part := range []struct{ name, text string }{
		{"subject", m.Subject}, {"text", m.Text}, {"HTML", html.UnescapeString(tags.ReplaceAllString(m.HTML, " "))},
		{"alert subject", alert.Subject}, {"alert text", alert.Text}, {"alert HTML", html.UnescapeString(tags.ReplaceAllString(alert.HTML, " "))},
	} {
		for _, word := range wordsOf(part.text) {
			if !allowed[word] {
				t.Errorf("the French email's %s says %q, which is in none of the French texts:\n%s", part.name, word, part.text)
			}
		}
	}
	english := englishEmailWords(t, fsys)
	for _, word := range wordsOf(m.Text + alert.Text) {
		if english[word] {
			t.Errorf("the French email says %q in English", word)
		}
	}
}

// emailWords are the words of email.yaml's texts in a language.
func emailWords(t *testing.T, fsys fs.FS, lang string) map[string]bool {
	t.Helper()
	data, err := fs.ReadFile(fsys, "email.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, texts := range file {
		for _, w := range wordsOf(texts[lang]) {
			words[w] = true
		}
	}
	return words
}

// frenchEmailWords are the words of the French texts of email.yaml.
func frenchEmailWords(t *testing.T, fsys fs.FS) map[string]bool {
	return emailWords(t, fsys, "fr")
}

// englishEmailWords are the words of the English texts of email.yaml, less
// those French writes the same, like "URGENT" or "WhatsApp".
func englishEmailWords(t *testing.T, fsys fs.FS) map[string]bool {
	t.Helper()
	french := emailWords(t, fsys, "fr")
	english := map[string]bool{}
	for w := range emailWords(t, fsys, "en") {
		if len([]rune(w)) >= 2 && !french[w] {
			english[w] = true
		}
	}
	if len(english) < 100 {
		t.Fatalf("only %d English words in email.yaml: %v", len(english), english)
	}
	return english
}

// wordsOf splits a text into its words, placeholders left out.
func wordsOf(text string) []string {
	text = regexp.MustCompile(`\{[^{}]*\}`).ReplaceAllString(text, " ")
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) })
}

// TestFrenchMoney: the pack's French money words (words.yaml money:) are read:
// "500 par semaine" is $2,166.67 a month, not $500.
func TestFrenchMoney(t *testing.T) {
	p, _ := loadFrench(t)
	var st flows.State
	for i, text := range []string{"bonjour", "3", "oui", "non", "60612", "5", "passer", "3", "500 par semaine"} {
		st, _ = p.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
	}
	if v, _ := st.Get("income"); v != "216667" {
		t.Errorf("income = %q, want 216667 cents a month (step %s)", v, st.Step)
	}
}
