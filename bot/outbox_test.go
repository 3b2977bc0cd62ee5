package bot_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
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
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/pack"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counts records what the workers report.
type counts struct {
	mu                                      sync.Mutex
	sent, retried, dead, reminders, errored int
	errs                                    []string
	needsPerson                             []string // the reasons counted
	circuit                                 []bool   // the breaker's openings (true) and closings
}

func (c *counts) MessageIn(string)            {}
func (c *counts) MessagesOut(string, int)     {}
func (c *counts) Duplicate(string)            {}
func (c *counts) Step(time.Duration)          {}
func (c *counts) OptOut(string)               {}
func (c *counts) Referral(string)             {}
func (c *counts) Outbox(int64, time.Duration) {}
func (c *counts) EmailSent(string)            { c.add(&c.sent) }
func (c *counts) EmailRetried(string)         { c.add(&c.retried) }
func (c *counts) EmailDead(string)            { c.add(&c.dead) }
func (c *counts) ReminderSent()               { c.add(&c.reminders) }
func (c *counts) Error(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errored++
	c.errs = append(c.errs, kind)
}
func (c *counts) NeedsPerson(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.needsPerson = append(c.needsPerson, reason)
}
func (c *counts) Circuit(open bool) { c.mu.Lock(); c.circuit = append(c.circuit, open); c.mu.Unlock() }
func (c *counts) add(n *int)        { c.mu.Lock(); *n++; c.mu.Unlock() }
func (c *counts) get(n *int) int    { c.mu.Lock(); defer c.mu.Unlock(); return *n }
func (c *counts) snapshot() (s, r, d, rem int) {
	return c.get(&c.sent), c.get(&c.retried), c.get(&c.dead), c.get(&c.reminders)
}
func (c *counts) errorKinds() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errs, ",")
}
func (c *counts) DeliveryStatus(string) {}
func (c *counts) PackReload(bool)       {}

// rig is the service and its workers over a private redis-server.
type rig struct {
	t       *testing.T
	clock   *clock
	rdb     *redis.Client
	store   *redisstore.Store
	service *bot.Service
	pack    *pack.Pack
	counts  *counts
	log     *slog.Logger
}

func newRig(t *testing.T, reminderDelay time.Duration) *rig {
	t.Helper()
	sample, _, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redisserver.Start(t).Client()
	r := &rig{
		t:      t,
		clock:  &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, sample.Flow.Location)},
		rdb:    rdb,
		store:  redisstore.New(rdb, "test:"),
		pack:   sample,
		counts: &counts{},
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	r.service = must(bot.New(bot.Options{
		Store: r.store, Keys: testKeys, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log, Observer: r.counts,
		Retention: 7 * 24 * time.Hour, ReminderDelay: reminderDelay, EmailFrom: testFrom, EmailDomain: "example.org",
	}))
	return r
}

func (r *rig) packFn() *pack.Pack { return r.pack }

// testFrom is the sender of the tests' emails.
const testFrom = "Legal Aid Hotline <hotline@example.org>"

// must returns v, and panics on an error: a constructor refusing the tests' own
// settings is a bug in the tests.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// screen sends a script from one number and returns the last replies.
func (r *rig) screen(from string, script ...string) []string {
	r.t.Helper()
	var last []string
	for i, text := range script {
		reply, err := r.service.Handle(context.Background(), hotline.Message{
			Conversation: hotline.Conversation{Channel: "sms", From: from, To: "+13125550100"},
			ID:           from + "-" + text + "-" + time.Duration(i).String() + r.clock.Now().String(), Text: text,
		})
		if err != nil {
			r.t.Fatalf("%q: %v", text, err)
		}
		last = reply.Messages
		r.clock.Advance(time.Minute)
	}
	return last
}

// english is the English screening (court date 5 days after the clock).
var english = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

func (r *rig) outbox(m bot.Mailer, lease time.Duration) *bot.Outbox {
	return must(bot.NewOutbox(bot.OutboxOptions{
		Store: r.store, Shards: redisstore.Shards, Mailer: m, Permanent: mailer.IsPermanent, Pack: r.packFn,
		Now: r.clock.Now, Log: r.log, Observer: r.counts, From: testFrom,
		Domain: "example.org", Coordinator: "coordinator@example.org", Retention: 720 * time.Hour,
		FirstRetry: 5 * time.Second, MaxRetry: 15 * time.Minute, GiveUpAfter: 24 * time.Hour, Lease: lease,
		Poll: 10 * time.Millisecond,
	}))
}

// deliverOne runs the outbox once over real SMTP and returns the one email
// it must have sent.
func deliverOne(t *testing.T, r *rig, srv *smtpserver.Server) smtpserver.Message {
	t.Helper()
	w := r.outbox(smtpSender(t, srv), time.Minute)
	if n := w.Work(context.Background()); n != 1 {
		t.Fatalf("Work handled %d jobs, want 1", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	return msgs[0]
}

func smtpSender(t *testing.T, s *smtpserver.Server) bot.Mailer {
	m, err := mailer.New(s.SMTP(), "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReferralEmailDelivered(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	last := r.screen("+13125550142", english...)
	ref := reference(t, last)
	m := deliverOne(t, r, srv)
	if len(m.To) != 1 || m.To[0] != "intake.tenants@example.org" {
		t.Errorf("To = %v", m.To)
	}
	subject := decodeHeader(t, m.Header.Get("Subject"))
	if !strings.Contains(subject, "[Hotline referral "+ref+"]") || !strings.Contains(subject, "URGENT") {
		t.Errorf("Subject = %q", subject)
	}
	body := string(m.Data)
	for _, want := range []string{"(312) 555-0142", "Acme Properties"} {
		if !strings.Contains(body, want) {
			t.Errorf("the email lacks %q", want)
		}
	}
	if !strings.Contains(m.MessageID(), ref) {
		t.Errorf("Message-ID %q is not derived from %s", m.MessageID(), ref)
	}
	// Nothing more to send; the delivered record is kept for the retention time only.
	r.clock.Advance(time.Hour)
	if n := r.outbox(smtpSender(t, srv), time.Minute).Work(context.Background()); n != 0 || len(srv.Messages()) != 1 {
		t.Errorf("a second pass sent again (%d jobs, %d emails)", n, len(srv.Messages()))
	}
	if sent, _, err := r.store.Delivery(context.Background(), ref); !sent || err != nil {
		t.Errorf("no sent marker for %s (%v)", ref, err)
	}
}

// TestReferralEmailReplyTo: with a coordinator's address, a referral email's
// Reply-To is that address, so that intake staff who reply reach a person;
// without one, there is no Reply-To.
func TestReferralEmailReplyTo(t *testing.T) {
	for _, coordinator := range []string{"coordinator@example.org", ""} {
		t.Run("coordinator "+coordinator, func(t *testing.T) {
			r := newRig(t, 0)
			r.withCoordinator(coordinator)
			srv := smtpserver.Start(t, smtpserver.Options{})
			r.screen("+13125550142", english...)
			m := deliverOne(t, r, srv)
			if got := strings.Trim(m.Header.Get("Reply-To"), "<>"); got != coordinator {
				t.Errorf("Reply-To = %q, want %q", got, coordinator)
			}
		})
	}
}

// job returns the outbox job of ref as stored, and the key of the hash it is in.
func (r *rig) job(ref string) (jobsKey string, job map[string]any) {
	r.t.Helper()
	ctx := context.Background()
	iter := r.rdb.Scan(ctx, 0, "test:*jobs", 0).Iterator()
	for iter.Next(ctx) {
		if r.rdb.HExists(ctx, iter.Val(), ref).Val() {
			jobsKey = iter.Val()
		}
	}
	if err := json.Unmarshal([]byte(r.rdb.HGet(ctx, jobsKey, ref).Val()), &job); err != nil {
		r.t.Fatalf("the job of %s in %q: %v", ref, jobsKey, err)
	}
	return jobsKey, job
}

// TestOlderBuildsJobDelivered: a referral queued by a build from before emails
// were rendered when the referral is made (a job of the referral alone, without
// "ref" or "message") is rendered and delivered after an upgrade, not dropped.
func TestOlderBuildsJobDelivered(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	ref := reference(t, r.screen("+13125550149", english...))
	ctx := context.Background()
	jobsKey, job := r.job(ref)
	for _, field := range []string{"ref", "org", "message"} { // what older builds did not write
		delete(job, field)
	}
	old, _ := json.Marshal(job)
	r.rdb.HSet(ctx, jobsKey, ref, old)

	w := r.outbox(smtpSender(t, srv), time.Minute)
	if n := w.Work(ctx); n != 1 {
		t.Fatalf("Work handled %d jobs, want 1", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !strings.Contains(decodeHeader(t, msgs[0].Header.Get("Subject")), ref) ||
		!strings.Contains(string(msgs[0].Data), "Acme Properties") || !strings.Contains(msgs[0].MessageID(), ref) {
		t.Fatalf("an older build's job gave %d emails: %+v", len(msgs), msgs)
	}
	if sent, dead, err := r.store.Delivery(ctx, ref); !sent || dead || err != nil {
		t.Errorf("Delivery(%s) = sent %v, dead %v, %v; want sent", ref, sent, dead, err)
	}
}

// TestOlderBuildsAlertDelivered: a coordinator's alert queued by such a build
// (the referral, whom to, how it failed; no "ref" or "message") reaches today's
// coordinator, not the dead letters.
func TestOlderBuildsAlertDelivered(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	ref := reference(t, r.screen("+13125550148", english...))
	ctx := context.Background()
	jobsKey, job := r.job(ref)
	old, _ := json.Marshal(map[string]any{ // an alert as older builds wrote it
		"kind": "alert", "id": job["id"], "attempts": 0, "created": job["created"], "to": "old-coordinator@example.org",
		"referral": job["referral"], "failed": 3, "failed_error": "550 5.1.1 no such user",
	})
	outboxKey := strings.TrimSuffix(jobsKey, "jobs") + "outbox"
	r.rdb.HDel(ctx, jobsKey, ref)
	r.rdb.ZRem(ctx, outboxKey, ref)
	r.rdb.HSet(ctx, jobsKey, "alert:"+ref, old)
	r.rdb.ZAdd(ctx, outboxKey, redis.Z{Score: 0, Member: "alert:" + ref})

	w := r.outbox(smtpSender(t, srv), time.Minute)
	if n := w.Work(ctx); n != 1 {
		t.Fatalf("Work handled %d jobs, want 1", n)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "coordinator@example.org" ||
		!strings.Contains(string(msgs[0].Data), "Acme Properties") {
		t.Fatalf("an older build's alert gave %d emails: %+v", len(msgs), msgs)
	}
}

// reference finds the H-XXXXX reference in the referral text.
func reference(t *testing.T, replies []string) string {
	t.Helper()
	text := strings.Join(replies, " ")
	i := strings.Index(text, "H-")
	if i < 0 || i+7 > len(text) {
		t.Fatalf("no reference in %q", text)
	}
	return text[i : i+7]
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	dec, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode %q: %v", v, err)
	}
	return dec
}

// TestRetryUntilDelivered: refused with 4xx twice, then accepted: one email.
func TestRetryUntilDelivered(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	srv.Refuse(smtpserver.Data, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}, 2)
	r.screen("+13125550143", english...)
	w := r.outbox(smtpSender(t, srv), time.Minute)
	ctx := context.Background()
	w.Work(ctx) // refused
	w.Work(ctx) // not due yet: nothing happens
	r.clock.Advance(5 * time.Second)
	w.Work(ctx) // refused again
	r.clock.Advance(9 * time.Second)
	w.Work(ctx) // the second wait is 10 s: still not due
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d emails before the server accepts", n)
	}
	r.clock.Advance(time.Second)
	w.Work(ctx)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d emails, want 1", n)
	}
	if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 2 || d != 0 {
		t.Errorf("sent %d, retried %d, dead %d; want 1, 2, 0", s, re, d)
	}
}

// TestSMTPDownThenUp: nothing listens when the referral is made; once the server
// comes up, the email arrives once.
func TestSMTPDownThenUp(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	m := smtpSender(t, srv)
	r.screen("+13125550144", english...)
	w := r.outbox(m, time.Minute)
	ctx := context.Background()
	for i := 0; i < 3; i++ { // 0 s, 5 s, 15 s: the server is down
		w.Work(ctx)
		r.clock.Advance(time.Duration(5<<i) * time.Second)
	}
	if err := srv.Restart(); err != nil { // up at 35 s, when the fourth attempt is due
		t.Fatal(err)
	}
	w.Work(ctx)
	if n := len(srv.WaitFor(1, time.Second)); n != 1 {
		t.Fatalf("%d emails after the server came up, want 1", n)
	}
	r.clock.Advance(time.Hour)
	w.Work(ctx)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d emails in the end, want 1", n)
	}
}

// TestPermanentFailure: a 5xx sends the referral to the dead letters and the
// coordinator an alert.
func TestPermanentFailure(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	srv.Refuse(smtpserver.Data, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, 1)
	last := r.screen("+13125550145", english...)
	ref := reference(t, last)
	w := r.outbox(smtpSender(t, srv), time.Minute)
	ctx := context.Background()
	w.Work(ctx) // refused for good; the alert is queued in its place
	w.Work(ctx) // the alert goes
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "coordinator@example.org" {
		t.Fatalf("emails %+v; want one alert to the coordinator", msgs)
	}
	body := string(msgs[0].Data)
	for _, want := range []string{ref, "(312) 555-0111", "no such mailbox"} {
		if !strings.Contains(body, want) {
			t.Errorf("the alert lacks %q", want)
		}
	}
	if _, dead, _ := r.store.Delivery(ctx, ref); !dead {
		t.Errorf("%s is not in the dead letters", ref)
	}
	if _, _, d, _ := r.counts.snapshot(); d != 1 {
		t.Errorf("dead = %d, want 1", d)
	}
}

// TestGiveUp: temporary failures for longer than RetryFor also end in the dead
// letters and an alert.
func TestGiveUp(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	srv.Refuse(smtpserver.Data, &smtp.SMTPError{Code: 421, Message: "busy"}, smtpserver.Always)
	r.screen("+13125550146", english...)
	w := r.outbox(smtpSender(t, srv), time.Minute)
	ctx := context.Background()
	attempts := 0
	for i := 0; i < 200 && r.counts.get(&r.counts.dead) == 0; i++ {
		attempts += w.Work(ctx)
		r.clock.Advance(15 * time.Minute)
	}
	if _, _, d, _ := r.counts.snapshot(); d != 1 {
		t.Fatalf("not given up after %d attempts", attempts)
	}
	// About 24 hours of retries, at most 15 minutes apart.
	if attempts < 90 || attempts > 110 {
		t.Errorf("%d attempts in 24 hours; want about 100", attempts)
	}
	srv.Accept()
	w.Work(ctx)
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].To[0] != "coordinator@example.org" {
		t.Errorf("after giving up, emails %v; want the alert", len(msgs))
	}
}

// crashingMailer sends, then "dies" before the worker can record it: it cancels
// the worker's context and reports the cancellation.
type crashingMailer struct {
	next   bot.Mailer
	cancel context.CancelFunc
}

func (c crashingMailer) Send(ctx context.Context, m email.Message) error {
	if err := c.next.Send(ctx, m); err != nil {
		return err
	}
	c.cancel()
	return context.Canceled
}

// TestCrashAfterSend: a worker dies after the server accepted the email but before
// it recorded that. Another worker takes the job when the lease ends; whatever it
// does, no email with a different Message-ID may reach the organization.
func TestCrashAfterSend(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	r.screen("+13125550147", english...)
	ctx, cancel := context.WithCancel(context.Background())
	r.outbox(crashingMailer{next: smtpSender(t, srv), cancel: cancel}, time.Minute).Work(ctx)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d emails from the crashing worker, want 1", n)
	}
	second := r.outbox(smtpSender(t, srv), time.Minute)
	second.Work(context.Background()) // still leased to the dead worker
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("the job was taken during its lease")
	}
	r.clock.Advance(time.Minute + time.Second)
	second.Work(context.Background())
	r.clock.Advance(time.Hour)
	second.Work(context.Background())
	msgs := srv.Messages()
	for _, m := range msgs {
		if m.MessageID() != msgs[0].MessageID() {
			t.Errorf("a second email with another Message-ID: %s and %s", msgs[0].MessageID(), m.MessageID())
		}
	}
	if len(msgs) > 2 {
		t.Errorf("%d emails; the resend must happen once at most", len(msgs))
	}
}

// TestWorkersShareTheOutbox: three workers at once deliver 30 referrals once each.
func TestWorkersShareTheOutbox(t *testing.T) {
	r := newRig(t, 0)
	srv := smtpserver.Start(t, smtpserver.Options{})
	for i := 0; i < 30; i++ {
		r.screen("+131255520"+string(rune('0'+i/10))+string(rune('0'+i%10)), english...)
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := r.outbox(smtpSender(t, srv), time.Minute)
			for j := 0; j < 5; j++ {
				w.Work(context.Background())
			}
		}()
	}
	wg.Wait()
	msgs := srv.Messages()
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.MessageID()] {
			t.Errorf("%s delivered twice", m.MessageID())
		}
		seen[m.MessageID()] = true
	}
	if len(seen) != 30 {
		t.Errorf("%d distinct emails, want 30", len(seen))
	}
}

// TestEMLFiles: without SMTP_URL the emails are written as .eml files.
func TestEMLFiles(t *testing.T) {
	r := newRig(t, 0)
	dir := t.TempDir()
	m, err := mailer.New(nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	r.screen("+13125550148", english...)
	r.outbox(m, time.Minute).Work(context.Background())
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("%d .eml files (%v), want 1", len(files), err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := netmail.ReadMessage(f)
	if err != nil {
		t.Fatalf("the .eml file does not parse: %v", err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "intake.tenants@example.org") {
		t.Errorf("To = %q", to)
	}
}

// lateStore commits, then reports a timeout, as when Redis answers after the
// client gave up.
type lateStore struct{ *redisstore.Store }

func (l lateStore) Commit(ctx context.Context, conv, msgID string, c bot.Change) (bot.Snapshot, bool, error) {
	now, ok, err := l.Store.Commit(ctx, conv, msgID, c)
	if err == nil && ok {
		return bot.Snapshot{}, false, context.DeadlineExceeded
	}
	return now, ok, err
}

// TestCommitTimedOutButApplied: a message whose commit reply was lost is found
// applied, and answered, instead of apologised for (the person would send the
// answer again, and it would answer the next question).
func TestCommitTimedOutButApplied(t *testing.T) {
	r := newRig(t, 0)
	svc := must(bot.New(bot.Options{
		Store: lateStore{r.store}, Keys: testKeys, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log,
		Observer: r.counts, Retention: time.Hour, CacheSize: -1, EmailFrom: testFrom,
	}))
	reply, err := svc.Handle(context.Background(), hotline.Message{
		Conversation: hotline.Conversation{Channel: "sms", From: "+13125550160", To: "+13125550100"}, ID: "SMlate", Text: "hi",
	})
	if err != nil || len(reply.Messages) != 1 || !strings.Contains(reply.Messages[0], "Reply 1 for English") {
		t.Errorf("Handle = %+v, %v; want the applied message's reply", reply, err)
	}
	// Without an id there is no telling: the error stands.
	if _, err := svc.Handle(context.Background(), hotline.Message{
		Conversation: hotline.Conversation{Channel: "web", From: "session"}, Text: "hi",
	}); err == nil {
		t.Errorf("a lost commit without a message id was not reported")
	}
}
