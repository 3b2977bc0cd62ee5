package pack_test

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hotline-legal/hotline/pack"
)

// pageKeys matches each page_ text of email.yaml, with the comments and
// lines that go with it: the words of the organization's page for a
// referral (issue 15).
var pageKeys = regexp.MustCompile(`(?m)^page_\w+:.*\n(  .*\n)*`)

// TestUpgradePageWords: a pack written before the organization's page for
// a referral (issue 15) still loads: each page_ text takes the sample
// pack's, in English and Spanish, with a warning naming it.
func TestUpgradePageWords(t *testing.T) {
	fsys := samplePackWith(t)
	sample := string(fsys["email.yaml"].Data)
	names := pageKeys.FindAllString(sample, -1)
	if len(names) < 30 {
		t.Fatalf("the sample's email.yaml has %d page_ texts", len(names))
	}
	fsys["email.yaml"] = &fstest.MapFile{Data: []byte(pageKeys.ReplaceAllString(sample, ""))}
	p, problems, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatalf("a pack without the page's words does not load: %v", problems.Errors())
	}
	want, _, err := pack.Load(samplePackWith(t), today)
	if err != nil {
		t.Fatal(err)
	}
	warnings := problems.Warnings().Error()
	for _, text := range names {
		key := text[:strings.Index(text, ":")]
		if !strings.Contains(warnings, `missing "`+key+`", `) {
			t.Errorf("no warning about %s; warnings:\n%s", key, warnings)
		}
		for _, lang := range []string{"en", "es"} {
			if got, want := p.EmailWords(lang).Text[key], want.EmailWords(lang).Text[key]; got != want || got == "" {
				t.Errorf("%s in %s = %q, want the sample's %q", key, lang, got, want)
			}
		}
	}
	if w := p.EmailWords("es"); w.Say("page_accept") != "Lo tomamos" {
		t.Errorf("page_accept in es says %q", w.Say("page_accept"))
	}
}
