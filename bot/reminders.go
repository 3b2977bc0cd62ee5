package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// Texter sends a text message through the carrier (Twilio's REST API).
type Texter interface {
	Send(ctx context.Context, from, to, body, statusCallback string) (sid string, err error)
}

// ReminderObserver is told what reminders do, for metrics.
type ReminderObserver interface {
	ReminderSent()
	Error(kind string)
}

// RemindersOptions configure the reminder worker.
type RemindersOptions struct {
	Store  ReminderStore
	Shards int
	Texter Texter
	Pack   func() *pack.Pack
	Now    func() time.Time
	// Quiet reports whether a moment (in the hotline's time zone) is in the quiet
	// hours, when no reminder is sent; they wait for the morning.
	Quiet          func(time.Time) bool
	StatusCallback string
	// Describe turns a send error into words safe for logs (no phone numbers).
	Describe func(error) string
	Poll     time.Duration
	Log      *slog.Logger
	Observer ReminderObserver
}

// Reminders texts people who stopped answering mid-screening, once. Any number of
// processes may run one on the same store.
type Reminders struct {
	o RemindersOptions
}

// NewReminders returns a reminder worker, or an error naming what is missing.
func NewReminders(o RemindersOptions) (*Reminders, error) {
	if err := missing("bot.NewReminders", map[string]bool{
		"Store": o.Store == nil, "Texter": o.Texter == nil, "Pack": o.Pack == nil, "Now": o.Now == nil,
		"Quiet": o.Quiet == nil, "Describe": o.Describe == nil, "Log": o.Log == nil, "Observer": o.Observer == nil,
	}); err != nil {
		return nil, err
	}
	if o.Shards <= 0 || o.Poll <= 0 {
		return nil, fmt.Errorf("bot.NewReminders: Shards and Poll must be positive")
	}
	return &Reminders{o: o}, nil
}

// Run sends due reminders until ctx ends.
func (r *Reminders) Run(ctx context.Context) {
	tick := time.NewTicker(r.o.Poll)
	defer tick.Stop()
	for {
		r.Work(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Work sends the reminders due now and returns how many it sent. In the quiet hours
// it sends none and leaves them due.
func (r *Reminders) Work(ctx context.Context) int {
	p := r.o.Pack()
	now := r.o.Now()
	if r.o.Quiet(now.In(p.Flow.Location)) {
		return 0
	}
	sent := 0
	for shard := 0; shard < r.o.Shards && ctx.Err() == nil; shard++ {
		// Few at a time: claimed reminders are sent even when ctx ends (they are
		// cleared when claimed, so one not sent is lost), and a shutdown waits
		// for them.
		due, err := r.o.Store.ClaimReminders(ctx, shard, now, 10)
		if err != nil {
			r.o.Observer.Error("store")
			r.o.Log.Warn("reminders: cannot claim", "shard", shard, "err", err)
			continue
		}
		for _, d := range due {
			if r.send(context.WithoutCancel(ctx), p.Flow, d) {
				sent++
			}
		}
	}
	return sent
}

// send texts one reminder. A reminder is claimed before it is sent, so a failure
// loses it rather than risk sending it twice: it is a nudge, not a promise.
func (r *Reminders) send(ctx context.Context, flow *flows.Flow, d DueReminder) bool {
	who := d.To
	if who.Channel == hotline.ChannelWeb {
		return false
	}
	body, ok := flow.Reminder(d.State)
	if !ok {
		return false
	}
	from, to := who.To, who.From
	if who.Channel == hotline.ChannelWhatsApp {
		from, to = "whatsapp:"+from, "whatsapp:"+to
	}
	sendCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := r.o.Texter.Send(sendCtx, from, to, body, r.o.StatusCallback); err != nil {
		r.o.Observer.Error("reminder")
		r.o.Log.Warn("reminders: could not send", "conv", d.Conv, "err", r.o.Describe(err))
		return false
	}
	r.o.Observer.ReminderSent()
	// The key only: with any part of the number beside it, a key could be
	// tied to a person.
	r.o.Log.Info("reminders: sent", "conv", d.Conv)
	return true
}

// QuietHours returns a Quiet function for a daily window given as offsets from
// midnight; start after end wraps midnight (21:00-08:00). on false is never quiet.
func QuietHours(start, end time.Duration, on bool) func(time.Time) bool {
	return func(t time.Time) bool {
		if !on {
			return false
		}
		// The wall clock's time of day, not the time elapsed since midnight: they
		// differ by an hour on the days daylight saving time starts or ends.
		h, m, s := t.Clock()
		since := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
		if start <= end {
			return since >= start && since < end
		}
		return since >= start || since < end
	}
}
