package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
)

// webEdits give the tiny pack web wordings: a shared message, the hours (a
// placeholder frozen at load), a menu line, a question and a referral text.
var webEdits = [][3]string{
	{"pack.yaml", `hours: {en: "9-5"}`, `hours: {en: "9-5", web: {en: "9-5 online"}}`},
	{"messages.yaml", `stopped: {en: "stopped"}`, `stopped: {en: "stopped, text START", web: {en: "chat ended"}}`},
	{"messages.yaml", `help: {en: "help: call {hotline.phone}"}`, `help: {en: "help: call {hotline.phone}", web: {en: "help: {hotline.hours}"}}`},
	{"messages.yaml", `technical_problem: {en: "problem"}`, `technical_problem: {en: "problem, text again", web: {en: "problem, try again"}}`},
	{"flows/main.yaml", `{value: b, text: {en: "Bananas"}}`, `{value: b, text: {en: "Bananas", web: {en: "Web bananas"}}}`},
	{"flows/main.yaml", `ask: {en: "ZIP?"}`, "ask:\n      en: \"ZIP?\"\n      web:\n        en: \"Web ZIP?\""},
	{"flows/main.yaml", `matched: {en: "go to {where}"}`, `matched: {en: "go to {where}", web: {en: "web: go to {where}"}}`},
}

// TestWebVariants: on the web each text with a web: wording says it, the
// placeholders frozen at load ({hotline.hours}, {choices}) included; on any
// other channel the main wording.
func TestWebVariants(t *testing.T) {
	flow, problems, err := load(t, webEdits...)
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	for _, tt := range []struct {
		channel string
		want    []string // the replies to hi, help, 2, 00001, stop
	}{
		{"sms", []string{"Pick:\n1 Apples at 555-0100\n2 Bananas", "help: call 555-0100|Pick:\n1 Apples at 555-0100\n2 Bananas", "ZIP?", "go to there", "stopped, text START"}},
		{"terminal", []string{"Pick:\n1 Apples at 555-0100\n2 Bananas", "help: call 555-0100|Pick:\n1 Apples at 555-0100\n2 Bananas", "ZIP?", "go to there", "stopped, text START"}},
		{"web", []string{"Pick:\n1 Apples at 555-0100\n2 Web bananas", "help: 9-5 online|Pick:\n1 Apples at 555-0100\n2 Web bananas", "Web ZIP?", "web: go to there", "chat ended"}},
	} {
		in := flows.Input{Channel: tt.channel, Now: time.Now(), Ref: "H-1"}
		var st flows.State
		for i, send := range []string{"hi", "help", "2", "00001", "stop"} {
			in.Text = send
			var fx flows.Effects
			st, fx = flow.Step(st, in)
			if got := strings.Join(fx.Replies, "|"); got != tt.want[i] {
				t.Errorf("%s: %q got %q; want %q", tt.channel, send, got, tt.want[i])
			}
		}
	}
	if got := flow.TechnicalProblem("web"); got != "problem, try again" {
		t.Errorf(`TechnicalProblem("web") = %q; want the web wording`, got)
	}
	if got := flow.TechnicalProblem("sms"); got != "problem, text again" {
		t.Errorf(`TechnicalProblem("sms") = %q; want the main wording`, got)
	}
}

// TestVariantChecks: a web: wording is checked as the main one is, and, with
// words.yaml's texting:, a text that speaks of texting needs one.
func TestVariantChecks(t *testing.T) {
	texting := [3]string{"words.yaml", "resume:", "texting:\n  en: [text, msg, data rates]\nresume:"}
	for _, tt := range []struct {
		name  string
		edits [][3]string
		want  string
	}{
		{"a web wording without a language of the pack",
			[][3]string{{"messages.yaml", `stopped: {en: "stopped"}`, "stopped:\n  en: stopped\n  web:\n    es: parado"}},
			`messages.yaml:4:9: stopped: web: "es" is not one of the pack's languages (en)`},
		{"a web wording missing a language",
			[][3]string{{"messages.yaml", `stopped: {en: "stopped"}`, "stopped:\n  en: stopped\n  web:\n    es: parado"}},
			`messages.yaml:4:5: stopped: web: missing the "en" text`},
		{"a web wording with an unknown placeholder",
			[][3]string{{"flows/main.yaml", `ask: {en: "ZIP?"}`, `ask: {en: "ZIP?", web: {en: "ZIP, {nmae}?"}}`}},
			`flows/main.yaml:10:33: step zip: ask: web: unknown placeholder {nmae}`},
		{"a web wording that is a shared message's name",
			[][3]string{{"flows/main.yaml", `ask: {en: "ZIP?"}`, `ask: {en: "ZIP?", web: stopped}`}},
			`flows/main.yaml:10:28: web: expected a mapping`},
		{"a language named like a channel",
			[][3]string{{"pack.yaml", "languages: [en]", "languages: [en, web]"}},
			`pack.yaml:2:17: languages: "web" is the name of a channel`},
		{"a shared message that speaks of texting",
			[][3]string{texting, {"messages.yaml", `stopped: {en: "stopped"}`, "stopped:\n  en: \"Stopped. Text START to come back.\""}},
			`messages.yaml:2:3: message "stopped" mentions texting ("text"); add a web: variant with the words for the web chat`},
		{"a step's question that speaks of texting",
			[][3]string{texting, {"flows/main.yaml", `ask: {en: "ZIP?"}`, `ask: {en: "ZIP? Msg & data rates may apply."}`}},
			`flows/main.yaml:10:10: step zip: ask mentions texting ("msg"); add a web: variant`},
	} {
		t.Run(tt.name, func(t *testing.T) { wantProblem(t, tt.want, tt.edits...) })
	}
	// With a web: wording, the same text loads; without texting:, so does
	// one without (a pack that does not list the words is not checked).
	for _, edits := range [][][3]string{
		{texting, {"messages.yaml", `stopped: {en: "stopped"}`, `stopped: {en: "Stopped. Text START to come back.", web: {en: "Chat ended."}}`}},
		{{"messages.yaml", `stopped: {en: "stopped"}`, `stopped: {en: "Stopped. Text START to come back."}`}},
	} {
		if _, problems, err := load(t, edits...); err != nil {
			t.Errorf("%v: %v", edits, problems)
		}
	}
}

// toReferrer is the tests' referrer naming whom the referral goes to, which
// a STOP says it will still be sent to.
type toReferrer struct{ referrer }

func (r toReferrer) Refer(req flows.Request) flows.Result {
	res := r.referrer.Refer(req)
	res.To = "there"
	return res
}

// TestAnswerAfterStop: with AnswerAfterStop (the web chat), a message after
// STOP starts anew instead of the silence; a STOP while the referral waits
// keeps its reference, so that a second STOP still says it will be sent.
// Without it, the silence and no reference kept.
func TestAnswerAfterStop(t *testing.T) {
	flow, problems, err := flows.Load(tinyFS(t), flows.Options{Now: time.Now(), Referrer: toReferrer{}})
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	step := func(st flows.State, in flows.Input, send string) (flows.State, string) {
		in.Text = send
		st, fx := flow.Step(st, in)
		return st, strings.Join(fx.Replies, "|")
	}
	for _, web := range []bool{true, false} {
		in := flows.Input{Channel: "sms", Now: time.Now(), Ref: "H-1", AnswerAfterStop: web}
		var st flows.State
		for _, send := range []string{"hi", "1", "00001"} {
			st, _ = step(st, in, send)
		}
		queued := in
		queued.ReferralQueued = true
		st, got := step(st, queued, "stop")
		if got != "stopped H-1 still goes to there" {
			t.Fatalf("web %v: STOP while the referral waits got %q", web, got)
		}
		if ref, _ := st.Referral(); (ref == "H-1") != web {
			t.Errorf("web %v: after STOP the state's referral is %q", web, ref)
		}
		in.Ref = "H-2"
		st, got = step(st, in, "hello")
		if web && !strings.HasPrefix(got, "Pick:") || !web && got != "" {
			t.Errorf("web %v: hello after STOP got %q", web, got)
		}
		if !web {
			continue
		}
		if st.Flags&flows.OptedOut != 0 {
			t.Errorf("after STOP and hello the conversation is still opted out: %+v", st)
		}
		// The outbox still holds the referral: the caller says so again.
		queued.Ref = "H-3"
		if st, got = step(st, queued, "stop"); got != "stopped H-1 still goes to there" {
			t.Errorf("a second STOP while the referral waits got %q", got)
		}
		if st, got = step(st, in, "stop"); got != "stopped" {
			t.Errorf("STOP, now that the referral was sent, got %q", got)
		}
		if ref, _ := st.Referral(); ref != "" {
			t.Errorf("a STOP after the referral was sent kept its reference %q", ref)
		}
	}
}
