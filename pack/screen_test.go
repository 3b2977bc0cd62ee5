package pack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// screenAfter runs texts on the web channel and describes the screen after
// the last one, with the referral it made.
func screenAfter(t *testing.T, sample *pack.Pack, texts ...string) (pack.Screen, []string) {
	t.Helper()
	var st flows.State
	var fx pack.Effects
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	for i, text := range texts {
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "web", Now: now.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
	}
	return sample.Screen(st, fx.Referral, "web"), fx.Replies
}

func choiceTexts(q *pack.ScreenQuestion) []string {
	var out []string
	for _, c := range q.Choices {
		out = append(out, c.Answer+"="+c.Text)
	}
	return out
}

// TestScreen: the web chat's buttons, progress, ending and safety panel, from
// the sample pack's words, along a screening.
func TestScreen(t *testing.T) {
	sample := loadSample(t)
	webScript := []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "312-555-0142", "yes", "yes"}
	tests := []struct {
		name     string
		texts    []string
		kind     string
		choices  []string // nil: not checked
		progress string
	}{
		{"language", webScript[:1], "choice", []string{"1=English", "2=Español"}, "Question 1 of about "},
		{"consent", webScript[:2], "yesno", []string{"Yes=Yes", "No=No"}, "Question 2 of about "},
		{"zip", webScript[:4], "zip", []string{}, "Question 4 of about "},
		{"problem menu", webScript[:5], "choice", []string{"1=Housing or eviction", "2=Family, divorce or custody", "3=Domestic violence or protective order", "4=Debt or money", "5=Job or unpaid wages", "6=Public benefits (SNAP, SSI, unemployment)", "7=Immigration", "8=Something else"}, "Question 5 of about "},
		{"optional other side", webScript[:8], "text", []string{"Skip=Skip"}, ""},
		{"a guess confirmed", []string{"my landlord locked me out", "1", "yes", "no", "60612"}, "yesno", []string{"Yes=Yes", "No=No"}, ""},
		{"a count confirmed", append(webScript[:9:9], "me and 3 kids"), "yesno", []string{"Yes=Yes", "No=No"}, ""},
		{"spanish", []string{"hola", "2"}, "yesno", []string{"Sí=Sí", "No=No"}, "Pregunta 2 de unas "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, replies := screenAfter(t, sample, tt.texts...)
			q := s.Question
			if q == nil {
				t.Fatalf("no question after %q (replies %q)", tt.texts, replies)
			}
			if q.Kind != tt.kind {
				t.Errorf("kind = %q, want %q (replies %q)", q.Kind, tt.kind, replies)
			}
			if got := choiceTexts(q); tt.choices != nil && strings.Join(got, "|") != strings.Join(tt.choices, "|") {
				t.Errorf("choices = %q, want %q", got, tt.choices)
			}
			if !strings.HasPrefix(q.Progress, tt.progress) || q.Number < 1 {
				t.Errorf("progress %q (%d of %d), want it to start %q", q.Progress, q.Number, q.About, tt.progress)
			}
			if s.Ended != "" || s.Result != nil {
				t.Errorf("ended %q, result %+v while a question waits", s.Ended, s.Result)
			}
		})
	}

	t.Run("about only goes down", func(t *testing.T) {
		last := 1 << 30
		for n := 1; n < len(webScript); n++ {
			s, _ := screenAfter(t, sample, webScript[:n]...)
			if s.Question == nil {
				t.Fatalf("no question after %q", webScript[:n])
			}
			if s.Question.About > last {
				t.Errorf("after %q: about %d, up from %d", webScript[n-1], s.Question.About, last)
			}
			last = s.Question.About
		}
	})

	t.Run("referral", func(t *testing.T) {
		s, replies := screenAfter(t, sample, webScript...)
		if s.Ended != pack.EndedReferred || s.Question != nil {
			t.Fatalf("screen %+v after the referral (replies %q)", s, replies)
		}
		r := s.Result
		if r == nil || r.Org != "Tenant Rights Clinic" || r.Phone != "(312) 555-0111" || r.Tel != "+13125550111" || r.Ref != "H-7F3K9" || r.Hours == "" || !strings.Contains(r.Next, "your reference") {
			t.Errorf("result card %+v", r)
		}
		// The next message (thank you) keeps the card: the conversation remembers it.
		later, _ := screenAfter(t, sample, append(webScript, "thank you")...)
		if later.Ended != pack.EndedReferred || later.Result == nil || later.Result.Ref != "H-7F3K9" {
			t.Errorf("after thank you: %+v", later)
		}
	})

	t.Run("danger", func(t *testing.T) {
		s, _ := screenAfter(t, sample, "hi", "1", "yes", "yes")
		if !strings.Contains(s.Safety, "911") || !strings.Contains(s.Safety, "1-800-799-7233") {
			t.Errorf("safety panel %q after danger", s.Safety)
		}
		if calm, _ := screenAfter(t, sample, "hi", "1", "yes", "no"); calm.Safety != "" {
			t.Errorf("safety panel %q without danger", calm.Safety)
		}
	})

	t.Run("stop", func(t *testing.T) {
		s, _ := screenAfter(t, sample, "hi", "1", "stop")
		if s.Ended != pack.EndedStopped || s.Question != nil {
			t.Errorf("after STOP: %+v", s)
		}
	})

	t.Run("ended", func(t *testing.T) {
		s, _ := screenAfter(t, sample, "hi", "1", "no")
		if s.Ended != pack.EndedOther || s.Question != nil {
			t.Errorf("after no consent: %+v", s)
		}
	})
}

// TestScreenFallbackAfterReferral: a screening that ends in the fallback
// after an earlier one made a referral shows the fallback's card (no
// reference, nothing sent), while a STOP still knows the earlier referral
// whole: its reference and its organization.
func TestScreenFallbackAfterReferral(t *testing.T) {
	sample := loadSample(t)
	referral := []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "312-555-0142", "yes", "yes"}
	fallback := []string{"RESTART", "1", "yes", "no", "62701", "1", "no", "no", "skip", "2", "1000", "Jo", "312-555-0142", "yes", "yes"}
	var st flows.State
	var fx pack.Effects
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	for i, text := range append(referral, fallback...) {
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "web", Now: now.Add(time.Duration(i) * time.Minute), Ref: fmt.Sprintf("H-%05d", i)})
	}
	mustContainAll(t, "the fallback", strings.Join(fx.Replies, " "), "State Bar Lawyer Referral Service")
	s := sample.Screen(st, fx.Referral, "web")
	if r := s.Result; s.Ended != pack.EndedReferred || r == nil || r.Org != "State Bar Lawyer Referral Service" || r.Ref != "" || r.Next != "" || r.Tel != "+13125550199" {
		t.Errorf("the card after the fallback: %+v %+v", s, r)
	}
	if _, later := sample.Step(st, flows.Input{Text: "what was the number", Channel: "web", Now: now.Add(time.Hour)}); strings.Contains(strings.Join(later.Replies, " "), "H-00014") {
		t.Errorf("after the fallback the earlier referral's reference is repeated: %q", later.Replies)
	}
	_, stop := sample.Step(st, flows.Input{Text: "STOP", Channel: "web", Now: now.Add(time.Hour), ReferralQueued: true})
	mustContainAll(t, "STOP while the first referral waits", strings.Join(stop.Replies, " "), "H-00014 will still be sent to Tenant Rights Clinic")
}

func mustContainAll(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", what, got, want)
		}
	}
}
