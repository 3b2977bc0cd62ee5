package bot_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/memstore"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// memRig is the conversation service on the in-memory store: fast enough for a
// table of whole conversations.
type memRig struct {
	t       *testing.T
	clock   *clock
	store   *memstore.Store
	service *bot.Service
}

// testKeys names the tests' conversations.
var testKeys = must(hotline.NewKeys([]byte("the tests' secret, 32 bytes long")))

func newMemRig(t *testing.T, o bot.Options) *memRig {
	t.Helper()
	sample, _, err := pack.Load(defaultpack.FS, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	r := &memRig{t: t, clock: &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, sample.Flow.Location)}}
	r.store = memstore.New(r.clock.Now)
	if o.Store == nil {
		o.Store = r.store
	}
	o.Pack, o.Keys = func() *pack.Pack { return sample }, testKeys
	o.Now, o.Log, o.Observer = r.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)), &counts{}
	if o.Random == nil {
		o.Random = rand.Reader
	}
	if o.EmailFrom == "" {
		o.EmailFrom = testFrom
	}
	if o.Retention == 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	r.service = must(bot.New(o))
	return r
}

// send applies one message and returns the replies joined by "|".
func (r *memRig) send(m hotline.Message) (string, bot.Reply) {
	r.t.Helper()
	reply, err := r.service.Handle(context.Background(), m)
	if err != nil {
		r.t.Fatalf("Handle(%q): %v", m.Text, err)
	}
	r.clock.Advance(time.Minute)
	return strings.Join(reply.Messages, "|"), reply
}

// sms is a text from a number to the hotline.
func sms(from, id, text string) hotline.Message {
	return hotline.Message{Conversation: hotline.Conversation{Channel: "sms", From: from, To: "+13125550100"}, ID: id, Text: text}
}

// TestServiceTable plays conversations on the in-memory store and checks what the
// service did besides the replies: the emails queued, the reminders scheduled,
// what a duplicate or replay gets.
func TestServiceTable(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// delay is ReminderDelay.
		delay time.Duration
		// play sends the messages and checks the replies as it goes.
		play func(t *testing.T, r *memRig)
		// jobs and reminders are what the store holds at the end (reminders due
		// within a day).
		jobs, reminders int
	}{
		{
			name: "a whole screening queues one referral email",
			play: func(t *testing.T, r *memRig) {
				var last string
				for i, text := range english {
					last, _ = r.send(sms("+13125550142", fmt.Sprint("SM", i), text))
				}
				if !strings.Contains(last, "(312) 555-0111") {
					t.Errorf("the last reply = %q; want the Tenant Rights Clinic", last)
				}
			},
			jobs: 1,
		},
		{
			name: "a duplicate gets the same replies and changes nothing",
			play: func(t *testing.T, r *memRig) {
				first, _ := r.send(sms("+13125550142", "SM1", "hi"))
				again, reply := r.send(sms("+13125550142", "SM1", "hi"))
				if !reply.Duplicate || again != first {
					t.Errorf("the duplicate got %q (duplicate %v); want %q", again, reply.Duplicate, first)
				}
				if next, _ := r.send(sms("+13125550142", "SM2", "1")); !strings.Contains(next, "Continue?") {
					t.Errorf("after the duplicate, 1 got %q; want the consent question", next)
				}
			},
		},
		{
			name: "an old message replayed much later is not applied again",
			play: func(t *testing.T, r *memRig) {
				for i, text := range english[:6] {
					r.send(sms("+13125550142", fmt.Sprint("SM", i), text))
				}
				// SM1 was "1" (English): applied again it would answer the court
				// papers question.
				got, reply := r.send(sms("+13125550142", "SM1", "1"))
				if !reply.Duplicate || got != "" {
					t.Errorf("the replay got %q (duplicate %v); want nothing", got, reply.Duplicate)
				}
				if next, _ := r.send(sms("+13125550142", "SM9", "yes")); !strings.Contains(next, "court date") {
					t.Errorf("after the replay, yes got %q; want the court date question", next)
				}
			},
		},
		{
			name:  "a reminder waits at a question, and goes with the end",
			delay: 2 * time.Hour,
			play: func(t *testing.T, r *memRig) {
				r.send(sms("+13125550142", "SM1", "hi"))
				r.send(sms("+13125550142", "SM2", "1"))
				r.send(sms("+13125550143", "SM1", "hi"))
				r.send(sms("+13125550143", "SM2", "2"))
				r.send(sms("+13125550143", "SM3", "no")) // no consent: the end
			},
			reminders: 1,
		},
		{
			name:  "no reminder on the web",
			delay: 2 * time.Hour,
			play: func(t *testing.T, r *memRig) {
				m := hotline.Message{Conversation: hotline.Conversation{Channel: "web", From: "session-1"}, Text: "hi"}
				r.send(m)
			},
		},
		{
			name: "STOP silences, START comes back",
			play: func(t *testing.T, r *memRig) {
				r.send(sms("+13125550142", "SM1", "hi"))
				if got, _ := r.send(sms("+13125550142", "SM2", "STOP")); !strings.Contains(got, "unsubscribed") {
					t.Errorf("STOP got %q", got)
				}
				if got, _ := r.send(sms("+13125550142", "SM3", "hello?")); got != "" {
					t.Errorf("after STOP, a message got %q; want silence", got)
				}
				if got, _ := r.send(sms("+13125550142", "SM4", "START")); !strings.Contains(got, "subscribed again") {
					t.Errorf("START got %q", got)
				}
			},
		},
		{
			name: "a message the carrier answered is applied in silence",
			play: func(t *testing.T, r *memRig) {
				m := sms("+13125550142", "SM1", "STOP")
				m.Silent = true
				if got, _ := r.send(m); got != "" {
					t.Errorf("a silent STOP got %q", got)
				}
				if got, _ := r.send(sms("+13125550142", "SM2", "hi")); got != "" {
					t.Errorf("after a silent STOP, a message got %q; want silence", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newMemRig(t, bot.Options{ReminderDelay: tt.delay})
			tt.play(t, r)
			jobs, err := r.store.ClaimJobs(ctx, 0, r.clock.Now(), time.Minute, 10)
			if err != nil || len(jobs) != tt.jobs {
				t.Errorf("%d emails queued (%v); want %d", len(jobs), err, tt.jobs)
			}
			for _, j := range jobs {
				if j.Referral == nil || j.Referral.OrgEmail == "" || j.Referral.Callback == "" {
					t.Errorf("an incomplete referral queued: %+v", j.Referral)
				}
			}
			due, err := r.store.ClaimReminders(ctx, 0, r.clock.Now().Add(24*time.Hour), 10)
			if err != nil || len(due) != tt.reminders {
				t.Errorf("%d reminders (%v); want %d", len(due), err, tt.reminders)
			}
		})
	}
}

// repeatingRandom gives the same bytes (7s) for its next n reads, then
// crypto/rand's: armed before a referral, it draws a reference already in use.
type repeatingRandom struct{ n int }

func (r *repeatingRandom) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		for i := range p {
			p[i] = 7
		}
		return len(p), nil
	}
	return rand.Read(p)
}

// TestReferenceTakenIsDrawnAgain: a referral whose reference is in use is stepped
// again with a new one, not lost.
func TestReferenceTakenIsDrawnAgain(t *testing.T) {
	random := &repeatingRandom{}
	r := newMemRig(t, bot.Options{Random: random})
	screen := func(from string) string {
		var last string
		for i, text := range english {
			if i == len(english)-1 {
				random.n = 2 // the reference, then the email's id
			}
			last, _ = r.send(sms(from, fmt.Sprint("SM", i), text))
		}
		return last
	}
	first, second := screen("+13125550142"), screen("+13125550144")
	jobs, _ := r.store.ClaimJobs(context.Background(), 0, r.clock.Now(), time.Minute, 10)
	if len(jobs) != 2 || jobs[0].Ref == jobs[1].Ref {
		t.Fatalf("jobs = %+v; want two referrals with different references", jobs)
	}
	for _, j := range jobs {
		if !strings.Contains(first+second, j.Ref) {
			t.Errorf("reference %s is in no referral text (%q, %q)", j.Ref, first, second)
		}
	}
}

// failingStore fails every commit, as a Redis that is down.
type failingStore struct{ *memstore.Store }

func (failingStore) Commit(context.Context, string, string, bot.Change) (bot.Snapshot, bool, error) {
	return bot.Snapshot{}, false, errors.New("connection refused")
}

// TestStoreDown: a message that cannot be saved is an error (the caller
// apologises), and nothing of it is kept.
func TestStoreDown(t *testing.T) {
	mem := memstore.New(time.Now)
	r := newMemRig(t, bot.Options{Store: failingStore{mem}})
	if _, err := r.service.Handle(context.Background(), sms("+13125550142", "SM1", "hi")); err == nil {
		t.Fatal("Handle succeeded with the store down")
	}
	if snap, _ := mem.Load(context.Background(), testKeys.Of(hotline.Conversation{Channel: "sms", From: "+13125550142", To: "+13125550100"}), "SM1"); snap.Duplicate || snap.State.Step != "" {
		t.Errorf("the failed message left %+v", snap)
	}
}

// TestNewChecksCollaborators: a missing collaborator is a clear error at
// construction, not a panic at the first message.
func TestNewChecksCollaborators(t *testing.T) {
	_, err := bot.New(bot.Options{Retention: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "missing EmailFrom, Keys, Log, Now, Observer, Pack, Random, Store") {
		t.Errorf("bot.New with nothing = %v", err)
	}
	if _, err := bot.NewOutbox(bot.OutboxOptions{}); err == nil || !strings.Contains(err.Error(), "Mailer") {
		t.Errorf("bot.NewOutbox with nothing = %v", err)
	}
	if _, err := bot.NewReminders(bot.RemindersOptions{}); err == nil || !strings.Contains(err.Error(), "Texter") {
		t.Errorf("bot.NewReminders with nothing = %v", err)
	}
}

// lostReplyStore applies commits but, while lose is set, answers none of them
// nor any Load: the network dropped Redis's replies.
type lostReplyStore struct {
	*memstore.Store
	lose *atomic.Bool
}

func (l lostReplyStore) Commit(ctx context.Context, conv, msgID string, c bot.Change) (bot.Snapshot, bool, error) {
	now, ok, err := l.Store.Commit(ctx, conv, msgID, c)
	if l.lose.Load() {
		return bot.Snapshot{}, false, fmt.Errorf("read: i/o timeout: %w", bot.ErrUnavailable)
	}
	return now, ok, err
}

func (l lostReplyStore) Load(ctx context.Context, conv, msgID string) (bot.Snapshot, error) {
	if l.lose.Load() {
		return bot.Snapshot{}, fmt.Errorf("read: i/o timeout: %w", bot.ErrUnavailable)
	}
	return l.Store.Load(ctx, conv, msgID)
}

// TestResentAfterLostReply: a message applied whose every reply was lost gets
// the apology (nobody could tell); the same answer sent again is answered as the
// first was, not taken as the answer to the next question.
func TestResentAfterLostReply(t *testing.T) {
	lose := &atomic.Bool{}
	mem := memstore.New(time.Now)
	r := newMemRig(t, bot.Options{Store: lostReplyStore{mem, lose}})
	const from = "+13125550147"
	if _, err := r.service.Handle(context.Background(), sms(from, "SM1", "hi")); err != nil {
		t.Fatal(err)
	}
	lose.Store(true)
	if _, err := r.service.Handle(context.Background(), sms(from, "SM2", "1")); err == nil {
		t.Fatal("a commit whose reply was lost was not reported")
	}
	lose.Store(false)
	got, err := r.service.Handle(context.Background(), sms(from, "SM3", "1"))
	if err != nil {
		t.Fatal(err)
	}
	control := newMemRig(t, bot.Options{})
	control.service.Handle(context.Background(), sms(from, "SM1", "hi"))
	want, _ := control.service.Handle(context.Background(), sms(from, "SM2", "1"))
	if strings.Join(got.Messages, "|") != strings.Join(want.Messages, "|") {
		t.Errorf("the resent answer got %q; the first answer, applied once, gets %q", got.Messages, want.Messages)
	}
	// And the conversation moved on once: the next answer meets the next question.
	a, _ := r.service.Handle(context.Background(), sms(from, "SM4", "yes"))
	b, _ := control.service.Handle(context.Background(), sms(from, "SM3", "yes"))
	if strings.Join(a.Messages, "|") != strings.Join(b.Messages, "|") {
		t.Errorf("after the resend, yes got %q; without the lost reply %q", a.Messages, b.Messages)
	}
}
