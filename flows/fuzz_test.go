package flows_test

import (
	"bytes"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
)

// packFiles are the files FuzzLoad may replace, by index.
var packFiles = []string{"flows/screening.yaml", "pack.yaml", "messages.yaml", "directory.yaml", "poverty-2026.yaml", "tests/english.yaml"}

// FuzzLoad replaces one file of the sample pack with arbitrary bytes: loading must
// end in a pack or in positioned problems, never a panic, and a pack that loads
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
			tests, problems := flows.LoadTests(fsys)
			checkPositions(t, problems)
			pack := loadSample(t)
			for _, tr := range tests {
				pack.Run(tr)
			}
			return
		}
		pack, problems, err := flows.Load(fsys, today)
		checkPositions(t, problems)
		if err != nil {
			if pack != nil || len(problems.Errors()) == 0 {
				t.Fatalf("Load failed with a pack or without errors: %v", err)
			}
			return
		}
		st, _ := converse(pack, englishScript, "+13125550142")
		if _, err := st.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		if err := pack.Graph(&bytes.Buffer{}); err != nil {
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

// FuzzUnmarshalState feeds arbitrary bytes as a stored conversation: a state must
// be rejected or survive a round trip and a step.
func FuzzUnmarshalState(f *testing.F) {
	pack := loadSample(f)
	for n := 0; n <= len(englishScript); n += 4 {
		st, _ := converse(pack, englishScript[:n], "+13125550142")
		data, _ := st.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 255, 4, 'z', 'z', 'z', 'z', 0, 0, 1, 1, 'b', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var st flows.State
		if err := st.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceEncoding(st); string(again) != string(want) {
			t.Fatalf("a state read from %q encodes to %x; want %x", data, again, want)
		}
		var back flows.State
		if err := back.UnmarshalBinary(again); err != nil {
			t.Fatalf("a state read from %q does not read back: %v", data, err)
		}
		if !reflect.DeepEqual(back, st) {
			t.Fatalf("a state read from %q reads back as %+v; want %+v", data, back, st)
		}
		for _, text := range []string{"hi", "1", "back", "STOP", "start", "yes"} {
			st, _ = pack.Step(st, flows.Input{Text: text, Channel: "sms", Now: today})
		}
	})
}

// FuzzStep sends arbitrary messages (one per line) through the sample pack. Every
// message must get a reply unless the person opted out, and every referral must
// name an organization of the directory.
func FuzzStep(f *testing.F) {
	pack := loadSample(f)
	f.Add(strings.Join(englishScript, "\n"))
	f.Add("hola\n2\nsi\nno\n60614\n4\nBanco XYZ\n1\n2000\nAna\nsi")
	f.Add("DESALOJO\nsi\nno\n60612\nno\nno\nomitir\n2\n0\nCarmen\nsi")
	f.Add("hi\n1\n\xff\xfe\n😀😀\n\x00\nback\nback\nback\nrestart\nstop\nyes")
	f.Fuzz(func(t *testing.T, script string) {
		var st flows.State
		for _, text := range strings.Split(script, "\n") {
			optedOut := st.Flags&flows.OptedOut != 0
			var fx flows.Effects
			st, fx = pack.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today, Ref: "H-7F3K9"})
			if len(fx.Replies) == 0 && !optedOut {
				t.Fatalf("%q got no reply", text)
			}
			if r := fx.Referral; r != nil && (r.OrgEmail == "" || r.Callback == "" || r.ZIP == "") {
				t.Fatalf("incomplete referral %+v", r)
			}
			checkEncoding(t, st)
		}
	})
}
