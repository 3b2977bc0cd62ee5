package flows_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotline-legal/hotline/flows"
)

// The language's own tests, on a small pack in one language with a referrer of
// the tests' own: nothing of legal aid is needed to test the language.

const tinyPack = `name: Tiny
languages: [en]
timezone: UTC
hotline: {phone: "555-0100", hours: {en: "9-5"}}
referral:
  zip: zip
`

const tinyMessages = `stopped: {en: "stopped"}
stopped_referral_queued: {en: "{ref} still goes to {org}"}
referral_limit: {en: "no more referrals today"}
started: {en: "started"}
stop_confirm: {en: "confirm with STOP"}
help: {en: "help: call {hotline.phone}"}
agent: {en: "agent"}
too_many_tries: {en: "too many"}
welcome_back: {en: "welcome back"}
step_gone: {en: "gone"}
media_only: {en: "words please"}
technical_problem: {en: "problem"}
reminder: {en: "reminder"}
reask_choice: {en: "pick one"}
reask_zip: {en: "a ZIP please"}
` + tinyLoopMessages

// tinyLoopMessages are the referral loop's messages, which a pack that refers
// people needs.
const tinyLoopMessages = `status_sent: {en: "{ref} is with {org.name} {org.phone}"}
status_accepted: {en: "{ref} accepted by {org.name} {org.phone}"}
status_fallback: {en: "{ref} fell back to {fallback.name} {fallback.phone}"}
status_none: {en: "no referral"}
followup_yes: {en: "glad"}
followup_no: {en: "sorry, {ref} goes on from {org.name}"}
rerouted: {en: "{from} cannot; {org.name} {org.phone} has {ref}"}
rerouted_fallback: {en: "{from} cannot; call {fallback.name} {fallback.phone}, {fallback.description}"}
followup: {en: "did {org.name} call?"}
hearing_reminder: {en: "hearing {date}, call {hotline.phone}"}
hearing_reminder_today: {en: "hearing today {date}"}
hearing_offer: {en: "remind you?"}
hearing_yes: {en: "will remind"}
hearing_no: {en: "no reminder"}
hearing_moved: {en: "moved"}
`

const tinyWords = `keywords:
  stop: {en: [stop, stopall, unsubscribe, cancel, end, quit]}
  start: {en: [start, unstop]}
  help: {en: [help, info]}
  restart: {en: [restart]}
  back: {en: [back]}
  agent: {en: [agent]}
  status: {en: [status]}
stop_request:
  verbs: {en: [stop]}
  about: {en: [texting]}
resume:
  continue: {en: [continue]}
  start_over: {en: [over]}
`

const tinyFlow = `steps:
  - id: menu
    ask: {en: "Pick:\n{choices}"}
    expect: choice
    choices:
      - {value: a, text: {en: "Apples at {hotline.phone}"}}
      - {value: b, text: {en: "Bananas"}}
    next: zip
  - id: zip
    ask: {en: "ZIP?"}
    expect: zip
    next: refer
  - id: refer
    refer:
      matched: {en: "go to {where}"}
      fallback: {en: "no one; {sorry}"}
`

// tinyFS is the tiny pack with old→new replacements in files.
func tinyFS(t *testing.T, edits ...[3]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{
		"pack.yaml":       {Data: []byte(tinyPack)},
		"messages.yaml":   {Data: []byte(tinyMessages)},
		"words.yaml":      {Data: []byte(tinyWords)},
		"flows/main.yaml": {Data: []byte(tinyFlow)},
	}
	for _, e := range edits {
		f := fsys[e[0]]
		if f == nil {
			fsys[e[0]] = &fstest.MapFile{Data: []byte(e[2])}
			continue
		}
		if !strings.Contains(string(f.Data), e[1]) {
			t.Fatalf("test setup: %s has no %q", e[0], e[1])
		}
		f.Data = []byte(strings.Replace(string(f.Data), e[1], e[2], 1))
	}
	return fsys
}

// referrer sends everyone in ZIP 00001 "there".
type referrer struct{}

func (referrer) Fields() []flows.Field {
	return []flows.Field{
		{Role: "zip", Kinds: []flows.Kind{flows.KindZIP}, Required: true, About: "the ZIP code"},
		{Role: "size", Kinds: []flows.Kind{flows.KindNumber}, About: "the size", Needs: []string{"zip"}},
	}
}

func (referrer) Placeholders() (matched, fallback []string) {
	return []string{"where"}, []string{"sorry"}
}

func (referrer) Refer(req flows.Request) flows.Result {
	if req.Fields["zip"].Value == "00001" {
		return flows.Result{Matched: true, Placeholders: map[string]string{"where": "there"}, Referral: req.Fields["zip"].Value}
	}
	return flows.Result{Placeholders: map[string]string{"sorry": "sorry"}}
}

func load(t *testing.T, edits ...[3]string) (*flows.Flow, flows.Problems, error) {
	t.Helper()
	return flows.Load(tinyFS(t, edits...), flows.Options{Now: time.Now(), Referrer: referrer{}})
}

func TestTinyPack(t *testing.T) {
	flow, problems, err := load(t)
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	in := flows.Input{Channel: "sms", From: "+13125550142", Now: time.Now(), Ref: "H-1"}
	var st flows.State
	var fx flows.Effects
	for _, step := range []struct{ send, want string }{
		{"hi", "Pick:\n1 Apples at 555-0100\n2 Bananas"},
		{"help", "help: call 555-0100|Pick:\n1 Apples at 555-0100\n2 Bananas"}, // the question again after HELP
		{"2", "ZIP?"},
		{"00001", "go to there"},
	} {
		in.Text = step.send
		st, fx = flow.Step(st, in)
		if got := strings.Join(fx.Replies, "|"); got != step.want {
			t.Fatalf("%q got %q; want %q", step.send, got, step.want)
		}
	}
	if fx.Referred == nil || !fx.Referred.Result.Matched || fx.Referred.Result.Referral != "00001" || fx.Referred.Request.Fields["zip"].Value != "00001" {
		t.Errorf("the referral = %+v", fx.Referred)
	}
}

// TestLanguageChecks: what the language refuses, each at its file:line:col.
func TestLanguageChecks(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edits [][3]string
		want  string
	}{
		{"a variable named like a placeholder would hide it",
			[][3]string{{"flows/main.yaml", "    next: zip\n  - id: zip", "    next: zip\n    save: choices\n  - id: zip"}},
			`flows/main.yaml:9:11: save: "choices" is the name of a placeholder ({choices}); choose another name`},
		{"a set: named like a placeholder",
			[][3]string{{"flows/main.yaml", "      - {value: b, text: {en: \"Bananas\"}}", "      - {value: b, text: {en: \"Bananas\"}, set: {max: \"1\"}}"}},
			`flows/main.yaml:7:49: step menu: choices: set: "max" is the name of a placeholder ({max}); choose another name`},
		{"a menu line that names an answer",
			[][3]string{{"flows/main.yaml", "Bananas", "Bananas for {zip}"}},
			`flows/main.yaml:7:31: step menu: choices: text: {zip} cannot be in a menu, which is the same for everyone`},
		{"a numbered list typed by hand",
			[][3]string{{"flows/main.yaml", `"Pick:\n{choices}"`, `"Pick:\n1. Apples\n2. Bananas"`}},
			`flows/main.yaml:3:15: step menu: ask: "1" is a choice's number typed by hand`},
		{"a shared message with a number typed by hand",
			[][3]string{{"flows/main.yaml", `ask: {en: "Pick:\n{choices}"}`, `ask: pick`}, {"messages.yaml", "reask_zip:", "pick: {en: \"Reply 1 for apples\"}\nreask_zip:"}},
			`flows/main.yaml:3:10: step menu: ask: the shared message "pick" has "1", a choice's number typed by hand`},
		{"a keyword that is a number",
			[][3]string{{"words.yaml", "help: {en: [help, info]}", "help: {en: [help, info, \"1\"]}"}},
			`words.yaml:4:27: keywords: help: "1" is a number`},
		{"a fallback text with the organization's placeholder",
			[][3]string{{"flows/main.yaml", "no one; {sorry}", "no one; {where}"}},
			`flows/main.yaml:16:22: step refer: refer: fallback: unknown placeholder {where}`},
		{"a field mapped without the one it needs",
			[][3]string{{"pack.yaml", "  zip: zip\n", "  size: zip\n"}},
			`pack.yaml:6:9: referral: size: needs zip too`},
		{"an empty placeholder",
			[][3]string{{"flows/main.yaml", `"ZIP?"`, `"ZIP {}?"`}},
			`flows/main.yaml:10:15: step zip: ask: a { is never closed, or a {} names nothing`},
		{"two choices with one value",
			[][3]string{{"flows/main.yaml", "{value: b,", "{value: a,"}},
			`flows/main.yaml:7:17: step menu: choices: value: "a" is already choice 1's`},
	} {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.want, tt.edits...) })
	}
}

// TestManyWarnings: warnings, however many, do not fail a pack.
func TestManyWarnings(t *testing.T) {
	long := strings.Repeat("a long text. ", 60)
	var b strings.Builder
	b.WriteString(tinyMessages)
	for i := 0; i < 250; i++ {
		b.WriteString("extra" + strings.Repeat("x", i%26) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": {en: \"" + long + "\"}\n")
	}
	fsys := tinyFS(t)
	fsys["messages.yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	_, problems, err := flows.Load(fsys, flows.Options{Now: time.Now(), Referrer: referrer{}})
	if err != nil || len(problems) < 200 {
		t.Errorf("250 warnings: err %v, %d problems; want the pack loaded with its warnings", err, len(problems))
	}
}

// wantProblem loads the tiny pack with edits and fails the test unless
// loading fails with a problem that starts with want.
func wantProblem(t *testing.T, want string, edits ...[3]string) {
	t.Helper()
	_, problems, err := load(t, edits...)
	if err == nil {
		t.Fatalf("Load succeeded; want %q", want)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Error(), want) {
			return
		}
	}
	t.Errorf("no problem starts with\n  %s\ngot:\n%v", want, problems)
}
