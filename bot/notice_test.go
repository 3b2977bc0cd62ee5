package bot_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// logBuffer is a log the tests read back, written by many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withCoordinator gives the rig a service (and outbox log) that emails
// needs-a-person notices to coordinator ("" for none), logging to the buffer
// returned.
func (r *rig) withCoordinator(coordinator string) *logBuffer {
	logs := &logBuffer{}
	r.log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.service = must(bot.New(bot.Options{
		Store: r.store, Keys: testKeys, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log, Observer: r.counts,
		Retention: 7 * 24 * time.Hour, EmailFrom: testFrom, EmailDomain: "example.org", Coordinator: coordinator,
	}))
	return logs
}

// handle sends one text from a number and returns the reply.
func (r *rig) handle(from, id, text string) bot.Reply {
	r.t.Helper()
	reply, err := r.service.Handle(context.Background(), hotline.Message{
		Conversation: hotline.Conversation{Channel: "sms", From: from, To: "+13125550100"}, ID: id, Text: text,
	})
	if err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	r.clock.Advance(time.Minute)
	return reply
}

// reasons are the reasons NeedsPerson was told, in order.
func (c *counts) reasons() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.needsPerson...)
}

// TestNoticeDelivered: a person who gives up on the ZIP code question and asks
// for someone: the step queues exactly one email, to the coordinator, under
// "notice:" and its reference; the outbox delivers it over SMTP with the
// callback number and none of what the person wrote; asking again queues
// nothing more.
func TestNoticeDelivered(t *testing.T) {
	r := newRig(t, 0)
	logs := r.withCoordinator("Intake Coordinator <coordinator@example.org>")
	srv := smtpserver.Start(t, smtpserver.Options{})
	const from = "+13125550147"
	var notice *hotline.Notice
	for i, text := range []string{"hi", "1", "yes", "no", "Maria Secretname", "Calle Falsa 123", "AGENT", "agent"} {
		reply := r.handle(from, fmt.Sprint("SM", i), text)
		switch {
		case i == 6 && reply.Notice == nil:
			t.Fatalf("AGENT raised no notice")
		case i == 6:
			notice = reply.Notice
		case reply.Notice != nil:
			t.Errorf("message %d (%q) raised a notice too: %+v", i, text, *reply.Notice)
		}
	}
	if got := r.counts.reasons(); !reflect.DeepEqual(got, []string{hotline.NoticeAsked}) {
		t.Errorf("NeedsPerson counted %q, want one %q", got, hotline.NoticeAsked)
	}
	// Queued under its own reference, beside the conversation.
	_, job := r.job("notice:" + notice.Ref)
	if job["kind"] != bot.EmailNotice || job["ref"] != notice.Ref {
		t.Errorf("the queued job = kind %v, ref %v; want a notice of %s", job["kind"], job["ref"], notice.Ref)
	}

	m := deliverOne(t, r, srv)
	if len(m.To) != 1 || m.To[0] != "coordinator@example.org" {
		t.Errorf("To = %v; want the coordinator", m.To)
	}
	if subject := decodeHeader(t, m.Header.Get("Subject")); subject != "[Hotline] Needs a person · "+notice.Ref {
		t.Errorf("Subject = %q", subject)
	}
	if got := m.Header.Get("X-Hotline-Reference"); got != notice.Ref {
		t.Errorf("X-Hotline-Reference = %q, want %s", got, notice.Ref)
	}
	if !strings.Contains(m.MessageID(), notice.Ref) || !strings.HasSuffix(m.MessageID(), "@example.org") {
		t.Errorf("Message-ID %q is not derived from %s", m.MessageID(), notice.Ref)
	}
	body := decodedBody(t, m)
	for _, want := range []string{"(312) 555-0147", "ZIP code", `href="tel:+13125550147"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the notice lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{"Secretname", "Falsa"} {
		if strings.Contains(body, secret) {
			t.Errorf("the notice holds what the person wrote (%q)", secret)
		}
	}
	if sent, _, _, _ := r.counts.snapshot(); sent != 1 {
		t.Errorf("EmailSent = %d, want 1", sent)
	}
	// Delivered once: nothing more to send.
	r.clock.Advance(time.Hour)
	if n := r.outbox(smtpSender(t, srv), time.Minute).Work(context.Background()); n != 0 || len(srv.Messages()) != 1 {
		t.Errorf("a second pass sent again (%d jobs, %d emails)", n, len(srv.Messages()))
	}
	// Personal data stays out of the logs.
	if out := logs.String(); strings.Contains(out, "555-0147") || strings.Contains(out, "5550147") || strings.Contains(out, "Secretname") {
		t.Errorf("the logs hold personal data:\n%s", out)
	}
}

// TestNoticeWithoutCoordinator: with no coordinator address, the conversation
// still needs a person and is counted, nothing is queued, and a warning names
// the reference and reason only.
func TestNoticeWithoutCoordinator(t *testing.T) {
	r := newRig(t, 0)
	logs := r.withCoordinator("")
	const from = "+13125550148"
	var reply bot.Reply
	for i, text := range []string{"hi", "1", "agent"} {
		reply = r.handle(from, fmt.Sprint("SM", i), text)
	}
	if reply.Notice == nil {
		t.Fatal("AGENT raised no notice")
	}
	if got := r.counts.reasons(); !reflect.DeepEqual(got, []string{hotline.NoticeAsked}) {
		t.Errorf("NeedsPerson counted %q, want one %q", got, hotline.NoticeAsked)
	}
	if depth, _, err := r.store.OutboxStats(context.Background()); err != nil || depth != 0 {
		t.Errorf("OutboxStats = %d, %v; want nothing queued", depth, err)
	}
	out := logs.String()
	var warning string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"WARN"`) && strings.Contains(line, "no coordinator address") {
			warning = line
		}
	}
	if warning == "" || !strings.Contains(warning, `"ref":"`+reply.Notice.Ref+`"`) || !strings.Contains(warning, `"reason":"asked"`) {
		t.Errorf("no warning naming %s and its reason:\n%s", reply.Notice.Ref, out)
	}
	if strings.Contains(out, "5550148") || strings.Contains(out, "555-0148") {
		t.Errorf("the logs hold the person's number:\n%s", out)
	}
}

// TestNoticeRefused: a notice the mail server refuses for good goes to the dead
// letters, is counted and logged at error level with its reference, and alerts
// nobody: the alert machinery is for referrals.
func TestNoticeRefused(t *testing.T) {
	r := newRig(t, 0)
	logs := r.withCoordinator("coordinator@example.org")
	srv := smtpserver.Start(t, smtpserver.Options{})
	srv.Refuse(smtpserver.Data, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, smtpserver.Always)
	var reply bot.Reply
	for i, text := range []string{"hi", "1", "yes", "no", "x", "y", "z"} {
		reply = r.handle("+13125550149", fmt.Sprint("SM", i), text)
	}
	if reply.Notice == nil || reply.Notice.Reason != hotline.NoticeNotUnderstood {
		t.Fatalf("three bad ZIP codes raised %+v; want a not_understood notice", reply.Notice)
	}
	ctx := context.Background()
	w := r.outbox(smtpSender(t, srv), time.Minute)
	if n := w.Work(ctx); n != 1 {
		t.Fatalf("Work handled %d jobs, want 1", n)
	}
	r.clock.Advance(time.Hour)
	if n := w.Work(ctx); n != 0 {
		t.Errorf("after the refusal, %d more jobs (an alert?); want none", n)
	}
	if msgs := srv.Messages(); len(msgs) != 0 {
		t.Errorf("%d emails sent; want none", len(msgs))
	}
	if _, _, dead, _ := r.counts.snapshot(); dead != 1 {
		t.Errorf("EmailDead = %d, want 1", dead)
	}
	if n := r.rdb.Exists(ctx, deadKey(t, r, "notice:"+reply.Notice.Ref)).Val(); n != 1 {
		t.Errorf("no dead letter for notice:%s", reply.Notice.Ref)
	}
	var logged bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, `"ref":"notice:`+reply.Notice.Ref+`"`) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no error logged with the notice's reference:\n%s", logs.String())
	}
}

// decodedBody is the text of every part of an email, decoded from its
// Content-Transfer-Encoding, so that a test can look for a link that quoted-
// printable would break across lines.
func decodedBody(t *testing.T, m smtpserver.Message) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
}

// deadKey finds the key of ref's dead letter, in whichever shard holds it.
func deadKey(t *testing.T, r *rig, ref string) string {
	t.Helper()
	keys, err := r.rdb.Keys(context.Background(), "test:*dead:"+ref).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("dead letters of %s: %v, %v", ref, keys, err)
	}
	return keys[0]
}
