package flows_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/answer"
)

// loopEdits make the tiny pack repeat its referrals (after_referral...),
// make choice b private, and hear a phone watched.
var loopEdits = [][3]string{
	{"pack.yaml", "referral:\n", "private: secret == yes\nreferral:\n"},
	{"flows/main.yaml", `{value: b, text: {en: "Bananas"}}`, `{value: b, text: {en: "Bananas"}, set: {secret: "yes"}}`},
	{"messages.yaml", "reask_zip:", `after_referral: {en: "again: {org} {org.phone} ({org.hours}) {ref}"}
after_fallback: {en: "fallback again: {org} {org.phone}"}
after_referral_private: {en: "call the hotline"}
reask_zip:`},
	{"words.yaml", "stop_request:", "phone_watched: {en: [checks my phone]}\nstop_request:"},
}

// contactsReferrer is the tests' referrer that names whom a referral goes
// to ("there"; the fallback is "nobody") and knows their phones and hours.
type contactsReferrer struct{ referrer }

func (r contactsReferrer) Refer(req flows.Request) flows.Result {
	res := r.referrer.Refer(req)
	res.To = "nobody"
	if res.Matched {
		res.To = "there"
	}
	return res
}

func (contactsReferrer) Contact(to string) (phone, hours string, ok bool) {
	switch to {
	case "there":
		return "555-0001", "9-5", true
	case "elsewhere":
		return "555-0002", "10-6", true
	case "nobody":
		return "555-0009", "", true
	}
	return "", "", false
}

// loopFlow is the tiny pack with loopEdits and contactsReferrer.
func loopFlow(t *testing.T) *flows.Flow {
	t.Helper()
	flow, problems, err := flows.Load(tinyFS(t, loopEdits...), flows.Options{Now: time.Now(), Referrer: contactsReferrer{}})
	if err != nil {
		t.Fatalf("Load: %v", problems)
	}
	return flow
}

// play sends each message in turn on channel, the referral's reference
// being H-7F3K9, and returns the state.
func play(t *testing.T, flow *flows.Flow, channel string, sends ...string) flows.State {
	t.Helper()
	var st flows.State
	for _, send := range sends {
		st, _ = flow.Step(st, flows.Input{Text: send, Channel: channel, Now: time.Now(), Ref: "H-7F3K9"})
	}
	return st
}

// The conversations the loop's tests start from.
var (
	referred        = []string{"hi", "1", "00001"}            // a referral to "there", H-7F3K9
	referredPrivate = []string{"hi", "2", "00001"}            // the same, private
	fellBack        = []string{"hi", "1", "00002"}            // the fallback, no referral
	rescreening     = []string{"hi", "1", "00001", "restart"} // a new screening after a referral
	rescreenPrivate = []string{"hi", "1", "00001", "restart", "2"}
)

// TestAsksStanding: whose standing each message needs, and none for an
// ordinary message.
func TestAsksStanding(t *testing.T) {
	flow := loopFlow(t)
	for _, tt := range []struct {
		name    string
		before  []string
		channel string
		send    string
		stopped bool // the state is opted out, and the channel answers after STOP
		ref     string
		typed   bool
	}{
		{name: "an ordinary message", send: "hi"},
		{name: "an answer mid-screening", before: []string{"hi"}, send: "1"},
		{name: "STATUS without a referral", before: []string{"hi"}, send: "status"},
		{name: "any message after a referral", before: referred, send: "hello", ref: "H-7F3K9"},
		{name: "a YES after a referral", before: referred, send: "yes", ref: "H-7F3K9"},
		{name: "STATUS after a referral", before: referred, send: " Status ", ref: "H-7F3K9"},
		{name: "after a private referral", before: referredPrivate, send: "hello"},
		{name: "STATUS after a private referral", before: referredPrivate, send: "status"},
		{name: "after the fallback", before: fellBack, send: "hello"},
		{name: "STATUS in a new screening after a referral", before: rescreening, send: "STATUS", ref: "H-7F3K9"},
		{name: "an answer in a new screening after a referral", before: rescreening, send: "1"},
		{name: "STATUS in a private new screening after a referral", before: rescreenPrivate, send: "status", ref: "H-7F3K9"},
		{name: "after the phone was said to be watched", before: append(referred[:3:3], "he checks my phone"), send: "status"},
		{name: "after STOP", before: append(referred[:3:3], "stop"), send: "status"},
		{name: "a reference typed on the web chat", channel: "web", send: " h-7f3k9. ", ref: "H-7F3K9", typed: true},
		{name: "a reference typed mid-screening on the web chat", channel: "web", before: []string{"hi"}, send: "H-7F3K9", ref: "H-7F3K9", typed: true},
		{name: "a reference typed by text message", send: "H-7F3K9"},
		{name: "a reference with a character it never has", channel: "web", send: "H-7F3K0"},
		{name: "a reference too long", channel: "web", send: "H-7F3K99"},
		{name: "a reference in a sentence", channel: "web", send: "my ref H-7F3K9"},
		{name: "a reference typed after a referral of its own", channel: "web", before: referred, send: "H-7F3K3", ref: "H-7F3K9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			channel := tt.channel
			if channel == "" {
				channel = "sms"
			}
			st := play(t, flow, channel, tt.before...)
			ref, typed := flow.AsksStanding(st, flows.Input{Text: tt.send, Channel: channel, Now: time.Now()})
			if ref != tt.ref || typed != tt.typed {
				t.Errorf("AsksStanding(%q) = %q, %v; want %q, %v", tt.send, ref, typed, tt.ref, tt.typed)
			}
		})
	}
	// STOP on the web chat keeps a referral still being sent, and the next
	// message is answered anew: STATUS then asks about it.
	st := play(t, flow, "web", referred...)
	st, _ = flow.Step(st, flows.Input{Text: "stop", Channel: "web", Now: time.Now(), ReferralQueued: true, AnswerAfterStop: true})
	for _, tt := range []struct {
		after bool
		want  string
	}{{true, "H-7F3K9"}, {false, ""}} {
		if ref, _ := flow.AsksStanding(st, flows.Input{Text: "status", Channel: "web", AnswerAfterStop: tt.after}); ref != tt.want {
			t.Errorf("STATUS after STOP (answered after stop: %v) asks about %q; want %q", tt.after, ref, tt.want)
		}
	}
}

// TestAsksStandingAllocates: for an ordinary message, and any after a
// referral, AsksStanding allocates nothing: it runs for every message.
func TestAsksStandingAllocates(t *testing.T) {
	flow := loopFlow(t)
	for _, tt := range []struct {
		name string
		st   flows.State
		in   flows.Input
	}{
		{"an answer", play(t, flow, "sms", "hi"), flows.Input{Text: "Bananas", Channel: "sms"}},
		{"after a referral", play(t, flow, "sms", referred...), flows.Input{Text: "YES", Channel: "sms"}},
		{"an answer on the web chat", play(t, flow, "web", "hi"), flows.Input{Text: "Bananas", Channel: "web"}},
		{"a reference typed on the web chat", flows.State{}, flows.Input{Text: "H-7F3K9", Channel: "web"}},
	} {
		if n := testing.AllocsPerRun(100, func() { flow.AsksStanding(tt.st, tt.in) }); n != 0 {
			t.Errorf("%s: AsksStanding allocates %v times", tt.name, n)
		}
	}
}

// standing is a referral's standing as the caller reads it.
func standing(status, to, phone string) *flows.Standing {
	return &flows.Standing{Ref: "H-7F3K9", Status: status, To: to, Phone: phone}
}

// TestStatus: STATUS says where the referral stands, by its standing; a
// private one not at all; and it never moves the conversation.
func TestStatus(t *testing.T) {
	flow := loopFlow(t)
	for _, tt := range []struct {
		name     string
		before   []string
		send     string
		standing *flows.Standing
		want     string
	}{
		{"waiting for the organization", referred, "status", standing("sent", "there", "555-0001"), "H-7F3K9 is with there 555-0001"},
		{"accepted", referred, "STATUS", standing("accepted", "there", "555-0001"), "H-7F3K9 accepted by there 555-0001"},
		{"re-routed", referred, "status", standing("sent", "elsewhere", "555-0002"), "H-7F3K9 is with elsewhere 555-0002"},
		{"fell back", referred, "status", standing("fallback", "nobody", "555-0009"), "H-7F3K9 fell back to nobody 555-0009"},
		{"a status this version does not know", referred, "status", standing("mislaid", "there", "555-0001"), "H-7F3K9 is with there 555-0001"},
		{"its record expired", referred, "status", nil, "no referral"},
		{"another referral's standing", referred, "status", &flows.Standing{Ref: "H-3333", Status: "sent", To: "elsewhere"}, "no referral"},
		{"no referral", nil, "status", nil, "no referral"},
		{"a private referral", referredPrivate, "status", standing("sent", "there", "555-0001"), "call the hotline"},
		{"in a new screening", rescreening, "status", standing("accepted", "there", "555-0001"),
			"H-7F3K9 accepted by there 555-0001|Pick:\n1 Apples at 555-0100\n2 Bananas"},
		{"in a private new screening", rescreenPrivate, "status", standing("accepted", "there", "555-0001"), "call the hotline|ZIP?"},
		{"mid-screening without a referral", []string{"hi", "1"}, "status", nil, "no referral|ZIP?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := play(t, flow, "sms", tt.before...)
			next, fx := flow.Step(st, flows.Input{Text: tt.send, Channel: "sms", Now: time.Now(), Ref: "H-4444", Standing: tt.standing})
			if got := strings.Join(fx.Replies, "|"); got != tt.want {
				t.Errorf("%s got %q; want %q", tt.send, got, tt.want)
			}
			if next.Step != st.Step || next.Flags != st.Flags || fx.FollowUpAnswer != "" || fx.Ended || fx.Referred != nil {
				t.Errorf("STATUS moved the conversation: %+v → %+v, %+v", st, next, fx)
			}
		})
	}
}

// TestFollowUpAnswer: after a referral, a clear YES or NO to the follow-up
// text is its answer (Effects.FollowUpAnswer); anything else, or a YES when
// no follow-up waits, is any message after a referral.
func TestFollowUpAnswer(t *testing.T) {
	flow := loopFlow(t)
	waiting := standing("sent", "there", "555-0001")
	waiting.AwaitingFollowUp = true
	for _, tt := range []struct {
		name     string
		before   []string
		send     string
		standing *flows.Standing
		answer   string
		want     string
	}{
		{"yes", referred, "yes", waiting, "yes", "glad"},
		{"YES in capitals", referred, " YES ", waiting, "yes", "glad"},
		{"si", referred, "sí", waiting, "yes", "glad"},
		{"no", referred, "no", waiting, "no", "sorry, H-7F3K9 goes on from there"},
		{"nope", referred, "nope", waiting, "no", "sorry, H-7F3K9 goes on from there"},
		{"something else", referred, "who is this", waiting, "", "again: there 555-0001 (9-5) H-7F3K9"},
		{"no follow-up waiting", referred, "yes", standing("sent", "there", "555-0001"), "", "again: there 555-0001 (9-5) H-7F3K9"},
		{"no standing", referred, "yes", nil, "", "again: there 555-0001 (9-5) H-7F3K9"},
		{"a private referral", referredPrivate, "yes", waiting, "", "call the hotline"},
		{"mid-screening", rescreening, "1", waiting, "", "ZIP?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := play(t, flow, "sms", tt.before...)
			next, fx := flow.Step(st, flows.Input{Text: tt.send, Channel: "sms", Now: time.Now(), Standing: tt.standing})
			if fx.FollowUpAnswer != tt.answer {
				t.Errorf("%q: FollowUpAnswer = %q; want %q", tt.send, fx.FollowUpAnswer, tt.answer)
			}
			if got := strings.Join(fx.Replies, "|"); got != tt.want {
				t.Errorf("%q got %q; want %q", tt.send, got, tt.want)
			}
			if tt.answer != "" && (next.Flags != st.Flags || len(next.Answers) != len(st.Answers)) {
				t.Errorf("the answer changed the conversation: %+v → %+v", st, next)
			}
		})
	}
}

// TestRepeatStanding: the repeat after a referral names whom it is with
// now.
func TestRepeatStanding(t *testing.T) {
	flow := loopFlow(t)
	for _, tt := range []struct {
		name     string
		before   []string
		standing *flows.Standing
		want     string
	}{
		{"as made", referred, standing("sent", "there", "555-0001"), "again: there 555-0001 (9-5) H-7F3K9"},
		{"re-routed", referred, standing("sent", "elsewhere", "555-0002"), "again: elsewhere 555-0002 (10-6) H-7F3K9"},
		{"re-routed and accepted", referred, standing("accepted", "elsewhere", ""), "again: elsewhere 555-0002 (10-6) H-7F3K9"},
		{"to an organization the pack no longer has", referred, standing("sent", "gone", "555-0003"), "H-7F3K9 is with gone 555-0003"},
		{"fell back", referred, standing("fallback", "nobody", "555-0009"), "fallback again: nobody 555-0009"},
		{"no standing", referred, nil, "again: there 555-0001 (9-5) H-7F3K9"},
		{"a private referral", referredPrivate, standing("sent", "elsewhere", "555-0002"), "call the hotline"},
		{"the fallback", fellBack, nil, "fallback again: nobody 555-0009"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := play(t, flow, "sms", tt.before...)
			_, fx := flow.Step(st, flows.Input{Text: "what was the number", Channel: "sms", Now: time.Now(), Standing: tt.standing})
			if got := strings.Join(fx.Replies, "|"); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestTypedReference: a reference typed on the web chat, in a conversation
// without a referral, is answered with where it stands; no screening
// starts, and a question waiting is asked again.
func TestTypedReference(t *testing.T) {
	flow := loopFlow(t)
	in := flows.Input{Text: "h-7f3k9", Channel: "web", Now: time.Now(), Standing: &flows.Standing{Ref: "H-7F3K9", Status: "accepted", To: "there", Phone: "555-0001"}}
	next, fx := flow.Step(flows.State{}, in)
	if got := strings.Join(fx.Replies, "|"); got != "H-7F3K9 accepted by there 555-0001" {
		t.Errorf("a typed reference got %q", got)
	}
	if next.Step != "" || next.Flags != 0 || len(next.Answers) != 0 {
		t.Errorf("a typed reference started a screening: %+v", next)
	}
	if _, fx = flow.Step(next, flows.Input{Text: "hi", Channel: "web", Now: time.Now()}); !strings.HasPrefix(strings.Join(fx.Replies, "|"), "Pick:") {
		t.Errorf("hi after a typed reference got %q; want the first question", fx.Replies)
	}
	in.Standing = nil // unknown, expired, or private
	if _, fx = flow.Step(flows.State{}, in); strings.Join(fx.Replies, "|") != "no referral" {
		t.Errorf("an unknown reference got %q", fx.Replies)
	}
	st := play(t, flow, "web", "hi", "1")
	in.Standing = standing("sent", "there", "555-0001")
	if _, fx = flow.Step(st, in); strings.Join(fx.Replies, "|") != "H-7F3K9 is with there 555-0001|ZIP?" {
		t.Errorf("a reference typed mid-screening got %q", fx.Replies)
	}
	in.Channel = "sms" // by text message, it is an answer like any other
	if _, fx = flow.Step(st, in); strings.Join(fx.Replies, "|") != "a ZIP please" {
		t.Errorf("a reference texted mid-screening got %q", fx.Replies)
	}
}

// TestSayIn: the texts the service sends by itself, in a language and a
// channel's wording.
func TestSayIn(t *testing.T) {
	flow := loopFlow(t)
	extra := map[string]string{"from": "there", "org.name": "elsewhere", "org.phone": "555-0002", "ref": "H-7F3K9",
		"fallback.name": "nobody", "fallback.phone": "555-0009", "fallback.description": "lawyers", "date": "Mon Dec 7"}
	for _, tt := range []struct{ name, lang, want string }{
		{flows.MsgRerouted, "en", "there cannot; elsewhere 555-0002 has H-7F3K9"},
		{flows.MsgReroutedFallback, "en", "there cannot; call nobody 555-0009, lawyers"},
		{flows.MsgFollowUp, "en", "did elsewhere call?"},
		{flows.MsgHearingReminder, "fr", "hearing Mon Dec 7, call 555-0100"}, // a language the pack lacks: its first
		{"no_such_message", "en", ""},
	} {
		if got := flow.SayIn(tt.name, tt.lang, "sms", extra); got != tt.want {
			t.Errorf("SayIn(%q, %q) = %q; want %q", tt.name, tt.lang, got, tt.want)
		}
	}
}

// TestLoopContract: the engine reads the service's references and the
// loop's statuses as the service writes them.
func TestLoopContract(t *testing.T) {
	flow := loopFlow(t)
	for c := byte('0'); c <= 'z'; c++ {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			continue
		}
		text := "H-" + string(c) + "3333"
		ref, _ := flow.AsksStanding(flows.State{}, flows.Input{Text: text, Channel: "web"})
		upper := strings.ToUpper(string(c))
		if want := strings.Contains(bot.ReferenceAlphabet, upper); (ref != "") != want || want && ref != "H-"+upper+"3333" {
			t.Errorf("AsksStanding(%q) = %q; in bot.ReferenceAlphabet: %v", text, ref, want)
		}
	}
	for i := range 50 {
		ref, err := bot.NewReference(strings.NewReader(strings.Repeat(string(rune('a'+i%26)), 64)+strings.Repeat("\x07\xf0", 64)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, typed := flow.AsksStanding(flows.State{}, flows.Input{Text: strings.ToLower(ref), Channel: "web"}); got != ref || !typed {
			t.Errorf("the reference %s typed is read as %q, %v", ref, got, typed)
		}
	}
	st := play(t, flow, "sms", referred...)
	for status, want := range map[string]string{
		hotline.LoopSent:     "H-7F3K9 is with there",
		hotline.LoopAccepted: "H-7F3K9 accepted by there",
		hotline.LoopFallback: "H-7F3K9 fell back to there",
	} {
		_, fx := flow.Step(st, flows.Input{Text: "status", Channel: "sms", Standing: standing(status, "there", "")})
		if got := strings.Join(fx.Replies, "|"); !strings.HasPrefix(got, want) {
			t.Errorf("STATUS with the loop's status %q got %q; want %q", status, got, want)
		}
	}
}

// TestUpgradeLoop: a pack written before the referral loop (no STATUS, none
// of its messages) loads with the sample's, each with a warning; without a
// sample, or one that lacks the pack's language, it does not.
func TestUpgradeLoop(t *testing.T) {
	old := tinyFS(t, [3]string{"messages.yaml", tinyLoopMessages, ""}, [3]string{"words.yaml", "  status: {en: [status]}\n", ""})
	sample := tinyFS(t, [3]string{"words.yaml", "status: {en: [status]}", "status: {en: [status, where]}"})
	flow, problems, err := flows.Load(old, flows.Options{Now: time.Now(), Referrer: referrer{}, Sample: sample})
	if err != nil {
		t.Fatalf("a pack of before the loop does not load with the sample: %v", problems)
	}
	warnings := problems.Warnings().Error()
	for _, want := range []string{
		`words.yaml:1:1: warning: keywords: status: missing, which this version of Hotline added (STATUS says where the person's referral stands now); the sample pack's words are used for now (en: status, where): add them (the sample's words.yaml has them)`,
		`messages.yaml: warning: missing the shared message "status_sent", STATUS's answer while the organization has not answered yet (it may use {ref}, {org.name}, {org.phone}, {org.hours}), which this version of Hotline added: the sample pack's text is used for now; add it in every language (the sample's messages.yaml has it)`,
		`messages.yaml: warning: missing the shared message "hearing_reminder"`,
	} {
		if !strings.Contains(warnings, want) {
			t.Errorf("no warning %s; got:\n%s", want, warnings)
		}
	}
	if n := len(problems.Warnings()); n != 16 {
		t.Errorf("%d warnings; want 16, one for STATUS and one for each message:\n%s", n, warnings)
	}
	_, fx := flow.Step(play(t, flow, "sms", "hi"), flows.Input{Text: "where", Channel: "sms", Now: time.Now()})
	if got := strings.Join(fx.Replies, "|"); got != "no referral|Pick:\n1 Apples at 555-0100\n2 Bananas" {
		t.Errorf("STATUS in the sample's words got %q", got)
	}
	if got := flow.SayIn(flows.MsgFollowUp, "en", "sms", map[string]string{"org.name": "there"}); got != "did there call?" {
		t.Errorf("the sample's follow-up = %q", got)
	}

	for _, tt := range []struct {
		name   string
		sample fstest.MapFS
	}{
		{"without a sample", nil},
		{"with a sample in another language", tinyFS(t,
			[3]string{"pack.yaml", "[en]", "[es]"},
			[3]string{"messages.yaml", tinyLoopMessages, strings.ReplaceAll(tinyLoopMessages, "{en:", "{es:")},
			[3]string{"words.yaml", "status: {en: [status]}", "status: {es: [estado]}"})},
	} {
		o := flows.Options{Now: time.Now(), Referrer: referrer{}}
		if tt.sample != nil {
			o.Sample = tt.sample
		}
		_, problems, err := flows.Load(old, o)
		errs := problems.Errors().Error()
		if err == nil || !strings.Contains(errs, `words.yaml:1:1: keywords: status: missing; list the words that mean STATUS in each language`) ||
			!strings.Contains(errs, `messages.yaml: missing the shared message "status_none", STATUS's answer when there is no referral to tell of; give it in every language`) {
			t.Errorf("%s: %v\n%v", tt.name, err, problems)
		}
	}
}

// TestJustADate: a new court date sent on its own moves a hearing; a time,
// a span or a sentence does not.
func TestJustADate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"12/15", true}, {"dec 15", true}, {"15 de diciembre", true}, {"15 de diciembre de 2026", true},
		{"el 15 de diciembre de 2026", true}, {"12-15", true},
		{"i have work on friday", false}, {"see you tomorrow", false}, {"dec 15 at 9 am", false},
		{"a las 10.30", false}, {"9.30am", false}, {"3-4 weeks", false}, {"9:30", false},
	} {
		if got := flows.JustADate(answer.Normalize(c.in)); got != c.want {
			t.Errorf("JustADate(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
