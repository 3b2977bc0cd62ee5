package bot

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/pack"
)

// newReferralEmail makes the outbox's email for a referral, rendered now with p,
// the pack the referral was made with: a pack reloaded before delivery changes
// nothing in it, and every attempt sends the same bytes under the same
// Message-ID.
func (s *Service) newReferralEmail(p *pack.Pack, r *hotline.Referral, now time.Time) (*Email, error) {
	var id [8]byte
	if _, err := io.ReadFull(s.random, id[:]); err != nil {
		return nil, fmt.Errorf("bot: email id: %w", err)
	}
	e := &Email{Kind: EmailReferral, ID: hex.EncodeToString(id[:]), Reference: r.Ref, OrgID: r.OrgID, Created: now, Referral: r}
	msg, err := email.Render(r, s.sender().ReferralOptions(p, r, e.ID))
	if err != nil {
		// Queued all the same, without a message: the person has been told their
		// referral was made, so it must reach someone. The outbox gives up on it
		// at once, and the coordinator's alert, which does not use the
		// organization's template, carries it.
		s.observe.Error("render")
		s.log.Error("bot: cannot render a referral email; the coordinator will be alerted", "ref", r.Ref, "err", err)
		e.LastError = oneLine(err.Error())
		return e, nil
	}
	e.Message = msg
	return e, nil
}

// sender is who the service's referral emails come from.
func (s *Service) sender() EmailSender {
	return EmailSender{From: s.emailFrom, Domain: s.emailDomain, Coordinator: s.coordinator}
}

// EmailSender is who referral emails come from, and whom replies to them
// reach: the settings every writer of a referral email shares (the service
// when the referral is made, the outbox for one queued by an older build,
// `hotline chat`), so that none forgets one.
type EmailSender struct {
	// From is the emails' From; Domain ends their Message-IDs.
	From, Domain string
	// Coordinator is the Reply-To ("" for none).
	Coordinator string
}

// ReferralOptions are how the email of the referral r is written with the
// pack p, under the email id id (the preview's is "preview").
func (s EmailSender) ReferralOptions(p *pack.Pack, r *hotline.Referral, id string) email.Options {
	return email.Options{
		From:        s.From,
		Location:    p.Flow.Location,
		MessageID:   email.MessageID(r.Ref, id, s.Domain),
		Template:    p.EmailTemplate(r.OrgID),
		HotlineName: p.Flow.Name,
		// Intake staff who reply reach the hotline's coordinator, not the
		// robot's address.
		ReplyTo: s.Coordinator,
		Country: p.Flow.Country,
		Words:   p.EmailWords(r.EmailLanguage),
	}
}

// newNoticeEmail makes the outbox's email telling the coordinator that a
// conversation needs a person, rendered now with p in the pack's first language
// (the coordinator's), as a referral's is. Nil when it cannot be rendered
// (logged and counted): unlike a referral, the person was promised nothing
// by email, and the same pack would fail the same way on every attempt.
func (s *Service) newNoticeEmail(p *pack.Pack, n *hotline.Notice, now time.Time) *Email {
	var id [8]byte
	if _, err := io.ReadFull(s.random, id[:]); err != nil {
		s.observe.Error("render")
		s.log.Error("bot: cannot draw a needs-a-person notice's email id; no notice sent", "ref", n.Ref, "err", err)
		return nil
	}
	e := &Email{Kind: EmailNotice, ID: hex.EncodeToString(id[:]), Reference: n.Ref, Created: now}
	msg, err := email.RenderNotice(n, s.coordinator, s.coordinatorOptions(p, email.MessageID("notice-"+n.Ref, e.ID, s.emailDomain)))
	if err != nil {
		s.observe.Error("render")
		s.log.Error("bot: cannot render a needs-a-person notice; no notice sent", "ref", n.Ref, "err", err)
		return nil
	}
	e.Message = msg
	return e
}

// coordinatorOptions are how an email to the coordinator (a notice, a loop
// alert) is written with p: in the pack's first language, the coordinator's.
func (s *Service) coordinatorOptions(p *pack.Pack, messageID string) email.Options {
	return email.Options{
		From:        s.emailFrom,
		Location:    p.Flow.Location,
		MessageID:   messageID,
		HotlineName: p.Flow.Name,
		Country:     p.Flow.Country,
		Words:       p.EmailWords(p.Flow.Languages[0]),
	}
}

// Mailer delivers an email; nil means accepted by the mail server (or written).
type Mailer interface {
	Send(ctx context.Context, m email.Message) error
}

// OutboxObserver is told what delivery does, for metrics.
type OutboxObserver interface {
	// EmailSent, EmailRetried and EmailDead count by the job's kind: an
	// email's (referral, alert, notice, loop_alert), a hand-off's (handoff,
	// handoff_alert), or a text's (text).
	EmailSent(kind string)
	EmailRetried(kind string)
	EmailDead(kind string)
	Outbox(depth int64, oldest time.Duration)
	Error(kind string)
}

// Poster sends a referral's JSON hand-off; nil means the organization's
// server took it (a 2xx answer). An error that retrying cannot fix satisfies
// handoff.IsPermanent.
type Poster interface {
	Post(ctx context.Context, ref string, req handoff.Request) error
}

// OutboxOptions configure the delivery worker.
type OutboxOptions struct {
	Store  OutboxStore
	Shards int
	Mailer Mailer
	// Permanent reports a delivery error of the Mailer that retrying cannot
	// fix (an SMTP 5xx).
	Permanent func(error) bool
	// Poster sends the JSON hand-offs. Without one, a hand-off is retried,
	// with an error logged at each attempt, until it is given up on.
	Poster Poster
	// Texter sends the text jobs (EmailText) through Twilio. Without one, a
	// text job is given up on at once, with an error logged: the hotline
	// then has no SMS or WhatsApp number, so nobody could be texted, and a
	// text kept for hours against a configuration change could reach the
	// person late, about a referral that has moved on.
	Texter Texter
	// TextPermanent reports a Texter error that retrying cannot fix
	// (texter.IsPermanent: Twilio's 4xx but 429); TextRetryable one that is
	// a definite failure retrying may get past (texter.IsRetryable: 429 or
	// 5xx answered by Twilio, or no connection made). Any other is an
	// unknown outcome: the text may have gone, and is never sent again.
	// Both are required with a Texter.
	TextPermanent, TextRetryable func(error) bool
	// DescribeText turns a Texter error into words safe for logs and dead
	// letters (texter.Describe: no phone numbers, which Twilio's messages
	// quote). Required with a Texter.
	DescribeText func(error) string
	// StatusCallback is where Twilio reports the texts' delivery ("" for
	// nowhere).
	StatusCallback string
	// Quiet reports whether a moment, in the pack's time zone, is in the
	// quiet hours, when no text goes out (a retry then waits for the
	// morning); nil: never quiet.
	Quiet func(time.Time) bool
	// Pack gives the words of the alerts, rendered when a referral is given up
	// on (a referral email is rendered when it is made: see Options.EmailFrom).
	Pack     func() *pack.Pack
	Now      func() time.Time
	Log      *slog.Logger
	Observer OutboxObserver
	// From is the alerts' sender; Domain ends their Message-IDs.
	From, Domain string
	// Coordinator receives an alert for each referral that could not be delivered,
	// and is the Reply-To of a referral email rendered here (one queued by an
	// older build); "" sends none (the failure is still logged and counted).
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

// Outbox delivers the jobs queued in the store (referral emails, JSON
// hand-offs, alerts, needs-a-person notices, loops' alerts and texts to the
// person), exactly once as far as the mail server and Message-IDs (or the
// organization's server and Idempotency-Keys) allow, with retries for hours;
// texts at most once. Any number of processes may run one on the same store.
// Only a referral's email or hand-off given up on alerts the coordinator; an
// alert (a loop's too), a notice or a text given up on is logged at error
// level with its reference and counted (EmailDead), as its dead letter
// records. A job is not sent before its NotBefore: one claimed earlier is put
// back until then, with no attempt counted. Retrying stops GiveUpAfter after
// the job was queued, or after its NotBefore when later.
//
// A text is sent at most once, never twice: Twilio takes no idempotency key,
// so a text sent again is a second text. Before sending, the worker marks
// the job as being sent, durably (RetryJob with LastError textSending, due
// a Lease later, keeping its lease): a worker that dies mid-send leaves the
// mark, and the job claimed with it after the lease is given up on unsent
// (it may have gone), never resent. After the send, the outcome replaces the
// mark: delivered; retried with the usual backoff when the failure is
// definite and retrying may get past it (TextRetryable); given up on when it
// is permanent (TextPermanent) or unknown (a timeout, a lost connection: the
// text may have gone). A text to a web conversation (no number: a bug
// upstream) or without a Texter is given up on at once. Texts' numbers and
// words are never logged: their reference and kind only, and Twilio's errors
// through DescribeText.
//
// A hand-off is retried on no answer (a timeout, a refused connection), on
// 408, 429 and 5xx, and while its signing key is missing from the
// environment; after a 429 or a 503 with a Retry-After of seconds, no sooner
// than it asks (and no later than MaxRetry). Any other answer but a 2xx (a
// 3xx too: redirects are not followed), or an address the Poster refuses,
// gives up on it at once.
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
	if o.Texter != nil {
		if err := missing("bot.NewOutbox", map[string]bool{
			"TextPermanent": o.TextPermanent == nil, "TextRetryable": o.TextRetryable == nil, "DescribeText": o.DescribeText == nil,
		}); err != nil {
			return nil, err
		}
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

// maxHandoffsAtOnce bounds the JSON hand-offs one pass of Work posts at once,
// beside its emails: an organization's server that hangs holds one of them
// for the hand-off's timeout, and the emails (and other servers' hand-offs)
// go on meanwhile.
const maxHandoffsAtOnce = 4

// Work delivers what is due now in every shard and returns how many jobs it
// handled, once every one of them is delivered or rescheduled. Hand-offs are
// posted beside the rest, up to maxHandoffsAtOnce at once (with every slot
// taken, the next one is posted in turn); emails and texts go one at a time.
func (w *Outbox) Work(ctx context.Context) int {
	var posting sync.WaitGroup
	defer posting.Wait()
	slots := make(chan struct{}, maxHandoffsAtOnce)
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
			job, jobCtx := jobs[0], context.WithoutCancel(ctx)
			handled++
			if job.Kind == EmailHandoff {
				select {
				case slots <- struct{}{}:
					posting.Add(1)
					go func() {
						defer posting.Done()
						defer func() { <-slots }()
						w.deliver(jobCtx, job)
					}()
					continue
				default:
				}
			}
			w.deliver(jobCtx, job)
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
	if job.Kind == "" {
		w.o.Observer.Error("bad_job")
		log.Error("outbox: unreadable job; moved to the dead letters")
		w.kill(ctx, job, nil)
		return
	}
	if job.Kind == EmailText {
		w.text(ctx, job, log)
		return
	}
	if w.early(ctx, job, log) {
		return
	}
	var (
		err, sendErr error
		permanent    bool
		sent         []any // what the log of a delivery says of it
	)
	if job.Kind == EmailHandoff {
		permanent, sendErr = w.post(ctx, job)
		err = sendErr
		sent = []any{"org", job.OrgID}
	} else {
		var msg email.Message
		msg, permanent, err = w.mail(ctx, &job)
		sent = []any{"message_id", msg.MessageID}
	}
	if err == nil {
		if err := w.finish(ctx, job); err != nil {
			// The job went but its sent marker did not: after the lease it is
			// claimed and sent again, with the same Message-ID (or
			// Idempotency-Key). Say so.
			w.o.Observer.Error("store")
			log.Error("outbox: delivered but could not record it; it may be sent again with the same Message-ID or Idempotency-Key", "kind", job.Kind, "err", err)
			return
		}
		w.o.Observer.EmailSent(job.Kind)
		log.Info("outbox: delivered", append([]any{"kind", job.Kind, "attempts", job.Attempts + 1}, sent...)...)
		return
	}
	job.Attempts++
	job.LastError = oneLine(err.Error())
	now := w.o.Now()
	if permanent || w.pastGiveUp(job.Email, now) {
		what := "outbox: giving up on an email"
		if job.Kind == EmailHandoff {
			what = "outbox: giving up on a JSON hand-off"
		}
		log.Error(what, "kind", job.Kind, "org", job.OrgID, "attempts", job.Attempts, "err", job.LastError)
		w.kill(ctx, job, w.alertFor(job.Email, detail(sendErr)))
		return
	}
	wait := w.backoff(job.Attempts)
	if asked := handoff.RetryAfterOf(sendErr); asked > 0 {
		// The organization's server said when to come back (a 429 or a
		// 503 with Retry-After): then, but never later than MaxRetry.
		wait = min(asked, w.o.MaxRetry)
	}
	retryCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := w.o.Store.RetryJob(retryCtx, job, now.Add(wait)); err != nil {
		w.storeFailed(log, "outbox: cannot reschedule", err)
		return
	}
	w.o.Observer.EmailRetried(job.Kind)
	level := slog.LevelWarn
	if errors.Is(err, handoff.ErrNoSecret) || job.Kind == EmailHandoff && w.o.Poster == nil {
		// Nothing will change until an operator does something.
		level = slog.LevelError
	}
	log.Log(ctx, level, "outbox: delivery failed; will retry", "kind", job.Kind, "org", job.OrgID, "attempts", job.Attempts, "retry_in", wait.String(), "err", job.LastError)
}

// mail sends an email job and says whether a failure is permanent: the
// mail server refused it for good, or it was never rendered.
func (w *Outbox) mail(ctx context.Context, job *Job) (msg email.Message, permanent bool, err error) {
	msg = job.Message
	switch {
	case msg.MessageID != "" || job.Referral == nil:
	case job.Kind == EmailReferral && (job.Attempts > 0 || job.LastError == ""):
		// Queued by a build from before emails were rendered when the
		// referral is made: it is rendered now, with the pack in force, as that
		// build would have. (One whose rendering failed when it was queued has
		// no attempts yet and its error.)
		msg, err = w.renderLegacy(job.Email)
	case job.Kind == EmailAlert:
		// An alert queued by such a build: to today's coordinator.
		if alert := w.alertFor(Email{Kind: EmailReferral, ID: job.ID, Reference: job.Reference, Referral: job.Referral,
			Attempts: job.Attempts, LastError: job.LastError}, ""); alert != nil {
			msg = alert.Message
		}
	}
	if err != nil {
		job.LastError = oneLine(err.Error())
	}
	if msg.MessageID == "" {
		// Its rendering failed when it was queued; the same pack would fail the
		// same way, and another pack must not write it (see newReferralEmail).
		return msg, true, errors.New(firstNonEmpty(job.LastError, "the email was never rendered"))
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.o.Lease/2)
	defer cancel()
	err = w.o.Mailer.Send(sendCtx, msg)
	return msg, err != nil && w.o.Permanent(err), err
}

// post sends a JSON hand-off job and says whether a failure is permanent
// (handoff.IsPermanent, or a body that was never written). A missing secret
// or Poster is worth retrying: an operator can fix either.
func (w *Outbox) post(ctx context.Context, job Job) (permanent bool, err error) {
	switch {
	case job.Handoff == nil || len(job.Handoff.Body) == 0:
		return true, errors.New(firstNonEmpty(job.LastError, "the JSON hand-off was never written"))
	case w.o.Poster == nil:
		return false, errors.New("outbox: no hand-off poster is configured")
	}
	postCtx, cancel := context.WithTimeout(ctx, w.o.Lease/2)
	defer cancel()
	err = w.o.Poster.Post(postCtx, job.Reference, *job.Handoff)
	return err != nil && handoff.IsPermanent(err), err
}

// detail is what the organization's server answered a refused hand-off,
// for the coordinator's alert only (never logged: it may echo the person's
// data); "" for none.
func detail(err error) string {
	var he *handoff.Error
	if errors.As(err, &he) {
		return he.Detail()
	}
	return ""
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
		if errors.Is(err, ErrLeaseLost) {
			w.o.Log.Warn("outbox: another worker took the job before it could be moved to the dead letters; it is theirs now", "ref", job.Ref)
			return
		}
		w.o.Observer.Error("store")
		w.o.Log.Error("outbox: cannot move a job to the dead letters", "ref", job.Ref, "err", err)
		return
	}
	w.o.Observer.EmailDead(job.Kind)
}

// storeFailed logs a RetryJob that failed, saying what was not done: the
// job is another worker's now (its lease ran out), or the store failed and
// the lease will bring the job back.
func (w *Outbox) storeFailed(log *slog.Logger, what string, err error) {
	if errors.Is(err, ErrLeaseLost) {
		log.Warn(what + "; another worker has the job: its lease ran out")
		return
	}
	w.o.Observer.Error("store")
	log.Warn(what+"; the lease will bring it back", "err", err)
}

// pastGiveUp reports whether retrying e stops at now: GiveUpAfter has passed
// since it was queued, or since its NotBefore when later (a text that waited
// for the morning is tried for as long as one sent at once).
func (w *Outbox) pastGiveUp(e Email, now time.Time) bool {
	start := e.Created
	if e.NotBefore.After(start) {
		start = e.NotBefore
	}
	giveUp := w.o.GiveUpAfter
	if e.Kind == EmailText {
		// A text about a referral is news for hours, not a day: one that
		// could not go by then is dropped rather than arrive out of turn;
		// a hearing reminder, that would say "tomorrow" on the day, sooner.
		giveUp = min(giveUp, textGiveUpAfter)
		if kind, _ := textKind(e.Reference); kind == hotline.TextHearing {
			giveUp = min(giveUp, hearingLate)
		}
	}
	return now.Sub(start) >= giveUp
}

// textGiveUpAfter bounds the retries of a text (see pastGiveUp).
const textGiveUpAfter = 6 * time.Hour

// early puts back a job claimed before its NotBefore, to be claimed then,
// with no attempt counted, and reports whether it did. The store queues such
// a job due at its NotBefore (LoopStore.SaveLoop); this holds whatever queued
// it.
func (w *Outbox) early(ctx context.Context, job Job, log *slog.Logger) bool {
	if !job.NotBefore.After(w.o.Now()) {
		return false
	}
	retryCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := w.o.Store.RetryJob(retryCtx, job, job.NotBefore); err != nil {
		w.storeFailed(log, "outbox: cannot put back a job claimed before its time", err)
		return true
	}
	log.Debug("outbox: claimed before its time; put back", "kind", job.Kind, "not_before", job.NotBefore)
	return true
}

// alertFor makes the coordinator's alert about a referral whose email or
// JSON hand-off was not delivered, rendered now: it is a new email, written
// when the referral is given up on, in the words of the organization's
// email_language in the pack then in force. It carries the referral (from the
// same facts the referral email was made of, in the default layout: never the
// organization's template, which may be what failed), for the coordinator to
// pass on by phone. For a hand-off, the last error names the hand-off and its
// host, says when no email went either (handoff: email: false), and adds
// said, what the organization's server answered. Nil when there is no
// coordinator, or the alert cannot be rendered (logged and counted: the dead
// letter still tells what happened).
func (w *Outbox) alertFor(e Email, said string) *Email {
	kind, prefix := EmailAlert, "alert-"
	switch {
	case e.Kind == EmailHandoff:
		kind, prefix = EmailHandoffAlert, "alert-handoff-"
	case e.Kind != EmailReferral:
		return nil
	}
	if e.Referral == nil {
		return nil
	}
	lastErr := e.LastError
	if e.Kind == EmailHandoff {
		if h := e.Referral.Handoff; h != nil && !h.Email {
			lastErr += "; no referral email was sent either (the organization takes its referrals by JSON hand-off only)"
		}
		if said != "" {
			lastErr += "; the server said: " + said
		}
	}
	if w.o.Coordinator == "" {
		if e.Kind == EmailHandoff && e.Referral.Handoff != nil && !e.Referral.Handoff.Email {
			w.o.Log.Error("outbox: a referral taken by JSON hand-off only was given up on, and no coordinator address is configured (HOTLINE_COORDINATOR_EMAIL): the organization has not got it",
				"ref", e.Reference, "org", e.OrgID)
		}
		return nil
	}
	p := w.o.Pack()
	now := w.o.Now()
	msg, err := email.RenderAlert(e.Referral, w.o.Coordinator, e.Attempts, lastErr, email.Options{
		From:        w.o.From,
		Location:    p.Flow.Location,
		MessageID:   email.MessageID(prefix+e.Reference, e.ID, w.o.Domain),
		HotlineName: p.Flow.Name,
		Date:        now,
		Country:     p.Flow.Country,
		Words:       p.EmailWords(e.Referral.EmailLanguage),
	})
	if err != nil {
		w.o.Observer.Error("render")
		w.o.Log.Error("outbox: cannot render the alert about a referral given up on", "ref", e.Reference, "kind", e.Kind, "err", err)
		return nil
	}
	return &Email{Kind: kind, ID: e.ID, Reference: e.Reference, OrgID: e.OrgID, Created: now, Message: msg}
}

// renderLegacy renders a referral email queued by an older build, which queued
// the referral only.
func (w *Outbox) renderLegacy(e Email) (email.Message, error) {
	// The job's reference is its referral's (Referral.Ref), as it was queued.
	sender := EmailSender{From: w.o.From, Domain: w.o.Domain, Coordinator: w.o.Coordinator}
	return email.Render(e.Referral, sender.ReferralOptions(w.o.Pack(), e.Referral, e.ID))
}

// firstNonEmpty returns the first of s that is not "".
func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// oneLine keeps an error message on one line for logs and alerts.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// finish records a job delivered. A store that does not answer (Redis
// restarting) is tried again, with backoff, for up to half the lease: the
// send took at most the other half, so the job is still this worker's, and a
// delivery recorded late is not claimed and sent again by another.
func (w *Outbox) finish(ctx context.Context, job Job) error {
	// Within the lease, with room for the last try: the send took up to half
	// of it. And half a minute at most: a shutdown waits for it.
	deadline := time.Now().Add(min(w.o.Lease/2-storeTimeout-time.Second, 30*time.Second))
	wait := 100 * time.Millisecond
	for {
		finishCtx, cancel := context.WithTimeout(ctx, storeTimeout)
		err := w.o.Store.FinishJob(finishCtx, job, w.o.Retention)
		cancel()
		if err == nil || errors.Is(err, ErrLeaseLost) || time.Now().Add(wait).After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, 2*time.Second)
	}
}
