package pack

import (
	"slices"
	"testing"

	"github.com/hotline-legal/hotline/bot/email"
)

// TestAddedEmailKeys: every key the upgrade fills in is one the emails
// need, and the sample pack has it in each of its languages.
func TestAddedEmailKeys(t *testing.T) {
	var names []string
	for _, k := range email.Keys() {
		names = append(names, k.Name)
	}
	l := &loader{}
	for _, key := range addedEmailKeys() {
		if !slices.Contains(names, key) {
			t.Errorf("%s is not a key of the emails", key)
		}
		for _, lang := range []string{"en", "es"} {
			if text, found := l.sampleText(key, lang); !found || text == "" {
				t.Errorf("the sample has no %s text of %s", lang, key)
			}
		}
	}
}
