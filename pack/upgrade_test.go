package pack_test

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hotline-legal/hotline/pack"
)

// addedKeys are the texts email.yaml gained with the JSON hand-off (issue
// 13): in bot/email's keys today, not in those of commit d3099ee.
var addedKeys = []string{
	"subject_hearing", "subject_missed_hearing", "subject_language", "date_short",
	"contact_heading", "label_voicemail", "voicemail_no", "voicemail_yes", "texts_yes", "label_safe_when", "contact_not_asked",
	"hearing_banner", "missed_hearing_banner", "facts_heading", "label_asked_person", "label_hearing", "hearing_missed",
	"income_guideline_limit", "income_guideline_no_limit", "as_given", "told_heading",
}

// loopKeys are the texts email.yaml gained with the referral loop (issue
// 15): the organization's link, the re-routed banner and its reasons, and
// the alert about an organization that has not answered.
var loopKeys = []string{
	"subject_rerouted", "rerouted_banner",
	"reason_conflict", "reason_capacity", "reason_priorities", "reason_other", "reason_no_response", "reason_not_contacted",
	"link_heading", "link_text", "link_button",
	"loop_subject", "loop_heading", "loop_kicker", "loop_sent", "loop_silent", "label_response_time",
	"loop_waiting", "loop_rerouted", "loop_fallback", "loop_call", "loop_call_rerouted", "loop_call_fallback",
	"loop_moved_subject", "loop_moved_heading", "loop_moved_kicker", "loop_declined", "loop_not_contacted", "loop_call_moved",
}

// TestUpgradeEmailWords: a pack whose email.yaml was written before issue 13
// (the sample's of commit d3099ee, testdata/email-d3099ee.yaml) still loads:
// each text added since takes the sample pack's, in English and Spanish,
// with a warning naming it and saying to add it (which `hotline check
// --strict` fails on); the emails then read as the sample's do.
func TestUpgradeEmailWords(t *testing.T) {
	old, err := os.ReadFile("testdata/email-d3099ee.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fsys := samplePackWith(t)
	fsys["email.yaml"] = &fstest.MapFile{Data: old}
	p, problems, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatalf("a pack of before issue 13 does not load: %v", problems.Errors())
	}
	sample, _, err := pack.Load(samplePackWith(t), today)
	if err != nil {
		t.Fatal(err)
	}
	warnings := problems.Warnings().Error()
	for _, key := range append(slices.Clone(addedKeys), loopKeys...) {
		want := `missing "` + key + `", `
		if !strings.Contains(warnings, want) {
			t.Errorf("no warning about %s; warnings:\n%s", key, warnings)
		}
		for _, lang := range []string{"en", "es"} {
			if got, want := p.EmailWords(lang).Text[key], sample.EmailWords(lang).Text[key]; got != want || got == "" {
				t.Errorf("%s in %s = %q, want the sample's %q", key, lang, got, want)
			}
		}
	}
	if n, want := len(problems.Warnings()), len(addedKeys)+len(loopKeys); n < want {
		t.Errorf("%d warnings, want one for each of the %d added keys", n, want)
	}
	if !strings.Contains(warnings, `email.yaml:20:3: warning: missing "subject_hearing", {hearing} in the subject: the court date, like Mon Dec 7, which this version of Hotline added: the sample pack's text is used for now; add it (after subject_urgent) in every language (the sample's email.yaml has it)`) {
		t.Errorf("the warning does not say where and what to do:\n%s", warnings)
	}
	// A key that was always required is still an error.
	broken := strings.Replace(string(old), "label_name:", "label_nom:", 1)
	fsys["email.yaml"] = &fstest.MapFile{Data: []byte(broken)}
	if _, problems, err := pack.Load(fsys, today); err == nil || !strings.Contains(problems.Errors().Error(), `missing "label_name"`) {
		t.Errorf("a pack without label_name loaded: %v", problems)
	}
}

// TestUpgradeEmailWordsLoop: a pack whose email.yaml was written for issue
// 14 (today's sample without the texts of the referral loop, and a subject
// without {rerouted}) still loads: each text of the loop takes the sample
// pack's with a warning (which `hotline check --strict` fails on), while the
// pack's own subject stands.
func TestUpgradeEmailWordsLoop(t *testing.T) {
	sample := samplePackWith(t)
	data := string(sample["email.yaml"].Data)
	for _, key := range loopKeys {
		// The key, its texts, and the comments just above it.
		block := regexp.MustCompile(`(?m)(^#.*\n)*^` + key + `:.*\n(^  .*\n)+`)
		if !block.MatchString(data) {
			t.Fatalf("the sample's email.yaml has no %s", key)
		}
		data = block.ReplaceAllString(data, "")
	}
	data = strings.ReplaceAll(data, "{rerouted} ", "")
	if left := regexp.MustCompile(`(?m)^(\w*rerouted|loop_|reason_|link_)\w*:`).FindString(data); left != "" || strings.Contains(data, "{rerouted}") {
		t.Fatalf("the sample's email.yaml still has %q or {rerouted}:\n%s", left, data)
	}
	fsys := samplePackWith(t)
	fsys["email.yaml"] = &fstest.MapFile{Data: []byte(data)}
	p, problems, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatalf("a pack of before issue 15 does not load: %v", problems.Errors())
	}
	want, _, err := pack.Load(samplePackWith(t), today)
	if err != nil {
		t.Fatal(err)
	}
	warnings := problems.Warnings()
	if len(warnings) != len(loopKeys) {
		t.Errorf("%d warnings, want one for each of the %d keys of the loop:\n%v", len(warnings), len(loopKeys), warnings)
	}
	for _, key := range loopKeys {
		if !strings.Contains(warnings.Error(), `missing "`+key+`", `) {
			t.Errorf("no warning about %s:\n%v", key, warnings)
		}
		for _, lang := range []string{"en", "es"} {
			if got, want := p.EmailWords(lang).Text[key], want.EmailWords(lang).Text[key]; got != want || got == "" {
				t.Errorf("%s in %s = %q, want the sample's %q", key, lang, got, want)
			}
		}
	}
	if got := p.EmailWords("en").Text["subject"]; strings.Contains(got, "{rerouted}") {
		t.Errorf("the pack's own subject was replaced: %q", got)
	}
}

// TestUpgradeEmailWordsOtherLanguage: a language the sample pack does not
// have gets no sample text: a pack in French that lacks an added key fails
// as before, whether the key is missing altogether or only its French.
func TestUpgradeEmailWordsOtherLanguage(t *testing.T) {
	french := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("testdata/french"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile("testdata/french/" + path)
		french[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	data := string(french["email.yaml"].Data)
	whole := `contact_heading:
  en: "Contacting them safely"
  es: "Cómo contactarle sin riesgo"
  fr: "Comment la joindre sans risque"
`
	if !strings.Contains(data, whole) {
		t.Fatalf("the French email.yaml has no %q", whole)
	}
	for _, tc := range []struct{ name, email, want string }{
		{"the key", strings.Replace(data, whole, "", 1), `missing "contact_heading"`},
		{"its French", strings.Replace(data, `  fr: "Comment la joindre sans risque"`+"\n", "", 1), `contact_heading: missing the "fr" text`},
	} {
		french["email.yaml"] = &fstest.MapFile{Data: []byte(tc.email)}
		_, problems, err := pack.Load(french, today)
		if err == nil || !strings.Contains(problems.Errors().Error(), tc.want) {
			t.Errorf("without %s: %v\n%v\nwant an error %s", tc.name, err, problems, tc.want)
		}
	}
	// Its Spanish alone missing takes the sample's, with a warning.
	french["email.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(data, `  es: "Cómo contactarle sin riesgo"`+"\n", "", 1))}
	p, problems, err := pack.Load(french, today)
	if err != nil || !strings.Contains(problems.Warnings().Error(), `contact_heading: missing the "es" text, which this version of Hotline added: the sample pack's is used for now`) {
		t.Fatalf("without the Spanish of contact_heading: %v\n%v", err, problems)
	}
	if got := p.EmailWords("es").Text["contact_heading"]; got != "Cómo contactarle sin riesgo" {
		t.Errorf("contact_heading in es = %q", got)
	}
}
