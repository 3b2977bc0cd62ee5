package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// webEnglish is the English screening on the web chat, where the callback
// number is typed: there is no number the person writes from.
var webEnglish = func() []string {
	s := append([]string(nil), english...)
	s[12] = "312-555-0142"
	return s
}()

// say sends one message of a conversation and returns its replies, joined.
func (r *rig) say(conv hotline.Conversation, text string) string {
	r.t.Helper()
	reply, err := r.service.Handle(context.Background(), hotline.Message{Conversation: conv, Text: text,
		ID: conv.From + "-" + text + "-" + r.clock.Now().String()})
	if err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	r.clock.Advance(time.Minute)
	return strings.Join(reply.Messages, " ")
}

// TestWebStopWhileReferralQueued: on the web a message after STOP is
// answered, as a new screening; a second STOP while the first referral still
// waits in the outbox (the mail server down) still says it will be sent,
// never that the answers were deleted; once it is delivered, a STOP says
// they were. By text message STOP is still followed by silence.
func TestWebStopWhileReferralQueued(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	web := hotline.Conversation{Channel: hotline.ChannelWeb, From: "session-stop"}
	var last string
	for _, text := range webEnglish {
		last = r.say(web, text)
	}
	ref := reference(t, []string{last})
	stillSent := "Your referral " + ref + " will still be sent"

	if got := r.say(web, "STOP"); !strings.HasPrefix(got, "Chat ended. Your answers were deleted.") || !strings.Contains(got, stillSent) {
		t.Fatalf("STOP on the web while the referral waits got %q; want the web's words and %q", got, stillSent)
	}
	if got := r.say(web, "hello"); !strings.Contains(got, "Choose your language") {
		t.Fatalf("a message after STOP on the web got %q; want a new screening", got)
	}
	if got := r.say(web, "STOP"); !strings.Contains(got, stillSent) {
		t.Errorf("a second STOP while the referral still waits got %q; want %q", got, stillSent)
	}
	// What a web STOP keeps (the reference, for a later STOP) goes as soon
	// as an ended conversation's would: never the full retention.
	ctx := context.Background()
	convs := r.rdb.Keys(ctx, "test:*:c:*").Val()
	if len(convs) != 1 {
		t.Fatalf("conversation keys %q; want one", convs)
	}
	if ttl := r.rdb.TTL(ctx, convs[0]).Val(); ttl <= 0 || ttl > 48*time.Hour {
		t.Errorf("the web conversation after STOP expires in %v; want at most 48h", ttl)
	}

	// The mail server comes back: the referral goes, and nothing of it is kept.
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	if n := r.outbox(smtpSender(t, srv), time.Minute).Work(context.Background()); n != 1 || len(srv.WaitFor(1, time.Second)) != 1 {
		t.Fatalf("the outbox handled %d jobs and sent %d emails; want the referral", n, len(srv.Messages()))
	}
	r.say(web, "hello")
	if got := r.say(web, "STOP"); got != "Chat ended. Your answers were deleted." {
		t.Errorf("STOP after the referral was sent got %q; want only the deletion", got)
	}
}

// TestSMSStopStaysSilent: by text message, STOP while the referral waits
// says it will still be sent, and what follows gets no reply until START.
func TestSMSStopStaysSilent(t *testing.T) {
	r := newRig(t, 0)
	sms := hotline.Conversation{Channel: hotline.ChannelSMS, From: "+13125550171", To: "+13125550100"}
	var last string
	for _, text := range english {
		last = r.say(sms, text)
	}
	ref := reference(t, []string{last})
	if got := r.say(sms, "STOP"); !strings.Contains(got, "unsubscribed") || !strings.Contains(got, ref+" will still be sent") {
		t.Fatalf("STOP by text while the referral waits got %q", got)
	}
	for _, text := range []string{"hello", "I need help", "1"} {
		if got := r.say(sms, text); got != "" {
			t.Errorf("%q after STOP by text got %q; want silence", text, got)
		}
	}
	// A number's opt-out never expires: it would be texted again otherwise.
	ctx := context.Background()
	convs := r.rdb.Keys(ctx, "test:*:c:*").Val()
	if len(convs) != 1 {
		t.Fatalf("conversation keys %q; want one", convs)
	}
	if ttl := r.rdb.TTL(ctx, convs[0]).Val(); ttl != -1 {
		t.Errorf("the opted-out number's conversation expires in %v; want never", ttl)
	}
}
