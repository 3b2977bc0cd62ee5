package webhook

import (
	"testing"

	"github.com/twilio/twilio-go/twiml"
)

// TestTwiMLAsTwilioWritesIt: the TwiML written by hand is byte for byte what
// twilio-go's twiml.Messages writes, for replies of every kind.
func TestTwiMLAsTwilioWritesIt(t *testing.T) {
	for _, replies := range [][]string{
		nil,
		{},
		{""},
		{"Reply 1 for English. Responda 2 para español."},
		{"a & b < c > d 'e' \"f\"", "second\nline\ttab\r"},
		{"What is your legal problem? Reply with a number:\n1 Housing or eviction\n2 Family"},
		{"emoji 😀 and ñ", "", "<Message>not a tag</Message>"},
		{"\x00\x01bad\xffutf8\uFFFE"},
	} {
		verbs := []twiml.Element{}
		for _, r := range replies {
			if r = xmlSafe(r); r != "" {
				verbs = append(verbs, twiml.MessagingMessage{Body: r})
			}
		}
		want, err := twiml.Messages(verbs)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(renderTwiML(replies)); got != want {
			t.Errorf("renderTwiML(%q) =\n%s\nwant\n%s", replies, got, want)
		}
	}
}

// BenchmarkTwiML writes the TwiML of a question, by hand and with twilio-go:
// what made the cache of TwiML (and the engine's hint for it) unneeded.
// Run: go test ./webhook -run '^$' -bench TwiML -benchmem
func BenchmarkTwiML(b *testing.B) {
	replies := []string{"What is your legal problem? Reply with a number:\n1 Housing or eviction\n2 Family, divorce or custody\n3 Domestic violence or protective order\n4 Debt or money\n5 Job or unpaid wages\n6 Public benefits (SNAP, SSI, unemployment)\n7 Immigration\n8 Something else"}
	b.Run("by hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			renderTwiML(replies)
		}
	})
	b.Run("twilio-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := twiml.Messages([]twiml.Element{twiml.MessagingMessage{Body: replies[0]}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
