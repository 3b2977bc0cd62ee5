package bot

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/pack"
)

// newReferralEmail makes the outbox's email for a referral.
func newReferralEmail(r *hotline.Referral, now time.Time, random io.Reader) (*Email, error) {
	var id [8]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return nil, fmt.Errorf("bot: email id: %w", err)
	}
	return &Email{Kind: EmailReferral, ID: hex.EncodeToString(id[:]), Created: now, Referral: r}, nil
}

// Mailer delivers an email; nil means accepted by the mail server (or written).
type Mailer interface {
	Send(ctx context.Context, m email.Message) error
}

// OutboxObserver is told what delivery does, for metrics.
type OutboxObserver interface {
	EmailSent(kind string)
	EmailRetried()
	EmailDead(kind string)
	Outbox(depth int64, oldest time.Duration)
	Error(kind string)
}

// OutboxOptions configure the delivery worker.
type OutboxOptions struct {
	Store  OutboxStore
	Shards int
	Mailer Mailer
	// Permanent reports a delivery error that retrying cannot fix (an SMTP 5xx).
	Permanent func(error) bool
	Pack      func() *pack.Pack
	Now       func() time.Time
	Log       *slog.Logger
	Observer  OutboxObserver
	// From is the emails' sender; Domain ends their Message-IDs.
	From, Domain string
	// Coordinator receives an alert for each referral that could not be delivered;
	// "" sends none (the failure is still logged and counted).
	Coordinator string
	// Retention is how long a delivered (or dead) referral's data is kept.
	Retention time.Duration
	// FirstRetry is the wait after the first failure; each next wait doubles, up to
	// MaxRetry, until GiveUpAfter has passed since the referral was made.
	FirstRetry, MaxRetry, GiveUpAfter time.Duration
	// Lease is how long a claimed job is left to its worker before another may take
	// it: longer than any send can take.
	Lease time.Duration
	// Poll is how often due jobs are looked for.
	Poll time.Duration
}

// maxJobsPerShard bounds one pass over a shard, so that every shard gets its turn.
const maxJobsPerShard = 20

// storeTimeout bounds recording a job's outcome, which goes on after a shutdown
// has begun.
const storeTimeout = 5 * time.Second

// Outbox delivers the referral emails queued in the store, exactly once as far as
// the mail server and Message-IDs allow, with retries for hours. Any number of
// processes may run one on the same store.
type Outbox struct {
	o OutboxOptions
}

// NewOutbox returns a delivery worker, or an error naming what is missing.
func NewOutbox(o OutboxOptions) (*Outbox, error) {
	if err := missing("bot.NewOutbox", map[string]bool{
		"Store": o.Store == nil, "Mailer": o.Mailer == nil, "Permanent": o.Permanent == nil, "Pack": o.Pack == nil,
		"Now": o.Now == nil, "Log": o.Log == nil, "Observer": o.Observer == nil,
	}); err != nil {
		return nil, err
	}
	if o.Shards <= 0 || o.Lease <= 0 || o.Poll <= 0 || o.FirstRetry <= 0 || o.MaxRetry < o.FirstRetry || o.GiveUpAfter <= 0 || o.Retention <= 0 {
		return nil, fmt.Errorf("bot.NewOutbox: Shards, Lease, Poll, FirstRetry, GiveUpAfter and Retention must be positive and MaxRetry at least FirstRetry")
	}
	return &Outbox{o: o}, nil
}

// Run delivers until ctx ends, refreshing the outbox metrics as it goes.
func (w *Outbox) Run(ctx context.Context) {
	tick := time.NewTicker(w.o.Poll)
	defer tick.Stop()
	stats := time.Now()
	for {
		w.Work(ctx)
		if time.Since(stats) >= 5*time.Second {
			w.stats(ctx)
			stats = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Work delivers what is due now in every shard and returns how many jobs it
// handled.
func (w *Outbox) Work(ctx context.Context) int {
	handled := 0
	for shard := 0; shard < w.o.Shards && ctx.Err() == nil; shard++ {
		// One job per claim, each sent within half its lease: a batch leased
		// together could outlive its lease behind a slow mail server and be
		// claimed (and sent) again by another worker.
		for n := 0; n < maxJobsPerShard && ctx.Err() == nil; n++ {
			jobs, err := w.o.Store.ClaimJobs(ctx, shard, w.o.Now(), w.o.Lease, 1)
			if err != nil {
				w.o.Observer.Error("store")
				w.o.Log.Warn("outbox: cannot claim jobs", "shard", shard, "err", err)
				break
			}
			if len(jobs) == 0 {
				break
			}
			// A claimed job is seen through even when ctx ends (a shutdown):
			// stopped between the server's acceptance and the sent marker, it
			// would be sent again after its lease. Its own bounds apply.
			w.deliver(context.WithoutCancel(ctx), jobs[0])
			handled++
		}
	}
	return handled
}

func (w *Outbox) stats(ctx context.Context) {
	depth, oldest, err := w.o.Store.OutboxStats(ctx)
	if err != nil {
		return
	}
	age := time.Duration(0)
	if !oldest.IsZero() {
		age = w.o.Now().Sub(oldest)
	}
	w.o.Observer.Outbox(depth, age)
}

// deliver sends one job and records the outcome: delivered, to retry, or dead.
func (w *Outbox) deliver(ctx context.Context, job Job) {
	log := w.o.Log.With("ref", job.Ref)
	if job.Referral == nil {
		w.o.Observer.Error("bad_job")
		log.Error("outbox: unreadable job; moved to the dead letters")
		w.kill(ctx, job, nil)
		return
	}
	msg, err := w.render(job.Email)
	if err == nil {
		sendCtx, cancel := context.WithTimeout(ctx, w.o.Lease/2)
		err = w.o.Mailer.Send(sendCtx, msg)
		cancel()
	}
	if err == nil {
		finishCtx, cancel := context.WithTimeout(ctx, storeTimeout)
		err := w.o.Store.FinishJob(finishCtx, job, w.o.Retention)
		cancel()
		if err != nil {
			// The email went but its sent marker did not: after the lease the job
			// is claimed and sent again, with the same Message-ID. Say so.
			w.o.Observer.Error("store")
			log.Error("outbox: delivered but could not record it; it may be sent again with the same Message-ID", "err", err)
			return
		}
		w.o.Observer.EmailSent(job.Kind)
		log.Info("outbox: delivered", "kind", job.Kind, "attempts", job.Attempts+1, "message_id", msg.MessageID)
		return
	}
	job.Attempts++
	job.LastError = oneLine(err.Error())
	now := w.o.Now()
	if w.o.Permanent(err) || now.Sub(job.Created) >= w.o.GiveUpAfter {
		log.Error("outbox: giving up on an email", "kind", job.Kind, "attempts", job.Attempts, "err", job.LastError)
		w.kill(ctx, job, w.alertFor(job.Email))
		return
	}
	wait := w.backoff(job.Attempts)
	retryCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := w.o.Store.RetryJob(retryCtx, job, now.Add(wait)); err != nil {
		w.o.Observer.Error("store")
		log.Warn("outbox: cannot reschedule; the lease will bring it back", "err", err)
		return
	}
	w.o.Observer.EmailRetried()
	log.Warn("outbox: delivery failed; will retry", "kind", job.Kind, "attempts", job.Attempts, "retry_in", wait.String(), "err", job.LastError)
}

// backoff is the wait after the n-th failed attempt: FirstRetry, doubling, at most
// MaxRetry.
func (w *Outbox) backoff(n int) time.Duration {
	d := w.o.FirstRetry
	for i := 1; i < n && d < w.o.MaxRetry; i++ {
		d *= 2
	}
	return min(d, w.o.MaxRetry)
}

func (w *Outbox) kill(ctx context.Context, job Job, alert *Email) {
	killCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := w.o.Store.KillJob(killCtx, job, w.o.Retention, alert, w.o.Now()); err != nil {
		w.o.Observer.Error("store")
		w.o.Log.Error("outbox: cannot move a job to the dead letters", "ref", job.Ref, "err", err)
		return
	}
	w.o.Observer.EmailDead(job.Kind)
}

// alertFor makes the coordinator's alert about a referral that was not delivered.
func (w *Outbox) alertFor(e Email) *Email {
	if e.Kind != EmailReferral || w.o.Coordinator == "" {
		return nil
	}
	return &Email{
		Kind: EmailAlert, ID: e.ID, Created: w.o.Now(), To: w.o.Coordinator, Referral: e.Referral,
		Failed: e.Attempts, FailedError: e.LastError,
	}
}

// render builds an email, in the words of the organization's email_language (the
// alert too: it carries the referral for the coordinator to pass on).
func (w *Outbox) render(e Email) (email.Message, error) {
	p := w.o.Pack()
	opts := email.Options{
		From:        w.o.From,
		Location:    p.Flow.Location,
		MessageID:   email.MessageID(e.Referral.Ref, e.ID, w.o.Domain),
		HotlineName: p.Flow.Name,
		Words:       p.EmailWords(e.Referral.EmailLanguage),
	}
	if e.Kind == EmailAlert {
		opts.MessageID = email.MessageID("alert-"+e.Referral.Ref, e.ID, w.o.Domain)
		opts.Date = e.Created
		return email.RenderAlert(e.Referral, e.To, e.Failed, e.FailedError, opts)
	}
	opts.Template = p.EmailTemplate(e.Referral.OrgID)
	return email.Render(e.Referral, opts)
}

// oneLine keeps an error message on one line for logs and alerts.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
