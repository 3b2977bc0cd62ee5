package pack_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// TestNotice: the first time a conversation needs a person, the step raises
// the coordinator's notice, with what a staff member needs to call back and
// nothing the person wrote; asking again raises none.
func TestNotice(t *testing.T) {
	sample := loadSample(t)
	start := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	tests := []struct {
		name   string
		script []string
		// channel and from are the messages'.
		channel, from string
		// at is the message that raises the notice; every other raises none.
		at   int
		want hotline.Notice
	}{
		{
			name:    "AGENT at consent, then AGENT again",
			script:  []string{"hi", "1", "AGENT", "agent"},
			channel: "sms", from: "+13125550142",
			at: 2,
			want: hotline.Notice{Reason: hotline.NoticeAsked, Step: "consent", StepLabel: "Agreed to the screening",
				Channel: "sms", Language: "en", Callback: "+13125550142"},
		},
		{
			name:    "a person in danger with a housing case asks for a human",
			script:  []string{"hi", "1", "yes", "yes", "60612", "1", "human", "AGENT"},
			channel: "whatsapp", from: "+13125550142",
			at: 6,
			want: hotline.Notice{Reason: hotline.NoticeAsked, Step: "court_papers", StepLabel: "Received court papers",
				Channel: "whatsapp", Language: "en", Callback: "+13125550142", CaseType: "housing", CaseLabel: "Housing (eviction)",
				SafetyConcern: true, Urgent: true, UrgentReasons: []string{"afraid for their safety"}},
		},
		{
			name:    "three answers that are not a ZIP code",
			script:  []string{"hi", "1", "yes", "no", "my zip", "sixty", "I don't know"},
			channel: "sms", from: "+13125550142",
			at: 6,
			want: hotline.Notice{Reason: hotline.NoticeNotUnderstood, Step: "zip", StepLabel: "ZIP code",
				Channel: "sms", Language: "en", Callback: "+13125550142"},
		},
		{
			name:    "PERSONA in Spanish on the web chat, which has no number",
			script:  []string{"hola", "2", "persona"},
			channel: "web",
			at:      2,
			want: hotline.Notice{Reason: hotline.NoticeAsked, Step: "consent", StepLabel: "Agreed to the screening",
				Channel: "web", Language: "es"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st flows.State
			for i, text := range tt.script {
				now := start.Add(time.Duration(i) * time.Minute)
				ref := "H-7F3K" + string(rune('A'+i))
				var fx pack.Effects
				st, fx = sample.Step(st, flows.Input{Text: text, Channel: tt.channel, From: tt.from, Now: now, Ref: ref})
				if i != tt.at {
					if fx.Notice != nil {
						t.Errorf("message %d (%q) raised a notice too: %+v", i, text, *fx.Notice)
					}
					continue
				}
				if fx.Notice == nil {
					t.Fatalf("message %d (%q) raised no notice", i, text)
				}
				want := tt.want
				want.Ref, want.At = ref, now
				if !reflect.DeepEqual(*fx.Notice, want) {
					t.Errorf("message %d (%q) raised\n%+v\nwant\n%+v", i, text, *fx.Notice, want)
				}
			}
		})
	}
}

// TestNoticeAfterRestart: RESTART then AGENT, again and again, must not flood
// the coordinator: a conversation tells the staff at most once a day, whatever
// RESTART does. A day later, a new request is told again.
func TestNoticeAfterRestart(t *testing.T) {
	sample := loadSample(t)
	var st flows.State
	var raised []string
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	send := func(text string, after time.Duration) {
		at = at.Add(after)
		var fx pack.Effects
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at, Ref: "H-7F3K9"})
		if fx.Notice != nil {
			raised = append(raised, text+"@"+at.Format("Jan 2 15:04"))
		}
	}
	for _, text := range []string{"hi", "1", "agent", "yes", "agent", "restart", "1", "agent", "restart", "agent"} {
		send(text, time.Minute)
	}
	send("restart", 25*time.Hour)
	send("1", time.Minute)
	send("agent", time.Minute)
	want := []string{"agent@Nov 25 15:03", "agent@Nov 26 16:12"}
	if !reflect.DeepEqual(raised, want) {
		t.Errorf("notices raised by %v, want %v", raised, want)
	}
}

// TestNoticeWithdrawnByStop: a STOP within a day of a needs-a-person notice
// raises a second notice that takes it back (do not text; call only if safe),
// naming the first and nothing of the person; a STOP with no recent notice
// raises none.
func TestNoticeWithdrawnByStop(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	steps := func(texts ...string) []pack.Effects {
		var st flows.State
		var all []pack.Effects
		for i, text := range texts {
			var fx pack.Effects
			st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute), Ref: fmt.Sprintf("H-%05d", i)})
			all = append(all, fx)
		}
		return all
	}
	fxs := steps("hi", "1", "agent", "yes", "STOP")
	first, stop := fxs[2].Notice, fxs[4].Notice
	if first == nil || stop == nil {
		t.Fatalf("notices: at AGENT %+v, at STOP %+v", first, stop)
	}
	if stop.Reason != hotline.NoticeWithdrawn || stop.Withdraws != first.Ref || stop.Ref == first.Ref ||
		stop.Callback != "" || stop.CaseType != "" || stop.Language != "en" {
		t.Errorf("the STOP's notice = %+v; want one that withdraws %s and says nothing else of the person", stop, first.Ref)
	}
	for _, fx := range steps("hi", "1", "yes", "STOP") {
		if fx.Notice != nil {
			t.Errorf("a STOP with no notice before raised %+v", fx.Notice)
		}
	}
}

// TestNoticeNewDangerAfterRestart: a notice without a safety concern does not
// keep the staff from hearing of one: after RESTART, danger then AGENT tells
// them again at once, once.
func TestNoticeNewDangerAfterRestart(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	var notices []*hotline.Notice
	for i, text := range []string{"hi", "1", "yes", "no", "my zip", "sixty", "i dont know", "restart", "1", "yes", "he hit me", "agent", "restart", "agent"} {
		var fx pack.Effects
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute), Ref: fmt.Sprintf("H-%05d", i)})
		if fx.Notice != nil {
			notices = append(notices, fx.Notice)
		}
	}
	if len(notices) != 2 || notices[0].SafetyConcern || !notices[1].SafetyConcern || notices[1].Reason != hotline.NoticeAsked {
		t.Fatalf("notices = %+v; want one not understood without a safety concern, then one asked with it", notices)
	}
}

// TestPrivateReferralStop: a STOP while a survivor's referral still waits says
// it will be sent, without naming the organization.
func TestPrivateReferralStop(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	var fx pack.Effects
	for i, text := range []string{"hi", "1", "yes", "yes", "60612", "3", "skip", "2", "900", "Ana", "yes", "yes", "yes", "skip", "STOP"} {
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute), Ref: fmt.Sprintf("H-%05d", i), ReferralQueued: true})
		if i == 13 && (fx.Referral == nil || fx.Referral.OrgID != "family-justice") {
			t.Fatalf("no referral: %q", fx.Replies)
		}
	}
	reply := strings.Join(fx.Replies, " ")
	if !strings.Contains(reply, "H-00013 will still be sent") || strings.Contains(reply, "Family Justice") {
		t.Errorf("STOP after a private referral: %q", reply)
	}
}

// TestNoticeWatchedPhone: a person who asks for a person and says someone
// else reads their phone gets a notice that says not to text and not to
// leave a voicemail.
func TestNoticeWatchedPhone(t *testing.T) {
	sample := loadSample(t)
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	var fx pack.Effects
	for i, text := range []string{"hi", "1", "yes", "no", "talk to a person he checks my phone"} {
		st, fx = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: at.Add(time.Duration(i) * time.Minute), Ref: fmt.Sprintf("H-%05d", i)})
	}
	if n := fx.Notice; n == nil || !n.TextsUnsafe || !n.VoicemailUnsafe {
		t.Fatalf("notice = %+v; want texts and voicemail unsafe", fx.Notice)
	}
}
