package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// reminderRig adds the reminder worker, sending through the real twilio-go client
// to a local Twilio.
func reminderRig(t *testing.T) (*rig, *twilioapi.Server, *bot.Reminders) {
	t.Helper()
	r := newRig(t, 2*time.Hour)
	fake := twilioapi.New(t)
	w := must(bot.NewReminders(bot.RemindersOptions{
		Store: r.store, Shards: redisstore.Shards, Texter: fake.Texter(),
		Pack: r.packFn, Now: r.clock.Now, Quiet: bot.QuietHours(21*time.Hour, 8*time.Hour, true),
		StatusCallback: "https://hotline.example.org/twilio/status", Describe: texter.Describe,
		Poll: 10 * time.Millisecond, Log: r.log, Observer: r.counts,
	}))
	return r, fake, w
}

// TestReminderOnce: quiet at the ZIP question, the person gets exactly one
// reminder, after the delay, from the hotline's number, with a status callback.
func TestReminderOnce(t *testing.T) {
	r, fake, w := reminderRig(t) // the clock starts at 10:00 in Chicago
	ctx := context.Background()
	r.screen("+13125550150", "hi", "1", "yes", "no") // waiting at the ZIP question
	r.clock.Advance(time.Hour)
	if n := w.Work(ctx); n != 0 {
		t.Fatalf("a reminder after an hour; the delay is 2h")
	}
	r.clock.Advance(time.Hour)
	if n := w.Work(ctx); n != 1 {
		t.Fatalf("Work sent %d reminders after 2h, want 1", n)
	}
	sent := fake.Messages()
	if len(sent) != 1 {
		t.Fatalf("Twilio got %d messages, want 1", len(sent))
	}
	got := sent[0]
	if got.To != "+13125550150" || got.From != "+13125550100" ||
		got.StatusCallback != "https://hotline.example.org/twilio/status" || !strings.Contains(got.Body, "checking in about your questions") {
		t.Errorf("sent %v", got)
	}
	for i := 0; i < 3; i++ { // to about 15:00, still daytime
		r.clock.Advance(time.Hour)
		w.Work(ctx)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("%d reminders in the end, want exactly 1", n)
	}
	// Answering again (in Spanish now) arms a new reminder for the next question.
	r.screen("+13125550150", "60612")
	r.clock.Advance(2*time.Hour + time.Minute)
	w.Work(ctx)
	if n := len(fake.Messages()); n != 2 {
		t.Errorf("no reminder for the next quiet spell (%d sent)", n)
	}
}

// TestReminderAfterLastMessage: the delay counts from the last message, not the
// first, though the schedule is written at the first (and moved when found early).
func TestReminderAfterLastMessage(t *testing.T) {
	r, fake, w := reminderRig(t) // 10:00
	ctx := context.Background()
	r.screen("+13125550152", "hi", "1")
	r.clock.Advance(90 * time.Minute)     // about 11:32
	r.screen("+13125550152", "yes", "no") // waiting at the ZIP question since about 11:34
	r.clock.Advance(40 * time.Minute)     // 2 h after the first message
	if n := w.Work(ctx); n != 0 {
		t.Fatalf("%d reminders 2 h after the first message, 40 min after the last", n)
	}
	r.clock.Advance(time.Hour)
	if n := w.Work(ctx); n != 0 {
		t.Fatalf("%d reminders 1 h 40 min after the last message", n)
	}
	r.clock.Advance(30 * time.Minute)
	if n := w.Work(ctx); n != 1 || len(fake.Messages()) != 1 {
		t.Fatalf("%d reminders 2 h 10 min after the last message, want 1", n)
	}
}

// TestReminderNotAtNight: a reminder due at night waits for 8:00.
func TestReminderNotAtNight(t *testing.T) {
	r, fake, w := reminderRig(t)
	ctx := context.Background()
	r.clock.Advance(10 * time.Hour) // 20:00
	r.screen("+13125550151", "hi", "1", "yes", "no")
	morning := time.Date(2026, 11, 26, 7, 55, 0, 0, r.pack.Flow.Location)
	for r.clock.Now().Add(10 * time.Minute).Before(morning) { // through the night, to 7:55
		r.clock.Advance(10 * time.Minute)
		if w.Work(ctx) != 0 {
			t.Fatalf("a reminder at %s", r.clock.Now().Format("15:04"))
		}
	}
	r.clock.Advance(10 * time.Minute) // 8:05
	if n := w.Work(ctx); n != 1 || len(fake.Messages()) != 1 {
		t.Errorf("at %s: %d reminders, want 1", r.clock.Now().Format("15:04"), n)
	}
}

// TestNoReminder: none after STOP, after the conversation ended, on the web, or
// when Twilio refuses (and that refusal is not retried).
func TestNoReminder(t *testing.T) {
	r, fake, w := reminderRig(t)
	ctx := context.Background()
	r.screen("+13125550152", "hi", "1", "STOP")
	r.screen("+13125550153", "hi", "1", "no")                        // declined: ended
	r.screen("+13125550154", "hi", "1", "yes", "no", "90210", "yes") // out of area, confirmed: ended
	if _, err := r.service.Handle(ctx, hotline.Message{Conversation: hotline.Conversation{Channel: "web", From: "session-1"}, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(3 * time.Hour)
	if n := w.Work(ctx); n != 0 || len(fake.Messages()) != 0 {
		t.Errorf("%d reminders; want none", len(fake.Messages()))
	}
	r.screen("+13125550155", "hi", "1")
	fake.Fail(twilioapi.Always, 400, 21610) // the person texted STOP to the number itself
	r.clock.Advance(3 * time.Hour)
	if n := w.Work(ctx); n != 0 || fake.Requests() != 1 {
		t.Errorf("a refused reminder counted as sent (%d), or not tried (%d requests)", n, fake.Requests())
	}
	fake.Accept()
	r.clock.Advance(3 * time.Hour)
	if n := w.Work(ctx); n != 0 {
		t.Errorf("a refused reminder was tried again")
	}
}

// TestReminderWhatsApp: WhatsApp reminders go from and to whatsapp: addresses.
func TestReminderWhatsApp(t *testing.T) {
	r, fake, w := reminderRig(t)
	ctx := context.Background()
	if _, err := r.service.Handle(ctx, hotline.Message{Conversation: hotline.Conversation{Channel: "whatsapp", From: "+13125550156", To: "+13125550100"}, ID: "SMw1", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2*time.Hour + time.Second)
	w.Work(ctx)
	if sent := fake.Messages(); len(sent) != 1 || sent[0].To != "whatsapp:+13125550156" || sent[0].From != "whatsapp:+13125550100" {
		t.Errorf("sent %v", sent)
	}
}

// TestQuietHoursDST: the quiet hours follow the wall clock on the days daylight
// saving time starts and ends.
func TestQuietHoursDST(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	quiet := bot.QuietHours(21*time.Hour, 8*time.Hour, true)
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 11, 1, 7, 30, 0, 0, chicago), true}, // clocks went back at 2:00
		{time.Date(2026, 11, 1, 8, 0, 0, 0, chicago), false},
		{time.Date(2026, 3, 8, 8, 30, 0, 0, chicago), false}, // clocks went forward at 2:00
		{time.Date(2026, 3, 8, 7, 59, 0, 0, chicago), true},
		{time.Date(2026, 3, 8, 21, 0, 0, 0, chicago), true},
		{time.Date(2026, 6, 1, 12, 0, 0, 0, chicago), false},
	} {
		if got := quiet(tt.at); got != tt.want {
			t.Errorf("quiet(%s) = %v, want %v", tt.at.Format(time.RFC3339), got, tt.want)
		}
	}
	if bot.QuietHours(21*time.Hour, 8*time.Hour, false)(time.Date(2026, 1, 1, 23, 0, 0, 0, chicago)) {
		t.Error("quiet hours that are off were quiet")
	}
}

// TestNoReminderWhenTextsEndanger: a person who said they are in danger, or
// whose case is domestic violence, or who said texts are not safe (the
// sample's private:), gets no reminder,
// however long they stay silent: they may have stopped because the abuser
// walked in. A person who said neither still gets one.
func TestNoReminderWhenTextsEndanger(t *testing.T) {
	r, fake, w := reminderRig(t)
	ctx := context.Background()
	r.screen("+13125550160", "hi", "1", "yes", "yes")              // danger: waiting at the ZIP question
	r.screen("+13125550161", "hi", "1", "yes", "no", "60612", "3") // a DV case: waiting at the other side
	r.screen("+13125550162", "hi", "1", "yes", "no", "he hit me")  // danger in their own words at the ZIP question
	r.screen("+13125550163", "hi", "1", "yes", "no")               // neither: waiting at the ZIP question
	// Texts to this number are not safe: waiting at the safe-time question.
	r.screen("+13125550164", "hi", "1", "yes", "no", "60612", "5", "skip", "1", "0", "Lee", "yes", "yes", "no")
	// The same, said in words at the callback question.
	r.screen("+13125550165", "hi", "1", "yes", "no", "60612", "5", "skip", "1", "0", "Lee", "no he checks my phone")
	r.clock.Advance(3 * time.Hour)
	if n := w.Work(ctx); n != 1 || len(fake.Messages()) != 1 {
		t.Fatalf("%d reminders sent; want 1, to the person who said neither", len(fake.Messages()))
	}
	if to := fake.Messages()[0].To; to != "+13125550163" {
		t.Errorf("the reminder went to %s", to)
	}
}
