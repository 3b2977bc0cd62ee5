package pack_test

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// packFiles are the files FuzzLoad may replace, by index.
var packFiles = []string{"flows/screening.yaml", "pack.yaml", "messages.yaml", "directory.yaml", "poverty-2026.yaml", "tests/english.yaml", "words.yaml", "email.yaml"}

// FuzzLoad replaces one file of the sample pack with arbitrary bytes: loading must
// end in a sample or in positioned problems, never a panic, and a sample that loads
// must run a conversation.
// Run longer: go test ./flows -run '^$' -fuzz '^FuzzLoad$' -fuzztime 60s
func FuzzLoad(f *testing.F) {
	for i, name := range packFiles {
		data, err := fs.ReadFile(defaultpack.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), data)
	}
	f.Add(uint8(0), []byte("steps:\n  - id: a\n    say: {en: x, es: y}\n    next: a\n"))
	f.Add(uint8(0), []byte("steps: [{id: a, expect: number, ask: {en: '{', es: b}}]"))
	f.Add(uint8(3), []byte("organizations: &o [*o]"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := packFiles[int(which)%len(packFiles)]
		fsys := samplePackWith(t, edit{file: name, new: string(data)})
		if name == "tests/english.yaml" {
			tests, problems := pack.LoadTests(fsys)
			checkPositions(t, problems)
			sample := loadSample(t)
			for _, tr := range tests {
				sample.Run(tr)
			}
			return
		}
		sample, problems, err := pack.Load(fsys, today)
		checkPositions(t, problems)
		if err != nil {
			if sample != nil || len(problems.Errors()) == 0 {
				t.Fatalf("Load failed with a pack or without errors: %v", err)
			}
			return
		}
		_, fxs := converse(sample, englishScript, "+13125550142")
		// What the pack accepts, the email accepts: a loaded pack's words always
		// write an email.
		for _, fx := range fxs {
			if r := fx.Referral; r != nil {
				if _, err := email.Render(r, email.Options{Words: sample.EmailWords(r.EmailLanguage)}); err != nil {
					t.Fatalf("the pack loaded but its email does not render: %v", err)
				}
			}
		}
		for _, lang := range sample.Flow.Languages {
			if err := sample.EmailWords(lang).Check(); err != nil {
				t.Fatalf("the pack loaded but its %s words fail their check: %v", lang, err)
			}
		}
		if err := sample.Flow.Graph(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	})
}

func checkPositions(t *testing.T, problems flows.Problems) {
	t.Helper()
	for _, p := range problems {
		if p.File == "" || p.Line < 0 || p.Col < 0 || p.Msg == "" || !utf8.ValidString(p.Msg) && !strings.Contains(p.Msg, "\"") {
			t.Errorf("a problem without a proper position or message: %#v", p)
		}
	}
}

// FuzzStep sends arbitrary messages (one per line) through the sample pack. Every
// message must get a reply unless the person opted out, and every referral must
// name an organization of the directory.
func FuzzStep(f *testing.F) {
	sample := loadSample(f)
	f.Add(strings.Join(englishScript, "\n"))
	f.Add("hola\n2\nsi\nno\n60614\n4\nBanco XYZ\n1\n2000\nAna\nsi")
	f.Add("DESALOJO\nsi\nno\n60612\nno\nno\nomitir\n2\n0\nCarmen\nsi")
	f.Add("hi\n1\n\xff\xfe\n😀😀\n\x00\nback\nback\nback\nrestart\nstop\nyes")
	// People in their own words: danger, confirmations, questions back, a referral repeated.
	f.Add("my boyfriend beat me up\n1\nyes\nSTART 88788\nsorry i meant 60612\nyes\nhe hit me\nme and 3 kids\nyes\n$15 an hour\nyes\nwhy do you need my name?\nMaria\nyes\nthank you!!\nrestart")
	f.Add("me van a desalojar\n2\nsi\ntengo miedo\n60612\nno\n4\nsi\n11/20\nsi\nno entiendo\nENGLISH\nsolo yo\n1200 por cheque\nsi\nhablar con alguien\nback\nback")
	f.Fuzz(func(t *testing.T, script string) {
		var st flows.State
		for _, text := range strings.Split(script, "\n") {
			optedOut := st.Flags&flows.OptedOut != 0
			var fx pack.Effects
			st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today, Ref: "H-7F3K9"})
			if len(fx.Replies) == 0 && !optedOut {
				t.Fatalf("%q got no reply", text)
			}
			if fx.Human && st.Flags&flows.Human == 0 {
				t.Fatalf("%q needs a person, but the conversation is not marked", text)
			}
			if r := fx.Referral; r != nil && (r.OrgEmail == "" || r.Callback == "" || r.ZIP == "") {
				t.Fatalf("incomplete referral %+v", r)
			}
		}
	})
}
