package main

import (
	"io"
	"net/mail"
	"testing"
	"time"

	hl "github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// TestLoopFlags: --loop changes the defaults it names, and only those not
// given.
func TestLoopFlags(t *testing.T) {
	o, err := parseFlags([]string{"--loop"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.senders != 80 || o.killAt != 72*time.Second || o.followUpAfter != time.Minute || o.timeout != 8*time.Minute {
		t.Errorf("--loop: senders %d, kill-at %s, followup-after %s, timeout %s; want 80, 72s, 1m, 8m", o.senders, o.killAt, o.followUpAfter, o.timeout)
	}
	if got := o.String(); got != "go run ./tools/harness --loop" {
		t.Errorf("String() = %q", got)
	}
	o, err = parseFlags([]string{"--loop", "--senders", "16", "--kill-at", "1m"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.senders != 16 || o.killAt != time.Minute || o.concurrency != 80 {
		t.Errorf("--loop with flags: senders %d, kill-at %s, concurrency %d; want 16, 1m, 80", o.senders, o.killAt, o.concurrency)
	}
	if got := o.String(); got != "go run ./tools/harness --loop --senders 16 --kill-at 1m0s" {
		t.Errorf("String() = %q", got)
	}
	if o, _ := parseFlags(nil, io.Discard); o.senders != 2000 || o.loop {
		t.Errorf("without --loop: senders %d, loop %v", o.senders, o.loop)
	}
	if _, err := parseFlags([]string{"--loop", "--declines", "0.8", "--accepts", "0.3"}, io.Discard); err == nil {
		t.Error("--declines 0.8 --accepts 0.3 taken")
	}
}

const (
	testRef   = "H-3CDEF"
	testPhone = "+13125552000"
	tenants   = "intake.tenants@example.org"
	legalAid  = "intake.legalaid@example.org"
)

var testOrgs = map[string]string{"tenant-clinic": tenants, "example-legal-aid": legalAid}

func email(id, to string) smtpserver.Message {
	return smtpserver.Message{To: []string{to}, Header: mail.Header{"Message-Id": {"<" + id + ">"}}}
}

// declinedOnce is a referral the clinic declined (posted twice: once
// recorded, once shown), re-routed to Example County Legal Aid, the person
// texted once.
func declinedOnce() (*loopOutcome, []smtpserver.Message, map[string]int) {
	at := time.Now()
	life := &refLife{
		ref: testRef, s: &sender{res: &senderResult{phone: testPhone}}, chain: []string{tenants, legalAid},
		decisions: []*decision{
			{org: tenants, action: "decline", reason: "capacity", how: howBehind, tries: 2,
				posts: []pagePost{{outcome: postRecorded}, {outcome: postAlready}}},
			{org: legalAid, action: "none"},
		},
	}
	loop := &hl.Loop{Ref: testRef, Status: hl.LoopSent, OrgID: "example-legal-aid", History: []hl.LoopEvent{
		{At: at, Kind: hl.EventSent, Org: "tenant-clinic"},
		{At: at, Kind: hl.EventDeclined, Org: "tenant-clinic", Reason: "capacity"},
		{At: at, Kind: hl.EventSent, Org: "example-legal-aid", Reason: "capacity"},
		{At: at, Kind: hl.EventTexted, Org: "example-legal-aid"},
	}}
	o := &loopOutcome{
		orgs: testOrgs, lives: []*refLife{life}, loops: map[string]*hl.Loop{testRef: loop}, loopErrs: map[string]error{},
		texts: []twilioapi.Message{{To: testPhone, Body: "Tenant Rights Clinic can't take your case. We sent it to Example County Legal Aid: (312) 555-0122. Your reference is still " + testRef + "."}},
	}
	received := []smtpserver.Message{email(testRef+".aaaa@localhost", tenants), email(testRef+".bbbb@localhost", legalAid)}
	return o, received, map[string]int{testRef + ".aaaa@localhost": 1, testRef + ".bbbb@localhost": 1}
}

func failures(v loopVerdict) int {
	n := 0
	for _, c := range loopChecks(v, &loopOutcome{}) {
		if !c.ok && c.name != "referrals with their loop in Redis at the end" {
			n++
		}
	}
	return n
}

// TestLoopVerdict: a referral that went as it should passes; each way of
// going wrong is caught.
func TestLoopVerdict(t *testing.T) {
	o, received, counts := declinedOnce()
	v := o.verdict(received, counts)
	if failures(v) != 0 || len(v.problems) != 0 {
		t.Fatalf("a good referral failed: %v", v.problems)
	}
	if v.applied != 1 || v.byDecline != 1 || v.rerouted != 1 || v.texts != 1 {
		t.Errorf("applied %d, by decline %d, re-routed %d, texts %d; want 1 each", v.applied, v.byDecline, v.rerouted, v.texts)
	}

	cases := []struct {
		name  string
		spoil func(o *loopOutcome, received *[]smtpserver.Message, counts map[string]int)
		count func(v loopVerdict) int
	}{
		{"a text twice", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.texts = append(o.texts, o.texts[0])
		}, func(v loopVerdict) int { return v.textTwice }},
		{"a Message-ID twice", func(_ *loopOutcome, _ *[]smtpserver.Message, counts map[string]int) {
			counts[testRef+".bbbb@localhost"] = 2
		}, func(v loopVerdict) int { return v.emailTwice }},
		{"two emails to one organization", func(_ *loopOutcome, received *[]smtpserver.Message, counts map[string]int) {
			*received = append(*received, email(testRef+".cccc@localhost", legalAid))
			counts[testRef+".cccc@localhost"] = 1
		}, func(v loopVerdict) int { return v.orgTwice }},
		{"an email lost", func(_ *loopOutcome, received *[]smtpserver.Message, _ map[string]int) {
			*received = (*received)[:1]
		}, func(v loopVerdict) int { return v.lost }},
		{"a decision recorded twice", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.lives[0].decisions[0].posts[1].outcome = postRecorded
		}, func(v loopVerdict) int { return v.badDecisions }},
		{"a decision nobody made", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.lives[0].decisions = o.lives[0].decisions[1:]
		}, func(v loopVerdict) int { return v.phantomDecisions }},
		{"a text no loop promised", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.texts = append(o.texts, twilioapi.Message{To: testPhone, Body: "Did Example County Legal Aid contact you? Reply YES or NO."})
		}, func(v loopVerdict) int { return v.unpromised }},
		{"a text that never went", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.texts = nil
		}, func(v loopVerdict) int { return v.textMissing }},
		{"a re-route off the chain", func(o *loopOutcome, _ *[]smtpserver.Message, _ map[string]int) {
			o.lives[0].chain = []string{tenants, "intake.family@example.org"}
		}, func(v loopVerdict) int { return v.offChain }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, received, counts := declinedOnce()
			c.spoil(o, &received, counts)
			v := o.verdict(received, counts)
			if c.count(v) == 0 || failures(v) == 0 {
				t.Errorf("not caught: %v", v.problems)
			}
		})
	}

	// A text given up on mid-send (the kill) is allowed, and said.
	o, received, counts = declinedOnce()
	o.texts = nil
	o.dead = []deadLetter{{Kind: "text", Ref: "text:" + testRef + "~1", LastError: "its worker stopped while sending it: it may have gone, so it is not sent again"}}
	if v := o.verdict(received, counts); failures(v) != 0 || v.textLost != 1 {
		t.Errorf("a text lost to the kill: lost %d, problems %v", v.textLost, v.problems)
	}
}
