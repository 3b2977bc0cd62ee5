package bot_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/bot/mailer"
	"github.com/hotline-legal/hotline/bot/memstore"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/storetest"
	"github.com/hotline-legal/hotline/internal/testkit/handoffserver"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/pack"
)

// handoffSecret is the Tenant Rights Clinic's signing key in the tests'
// environment.
const handoffSecret = "tenant-clinic-0123456789abcdef-0123456789"

// byHand is the screening that ends at the Tenant Rights Clinic, not urgent,
// with the income as "500 a week".
var byHand = []string{"hi", "1", "yes", "no", "60612", "1", "no", "no", "Acme Properties", "3", "500 a week", "Maria", "yes", "yes", "yes"}

// handoffRig is the service and the outbox on a store, with the sample pack's
// Tenant Rights Clinic taking hand-offs at a real receiver, and a real SMTP
// server.
type handoffRig struct {
	t       *testing.T
	clock   *clock
	store   storetest.Store
	rdb     *redis.Client // nil for memstore
	service *bot.Service
	outbox  *bot.Outbox
	recv    *handoffserver.Server
	mail    *smtpserver.Server
	counts  *counts
	logs    *logBuffer
	// env is the outbox's environment.
	env map[string]string
}

// opener opens a store with its shards, and its Redis client (nil for none).
type opener func(t *testing.T, now func() time.Time) (storetest.Store, int, *redis.Client)

// stores are the two stores the hand-off runs on: Redis (a real
// redis-server) and memory.
func stores() map[string]opener {
	return map[string]opener{
		"redis": func(t *testing.T, _ func() time.Time) (storetest.Store, int, *redis.Client) {
			rdb := redisserver.Start(t).Client()
			return redisstore.New(rdb, "test:"), redisstore.Shards, rdb
		},
		"memory": func(_ *testing.T, now func() time.Time) (storetest.Store, int, *redis.Client) {
			return memstore.New(now), memstore.Shards, nil
		},
	}
}

// rigOptions are how a hand-off rig differs.
type rigOptions struct {
	// noEmail is the clinic's handoff: email: false.
	noEmail bool
	// client makes the hand-off client: its AllowPrivate must be on for the
	// tests' receivers on 127.0.0.1 to be reached (onLoopback).
	client handoff.ClientOptions
	// mailer, when set, wraps the outbox's SMTP sender.
	mailer func(bot.Mailer) bot.Mailer
	// maxRetry is the outbox's MaxRetry; 0 for 15 minutes.
	maxRetry time.Duration
}

// onLoopback is a hand-off client whose POSTs, each bounded by timeout, may
// reach the tests' receivers on 127.0.0.1, as HOTLINE_HANDOFF_ALLOW_PRIVATE=1
// lets them.
func onLoopback(timeout time.Duration) handoff.ClientOptions {
	return handoff.ClientOptions{Timeout: timeout, AllowPrivate: true}
}

// newHandoffRig builds the rig.
func newHandoffRig(t *testing.T, open opener, o rigOptions) *handoffRig {
	t.Helper()
	r := &handoffRig{t: t, recv: handoffserver.Start(t), mail: smtpserver.Start(t, smtpserver.Options{}), counts: &counts{},
		logs: &logBuffer{}, env: map[string]string{"TENANT_CLINIC_HANDOFF_SECRET": handoffSecret}}
	block := "    handoff:\n      url: " + r.recv.URL + "\n      secret_env: TENANT_CLINIC_HANDOFF_SECRET\n"
	if o.noEmail {
		block += "      email: false\n"
	}
	var send bot.Mailer = smtpSender(t, r.mail)
	if o.mailer != nil {
		send = o.mailer(send)
	}
	if o.maxRetry == 0 {
		o.maxRetry = 15 * time.Minute
	}
	p := editedPack(t, map[string][2]string{"directory.yaml": {"    response_time: 1 business day\n", "    response_time: 1 business day\n" + block}})
	r.clock = &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, p.Flow.Location)}
	store, shards, rdb := open(t, r.clock.Now)
	r.store, r.rdb = store, rdb
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.service = must(bot.New(bot.Options{
		Store: store, Keys: testKeys, Pack: func() *pack.Pack { return p }, Now: r.clock.Now, Random: rand.Reader, Log: log,
		Observer: r.counts, Retention: 7 * 24 * time.Hour, EmailFrom: testFrom, EmailDomain: "example.org",
	}))
	r.outbox = must(bot.NewOutbox(bot.OutboxOptions{
		Store: store, Shards: shards, Mailer: send, Permanent: mailer.IsPermanent,
		Pack: func() *pack.Pack { return p }, Now: r.clock.Now, Log: log, Observer: r.counts, From: testFrom,
		Domain: "example.org", Coordinator: "coordinator@example.org", Retention: 720 * time.Hour,
		FirstRetry: 5 * time.Second, MaxRetry: o.maxRetry, GiveUpAfter: 24 * time.Hour, Lease: time.Minute,
		Poll:   10 * time.Millisecond,
		Poster: &handoff.Poster{Client: handoff.NewClient(o.client), Getenv: func(k string) string { return r.env[k] }},
	}))
	return r
}

// conversation is the tests' SMS conversation from a number.
func conversation(from string) hotline.Conversation {
	return hotline.Conversation{Channel: "sms", From: from, To: "+13125550100"}
}

// screen runs a script and returns the referral's reference.
func (r *handoffRig) screen(from string, script ...string) string {
	r.t.Helper()
	var last []string
	for i, text := range script {
		reply, err := r.service.Handle(context.Background(), hotline.Message{
			Conversation: conversation(from), ID: from + "-" + time.Duration(i).String(), Text: text,
		})
		if err != nil {
			r.t.Fatalf("%q: %v", text, err)
		}
		last = reply.Messages
		r.clock.Advance(time.Minute)
	}
	return reference(r.t, last)
}

// work runs the outbox once and returns how many jobs it handled.
func (r *handoffRig) work() int { return r.outbox.Work(context.Background()) }

// TestHandoffDelivered: a referral to an organization that takes hand-offs
// queues its email and its hand-off together; the email goes, the hand-off's
// first attempt gets a 500 and is retried with the outbox's backoff, and the
// second is taken: one delivery, signed over the exact body, which follows
// the schema and carries the reference, the opposing party and the callback;
// both attempts sent the same bytes under the same Idempotency-Key. Nothing
// in the store holds the signing key, and the logs hold no personal data.
func TestHandoffDelivered(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{client: onLoopback(5 * time.Second)})
			r.recv.Answer(500)
			ref := r.screen("+13125550142", byHand...)
			if q, err := r.store.Queued(context.Background(), testKeys.Of(conversation("+13125550142")), ref); err != nil || !q {
				t.Errorf("Queued = %v, %v; want true", q, err)
			}
			if rdb := r.rdb; rdb != nil {
				// Every value the referral left in Redis: the job holds the
				// key's name, never the key.
				ctx := context.Background()
				keys := rdb.Keys(ctx, "*").Val()
				for _, k := range keys {
					dump := rdb.Dump(ctx, k).Val()
					if strings.Contains(dump, handoffSecret) {
						t.Errorf("%s holds the signing key", k)
					}
					if strings.Contains(k, "jobs") && !strings.Contains(strings.Join(rdb.HVals(ctx, k).Val(), ""), "TENANT_CLINIC_HANDOFF_SECRET") {
						t.Errorf("%s: the hand-off job does not name its key's variable", k)
					}
				}
				if len(keys) == 0 {
					t.Error("nothing in Redis")
				}
			}
			if n := r.work(); n != 2 {
				t.Fatalf("the first pass handled %d jobs, want 2 (the email and the hand-off)", n)
			}
			if msgs := r.mail.Messages(); len(msgs) != 1 || msgs[0].To[0] != "intake.tenants@example.org" {
				t.Fatalf("emails %+v; want the referral email", msgs)
			}
			if got := len(r.recv.Requests()); got != 1 {
				t.Fatalf("%d hand-off attempts, want 1", got)
			}
			r.work() // not due yet
			r.clock.Advance(5 * time.Second)
			if n := r.work(); n != 1 {
				t.Fatalf("the retry handled %d jobs, want 1", n)
			}
			r.clock.Advance(time.Hour)
			r.work() // nothing left
			reqs, taken := r.recv.Requests(), r.recv.Taken()
			if len(reqs) != 2 || len(taken) != 1 {
				t.Fatalf("%d attempts, %d taken; want 2 and 1", len(reqs), len(taken))
			}
			if string(reqs[0].Body) != string(reqs[1].Body) || reqs[0].Header.Get("Idempotency-Key") != ref || reqs[1].Header.Get("Idempotency-Key") != ref {
				t.Errorf("the retry sent other bytes or another key:\n%s\n%s", reqs[0].Body, reqs[1].Body)
			}
			if problems := handoffserver.Verify(t, taken[0], handoffSecret); len(problems) > 0 {
				t.Errorf("the delivery: %v\n%s", problems, taken[0].Body)
			}
			body := string(taken[0].Body)
			for _, want := range []string{`"reference":"` + ref + `"`, `"opposing_party":"Acme Properties"`, `"callback":"+13125550142"`,
				`"organization":{"id":"tenant-clinic"`, `"monthly_cents":216667`} {
				if !strings.Contains(body, want) {
					t.Errorf("the body lacks %s:\n%s", want, body)
				}
			}
			// The person answered "500 a week": the income as given, beside
			// its reading per month.
			if !strings.Contains(body, `"as_given":"500 a week"`) {
				t.Errorf("the body does not carry the income as given (\"500 a week\"):\n%s", body)
			}
			if s, re, d, _ := r.counts.snapshot(); s != 2 || re != 1 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 2, 1, 0", s, re, d)
			}
			if q, err := r.store.Queued(context.Background(), testKeys.Of(conversation("+13125550142")), ref); err != nil || q {
				t.Errorf("Queued after delivery = %v, %v; want false", q, err)
			}
			for _, never := range []string{"Maria", "Acme", "555-0142", "5550142", handoffSecret} {
				if strings.Contains(r.logs.String(), never) {
					t.Errorf("the logs hold %q:\n%s", never, r.logs)
				}
			}
		})
	}
}

// TestHandoffRefused: a 400 is permanent: the hand-off goes to the dead
// letters at once and the coordinator gets an alert (by real SMTP) with the
// referral, what failed, and what the server said; the referral email still
// goes. The logs say what failed without what the server said (it echoes the
// person's data).
func TestHandoffRefused(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{client: onLoopback(5 * time.Second)})
			r.recv.Answer(400)
			ref := r.screen("+13125550143", byHand...)
			r.work() // the email goes, the hand-off is refused for good, its alert queued
			r.work() // the alert goes
			r.clock.Advance(time.Hour)
			r.work()
			if n := len(r.recv.Requests()); n != 1 {
				t.Errorf("%d attempts; want 1: a 400 is not retried", n)
			}
			msgs := r.mail.Messages()
			if len(msgs) != 2 {
				t.Fatalf("%d emails; want the referral and the alert", len(msgs))
			}
			var alert, referral smtpserver.Message
			for _, m := range msgs {
				switch m.To[0] {
				case "coordinator@example.org":
					alert = m
				case "intake.tenants@example.org":
					referral = m
				}
			}
			if !strings.Contains(referral.MessageID(), ref) || alert.MessageID() == "" {
				t.Errorf("emails to %v, %v; want the referral email (%s) to the clinic, and the alert to the coordinator", msgs[0].To, msgs[1].To, ref)
			}
			host := strings.TrimPrefix(strings.TrimSuffix(r.recv.URL, "/hotline"), "http://")
			text := unfold(alert.Data)
			for _, want := range []string{ref, "(312) 555-0111", "JSON hand-off to " + host + ": HTTP 400 Bad Request", "refused:"} {
				if !strings.Contains(text, want) {
					t.Errorf("the alert lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(alert.MessageID(), "alert-handoff-"+ref) {
				t.Errorf("the alert's Message-ID %q", alert.MessageID())
			}
			if s, _, d, _ := r.counts.snapshot(); s != 2 || d != 1 {
				t.Errorf("sent %d, dead %d; want 2 (the email and the alert), 1", s, d)
			}
			if !strings.Contains(r.logs.String(), "HTTP 400 Bad Request") || strings.Contains(r.logs.String(), "refused:") {
				t.Errorf("the logs should say the status and not what the server said:\n%s", r.logs)
			}
			if rs, ok := r.store.(*redisstore.Store); ok {
				if _, dead, err := rs.Delivery(context.Background(), ref); err != nil || dead {
					t.Errorf("the referral email is dead (%v): only the hand-off failed", err)
				}
			}
		})
	}
}

// TestHandoffRetried: a 429, a server that does not answer in time, and a
// signing key missing from the environment (logged at error level) are all
// retried; once all is well it is delivered once.
func TestHandoffRetried(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{client: onLoopback(300 * time.Millisecond)})
			r.recv.Answer(429, handoffserver.Hang)
			r.screen("+13125550144", byHand...)
			r.work() // the email, and the hand-off's 429
			r.clock.Advance(5 * time.Second)
			r.work() // no answer in time
			delete(r.env, "TENANT_CLINIC_HANDOFF_SECRET")
			r.clock.Advance(10 * time.Second)
			r.work() // no key: nothing sent
			if n := len(r.recv.Requests()); n != 2 {
				t.Fatalf("%d attempts reached the server; want 2 (none without a key)", n)
			}
			if !strings.Contains(r.logs.String(), `"level":"ERROR"`) || !strings.Contains(r.logs.String(), "TENANT_CLINIC_HANDOFF_SECRET") {
				t.Errorf("a missing key is not logged at error level with its name:\n%s", r.logs)
			}
			r.env["TENANT_CLINIC_HANDOFF_SECRET"] = handoffSecret
			r.clock.Advance(20 * time.Second)
			r.work()
			r.clock.Advance(time.Hour)
			r.work()
			if taken := r.recv.Taken(); len(taken) != 1 || len(r.recv.Requests()) != 3 {
				t.Fatalf("%d attempts, %d taken; want 3 and 1", len(r.recv.Requests()), len(taken))
			}
			if s, re, d, _ := r.counts.snapshot(); s != 2 || re != 3 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 2, 3, 0", s, re, d)
			}
		})
	}
}

// TestHandoffOnly: an organization with handoff: email: false gets no
// email, only the hand-off; a STOP while it waits says the referral will
// still be sent; given up on, the coordinator's alert says that no email
// went either.
func TestHandoffOnly(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{noEmail: true, client: onLoopback(5 * time.Second)})
			r.recv.Answer(404)
			from := "+13125550145"
			ref := r.screen(from, byHand...)
			reply, err := r.service.Handle(context.Background(), hotline.Message{Conversation: conversation(from), ID: "stop", Text: "STOP"})
			if err != nil || !strings.Contains(strings.Join(reply.Messages, " "), ref) {
				t.Errorf("STOP while the hand-off waits: %q, %v; want it to say %s will still be sent", reply.Messages, err, ref)
			}
			r.work() // the hand-off alone, refused; then its alert
			r.clock.Advance(time.Hour)
			r.work()
			if n := len(r.recv.Requests()); n != 1 {
				t.Errorf("%d attempts; want 1: a 404 is not retried", n)
			}
			msgs := r.mail.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "coordinator@example.org" {
				t.Fatalf("emails %+v; want only the coordinator's alert", msgs)
			}
			if text := unfold(msgs[0].Data); !strings.Contains(text, "HTTP 404 Not Found") || !strings.Contains(text, "no referral email was sent either") {
				t.Errorf("the alert does not say what failed and that no email went:\n%s", text)
			}
		})
	}
}

// heldMailer records, as each email is sent, how many hand-offs its
// receiver is holding unanswered then (waiting a little for one to come:
// a hand-off posted beside the email may not have reached the receiver
// yet), then releases them.
type heldMailer struct {
	bot.Mailer
	recv *handoffserver.Server
	mu   sync.Mutex
	held []int
}

func (m *heldMailer) Send(ctx context.Context, msg email.Message) error {
	n := m.recv.WaitHeld(1, 5*time.Second)
	m.mu.Lock()
	m.held = append(m.held, n)
	m.mu.Unlock()
	err := m.Mailer.Send(ctx, msg)
	m.recv.Release()
	return err
}

// TestHandoffHangHoldsNoEmail: an organization's server that holds a
// hand-off unanswered does not hold up the emails behind it: a referral
// email queued after the hand-off, in the same shard, goes in the same pass
// of the outbox while the hand-off's request is still open, and when Work
// returns both outcomes are recorded.
func TestHandoffHangHoldsNoEmail(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			var held *heldMailer
			r := newHandoffRig(t, open, rigOptions{noEmail: true, client: onLoopback(3 * time.Second),
				mailer: func(m bot.Mailer) bot.Mailer { held = &heldMailer{Mailer: m}; return held }})
			held.recv = r.recv
			r.recv.Answer(handoffserver.Hang)
			from := "+13125550146"
			ref := r.screen(from, byHand...) // the hand-off alone: the clinic takes no email
			// A referral email queued after it in the same conversation,
			// hence the same shard, due after it.
			r.clock.Advance(time.Minute)
			conv := testKeys.Of(conversation(from))
			snap, err := r.store.Load(context.Background(), conv, "")
			if err != nil {
				t.Fatal(err)
			}
			later := &bot.Email{Kind: bot.EmailReferral, ID: "0123456789abcdef", Reference: ref + "Z", OrgID: "example-legal-aid", Created: r.clock.Now(),
				Message: email.Message{MessageID: ref + "Z.0123456789abcdef@example.org", Ref: ref + "Z", From: testFrom, To: "intake@example.org",
					Subject: "Referral " + ref + "Z", Date: r.clock.Now(), Text: "A referral.\n", HTML: "<p>A referral.</p>"}}
			if _, ok, err := r.store.Commit(context.Background(), conv, "later", bot.Change{Version: snap.Version, State: snap.State,
				TTL: time.Hour, Email: later, Now: r.clock.Now()}); err != nil || !ok {
				t.Fatalf("queueing the later email: %v, %v", ok, err)
			}
			if n := r.work(); n != 2 {
				t.Fatalf("the pass handled %d jobs, want 2 (the hand-off and the email)", n)
			}
			held.mu.Lock()
			got := append([]int(nil), held.held...)
			held.mu.Unlock()
			if len(got) != 1 || got[0] != 1 {
				t.Errorf("hand-offs held open as the email went: %v; want [1]: the email waited for the hung hand-off", got)
			}
			if msgs := r.mail.Messages(); len(msgs) != 1 || msgs[0].To[0] != "intake@example.org" {
				t.Errorf("emails %+v; want the later referral email", msgs)
			}
			// Recorded by the time Work returned: the email sent, the
			// hand-off (answered 503 once released) to retry.
			if s, re, d, _ := r.counts.snapshot(); s != 1 || re != 1 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 1, 1, 0", s, re, d)
			}
			if n := len(r.recv.Requests()); n != 1 {
				t.Errorf("%d hand-off attempts, want 1", n)
			}
		})
	}
}

// TestHandoffPrivateRefused: without HOTLINE_HANDOFF_ALLOW_PRIVATE, a
// hand-off whose URL leads to 127.0.0.1 is refused when it would connect:
// the receiver gets nothing, the hand-off goes to the dead letters at once,
// and the coordinator's alert says what to set; the referral email goes.
func TestHandoffPrivateRefused(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{client: handoff.ClientOptions{Timeout: 5 * time.Second}})
			ref := r.screen("+13125550147", byHand...)
			r.work() // the email goes, the hand-off is refused, its alert queued
			r.work() // the alert goes
			r.clock.Advance(time.Hour)
			r.work()
			if n := len(r.recv.Requests()); n != 0 {
				t.Errorf("the receiver got %d requests; want none", n)
			}
			var alert, referral string
			for _, m := range r.mail.Messages() {
				switch m.To[0] {
				case "coordinator@example.org":
					alert = unfold(m.Data)
				case "intake.tenants@example.org":
					referral = m.MessageID()
				}
			}
			if !strings.Contains(referral, ref) {
				t.Errorf("no referral email %s to the clinic", ref)
			}
			want := "the hand-off URL resolves to a private address; set HOTLINE_HANDOFF_ALLOW_PRIVATE=1 if the intake system is on your network"
			if !strings.Contains(strings.Join(strings.Fields(alert), " "), want) || !strings.Contains(alert, ref) {
				t.Errorf("the coordinator's alert does not say %q about %s:\n%s", want, ref, alert)
			}
			if s, re, d, _ := r.counts.snapshot(); s != 2 || re != 0 || d != 1 {
				t.Errorf("sent %d, retried %d, dead %d; want 2 (the email and the alert), 0, 1", s, re, d)
			}
		})
	}
}

// TestHandoffRetryAfter: a 429 or a 503 with Retry-After (seconds) is tried
// again when the server asked, not on the outbox's backoff; a wait longer
// than the outbox's MaxRetry is cut to it.
func TestHandoffRetryAfter(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newHandoffRig(t, open, rigOptions{client: onLoopback(5 * time.Second), maxRetry: 15 * time.Minute})
			r.recv.Answer(429)
			r.recv.SetHeader("Retry-After", "120")
			r.screen("+13125550148", byHand...)
			attempts := func(want int, when string) {
				t.Helper()
				if n := len(r.recv.Requests()); n != want {
					t.Fatalf("%s: %d attempts, want %d", when, n, want)
				}
			}
			r.work() // the email, and the hand-off's 429: back in 120 s
			attempts(1, "the first pass")
			r.clock.Advance(119 * time.Second) // past the backoff's 5 s and 10 s
			r.work()
			attempts(1, "119 s later")
			r.clock.Advance(time.Second)
			r.recv.Answer(503)
			r.recv.SetHeader("Retry-After", "7200")
			r.work() // a 503 asking for 2 hours: back in MaxRetry, 15 minutes
			attempts(2, "120 s later")
			r.clock.Advance(15*time.Minute - time.Second)
			r.work()
			attempts(2, "15 minutes less a second later")
			r.clock.Advance(time.Second)
			r.work()
			attempts(3, "15 minutes later")
			if taken := r.recv.Taken(); len(taken) != 1 {
				t.Errorf("%d taken, want 1", len(taken))
			}
			if s, re, d, _ := r.counts.snapshot(); s != 2 || re != 2 || d != 0 {
				t.Errorf("sent %d, retried %d, dead %d; want 2, 2, 0", s, re, d)
			}
		})
	}
}

// unfold undoes quoted-printable's soft line breaks and "=3D", enough to read
// an email's text.
func unfold(data []byte) string {
	s := strings.ReplaceAll(string(data), "=\r\n", "")
	s = strings.ReplaceAll(s, "=\n", "")
	return strings.ReplaceAll(s, "=3D", "=")
}
