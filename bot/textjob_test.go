package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/mailer"
	"github.com/hotline-legal/hotline/bot/storetest"
	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
	"github.com/hotline-legal/hotline/pack"
)

// The person and the hotline of the text tests, and what is texted: none of
// it may reach the logs.
const (
	textPerson  = "+13125550142"
	textHotline = "+13125550100"
	textBody    = "Did the Tenant Rights Clinic call you about H-3TTTT? Reply 1 yes, 2 no."
	textStatus  = "https://hotline.example.org/twilio/status"
)

// textRig is the outbox on a store, texting through the real twilio-go
// client to a local Twilio, and emailing a real SMTP server.
type textRig struct {
	t       *testing.T
	clock   *clock
	store   storetest.Store
	shards  int
	rdb     *redis.Client // nil for memstore
	twilio  *twilioapi.Server
	mail    *smtpserver.Server
	counts  *counts
	logs    *logBuffer
	log     *slog.Logger
	pack    *pack.Pack
	version int64 // of the conversation the jobs are queued with
}

func newTextRig(t *testing.T, open opener) *textRig {
	t.Helper()
	sample, _, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &textRig{t: t, twilio: twilioapi.New(t), mail: smtpserver.Start(t, smtpserver.Options{}), counts: &counts{},
		logs: &logBuffer{}, pack: sample}
	r.clock = &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, sample.Flow.Location)}
	r.store, r.shards, r.rdb = open(t, r.clock.Now)
	r.log = slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return r
}

// outbox returns a worker texting through the local Twilio; edit changes
// its options first (nil for none).
func (r *textRig) outbox(edit func(*bot.OutboxOptions)) *bot.Outbox {
	o := bot.OutboxOptions{
		Store: r.store, Shards: r.shards, Mailer: smtpSender(r.t, r.mail), Permanent: mailer.IsPermanent,
		Pack: func() *pack.Pack { return r.pack }, Now: r.clock.Now, Log: r.log, Observer: r.counts, From: testFrom,
		Domain: "example.org", Coordinator: "coordinator@example.org", Retention: 720 * time.Hour,
		FirstRetry: 5 * time.Second, MaxRetry: 15 * time.Minute, GiveUpAfter: 24 * time.Hour, Lease: time.Minute,
		Poll:   10 * time.Millisecond,
		Texter: r.twilio.Texter(), TextPermanent: texter.IsPermanent, TextRetryable: texter.IsRetryable,
		DescribeText: texter.Describe, StatusCallback: textStatus,
	}
	if edit != nil {
		edit(&o)
	}
	return must(bot.NewOutbox(o))
}

// queue queues a job now, as a loop's change does.
func (r *textRig) queue(e *bot.Email) {
	r.t.Helper()
	now, ok, err := r.store.Commit(context.Background(), "c", "", bot.Change{
		Version: r.version, State: flows.State{Step: "done"}, TTL: time.Hour, Email: e, Now: r.clock.Now(),
	})
	if err != nil || !ok {
		r.t.Fatalf("queueing %s: %v, %v", e.Ref(), ok, err)
	}
	r.version = now.Version
}

// text is a text job to the person, on a channel, made now.
func (r *textRig) text(channel, ref string) *bot.Email {
	to := hotline.Conversation{Channel: channel, From: textPerson, To: textHotline}
	if channel == hotline.ChannelWeb {
		to = hotline.Conversation{Channel: channel, From: "session-1"}
	}
	return &bot.Email{Kind: bot.EmailText, ID: "0123456789abcdef", Reference: ref, Created: r.clock.Now(),
		Text: &bot.Text{To: to, Body: textBody}}
}

// work runs a worker once and returns how many jobs it handled.
func work(w *bot.Outbox) int { return w.Work(context.Background()) }

// noPersonalData fails the test if the logs hold the person's number or
// the text's words, at any level.
func (r *textRig) noPersonalData() {
	r.t.Helper()
	for _, never := range []string{textPerson, "5550142", "Tenant Rights Clinic call you"} {
		if strings.Contains(r.logs.String(), never) {
			r.t.Errorf("the logs hold %q:\n%s", never, r.logs)
		}
	}
}

// logged reports whether a line at level names the reference ref and says
// what.
func (r *textRig) logged(level, ref, what string) bool {
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if strings.Contains(line, `"level":"`+level+`"`) && strings.Contains(line, `"ref":"`+ref+`"`) && strings.Contains(line, what) {
			return true
		}
	}
	return false
}

// deadLetter returns the dead letter of ref and whether the store holds
// one: always, with none to read, in memstore, which keeps none to look at.
func (r *textRig) deadLetter(ref string) (string, bool) {
	if r.rdb == nil {
		return "", true
	}
	keys := r.rdb.Keys(context.Background(), "test:*dead:"+ref).Val()
	if len(keys) != 1 {
		return "", false
	}
	return r.rdb.Get(context.Background(), keys[0]).Val(), true
}

// TestTextSentOnce: a text job is texted once, from the hotline's number to
// the person's, with the status callback; a later pass sends nothing more;
// the logs say which reference went, and nothing of whom or what.
func TestTextSentOnce(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			got := r.twilio.Messages()
			if len(got) != 1 {
				t.Fatalf("Twilio took %d messages, want 1", len(got))
			}
			if m := got[0]; m.From != textHotline || m.To != textPerson || m.Body != textBody || m.StatusCallback != textStatus {
				t.Errorf("texted %+v", m)
			}
			r.clock.Advance(48 * time.Hour)
			if n := work(w); n != 0 || r.twilio.Requests() != 1 {
				t.Errorf("a later pass handled %d jobs; Twilio got %d requests in all, want 1", n, r.twilio.Requests())
			}
			if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 0 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 1, 0, 0", s, re, d)
			}
			if !r.logged("INFO", "text:H-3TTTT", `"kind":"text"`) {
				t.Errorf("no delivery logged with the reference and kind:\n%s", r.logs)
			}
			r.noPersonalData()
		})
	}
}

// TestTextRetried: Twilio's 429 and a connection refused are definite
// failures: the text is tried again after the backoff, and sent once.
func TestTextRetried(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			r.twilio.Fail(1, 429, 20429)
			if n := work(w); n != 1 || len(r.twilio.Messages()) != 0 || r.twilio.Requests() != 1 {
				t.Fatalf("the first pass: %d jobs, %d requests", n, r.twilio.Requests())
			}
			if n := work(w); n != 0 {
				t.Errorf("retried at once (%d jobs); want after the backoff", n)
			}
			// A Twilio that cannot be reached at all: nothing was sent.
			down := r.outbox(func(o *bot.OutboxOptions) { o.Texter = unreachable(t) })
			r.clock.Advance(5 * time.Second)
			if n := work(down); n != 1 {
				t.Fatalf("the second pass handled %d jobs, want 1", n)
			}
			r.clock.Advance(10 * time.Second)
			if n := work(w); n != 1 {
				t.Fatalf("the third pass handled %d jobs, want 1", n)
			}
			r.clock.Advance(time.Hour)
			work(w)
			if got := r.twilio.Messages(); len(got) != 1 || got[0].To != textPerson || r.twilio.Requests() != 2 {
				t.Errorf("Twilio took %d messages in %d requests; want 1 in 2", len(got), r.twilio.Requests())
			}
			if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 2 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 1, 2, 0", s, re, d)
			}
			if !r.logged("WARN", "text:H-3TTTT", "Twilio error 20429 (HTTP 429)") {
				t.Errorf("the retry's log does not say what Twilio answered:\n%s", r.logs)
			}
			r.noPersonalData()
		})
	}
}

// unreachable is a texter to a port where nothing listens: every send is
// refused before a byte is written.
func unreachable(t *testing.T) bot.Texter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := &url.URL{Scheme: "http", Host: l.Addr().String()}
	l.Close()
	return texter.NewTwilio(twilioapi.AccountSID, twilioapi.AuthToken,
		&http.Client{Timeout: 5 * time.Second, Transport: &texter.RewriteTransport{Base: base}})
}

// TestTextRefused: Twilio's 400 with 21610 (the person texted STOP to the
// number) is permanent: the text is given up on at once, without an alert,
// and never tried again.
func TestTextRefused(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			r.twilio.Fail(1, 400, 21610)
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			r.clock.Advance(48 * time.Hour)
			if n := work(w); n != 0 {
				t.Errorf("after the refusal, %d more jobs (a retry, an alert?); want none", n)
			}
			if len(r.twilio.Messages()) != 0 || r.twilio.Requests() != 1 || len(r.mail.Messages()) != 0 {
				t.Errorf("%d texts in %d requests, %d emails; want the one refused request only",
					len(r.twilio.Messages()), r.twilio.Requests(), len(r.mail.Messages()))
			}
			if s, re, d, _ := r.counts.snapshot(); s != 0 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 0, 0, 1", s, re, d)
			}
			if dead, ok := r.deadLetter("text:H-3TTTT"); !ok || strings.Contains(dead, "5550142") {
				t.Errorf("the dead letter: %q, %v; want one without the number", dead, ok)
			}
			if !r.logged("ERROR", "text:H-3TTTT", "Twilio error 21610 (HTTP 400)") {
				t.Errorf("no error logged with the reference and Twilio's code:\n%s", r.logs)
			}
			r.noPersonalData()
		})
	}
}

// stuckTexter is the texter of a worker that dies mid-send: the text
// reaches Twilio, and the worker never hears back (until released when the
// test is done with it), as a worker killed between Twilio's taking the text
// and recording it.
type stuckTexter struct {
	next    bot.Texter
	sent    chan struct{} // closed once Twilio has answered
	release chan struct{}
}

func (s *stuckTexter) Send(ctx context.Context, from, to, body, statusCallback string) (string, error) {
	sid, err := s.next.Send(ctx, from, to, body, statusCallback)
	close(s.sent)
	<-s.release
	return sid, err
}

// TestTextWorkerStopped: a worker claims a text, marks it and sends it, and
// stops before recording the outcome; another worker claims the job after
// the lease, finds the mark, and gives it up without texting again.
func TestTextWorkerStopped(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			stuck := &stuckTexter{next: r.twilio.Texter(), sent: make(chan struct{}), release: make(chan struct{})}
			first := r.outbox(func(o *bot.OutboxOptions) { o.Texter = stuck })
			done := make(chan int, 1)
			go func() { done <- work(first) }()
			released := false
			release := func() {
				if !released {
					released = true
					close(stuck.release)
					<-done
				}
			}
			defer release()
			select {
			case <-stuck.sent:
			case <-time.After(10 * time.Second):
				t.Fatal("the first worker never texted")
			}
			second := r.outbox(nil)
			if n := work(second); n != 0 {
				t.Fatalf("another worker took the job within the first one's lease (%d jobs)", n)
			}
			r.clock.Advance(2 * time.Minute) // past the lease
			if n := work(second); n != 1 {
				t.Fatalf("the second worker handled %d jobs after the lease, want 1", n)
			}
			if got := r.twilio.Messages(); len(got) != 1 || r.twilio.Requests() != 1 {
				t.Fatalf("Twilio took %d texts in %d requests; want the first worker's only", len(got), r.twilio.Requests())
			}
			if s, re, d, _ := r.counts.snapshot(); s != 0 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 0, 0, 1", s, re, d)
			}
			if !r.logged("WARN", "text:H-3TTTT", "stopped mid-send") {
				t.Errorf("no warning with the reference:\n%s", r.logs)
			}
			if dead, ok := r.deadLetter("text:H-3TTTT"); !ok || r.rdb != nil && !strings.Contains(dead, "may have gone") {
				t.Errorf("the dead letter: %q, %v; want one saying the text may have gone", dead, ok)
			}
			// The first worker wakes: its word comes too late to matter, and
			// nothing is sent again.
			release()
			r.clock.Advance(48 * time.Hour)
			if n := work(second); n != 0 || r.twilio.Requests() != 1 {
				t.Errorf("later: %d jobs, %d requests to Twilio; want none more", n, r.twilio.Requests())
			}
			r.noPersonalData()
		})
	}
}

// TestTextOutcomeUnknown: Twilio takes the text but its answer never comes:
// the outcome is unknown, so the text is given up on and never sent again.
func TestTextOutcomeUnknown(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			// A short lease: the send is given half of it, in real time.
			w := r.outbox(func(o *bot.OutboxOptions) { o.Lease = 500 * time.Millisecond })
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			r.twilio.HangAfterTaking(1)
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			for range 3 {
				r.clock.Advance(time.Hour)
				work(w)
			}
			if got := r.twilio.Messages(); len(got) != 1 || r.twilio.Requests() != 1 {
				t.Errorf("Twilio took %d texts in %d requests; want 1 in 1", len(got), r.twilio.Requests())
			}
			if s, re, d, _ := r.counts.snapshot(); s != 0 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 0, 0, 1", s, re, d)
			}
			if !r.logged("ERROR", "text:H-3TTTT", "outcome is unknown") {
				t.Errorf("no error logged with the reference:\n%s", r.logs)
			}
		})
	}
}

// TestTextNotRetriedAfter500: Twilio's 500 may follow a message it made
// before failing to answer: the text is given up on, never sent again.
func TestTextNotRetriedAfter500(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
			r.twilio.Fail(1, 500, 20500)
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			for range 3 {
				r.clock.Advance(time.Hour)
				work(w)
			}
			if r.twilio.Requests() != 1 {
				t.Errorf("Twilio got %d requests; want 1: a 500 is not tried again", r.twilio.Requests())
			}
			if s, re, d, _ := r.counts.snapshot(); s != 0 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 0, 0, 1", s, re, d)
			}
		})
	}
}

// TestTextWhatsApp: a WhatsApp conversation is texted from and to
// "whatsapp:" addresses, as reminders are.
func TestTextWhatsApp(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			r.queue(r.text(hotline.ChannelWhatsApp, "H-3TTTT"))
			work(r.outbox(nil))
			if got := r.twilio.Messages(); len(got) != 1 || got[0].From != "whatsapp:"+textHotline || got[0].To != "whatsapp:"+textPerson {
				t.Errorf("texted %+v; want whatsapp:%s from whatsapp:%s", got, textPerson, textHotline)
			}
		})
	}
}

// TestTextNotBefore: a text queued for after the quiet hours is not sent
// before its time, however often the outbox looks, and is sent then.
func TestTextNotBefore(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.clock.Advance(11 * time.Hour) // 21:00
			job := r.text(hotline.ChannelSMS, "H-3TTTT")
			job.NotBefore = r.clock.Now().Add(11 * time.Hour) // 8:00
			r.queue(job)
			for r.clock.Now().Before(job.NotBefore) {
				work(w)
				if n := r.twilio.Requests(); n != 0 {
					t.Fatalf("texted at %s, before 8:00", r.clock.Now().Format("15:04"))
				}
				r.clock.Advance(30 * time.Minute)
			}
			if n := work(w); n != 1 || len(r.twilio.Messages()) != 1 {
				t.Fatalf("at %s: %d jobs, %d texts; want the text", r.clock.Now().Format("15:04"), n, len(r.twilio.Messages()))
			}
			// Waiting counts as no attempt.
			if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 0 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 1, 0, 0", s, re, d)
			}
		})
	}
}

// TestTextNotSendable: a text to a web conversation (no number: a bug where
// it was queued), and any text when no Twilio account is configured, are
// given up on at once, with an error logged, and nothing reaches Twilio.
func TestTextNotSendable(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			r.queue(r.text(hotline.ChannelWeb, "H-3WWWW"))
			r.queue(r.text(hotline.ChannelSMS, "H-3NNNN"))
			noTwilio := r.outbox(func(o *bot.OutboxOptions) {
				o.Texter, o.TextPermanent, o.TextRetryable, o.DescribeText = nil, nil, nil, nil
			})
			if n := work(noTwilio); n != 2 {
				t.Fatalf("Work handled %d jobs, want 2", n)
			}
			r.clock.Advance(48 * time.Hour)
			if n := work(r.outbox(nil)); n != 0 || r.twilio.Requests() != 0 {
				t.Errorf("later: %d jobs, %d requests to Twilio; want none", n, r.twilio.Requests())
			}
			if _, _, d, _ := r.counts.snapshot(); d != 2 {
				t.Errorf("dead %d, want 2", d)
			}
			if !r.logged("ERROR", "text:H-3WWWW", "web conversation") {
				t.Errorf("no error logged for the web text:\n%s", r.logs)
			}
			if !r.logged("ERROR", "text:H-3NNNN", "no Twilio account") {
				t.Errorf("no error logged for the text without Twilio:\n%s", r.logs)
			}
			if !strings.Contains(r.counts.errorKinds(), "bad_job") {
				t.Errorf("errors counted %q; want bad_job for the web text", r.counts.errorKinds())
			}
		})
	}
}

// loopAlert is the coordinator's alert about a referral's loop, rendered
// when queued.
func (r *textRig) loopAlert(ref string) *bot.Email {
	return &bot.Email{Kind: bot.EmailLoopAlert, ID: "00112233445566cc", Reference: ref, OrgID: "tenant-clinic", Created: r.clock.Now(),
		Message: email.Message{
			MessageID: "alert-loop-" + ref + ".00112233445566cc@example.org", Ref: ref, From: testFrom, To: "coordinator@example.org",
			Subject: "[Hotline] No answer from the Tenant Rights Clinic · " + ref, Date: r.clock.Now(),
			Text: "The Tenant Rights Clinic has not answered " + ref + " in 2 business days.",
			HTML: "<p>The Tenant Rights Clinic has not answered " + ref + " in 2 business days.</p>",
		}}
}

// TestLoopAlertDelivered: a loop's alert goes to the coordinator over real
// SMTP as it was rendered, like a notice, once.
func TestLoopAlertDelivered(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			w := r.outbox(nil)
			r.queue(r.loopAlert("H-3LLLL"))
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			r.clock.Advance(time.Hour)
			work(w)
			msgs := r.mail.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d emails, want 1", len(msgs))
			}
			m := msgs[0]
			if len(m.To) != 1 || m.To[0] != "coordinator@example.org" || m.MessageID() != "alert-loop-H-3LLLL.00112233445566cc@example.org" ||
				m.Header.Get("X-Hotline-Reference") != "H-3LLLL" {
				t.Errorf("sent to %v, Message-ID %s, reference %s", m.To, m.MessageID(), m.Header.Get("X-Hotline-Reference"))
			}
			if !strings.Contains(decodedBody(t, m), "has not answered H-3LLLL") {
				t.Errorf("the alert's words are not as rendered:\n%s", m.Data)
			}
			if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 0 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 1, 0, 0", s, re, d)
			}
			if !r.logged("INFO", "alert:loop:H-3LLLL", `"kind":"loop_alert"`) {
				t.Errorf("no delivery logged:\n%s", r.logs)
			}
		})
	}
}

// TestLoopAlertRefused: a loop's alert that the mail server refuses for
// good is given up on like a notice: logged at error level with its
// reference, counted, and no alert about the alert.
func TestLoopAlertRefused(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newTextRig(t, open)
			r.mail.Refuse(smtpserver.Data, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, smtpserver.Always)
			w := r.outbox(nil)
			r.queue(r.loopAlert("H-3LLLL"))
			if n := work(w); n != 1 {
				t.Fatalf("Work handled %d jobs, want 1", n)
			}
			r.clock.Advance(48 * time.Hour)
			if n := work(w); n != 0 {
				t.Errorf("after the refusal, %d more jobs (an alert about the alert?); want none", n)
			}
			if s, re, d, _ := r.counts.snapshot(); s != 0 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 0, 0, 1", s, re, d)
			}
			if _, ok := r.deadLetter("alert:loop:H-3LLLL"); !ok {
				t.Error("no dead letter for the loop's alert")
			}
			if !r.logged("ERROR", "alert:loop:H-3LLLL", "giving up") {
				t.Errorf("no error logged with the alert's reference:\n%s", r.logs)
			}
		})
	}
}

// flakyFinish is a store whose FinishJob does not answer the first n times,
// as Redis restarting.
type flakyFinish struct {
	storetest.Store
	mu sync.Mutex
	n  int
}

func (f *flakyFinish) FinishJob(ctx context.Context, job bot.Job, retention time.Duration) error {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("redisstore: finish job: %w: connection refused", bot.ErrUnavailable)
	}
	return f.Store.FinishJob(ctx, job, retention)
}

// TestFinishRetried: a delivery the store cannot record at once (Redis
// restarting) is recorded when it is back, within the lease: not sent again
// when the lease runs out.
func TestFinishRetried(t *testing.T) {
	r := newTextRig(t, stores()["memory"])
	flaky := &flakyFinish{Store: r.store, n: 3}
	w := r.outbox(func(o *bot.OutboxOptions) { o.Store = flaky; o.Lease = 20 * time.Second })
	r.queue(r.text(hotline.ChannelSMS, "H-3TTTT"))
	if n := work(w); n != 1 {
		t.Fatalf("Work handled %d jobs, want 1", n)
	}
	r.clock.Advance(time.Hour)
	work(w)
	if n := r.twilio.Requests(); n != 1 {
		t.Errorf("Twilio got %d requests; want 1: the delivery was recorded once the store answered", n)
	}
	if s, _, d, _ := r.counts.snapshot(); s != 1 || d != 0 {
		t.Errorf("sent %d, dead %d; want 1, 0", s, d)
	}
}
