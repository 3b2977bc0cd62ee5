package pack_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

func loadSample(t testing.TB) *pack.Pack {
	t.Helper()
	sample, _, err := pack.Load(defaultpack.FS, today)
	if err != nil {
		t.Fatalf("Load(sample): %v", err)
	}
	return sample
}

// TestSampleTranscripts runs the sample pack's own transcript tests, as
// `hotline test` does, one subtest each.
func TestSampleTranscripts(t *testing.T) {
	sample := loadSample(t)
	tests, problems := pack.LoadTests(defaultpack.FS)
	if len(problems) > 0 {
		t.Fatalf("LoadTests: %v", problems)
	}
	if len(tests) < 20 {
		t.Errorf("the sample pack has %d transcripts; it should have at least 20", len(tests))
	}
	for _, tr := range tests {
		t.Run(tr.Name, func(t *testing.T) {
			for _, f := range sample.Run(tr) {
				t.Errorf("%s: %s", tr.Pos, f)
			}
		})
	}
}

// englishScript is the English screening; the court date is 5 days after today.
var englishScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

func converse(sample *pack.Pack, texts []string, from string) (flows.State, []pack.Effects) {
	var st flows.State
	var all []pack.Effects
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	for i, text := range texts {
		var fx pack.Effects
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: from, Now: now.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
		all = append(all, fx)
	}
	return st, all
}

func TestEnglishScreeningReferral(t *testing.T) {
	sample := loadSample(t)
	st, fxs := converse(sample, englishScript, "+13125550142")
	last := fxs[len(fxs)-1]
	r := last.Referral
	if r == nil {
		t.Fatalf("no referral; last replies %q", last.Replies)
	}
	want := hotline.Referral{
		Ref: "H-7F3K9", OrgID: "tenant-clinic", OrgName: "Tenant Rights Clinic", OrgEmail: "intake.tenants@example.org",
		OrgPhone: "(312) 555-0111", ProgramID: "eviction-defense", Urgent: true, CaseType: "housing", CaseLabel: "Housing (eviction)",
		CaseCode: "63", Name: "Maria", Callback: "+13125550142", Language: "en", Opponent: "Acme Properties", ZIP: "60612",
		Household: 3, MonthlyIncomeCents: 200000, IncomeLimit: 200, GuidelineYear: 2026,
	}
	got := hotline.Referral{
		Ref: r.Ref, OrgID: r.OrgID, OrgName: r.OrgName, OrgEmail: r.OrgEmail, OrgPhone: r.OrgPhone, ProgramID: r.ProgramID,
		Urgent: r.Urgent, CaseType: r.CaseType, CaseLabel: r.CaseLabel, CaseCode: r.CaseCode, Name: r.Name, Callback: r.Callback,
		Language: r.Language, Opponent: r.Opponent, ZIP: r.ZIP, Household: r.Household, MonthlyIncomeCents: r.MonthlyIncomeCents,
		IncomeLimit: r.IncomeLimit, GuidelineYear: r.GuidelineYear,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("referral =\n%+v\nwant\n%+v", got, want)
	}
	if reasons := strings.Join(r.UrgentReasons, ";"); reasons != "court hearing within 14 days" {
		t.Errorf("urgent reasons = %q", reasons)
	}
	// 24,000 a year against 27,320 for three people.
	if r.PovertyPercent < 87.84 || r.PovertyPercent > 87.85 {
		t.Errorf("PovertyPercent = %v, want 87.85", r.PovertyPercent)
	}
	if len(r.Answers) != 14 || r.Answers[7].Question != "Opposing party" || r.Answers[7].Value != "Acme Properties" || r.Answers[7].Kind != "text" {
		t.Errorf("answers = %+v", r.Answers)
	}
	if reply := last.Replies[0]; !strings.Contains(reply, "(312) 555-0111") || !strings.Contains(reply, "H-7F3K9") {
		t.Errorf("referral text = %q", reply)
	}
	if st.Flags&flows.Ended == 0 || len(st.History) != 0 {
		t.Errorf("after the referral the state should be ended and empty, got %+v", st)
	}
	if _, kept := st.Get("name"); kept {
		t.Errorf("the person's name outlived the conversation: %+v", st.Answers)
	}
}

func TestStepDoesNotChangeItsInput(t *testing.T) {
	sample := loadSample(t)
	st, _ := converse(sample, englishScript[:9], "+13125550142")
	before := fmt.Sprintf("%#v", st)
	sample.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	sample.Step(st, flows.Input{Text: "back", Channel: "sms", Now: today})
	if after := fmt.Sprintf("%#v", st); before != after {
		t.Errorf("Step changed the state it was given:\n%s\nwas\n%s", after, before)
	}
	// Same input, same output: nothing hidden feeds the engine.
	a, fa := sample.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	b, fb := sample.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(fa, fb) {
		t.Errorf("Step is not deterministic")
	}
}

// TestStepGoneAfterReload: a conversation at a step the new sample no longer has
// restarts with an apology; one whose step still exists goes on.
func TestStepGoneAfterReload(t *testing.T) {
	old := loadSample(t)
	st, _ := converse(old, englishScript[:5], "+13125550142") // waiting at "problem"
	fsys := samplePackWith(t, edit{"flows/screening.yaml", "  - id: problem\n", "  - id: legal_problem\n"},
		edit{"flows/screening.yaml", "      - goto: problem\n", "      - goto: legal_problem\n"})
	changed, _, err := pack.Load(fsys, today)
	if err != nil {
		t.Fatal(err)
	}
	_, fx := changed.Step(st, flows.Input{Text: "1", Channel: "sms", Now: today})
	if got := strings.Join(fx.Replies, "\n"); !strings.Contains(got, "questions changed") || !strings.Contains(got, "Reply 1 for English") {
		t.Errorf("after the step vanished: %q", got)
	}
	same, _, _ := pack.Load(defaultpack.FS, today)
	_, fx = same.Step(st, flows.Input{Text: "1", Channel: "sms", Now: today})
	if got := strings.Join(fx.Replies, "\n"); !strings.Contains(got, "court papers") {
		t.Errorf("after a reload that kept the step: %q", got)
	}
}

func TestMatch(t *testing.T) {
	sample := loadSample(t)
	g := sample.Poverty
	tests := []struct {
		name   string
		person hotline.Person
		want   string // service id, "" for none
	}{
		{"housing under 125% prefers the clinic (priority 1)", hotline.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 4, MonthlyIncomeCents: 343750, IncomeKnown: true}, "eviction-defense"},
		{"housing at 200%", hotline.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 1, MonthlyIncomeCents: 266000, IncomeKnown: true}, "eviction-defense"},
		{"housing over 200%", hotline.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 1, MonthlyIncomeCents: 266001, IncomeKnown: true}, ""},
		{"housing outside 606xx", hotline.Person{CaseType: "housing", ZIP: "62701", Language: "en", Household: 1, IncomeKnown: true}, ""},
		{"consumer at 125%", hotline.Person{CaseType: "consumer", ZIP: "60699", Language: "es", Household: 4, MonthlyIncomeCents: 343750, IncomeKnown: true}, "civil"},
		{"consumer with unknown income", hotline.Person{CaseType: "consumer", ZIP: "60612", Language: "en", Household: 4}, ""},
		{"consumer with unknown household", hotline.Person{CaseType: "consumer", ZIP: "60612", Language: "en", MonthlyIncomeCents: 100, IncomeKnown: true}, ""},
		{"domestic violence with nothing known of income", hotline.Person{CaseType: "domestic_violence", ZIP: "60612", Language: "en"}, "protective-orders"},
		{"domestic violence has no income limit", hotline.Person{CaseType: "domestic_violence", ZIP: "62999", Language: "en", Household: 1, MonthlyIncomeCents: 99999900, IncomeKnown: true}, "protective-orders"},
		{"employment: the workers' center beats legal aid", hotline.Person{CaseType: "employment", ZIP: "60600", Language: "en", Household: 1, IncomeKnown: true}, "wage-claims"},
		{"family: first listed of equal priority", hotline.Person{CaseType: "family", ZIP: "60612", Language: "en", Household: 2, MonthlyIncomeCents: 100000, IncomeKnown: true}, "family-law"},
		{"immigration edge of range", hotline.Person{CaseType: "immigration", ZIP: "60000", Language: "en", Household: 2, IncomeKnown: true}, "immigration"},
		{"outside every range", hotline.Person{CaseType: "immigration", ZIP: "63000", Language: "en", Household: 2, IncomeKnown: true}, ""},
		{"a language no one serves", hotline.Person{CaseType: "immigration", ZIP: "60612", Language: "fr", Household: 2, IncomeKnown: true}, ""},
	}
	for _, tt := range tests {
		got := ""
		if s := sample.Directory.Match(tt.person, g); s != nil {
			got = s.ID
		}
		if got != tt.want {
			t.Errorf("%s: Match(%+v) = %q, want %q", tt.name, tt.person, got, tt.want)
		}
	}
}

func TestOptOutDeletesAnswersAndSilences(t *testing.T) {
	sample := loadSample(t)
	st, _ := converse(sample, englishScript[:9], "+13125550142")
	st, fx := sample.Step(st, flows.Input{Text: "STOP", Channel: "sms", Now: today})
	if !fx.OptOut || len(fx.Replies) != 1 {
		t.Fatalf("STOP: %+v", fx)
	}
	if len(st.Answers) > 1 || len(st.History) > 0 { // only the language may stay
		t.Errorf("STOP kept the conversation's data: %+v", st)
	}
	_, fx = sample.Step(st, flows.Input{Text: "HELP", Channel: "sms", Now: today})
	if len(fx.Replies) != 1 || !strings.Contains(fx.Replies[0], "(312) 555-0100") || fx.OptIn {
		t.Errorf("HELP while opted out: %+v; want the help text, still opted out", fx)
	}
	for _, text := range []string{"hi", "yes please", "RESTART"} {
		var fx pack.Effects
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", Now: today})
		if text == "yes please" {
			if !fx.OptIn {
				t.Errorf("YES while opted out did not opt in: %+v", fx)
			}
			st, _ = sample.Step(st, flows.Input{Text: "stop", Channel: "sms", Now: today})
			continue
		}
		if len(fx.Replies) != 0 {
			t.Errorf("opted out, %q got replies %q", text, fx.Replies)
		}
	}
}

// TestStopWhileReferralQueued: a STOP after a referral says the referral will
// still be sent when (and only when) the caller says it still waits to be, also
// after a new screening began, in the person's language; and the state after STOP
// no longer knows the referral.
func TestStopWhileReferralQueued(t *testing.T) {
	sample := loadSample(t)
	ended, _ := converse(sample, englishScript, "+13125550142")
	if ref, to := ended.Referral(); ref != "H-7F3K9" || to != "Tenant Rights Clinic" {
		t.Fatalf("after the referral, State.Referral() = %q, %q", ref, to)
	}
	began, _ := sample.Step(ended, flows.Input{Text: "hello again", Channel: "sms", Now: today, Ref: "H-NEW00"})
	spanish, _ := converse(sample, []string{"hola", "2", "si", "no", "60612", "1", "si", "11/30", "Acme", "3", "2000", "Maria", "si", "si", "si"}, "+13125550142")
	for _, tt := range []struct {
		name   string
		st     flows.State
		queued bool
		want   string // "" for no sentence about the referral
	}{
		{"queued", ended, true, "Your referral H-7F3K9 will still be sent to Tenant Rights Clinic; after that nothing of your answers is kept."},
		{"delivered", ended, false, ""},
		{"queued, a new screening begun since", began, true, "Your referral H-7F3K9 will still be sent to Tenant Rights Clinic"},
		{"queued, in Spanish", spanish, true, "Su referido H-7F3K9 se enviará igual a Tenant Rights Clinic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, fx := sample.Step(tt.st, flows.Input{Text: "STOP", Channel: "sms", Now: today, Ref: "H-NEW11", ReferralQueued: tt.queued})
			if !fx.OptOut || len(fx.Replies) != 1 {
				t.Fatalf("STOP: %+v", fx)
			}
			reply := fx.Replies[0]
			switch {
			case tt.want == "" && (strings.Contains(reply, "H-7F3K9") || strings.Contains(reply, "Tenant Rights")):
				t.Errorf("STOP with the referral delivered says it will be sent: %q", reply)
			case tt.want != "" && !strings.Contains(reply, tt.want):
				t.Errorf("STOP reply = %q; want it to say %q", reply, tt.want)
			}
			if strings.Contains(reply, "H-NEW11") {
				t.Errorf("the STOP reply names the unused reference drawn for it: %q", reply)
			}
			if ref, _ := st.Referral(); ref != "" || len(st.Answers) > 1 {
				t.Errorf("after STOP the state still holds %+v", st.Answers)
			}
		})
	}
}

// TestDebtIsOneSum: the debt question (per: once) reaches the referral as one
// sum, marked so, beside the income per month; the household counted from
// words ("me and 3 kids", confirmed) is 4, which puts $3,100 a month at 113% of
// the guideline, under legal aid's 125%.
func TestDebtIsOneSum(t *testing.T) {
	sample := loadSample(t)
	script := []string{"hi", "1", "yes", "no", "60612", "4", "$6,000", "Midland Credit", "me and 3 kids", "yes", "3100", "Pat", "yes", "yes", "yes"}
	_, fxs := converse(sample, script, "+13125550142")
	r := fxs[len(fxs)-1].Referral
	if r == nil || r.OrgID != "example-legal-aid" || r.Household != 4 {
		t.Fatalf("referral = %+v; last replies %q", r, fxs[len(fxs)-1].Replies)
	}
	var debt, income *hotline.QA
	for i, a := range r.Answers {
		switch a.Question {
		case "Amount they say is owed":
			debt = &r.Answers[i]
		case "Household income":
			income = &r.Answers[i]
		}
	}
	if debt == nil || !debt.Once || debt.Value != "600000" {
		t.Errorf("the debt = %+v, want 600000 cents, once", debt)
	}
	if income == nil || income.Once || income.Value != "310000" {
		t.Errorf("the income = %+v, want 310000 cents a month", income)
	}
}

// TestAnswersAsGiven: each answer the person wrote in words reaches the
// referral beside its reading (QA.Given), and plain answers carry none; the
// referral also carries the income question's label, the guideline for the
// household, the hearing date, the text the person was told, and an AGENT
// asked for on the way.
func TestAnswersAsGiven(t *testing.T) {
	sample := loadSample(t)
	script := []string{"my landlord is trying to evict me", "1", "yes", "no", "AGENT", "60612", "yes", "yes", "Nov 30",
		"Acme Properties", "me and my 2 kids", "yes", "500 a week", "Maria", "yes", "yes", "yes"}
	_, fxs := converse(sample, script, "+13125550142")
	r := fxs[len(fxs)-1].Referral
	if r == nil {
		t.Fatalf("no referral; last replies %q", fxs[len(fxs)-1].Replies)
	}
	given := map[string]string{}
	for _, a := range r.Answers {
		given[a.Question] = a.Given
	}
	for question, want := range map[string]string{
		"Legal problem":           "", // a choice is shown as saved
		"Court date":              "Nov 30",
		"People in the household": "me and my 2 kids",
		"Household income":        "500 a week",
		"Received court papers":   "",
		"ZIP code":                "",
		"First name":              "",
		"Callback number":         "",
	} {
		if got, ok := given[question]; !ok || got != want {
			t.Errorf("%s: Given = %q (asked: %v), want %q", question, got, ok, want)
		}
	}
	if r.IncomeGiven != "500 a week" || r.IncomeLabel != "Household income" || r.MonthlyIncomeCents != 216667 {
		t.Errorf("income: given %q, label %q, %d cents a month", r.IncomeGiven, r.IncomeLabel, r.MonthlyIncomeCents)
	}
	if r.Household != 3 || r.GuidelineAnnualCents != 2_732_000 || r.GuidelineYear != 2026 {
		t.Errorf("guideline: %d people, %d cents a year in %d; want 3, 2732000, 2026", r.Household, r.GuidelineAnnualCents, r.GuidelineYear)
	}
	if r.HearingDate != "2026-11-30" || !r.AskedForPerson {
		t.Errorf("hearing %q, asked for a person %v", r.HearingDate, r.AskedForPerson)
	}
	// What the person was told is the referral's text; the offer of a
	// hearing reminder follows it, apart.
	if told := fxs[len(fxs)-1].Replies; len(told) != 2 || r.Told != told[0] || !strings.Contains(r.Told, "call them today") || !fxs[len(fxs)-1].HearingOffered {
		t.Errorf("Told = %q; the person was told %q", r.Told, told)
	}
	if r.SafeContact != (hotline.SafeContact{Voicemail: "yes", Texts: "yes"}) {
		t.Errorf("SafeContact = %+v", r.SafeContact)
	}
}

// TestDVIncomeLabel: in a domestic violence case the income question is the
// one that says not to count the abuser, and the referral's income label says
// so.
func TestDVIncomeLabel(t *testing.T) {
	sample := loadSample(t)
	script := []string{"hi", "1", "yes", "no", "60612", "3", "skip", "2", "900", "Ana", "yes", "no", "yes", "after 5pm"}
	_, fxs := converse(sample, script, "+13125550142")
	r := fxs[len(fxs)-1].Referral
	if r == nil {
		t.Fatalf("no referral; last replies %q", fxs[len(fxs)-1].Replies)
	}
	if !strings.Contains(r.IncomeLabel, "not counting the abuser") {
		t.Errorf("IncomeLabel = %q", r.IncomeLabel)
	}
	if r.SafeContact != (hotline.SafeContact{Voicemail: "no", Texts: "yes", When: "after 5pm"}) {
		t.Errorf("SafeContact = %+v", r.SafeContact)
	}
}

// TestContactUnsafeSticks: "he checks my phone", said at any step, makes the
// conversation private for good (no reminder, no text), and BACK or RESTART
// does not take it back; a "stop texting me" sentence that says danger gets
// the safety message first.
func TestContactUnsafeSticks(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	run := func(texts ...string) (flows.State, []pack.Effects) {
		var st flows.State
		var all []pack.Effects
		for i, text := range texts {
			var fx pack.Effects
			st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
			all = append(all, fx)
		}
		return st, all
	}
	employment := []string{"hi", "1", "yes", "no", "60612", "5", "skip", "1", "0"}
	tests := []struct {
		name  string
		texts []string
	}{
		{"at the callback, then BACK", append(employment, "Lee", "no he checks my phone", "back")},
		{"at the name question", append(employment, "he checks my phone")},
		{"then RESTART", append(employment, "Lee", "no he checks my phone", "restart", "1", "yes")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := run(tt.texts...)
			if !sample.Flow.Private(st) {
				t.Errorf("not private after %q", tt.texts[len(employment):])
			}
			if text, ok := sample.Flow.Reminder(st); ok {
				t.Errorf("a reminder would go: %q", text)
			}
		})
	}
	// Said at the name question, it reaches the referral too.
	_, fxs := run(append(employment, "Lee, he checks my phone", "Lee", "yes", "yes", "yes")...)
	if r := fxs[len(fxs)-1].Referral; r == nil || r.SafeContact.Texts != "no" || r.SafeContact.Voicemail != "yes" {
		t.Errorf("referral after an unsafe word at the name: %+v", r)
	}
	// A plain screening is not private.
	if st, _ := run(append(employment, "Lee")...); sample.Flow.Private(st) {
		t.Error("a screening with no unsafe word is private")
	}
	// "stop texting me he will hurt me": the safety message, then the STOP question.
	st, fxs := run(append(employment, "Lee", "yes", "stop texting me he will hurt me if he sees this")...)
	replies := strings.Join(fxs[len(fxs)-1].Replies, "\n")
	if !strings.Contains(replies, "911") || !strings.Contains(replies, "STOP") || !sample.Flow.Private(st) {
		t.Errorf("stop request with danger: private %v, replies %q", sample.Flow.Private(st), replies)
	}
}

// TestUnsafeCallbackKeepsANumber: at the callback question, a message that says
// this phone is not safe and gives another number to call saves that number;
// a number after "dont call", the number texted from, or a YES with a caveat
// is not saved: when in doubt, none is (what they wrote goes to the office).
func TestUnsafeCallbackKeepsANumber(t *testing.T) {
	sample := loadSample(t)
	employment := []string{"hi", "1", "yes", "no", "60612", "5", "skip", "1", "0", "Lee"}
	for _, tt := range []struct{ said, callback string }{
		{"this is not my phone, call me at 312 555 0177", "+13125550177"},
		{"no he checks my phone, 312 555 0177 is safe", "+13125550177"},
		{"no dont call this number he checks my phone", ""},
		{"dont call 312-555-0142 he checks it", ""},
		{"not my phone, dont call 312 555 0177 he checks it", ""}, // the number not to call
		{"yes but dont call after 5pm", ""},                       // when in doubt, no number
	} {
		_, fxs := converse(sample, append(slices.Clone(employment), tt.said, "mornings"), "+13125550142")
		r := fxs[len(fxs)-1].Referral
		if r == nil {
			t.Errorf("%q: no referral: %q", tt.said, fxs[len(fxs)-1].Replies)
			continue
		}
		if r.Callback != tt.callback || r.SafeContact != (hotline.SafeContact{Voicemail: "no", Texts: "no", When: "mornings"}) {
			t.Errorf("%q: callback %q, safe contact %+v; want %q, no voicemail, no texts", tt.said, r.Callback, r.SafeContact, tt.callback)
		}
	}
}

// TestGivenIsClean: an answer kept as given carries no control or format
// character (a right-to-left override would reach the organization's
// system as sent) and is cut short.
func TestGivenIsClean(t *testing.T) {
	sample := loadSample(t)
	script := []string{"hi", "1", "yes", "no", "60612", "5", "skip", "me and my\u202e 2 kids\u0007", "yes",
		"500 a week\u202e, more or less, depending on the shifts they give me", "Lee", "yes", "yes", "yes"}
	_, fxs := converse(sample, script, "+13125550142")
	r := fxs[len(fxs)-1].Referral
	if r == nil {
		t.Fatalf("no referral: %q", fxs[len(fxs)-1].Replies)
	}
	if r.IncomeGiven != "500 a week , more or less, depending …" {
		t.Errorf("IncomeGiven = %q", r.IncomeGiven)
	}
	for _, a := range r.Answers {
		if strings.ContainsAny(a.Given, "\u202e\u0007") || len(a.Given) > 40 {
			t.Errorf("%s: Given = %q", a.Question, a.Given)
		}
	}
	// Cut at a character, never inside one.
	script[9] = "500 a la semana, más o menos, según los turnos"
	_, fxs = converse(sample, script, "+13125550142")
	if r := fxs[len(fxs)-1].Referral; r == nil || !utf8.ValidString(r.IncomeGiven) || !strings.HasSuffix(r.IncomeGiven, "…") || len(r.IncomeGiven) > 40 {
		t.Errorf("IncomeGiven cut to %q", r.IncomeGiven)
	}
}

// TestWatchedPhoneAfterReferral: "he checks my phone" after a referral that was
// not private: the reply names no organization, nor does a STOP after it; and
// a later private referral never repeats an earlier one's organization.
func TestWatchedPhoneAfterReferral(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	step := func(i int, text string, queued bool) pack.Effects {
		var fx pack.Effects
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute),
			Ref: fmt.Sprintf("H-%05d", i), ReferralQueued: queued})
		return fx
	}
	employment := []string{"hi", "1", "yes", "no", "60612", "5", "skip", "1", "0", "Lee", "yes", "yes", "yes"}
	i := 0
	for _, text := range employment {
		step(i, text, false)
		i++
	}
	if ref, to := st.Referral(); ref == "" || to != "Workers' Rights Center" {
		t.Fatalf("after the screening: referral %q to %q", ref, to)
	}
	fx := step(i, "who is this? he checks my phone", false)
	i++
	if got := strings.Join(fx.Replies, " "); strings.Contains(got, "Workers") || strings.Contains(got, "555-0155") {
		t.Errorf("after \"he checks my phone\" the reply names the organization: %q", got)
	}
	fx = step(i, "STOP", true)
	i++
	if got := strings.Join(fx.Replies, " "); strings.Contains(got, "Workers") {
		t.Errorf("a STOP after it names the organization: %q", got)
	}
	// A second screening, private, after a first that was not.
	st = flows.State{}
	for _, text := range employment {
		step(i, text, false)
		i++
	}
	for _, text := range []string{"restart", "1", "yes", "yes", "60612", "1", "no", "no", "skip", "1", "0", "Ana", "yes", "yes", "yes", "skip"} {
		fx = step(i, text, false)
		i++
	}
	if fx.Referral == nil {
		t.Fatalf("no second referral: %q", fx.Replies)
	}
	fx = step(i, "thanks", false)
	if got := strings.Join(fx.Replies, " "); strings.Contains(got, "Workers") || strings.Contains(got, "Tenant") {
		t.Errorf("after a private referral the reply names an organization: %q", got)
	}
}

// TestWatchedPhoneWords: "he checks my phone" alone is no one's name (the
// question is asked again), and "unsafe" about a building makes nothing
// private.
func TestWatchedPhoneWords(t *testing.T) {
	sample := loadSample(t)
	employment := []string{"hi", "1", "yes", "no", "60612", "5", "skip", "1", "0"}
	st, fxs := converse(sample, append(slices.Clone(employment), "he checks my phone"), "+13125550142")
	if st.Step != "name" || !sample.Flow.Private(st) {
		t.Errorf("at the name question: now at %q, private %v; replies %q", st.Step, sample.Flow.Private(st), fxs[len(fxs)-1].Replies)
	}
	st, _ = converse(sample, []string{"hi", "1", "yes", "no", "60612", "my apartment is unsafe and the landlord wants to evict me"}, "+13125550142")
	if sample.Flow.Private(st) {
		t.Error("\"my apartment is unsafe\" made the conversation private")
	}
}

// TestSwitchTo: the web chat's language button switches the conversation and
// asks the question waiting again; it is never taken as an answer (not even
// at a free-text question), and a conversation with no question waiting gets
// no reply.
func TestSwitchTo(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	for i, text := range []string{"hola", "2", "si", "no", "60612", "5"} { // at the other side, in Spanish
		st, _ = sample.Step(st, flows.Input{Text: text, Channel: "web", Now: at.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
	}
	if st.Step != "opponent" || st.Language() != "es" {
		t.Fatalf("at %q in %q", st.Step, st.Language())
	}
	next, fx := sample.Step(st, flows.Input{SwitchTo: "en", Channel: "web", Now: at.Add(time.Hour), Ref: "H-7F3K9"})
	if next.Step != "opponent" || next.Language() != "en" || len(fx.Replies) != 1 || !strings.Contains(fx.Replies[0], "name of the other side") {
		t.Errorf("after the switch: at %q in %q, replies %q", next.Step, next.Language(), fx.Replies)
	}
	if v, ok := next.Get("opponent"); ok {
		t.Errorf("the switch was saved as the answer: opponent = %q", v)
	}
	if _, fx := sample.Step(flows.State{}, flows.Input{SwitchTo: "es", Channel: "web", Now: at, Ref: "H-7F3K9"}); len(fx.Replies) != 0 {
		t.Errorf("a switch with no conversation got %q", fx.Replies)
	}
}
