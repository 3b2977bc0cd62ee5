package flows_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
)

func loadSample(t testing.TB) *flows.Pack {
	t.Helper()
	pack, _, err := flows.Load(defaultpack.FS, today)
	if err != nil {
		t.Fatalf("Load(sample): %v", err)
	}
	return pack
}

// TestSampleTranscripts runs the sample pack's own transcript tests, as
// `hotline test` does, one subtest each.
func TestSampleTranscripts(t *testing.T) {
	pack := loadSample(t)
	tests, problems := flows.LoadTests(defaultpack.FS)
	if len(problems) > 0 {
		t.Fatalf("LoadTests: %v", problems)
	}
	if len(tests) < 20 {
		t.Errorf("the sample pack has %d transcripts; it should have at least 20", len(tests))
	}
	for _, tr := range tests {
		t.Run(tr.Name, func(t *testing.T) {
			for _, f := range pack.Run(tr) {
				t.Errorf("%s: %s", tr.Pos, f)
			}
		})
	}
}

// englishScript is the English screening; the court date is 5 days after today.
var englishScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes"}

func converse(pack *flows.Pack, texts []string, from string) (flows.State, []flows.Effects) {
	var st flows.State
	var all []flows.Effects
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, pack.Location)
	for i, text := range texts {
		var fx flows.Effects
		st, fx = pack.Step(st, flows.Input{Text: text, Channel: "sms", From: from, Now: now.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
		all = append(all, fx)
	}
	return st, all
}

func TestEnglishScreeningReferral(t *testing.T) {
	pack := loadSample(t)
	st, fxs := converse(pack, englishScript, "+13125550142")
	last := fxs[len(fxs)-1]
	r := last.Referral
	if r == nil {
		t.Fatalf("no referral; last replies %q", last.Replies)
	}
	want := flows.Referral{
		Ref: "H-7F3K9", OrgID: "tenant-clinic", OrgName: "Tenant Rights Clinic", OrgEmail: "intake.tenants@example.org",
		OrgPhone: "(312) 555-0111", ServiceID: "eviction-defense", Urgent: true, CaseType: "housing", CaseLabel: "Housing (eviction)",
		LSCCode: "63", Name: "Maria", Callback: "+13125550142", Language: "en", Opponent: "Acme Properties", ZIP: "60612",
		Household: 3, MonthlyIncomeCents: 200000, IncomeLimit: 200, GuidelineYear: 2026,
	}
	got := flows.Referral{
		Ref: r.Ref, OrgID: r.OrgID, OrgName: r.OrgName, OrgEmail: r.OrgEmail, OrgPhone: r.OrgPhone, ServiceID: r.ServiceID,
		Urgent: r.Urgent, CaseType: r.CaseType, CaseLabel: r.CaseLabel, LSCCode: r.LSCCode, Name: r.Name, Callback: r.Callback,
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
	if len(r.Answers) != 12 || r.Answers[7].Question != "Opposing party" || r.Answers[7].Answer != "Acme Properties" {
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
	pack := loadSample(t)
	st, _ := converse(pack, englishScript[:9], "+13125550142")
	before, _ := st.MarshalBinary()
	pack.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	pack.Step(st, flows.Input{Text: "back", Channel: "sms", Now: today})
	after, _ := st.MarshalBinary()
	if string(before) != string(after) {
		t.Errorf("Step changed the state it was given")
	}
	// Same input, same output: nothing hidden feeds the engine.
	a, fa := pack.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	b, fb := pack.Step(st, flows.Input{Text: "3", Channel: "sms", Now: today})
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(fa, fb) {
		t.Errorf("Step is not deterministic")
	}
}

// TestStepGoneAfterReload: a conversation at a step the new pack no longer has
// restarts with an apology; one whose step still exists goes on.
func TestStepGoneAfterReload(t *testing.T) {
	old := loadSample(t)
	st, _ := converse(old, englishScript[:5], "+13125550142") // waiting at "problem"
	fsys := samplePackWith(t, edit{"flows/screening.yaml", "  - id: problem\n", "  - id: legal_problem\n"},
		edit{"flows/screening.yaml", "      - goto: problem\n", "      - goto: legal_problem\n"})
	changed, _, err := flows.Load(fsys, today)
	if err != nil {
		t.Fatal(err)
	}
	_, fx := changed.Step(st, flows.Input{Text: "1", Channel: "sms", Now: today})
	if got := strings.Join(fx.Replies, "\n"); !strings.Contains(got, "questions changed") || !strings.Contains(got, "Reply 1 for English") {
		t.Errorf("after the step vanished: %q", got)
	}
	same, _, _ := flows.Load(defaultpack.FS, today)
	_, fx = same.Step(st, flows.Input{Text: "1", Channel: "sms", Now: today})
	if got := strings.Join(fx.Replies, "\n"); !strings.Contains(got, "court papers") {
		t.Errorf("after a reload that kept the step: %q", got)
	}
}

func TestStateEncoding(t *testing.T) {
	pack := loadSample(t)
	st, _ := converse(pack, englishScript[:11], "+13125550142")
	data, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back flows.State
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, st)
	}
	// The state lives in Redis for days; it must stay small.
	if len(data) > 400 {
		t.Errorf("a state with %d answers encodes to %d bytes; want at most 400", len(st.Answers), len(data))
	}
	for _, bad := range [][]byte{nil, {}, {9, 0}, data[:len(data)-1], append(data, 0)} {
		if err := back.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%q) succeeded", bad)
		}
	}
}

func TestEligibility(t *testing.T) {
	g := flows.Guideline{Year: 2026, Base: 15960, PerPerson: 5680}
	tests := []struct {
		household    int
		monthlyCents int64
		limit        int
		within       bool
	}{
		{4, 343750, 125, true},  // $41,250 a year: exactly 125% for four
		{4, 343751, 125, false}, // one cent a month over
		{1, 133000, 100, true},  // $15,960 a year: exactly 100% for one
		{1, 133001, 100, false},
		{3, 455333, 200, true}, // 200% of $27,320 is $54,640 = $4,553.33 a month
		{3, 455334, 200, false},
		{8, 0, 125, true},
		{20, 1290416, 125, true}, // 15,960 + 19 × 5,680 = 123,880; 125% = 154,850 = 12,904.1666 a month
		{20, 1290417, 125, false},
	}
	for _, tt := range tests {
		if got := g.Within(tt.monthlyCents, tt.household, tt.limit); got != tt.within {
			t.Errorf("Within(%d cents, household %d, %d%%) = %v, want %v", tt.monthlyCents, tt.household, tt.limit, got, tt.within)
		}
	}
	if got := g.Annual(4); got != 33000 {
		t.Errorf("Annual(4) = %d, want 33000", got)
	}
	if got := g.Percent(343750, 4); fmt.Sprintf("%.2f", got) != "125.00" {
		t.Errorf("Percent(343750, 4) = %v, want 125", got)
	}
}

func TestMatch(t *testing.T) {
	pack := loadSample(t)
	g := pack.Poverty
	tests := []struct {
		name   string
		person flows.Person
		want   string // service id, "" for none
	}{
		{"housing under 125% prefers the clinic (priority 1)", flows.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 4, MonthlyIncomeCents: 343750, IncomeKnown: true}, "eviction-defense"},
		{"housing at 200%", flows.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 1, MonthlyIncomeCents: 266000, IncomeKnown: true}, "eviction-defense"},
		{"housing over 200%", flows.Person{CaseType: "housing", ZIP: "60612", Language: "en", Household: 1, MonthlyIncomeCents: 266001, IncomeKnown: true}, ""},
		{"housing outside 606xx", flows.Person{CaseType: "housing", ZIP: "62701", Language: "en", Household: 1, IncomeKnown: true}, ""},
		{"consumer at 125%", flows.Person{CaseType: "consumer", ZIP: "60699", Language: "es", Household: 4, MonthlyIncomeCents: 343750, IncomeKnown: true}, "civil"},
		{"consumer with unknown income", flows.Person{CaseType: "consumer", ZIP: "60612", Language: "en", Household: 4}, ""},
		{"domestic violence has no income limit", flows.Person{CaseType: "domestic_violence", ZIP: "62999", Language: "en", Household: 1, MonthlyIncomeCents: 99999900, IncomeKnown: true}, "protective-orders"},
		{"employment: the workers' center beats legal aid", flows.Person{CaseType: "employment", ZIP: "60600", Language: "en", Household: 1, IncomeKnown: true}, "wage-claims"},
		{"family: first listed of equal priority", flows.Person{CaseType: "family", ZIP: "60612", Language: "en", Household: 2, MonthlyIncomeCents: 100000, IncomeKnown: true}, "family-law"},
		{"immigration edge of range", flows.Person{CaseType: "immigration", ZIP: "60000", Language: "en", Household: 2, IncomeKnown: true}, "immigration"},
		{"outside every range", flows.Person{CaseType: "immigration", ZIP: "63000", Language: "en", Household: 2, IncomeKnown: true}, ""},
		{"a language no one serves", flows.Person{CaseType: "immigration", ZIP: "60612", Language: "fr", Household: 2, IncomeKnown: true}, ""},
	}
	for _, tt := range tests {
		got := ""
		if s := pack.Directory.Match(tt.person, g); s != nil {
			got = s.ID
		}
		if got != tt.want {
			t.Errorf("%s: Match(%+v) = %q, want %q", tt.name, tt.person, got, tt.want)
		}
	}
}

func TestOptOutDeletesAnswersAndSilences(t *testing.T) {
	pack := loadSample(t)
	st, _ := converse(pack, englishScript[:9], "+13125550142")
	st, fx := pack.Step(st, flows.Input{Text: "STOP", Channel: "sms", Now: today})
	if !fx.OptOut || len(fx.Replies) != 1 {
		t.Fatalf("STOP: %+v", fx)
	}
	if len(st.Answers) > 1 || len(st.History) > 0 { // only the language may stay
		t.Errorf("STOP kept the conversation's data: %+v", st)
	}
	_, fx = pack.Step(st, flows.Input{Text: "HELP", Channel: "sms", Now: today})
	if len(fx.Replies) != 1 || !strings.Contains(fx.Replies[0], "(312) 555-0100") || fx.OptIn {
		t.Errorf("HELP while opted out: %+v; want the help text, still opted out", fx)
	}
	for _, text := range []string{"hi", "yes please", "RESTART"} {
		var fx flows.Effects
		st, fx = pack.Step(st, flows.Input{Text: text, Channel: "sms", Now: today})
		if text == "yes please" {
			if !fx.OptIn {
				t.Errorf("YES while opted out did not opt in: %+v", fx)
			}
			st, _ = pack.Step(st, flows.Input{Text: "stop", Channel: "sms", Now: today})
			continue
		}
		if len(fx.Replies) != 0 {
			t.Errorf("opted out, %q got replies %q", text, fx.Replies)
		}
	}
}
