package pack_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// loopMessages are the shared messages the referral loop added (issue 15).
var loopMessages = []string{
	"status_sent", "status_accepted", "status_fallback", "status_none", "followup_yes", "followup_no",
	flows.MsgRerouted, flows.MsgReroutedFallback, flows.MsgFollowUp, flows.MsgHearingReminder,
	flows.MsgHearingReminderToday, "hearing_offer", "hearing_yes", "hearing_no", "hearing_moved",
}

// withoutLoop is the sample pack as it was before the referral loop: no
// STATUS keyword, none of its messages.
func withoutLoop(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := samplePackWith(t)
	messages := string(fsys["messages.yaml"].Data)
	start := strings.Index(messages, "# The referral loop:")
	end := strings.Index(messages, "# A household counted from words")
	if start < 0 || end < start {
		t.Fatal("test setup: the sample's messages.yaml has no referral loop section")
	}
	fsys["messages.yaml"].Data = []byte(messages[:start] + messages[end:])
	words := string(fsys["words.yaml"].Data)
	status := "  status:\n    en: [status]\n    es: [estado]\n"
	if !strings.Contains(words, status) {
		t.Fatal("test setup: the sample's words.yaml has no STATUS")
	}
	fsys["words.yaml"].Data = []byte(strings.Replace(words, status, "", 1))
	return fsys
}

// TestUpgradeLoop: a pack written before the referral loop still loads:
// STATUS and each message take the sample's, with a warning each (which
// `hotline check --strict` fails on), and speak as the sample does.
func TestUpgradeLoop(t *testing.T) {
	p, problems, err := pack.Load(withoutLoop(t), today)
	if err != nil {
		t.Fatalf("a pack of before the loop does not load: %v", problems.Errors())
	}
	sample := loadSample(t)
	warnings := problems.Warnings().Error()
	if !strings.Contains(warnings, `words.yaml:7:1: warning: keywords: status: missing, which this version of Hotline added (STATUS says where the person's referral stands now); the sample pack's words are used for now (en: status; es: estado): add them (the sample's words.yaml has them)`) {
		t.Errorf("no warning about STATUS:\n%s", warnings)
	}
	extra := map[string]string{"ref": "H-7F3K9", "from": "Tenant Rights Clinic", "org.name": "Workers' Rights Center", "org.phone": "(312) 555-0155",
		"fallback.name": "State Bar Lawyer Referral Service", "fallback.phone": "(312) 555-0199", "date": "Mon Dec 7"}
	for _, name := range loopMessages {
		if want := `messages.yaml: warning: missing the shared message "` + name + `", `; !strings.Contains(warnings, want) {
			t.Errorf("no warning about %s:\n%s", name, warnings)
		}
		for _, lang := range []string{"en", "es"} {
			if got, want := p.Flow.SayIn(name, lang, "sms", extra), sample.Flow.SayIn(name, lang, "sms", extra); got != want || got == "" {
				t.Errorf("%s in %s = %q; want the sample's %q", name, lang, got, want)
			}
		}
	}
	if n, want := len(problems.Warnings()), len(loopMessages)+1; n != want {
		t.Errorf("%d warnings; want %d:\n%s", n, want, warnings)
	}
}

// TestUpgradeLoopOtherLanguage: the sample has no French, so a French pack
// without the loop's words or messages fails to load, saying what is missing.
func TestUpgradeLoopOtherLanguage(t *testing.T) {
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
	for _, tt := range []struct{ file, old, new, want string }{
		{"words.yaml", "  # Where the person's referral stands now.\n  status:\n    en: [status]\n    es: [estado]\n    fr: [statut]\n", "",
			`keywords: status: missing; list the words that mean STATUS in each language`},
		{"messages.yaml", "\nfollowup:\n", "\nfollow_up:\n",
			`messages.yaml: missing the shared message "followup", the follow-up text asking whether the organization contacted the person (it may use {ref}, {org.name}, {org.phone}); give it in every language`},
	} {
		fsys := fstest.MapFS{}
		for k, v := range french {
			fsys[k] = &fstest.MapFile{Data: v.Data}
		}
		data := string(fsys[tt.file].Data)
		if !strings.Contains(data, tt.old) {
			t.Fatalf("test setup: the French %s has no %q", tt.file, tt.old)
		}
		fsys[tt.file].Data = []byte(strings.Replace(data, tt.old, tt.new, 1))
		if _, problems, err := pack.Load(fsys, today); err == nil || !strings.Contains(problems.Errors().Error(), tt.want) {
			t.Errorf("without %s in %s: %v\n%v\nwant an error %s", strings.TrimSpace(tt.old), tt.file, err, problems, tt.want)
		}
	}
}

// TestTranscriptStanding: a transcript's standing: is checked where it is
// written, and a run says when the message asks about no referral, or gives
// another answer to the follow-up than written.
func TestTranscriptStanding(t *testing.T) {
	bad := `- name: bad
  turns:
    - {send: status, standing: {status: acepted}}
    - {send: "yes", follow_up_answer: maybe}
`
	_, problems := pack.LoadTests(fstest.MapFS{"tests/bad.yaml": {Data: []byte(bad)}})
	for _, want := range []string{
		`tests/bad.yaml:3:32: standing: status: "acepted" is not a referral's status; use one of: sent, accepted, fallback (did you mean "accepted"?)`,
		`tests/bad.yaml:4:7: follow_up_answer: "maybe" is not yes, no or none`,
	} {
		if !strings.Contains(problems.Error(), want) {
			t.Errorf("no problem %s; got:\n%v", want, problems)
		}
	}

	sample := loadSample(t)
	wrong := `- name: wrong
  turns:
    - {send: hi, standing: {}}
    - {send: "1", follow_up_answer: "yes"}
    - send: status
      standing: {}
`
	tests, problems := pack.LoadTests(fstest.MapFS{"tests/wrong.yaml": {Data: []byte(wrong)}})
	if len(problems) > 0 || len(tests) != 1 {
		t.Fatalf("LoadTests: %v", problems)
	}
	var got []string
	for _, f := range sample.Run(tests[0]) {
		got = append(got, f.String())
	}
	for _, want := range []string{
		`turn 1 (sent "hi"): expected a message whose referral's standing the service reads (standing:), but it asks about none`,
		`turn 2 (sent "1"): expected follow_up_answer yes (it was none)`,
		`turn 3 (sent "status"): expected a message whose referral's standing the service reads (standing:), but it asks about none`,
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("no failure %s; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
}

// TestHearingReminderAtDST: the reminder is at the pack's hour by the wall
// clock on the days daylight saving time starts and ends.
func TestHearingReminderAtDST(t *testing.T) {
	p, _, err := pack.Load(samplePackWith(t), today)
	if err != nil {
		t.Fatal(err)
	}
	loc := p.Flow.Location
	for _, c := range []struct {
		hearing string
		sent    int
		want    time.Time
	}{
		{"2026-03-09", 0, time.Date(2026, 3, 8, 18, 0, 0, 0, loc)},  // DST starts on the 8th
		{"2026-11-02", 0, time.Date(2026, 11, 1, 18, 0, 0, 0, loc)}, // DST ends on the 1st
		{"2026-03-08", 1, time.Date(2026, 3, 8, 8, 0, 0, 0, loc)},
		{"2026-11-01", 1, time.Date(2026, 11, 1, 8, 0, 0, 0, loc)},
	} {
		got := p.HearingReminderAt(c.hearing, c.sent, time.Date(2026, 1, 1, 0, 0, 0, 0, loc))
		if !got.Equal(c.want) || got.In(loc).Hour() != c.want.Hour() {
			t.Errorf("HearingReminderAt(%s, %d) = %v, want %v", c.hearing, c.sent, got, c.want)
		}
	}
}
