package pack_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// today is the fixed date the tests load packs on.
var today = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// edit changes one file of the sample pack: old (which must be there) becomes new.
// An empty old replaces the whole file; a "-" new deletes it.
type edit struct{ file, old, new string }

// samplePackWith returns the sample pack with edits applied.
func samplePackWith(t testing.TB, edits ...edit) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(defaultpack.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(defaultpack.FS, path)
		fsys[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		switch {
		case e.new == "-":
			delete(fsys, e.file)
		case e.old == "":
			fsys[e.file] = &fstest.MapFile{Data: []byte(e.new)}
		default:
			f, ok := fsys[e.file]
			if !ok || !strings.Contains(string(f.Data), e.old) {
				t.Fatalf("test setup: %s does not contain %q", e.file, e.old)
			}
			f.Data = []byte(strings.Replace(string(f.Data), e.old, e.new, 1))
		}
	}
	return fsys
}

func TestLoadSamplePack(t *testing.T) {
	sample, problems, err := pack.Load(defaultpack.FS, today)
	if err != nil {
		t.Fatalf("Load(sample) failed:\n%v", err)
	}
	if len(problems) != 0 {
		t.Errorf("Load(sample) warnings:\n%v", problems)
	}
	if got := strings.Join(sample.Flow.Languages, ","); got != "en,es" {
		t.Errorf("Languages = %s, want en,es", got)
	}
	if sample.Poverty.Year != 2026 || sample.Poverty.Base != 15960 || sample.Poverty.PerPerson != 5680 {
		t.Errorf("Poverty = %+v, want the 2026 contiguous guideline", sample.Poverty)
	}
	if got := len(sample.Directory.Organizations); got != 5 {
		t.Errorf("%d organizations, want 5", got)
	}
	if sample.Flow.Location.String() != "America/Chicago" {
		t.Errorf("Location = %s", sample.Flow.Location)
	}
}

// TestLoadErrors checks that each kind of mistake a coordinator can make is
// reported with the right file:line:col and a message that says what to do.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  []string // each must be one of the reported problems (prefix match)
		only  bool     // no other problems may be reported
	}{
		{
			name:  "YAML syntax error",
			edits: []edit{{"flows/screening.yaml", "    save: language ", "    save: [language "}},
			want:  []string{"flows/screening.yaml:"},
		},
		{
			name:  "unknown field with a suggestion",
			edits: []edit{{"flows/screening.yaml", "    expect: zip\n", "    expect: zip\n    reaks: {en: a, es: b}\n"}},
			want:  []string{`flows/screening.yaml:72:5: unknown field "reaks" (did you mean "reask"?)`},
		},
		{
			name:  "wrong type",
			edits: []edit{{"flows/screening.yaml", "    min: 1\n", "    min: one\n"}},
			want:  []string{`flows/screening.yaml:259:10: min: expected a whole number, got "one"`},
		},
		{
			name:  "a list where text belongs",
			edits: []edit{{"directory.yaml", "  name: State Bar Lawyer Referral Service", "  name: [State Bar]"}},
			want:  []string{`directory.yaml:12:9: name: expected text, got a list`},
		},
		{
			name:  "goto to a missing step",
			edits: []edit{{"flows/screening.yaml", "    yes: {goto: court_date}", "    yes: {goto: court_dates}"}},
			want: []string{
				`flows/screening.yaml:182:17: step court_papers: yes: goto: there is no step "court_dates" (did you mean "court_date"?)`,
			},
			only: true, // not also "court_date is never reached", which only follows from it
		},
		{
			name:  "unreachable step",
			edits: []edit{{"flows/screening.yaml", "      - if: not served(zip)\n        goto: out_of_area\n", ""}},
			want:  []string{"flows/screening.yaml:86:5: step out_of_area is never reached: no goto, next or entry leads to it"},
		},
		{
			name:  "missing translation",
			edits: []edit{{"flows/screening.yaml", `      es: "¿Cuál es su nombre?"` + "\n", ""}},
			want:  []string{`flows/screening.yaml:295:7: step name: ask: missing the "es" text`},
		},
		{
			name:  "a language the pack does not declare",
			edits: []edit{{"flows/screening.yaml", `      es: "¿Cuál es su nombre?"`, `      es: "¿Cuál es su nombre?"` + "\n      fr: Quel est votre nom ?"}},
			want:  []string{`flows/screening.yaml:297:11: step name: ask: "fr" is not one of the pack's languages (en, es)`},
		},
		{
			name:  "choice word that is a global keyword",
			edits: []edit{{"flows/screening.yaml", "words: [other, something else,", "words: [other, help, something else,"}},
			want:  []string{`flows/screening.yaml:164:24: step problem: choices: words: "help" is the global keyword HELP, which works at every step; this choice would never see it`},
		},
		{
			name:  "directory case type the flow never produces",
			edits: []edit{{"directory.yaml", "case_types: [immigration]", "case_types: [immigration, tax]"}},
			want:  []string{`directory.yaml:84:35: organization immigrant-project: case_types: the flow never produces "tax"`},
		},
		{
			name:  "case type the directory never serves",
			edits: []edit{{"directory.yaml", "case_types: [immigration]", "case_types: [other]"}},
			want:  []string{`flows/screening.yaml:154:16: case type "immigration": no service in directory.yaml takes it`},
		},
		{
			name:  "income limit that is not a number",
			edits: []edit{{"directory.yaml", "income_limit: 125%", "income_limit: low"}},
			want:  []string{`directory.yaml:48:23: organization example-legal-aid: services: income_limit: "low" is not a number`},
		},
		{
			name:  "condition naming an unknown variable",
			edits: []edit{{"flows/screening.yaml", "if: case_type == domestic_violence", "if: casetype == domestic_violence"}},
			want:  []string{`flows/screening.yaml:266:13: step household: next: if: unknown variable "casetype" (did you mean "case_type"?)`},
		},
		{
			name:  "condition comparing with a value that never occurs",
			edits: []edit{{"flows/screening.yaml", "if: case_type == domestic_violence", "if: case_type == dv"}},
			want:  []string{`flows/screening.yaml:266:26: step household: next: if: "case_type" is never "dv"`},
		},
		{
			name:  "duplicate key",
			edits: []edit{{"flows/screening.yaml", "    max: 20\n", "    max: 20\n    max: 30\n"}},
			want:  []string{`flows/screening.yaml:261:5: "max" is given twice (first at line 260)`},
		},
		{
			name:  "duplicate step id",
			edits: []edit{{"flows/screening.yaml", "  - id: callback_web", "  - id: callback"}},
			want:  []string{`flows/screening.yaml:323:9: id: "callback" is already the id of the step at flows/screening.yaml:312:5`},
		},
		{
			name:  "a step with no way on",
			edits: []edit{{"flows/screening.yaml", "    label: Safe time or number to call\n    next: refer\n", "    label: Safe time or number to call\n"}},
			want:  []string{`flows/screening.yaml:367:5: step safe_time: next: missing; this step has no way on`},
		},
		{
			name:  "missing shared message",
			edits: []edit{{"messages.yaml", "welcome_back:", "welcome_home:"}},
			want:  []string{`messages.yaml: missing the shared message "welcome_back"`},
		},
		{
			name:  "a pack that refers people without the STOP words for a referral on its way",
			edits: []edit{{"messages.yaml", "stopped_referral_queued:", "stopped_referral_waiting:"}},
			want:  []string{`messages.yaml: missing the shared message "stopped_referral_queued", which the bot adds to the STOP reply while a referral is still being sent`},
		},
		{
			name:  "the STOP words for a referral on its way with a placeholder it cannot have",
			edits: []edit{{"messages.yaml", "will still be sent to {org}", "will still be sent to {org.phone}"}},
			want:  []string{`messages.yaml:27:7: stopped_referral_queued: unknown placeholder {org.phone}`},
		},
		{
			name:  "a web question that leaves the choices to buttons without a text",
			edits: []edit{{"flows/screening.yaml", "        text: {en: English, es: English}   # the web chat's buttons: each language in its own words\n", ""}},
			want:  []string{`flows/screening.yaml:16:9: step language: choices: text: missing; the ask's web: words name no choice, so the web chat shows the choices as buttons, and choice 1 needs a text per language`},
		},
		{
			name:  "an answer button the bot would not read as its answer",
			edits: []edit{{"messages.yaml", `  en: "Skip"`, `  en: "Later"`}},
			want:  []string{`messages.yaml:327:7: answer_skip: the en text "Later" is a button that sends its own words, which the bot does not read as SKIP`},
		},
		{
			name:  "a missing file",
			edits: []edit{{"directory.yaml", "x", "-"}},
			want:  []string{"directory.yaml: the pack has no directory.yaml"},
		},
		{
			name:  "bad time zone",
			edits: []edit{{"pack.yaml", "timezone: America/Chicago", "timezone: Chicago"}},
			want:  []string{`pack.yaml:5:11: timezone: "Chicago" is not a time zone name`},
		},
		{
			name:  "a poverty table named for another year",
			edits: []edit{{"poverty-2026.yaml", "year: 2026", "year: 2027"}},
			want:  []string{"poverty-2026.yaml:3:7: year: the file is named for 2026 but says year 2027"},
		},
		{
			// A coordinator renames a step the referral reads, and its next:.
			name: "renaming the household step loses what the referral reads",
			edits: []edit{{"flows/screening.yaml", "  - id: household\n", "  - id: people\n"},
				{"flows/screening.yaml", "    next: household\n", "    next: people\n"}},
			want: []string{`pack.yaml:46:14: referral: household: no step saves "household", so the referral would lose the household's size, which the poverty percentage reads; the variables holding number answers are: people`},
			only: true,
		},
		{
			name:  "a private: condition with a misspelt variable",
			edits: []edit{{"pack.yaml", "private: safety_concern or", "private: safty_concern or"}},
			want:  []string{`pack.yaml:38:10: private: if: unknown variable "safty_concern" (did you mean "safety_concern"?)`},
		},
		{
			name:  "a one-time sum as the income",
			edits: []edit{{"pack.yaml", "  income: income ", "  income: debt "}},
			want:  []string{`pack.yaml:47:11: referral: income: "debt" is a one-time sum (per: once), but the household's income`},
		},
		{
			name:  "a referral field of the wrong kind",
			edits: []edit{{"pack.yaml", "  household: household ", "  household: name      "}},
			want:  []string{`pack.yaml:46:14: referral: household: "name" holds text answers, but the household's size, which the poverty percentage reads must be number (expect: number)`},
			only:  true,
		},
		{
			name:  "a referral field that matching needs is missing",
			edits: []edit{{"pack.yaml", "  zip: zip ", "  # zip: zip "}},
			want:  []string{`pack.yaml:44:14: referral: zip: missing; name the variable that holds the ZIP code, which matching reads`},
		},
		{
			name:  "a referral field no referral reads",
			edits: []edit{{"pack.yaml", "  name: name\n", "  nmae: name\n"}},
			want:  []string{`pack.yaml:48:9: referral: "nmae" is not something a referral reads (did you mean "name"?)`},
		},
		{
			// A menu number typed by hand would keep meaning the old choice after the
			// choices were reordered.
			name:  "a choice number typed by hand",
			edits: []edit{{"flows/screening.yaml", "Reply {number.en} for English. Responda {number.es} para español.\"\n      es:", "Reply 1 for English. Responda {number.es} para español.\"\n      es:"}},
			want:  []string{`flows/screening.yaml:7:11: step language: ask: "1" is a choice's number typed by hand`},
		},
		{
			name: "a typed menu beside the choices",
			edits: []edit{{"flows/screening.yaml", "        What is your legal problem? Reply with a number:\n        {choices}\n      es:",
				"        What is your legal problem? Reply with a number:\n        1 Housing\n        2 Family\n      es:"}},
			want: []string{`flows/screening.yaml:100:11: step problem: ask: "1" is a choice's number typed by hand`},
		},
		{
			name:  "a menu without the choices' texts",
			edits: []edit{{"flows/screening.yaml", `        text: {en: "Immigration", es: "Inmigración"}` + "\n", ""}},
			want:  []string{`flows/screening.yaml:154:9: step problem: choices: text: missing; {choices} shows each choice's text, so choice 7 needs one per language`},
		},
		{
			name:  "the emails' words: a key missing",
			edits: []edit{{"email.yaml", "label_name:\n  en: \"Name\"\n  es: \"Nombre\"\n", ""}},
			want:  []string{`email.yaml:197:3: missing "label_name", a label of the facts; give it in every language (after label_case_type)`},
			only:  true,
		},
		{
			name:  "the emails' words: an unknown placeholder",
			edits: []edit{{"email.yaml", `  en: "Made {date} at {time}"`, `  en: "Made {dat} at {time}"`}},
			want:  []string{`email.yaml:65:7: made: en: unknown placeholder {dat} (did you mean "date"?); it may use {date}, {time}`},
			only:  true,
		},
		{
			name:  "the emails' words: an unknown key",
			edits: []edit{{"email.yaml", "label_name:", "label_nmae:"}},
			want: []string{
				`email.yaml:200:3: unknown text "label_nmae" (did you mean "label_name"?)`,
				`email.yaml:197:3: missing "label_name"`,
			},
			only: true,
		},
		{
			name:  "the emails' words: a language missing",
			edits: []edit{{"email.yaml", "  es: \"Nombre\"\n", ""}},
			want:  []string{`email.yaml:200:3: label_name: missing the "es" text`},
			only:  true,
		},
		{
			name:  "the emails' words: eleven months",
			edits: []edit{{"email.yaml", `"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"`, `"Jan Feb Mar Apr May Jun Jul Aug Sep Nov Dec"`}},
			want:  []string{`email.yaml:85:7: months: en: 11 names; give the names of the months, January to December: 12 names separated by spaces`},
			only:  true,
		},
		{
			name:  "the emails' words: a language the pack does not have",
			edits: []edit{{"email.yaml", "language_es:", "language_fr:\n  en: French\n  es: francés\nlanguage_es:"}},
			want:  []string{`email.yaml:299:3: language_fr: "fr" is not one of the pack's languages (en, es)`},
			only:  true,
		},
		{
			name:  "the emails' words: no email.yaml",
			edits: []edit{{"email.yaml", "x", "-"}},
			want:  []string{"email.yaml: the pack has no email.yaml"},
		},
		{
			name:  "an alias bomb is refused, not expanded",
			edits: []edit{{"messages.yaml", "", aliasBomb()}},
			want:  []string{"messages.yaml:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems, err := pack.Load(samplePackWith(t, tt.edits...), today)
			if err == nil {
				t.Fatalf("Load succeeded; want errors %q", tt.want)
			}
			for _, want := range tt.want {
				found := false
				for _, p := range problems {
					if strings.HasPrefix(p.Error(), want) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem starts with\n  %s\ngot:\n%v", want, problems)
				}
			}
			if tt.only && len(problems) != len(tt.want) {
				t.Errorf("%d problems, want only %d:\n%v", len(problems), len(tt.want), problems)
			}
		})
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := 0; i < 8; i++ {
		name := string(rune('b' + i))
		b.WriteString(name + ": &" + name + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	return b.String()
}

func TestLoadWarnings(t *testing.T) {
	t.Run("old poverty table", func(t *testing.T) {
		next := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		_, problems, err := pack.Load(defaultpack.FS, next)
		if err != nil {
			t.Fatalf("a warning failed the load: %v", err)
		}
		want := "poverty-2026.yaml:3:7: warning: the newest poverty table is for 2026; add poverty-2027.yaml"
		if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), want) {
			t.Errorf("problems = %v, want %s", problems, want)
		}
	})
	t.Run("message over three segments", func(t *testing.T) {
		long := strings.Repeat("Please read this. ", 30)
		fsys := samplePackWith(t, edit{"flows/screening.yaml", `      en: "What is your first name?"`, `      en: "` + long + `"`})
		_, problems, err := pack.Load(fsys, today)
		if err != nil {
			t.Fatalf("a warning failed the load: %v", err)
		}
		want := "flows/screening.yaml:295:11: warning: step name: ask: the en text takes 4 SMS segments (GSM-7, 540 characters)"
		if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), want) {
			t.Errorf("problems = %v, want %s", problems, want)
		}
	})
}

func TestSegments(t *testing.T) {
	tests := []struct {
		text     string
		segments int
		gsm      bool
	}{
		{"", 1, true},
		{strings.Repeat("a", 160), 1, true},
		{strings.Repeat("a", 161), 2, true},
		{strings.Repeat("a", 306), 2, true},
		{strings.Repeat("a", 307), 3, true},
		{strings.Repeat("{", 80), 1, true}, // extension characters count twice
		{strings.Repeat("{", 81), 2, true},
		{"¿Qué tal? Sí", 1, false}, // í is not GSM-7, although é is
		{"español ¿ñ?", 1, true},   // ñ and ¿ are GSM-7
		{strings.Repeat("á", 70), 1, false},
		{strings.Repeat("á", 71), 2, false},
		{strings.Repeat("a", 150) + "’", 3, false}, // one curly quote makes it UCS-2
		{strings.Repeat("😀", 35), 1, false},        // an emoji is two UTF-16 units
		{strings.Repeat("😀", 36), 2, false},
	}
	for _, tt := range tests {
		segments, gsm := flows.Segments(tt.text)
		if segments != tt.segments || gsm != tt.gsm {
			t.Errorf("Segments(%.20q…) = %d, %v; want %d, %v", tt.text, segments, gsm, tt.segments, tt.gsm)
		}
	}
}

func TestEmailTemplate(t *testing.T) {
	withTemplate := func(tpl string) fstest.MapFS {
		fsys := samplePackWith(t, edit{"directory.yaml", "    include_answers: false    # they ask every question again themselves\n",
			"    include_answers: false\n    email_template: templates/family.html\n"})
		fsys["templates/family.html"] = &fstest.MapFile{Data: []byte(tpl)}
		return fsys
	}
	sample, _, err := pack.Load(withTemplate("<p>Referral {{.Ref}} for {{.Name}}</p>\n"), today)
	if err != nil {
		t.Fatal(err)
	}
	if sample.EmailTemplate("family-justice") == nil || sample.EmailTemplate("tenant-clinic") != nil {
		t.Errorf("EmailTemplate: the family center's template is missing, or the clinic has one")
	}
	_, problems, err := pack.Load(withTemplate("<p>ok</p>\n<p>{{.Nmae}}</p>\n"), today)
	if err == nil || !strings.HasPrefix(problems[0].Error(), "templates/family.html:2:") || !strings.Contains(problems[0].Error(), "Nmae") {
		t.Errorf("a template naming a missing field: %v", problems)
	}
	_, problems, err = pack.Load(withTemplate("<p>{{if}}</p>"), today)
	if err == nil || !strings.HasPrefix(problems[0].Error(), "templates/family.html:1:") {
		t.Errorf("a template that does not parse: %v", problems)
	}
	fsys := withTemplate("x")
	delete(fsys, "templates/family.html")
	if _, problems, err = pack.Load(fsys, today); err == nil || !strings.Contains(problems.Error(), "templates/family.html") {
		t.Errorf("a missing template file: %v", problems)
	}
}

// TestGotoFlow: an entry (or any goto) may name a flow file, meaning its first step.
func TestGotoFlow(t *testing.T) {
	fsys := samplePackWith(t, edit{"pack.yaml", "  - words: [desalojo]\n", "  - words: [wages]\n    language: en\n    goto: wages\n  - words: [desalojo]\n"})
	fsys["flows/wages.yaml"] = &fstest.MapFile{Data: []byte(`steps:
  - id: wages_intro
    say: {en: "Let's talk about your pay.", es: "Hablemos de su salario."}
    next: consent
`)}
	sample, problems, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	_, fx := sample.Step(flows.State{}, flows.Input{Text: "wages", Channel: "sms", Now: today})
	if got := strings.Join(fx.Replies, "\n"); !strings.Contains(got, "Let's talk about your pay.") || !strings.Contains(got, "Continue?") {
		t.Errorf("WAGES started with %q", got)
	}
}

// TestSwappedChoices: swapping two choices in YAML keeps the menu and what each
// number means in step: the menu is made from the choices, and {number.<value>}
// follows its choice.
func TestSwappedChoices(t *testing.T) {
	src, err := fs.ReadFile(defaultpack.FS, "flows/screening.yaml")
	if err != nil {
		t.Fatal(err)
	}
	flow := string(src)
	// Move the housing choice (up to the family one) after family's.
	h := strings.Index(flow, "      - value: housing\n")
	f := strings.Index(flow, "      - value: family\n")
	d := strings.Index(flow, "      - value: domestic_violence\n")
	swapped := flow[:h] + flow[f:d] + flow[h:f] + flow[d:]
	// And the language step's two choices.
	en := strings.Index(swapped, "      - value: en\n")
	es := strings.Index(swapped, "      - value: es\n")
	end := strings.Index(swapped[es:], "    reask:") + es
	swapped = swapped[:en] + swapped[es:end] + swapped[en:es] + swapped[end:]
	sample, problems, err := pack.Load(samplePackWith(t, edit{"flows/screening.yaml", flow, swapped}), today)
	if err != nil {
		t.Fatalf("the swapped pack does not load: %v", problems)
	}
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	step := func(st flows.State, text string) (flows.State, string) {
		st, fx := sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: now})
		return st, strings.Join(fx.Replies, "\n")
	}
	st, reply := step(flows.State{}, "hi")
	if !strings.Contains(reply, "Reply 2 for English. Responda 1 para español.") {
		t.Fatalf("the language question after the swap: %q", reply)
	}
	st, reply = step(st, "2") // now English
	if !strings.Contains(reply, "Continue? Reply YES or NO") {
		t.Fatalf("2 after the swap should mean English: %q", reply)
	}
	for _, text := range []string{"yes", "no", "60612"} {
		st, reply = step(st, text)
	}
	if !strings.Contains(reply, "1 Family, divorce or custody\n2 Housing or eviction\n3 Domestic violence") {
		t.Fatalf("the menu after the swap: %q", reply)
	}
	if _, reply = step(st, "2"); !strings.Contains(reply, "court papers") {
		t.Errorf("2 (Housing, as the menu now shows) led to %q; want the court papers question", reply)
	}
	if _, reply = step(st, "1"); strings.Contains(reply, "court papers") {
		t.Errorf("1 (Family, as the menu now shows) led to the housing questions: %q", reply)
	}
}
