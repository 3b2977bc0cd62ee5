package bot

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
)

// textSending is a text job's LastError while it is being sent: the mark a
// worker writes before it calls Twilio and replaces with the outcome after.
// A worker that claims a job still carrying it knows that the worker before
// it stopped mid-send, and that the text may have gone.
const textSending = "being sent: a text claimed with this mark may have gone, and is never sent again"

// text delivers a text job at most once (see Outbox): the mark, the send, the
// outcome.
func (w *Outbox) text(ctx context.Context, job Job, log *slog.Logger) {
	if job.LastError == textSending {
		// Its worker marked it and stopped (a crash, a store that did not
		// answer) before recording what Twilio said: Twilio may have it.
		job.LastError = "its worker stopped while sending it: it may have gone, so it is not sent again"
		log.Warn("outbox: giving up on a text whose worker stopped mid-send; not sent again", "kind", job.Kind, "attempts", job.Attempts)
		w.kill(ctx, job, nil)
		return
	}
	if w.early(ctx, job, log) || w.quiet(ctx, job, log) {
		return
	}
	if w.pastGiveUp(job.Email, w.o.Now()) {
		// Held too long (the quiet hours, retries, workers down): news of
		// hours ago, or a reminder whose day has passed, must not go now.
		job.LastError = "too late to send: it waited past its time"
		log.Warn("outbox: giving up on a text too late to send", "kind", job.Kind)
		w.kill(ctx, job, nil)
		return
	}
	if wanted, err := w.textWanted(ctx, job); err != nil {
		w.storeFailed(log, "outbox: cannot read the referral a text is about; not sent", err)
		return
	} else if !wanted {
		// Queued before the person sent STOP, said texts are not safe, or
		// the referral moved on: it must not go.
		job.LastError = "no longer wanted: the person withdrew, or the referral moved on, since it was queued"
		log.Info("outbox: dropping a text no longer wanted", "kind", job.Kind)
		w.kill(ctx, job, nil)
		return
	}
	from, to, problem := textAddresses(job.Text)
	if problem != "" {
		// Whoever queued it should not have: retrying cannot help.
		w.o.Observer.Error("bad_job")
		job.LastError = problem
		log.Error("outbox: giving up on a text that cannot be sent (a bug where it was queued)", "kind", job.Kind, "err", problem)
		w.kill(ctx, job, nil)
		return
	}
	if w.o.Texter == nil {
		job.LastError = "no Twilio account is configured: nobody can be texted"
		log.Error("outbox: giving up on a text: no Twilio account is configured", "kind", job.Kind)
		w.kill(ctx, job, nil)
		return
	}

	// The mark, durably, before anything is sent: should this worker stop
	// before recording the outcome, the job comes back a lease later with
	// the mark, and is given up on.
	job.Attempts++
	marked := job
	marked.LastError = textSending
	markCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	err := w.o.Store.RetryJob(markCtx, marked, w.o.Now().Add(w.o.Lease))
	cancel()
	if err != nil {
		// Nothing was sent. Had the store written the mark without
		// answering, the job is given up on unsent after the lease: a text
		// lost, never one sent twice.
		w.storeFailed(log, "outbox: cannot mark a text as being sent; not sent", err)
		return
	}

	// Half the lease, as an email's send: the outcome is recorded before
	// the mark's lease runs out and another worker finds it.
	sendCtx, cancel := context.WithTimeout(ctx, w.o.Lease/2)
	_, err = w.o.Texter.Send(sendCtx, from, to, job.Text.Body, w.o.StatusCallback)
	cancel()
	now := w.o.Now()
	if err == nil {
		if err := w.finish(ctx, job); err != nil {
			// The mark stays: after the lease the job is given up on as
			// possibly sent, and not sent again.
			w.o.Observer.Error("store")
			log.Error("outbox: texted but could not record it; it will be given up on, not sent again", "kind", job.Kind, "err", err)
			return
		}
		w.o.Observer.EmailSent(job.Kind)
		log.Info("outbox: delivered", "kind", job.Kind, "attempts", job.Attempts)
		return
	}
	described := w.o.DescribeText(err)
	switch {
	case w.o.TextPermanent(err):
		job.LastError = "Twilio refused it: " + described
	case w.o.TextRetryable(err) && !w.pastGiveUp(job.Email, now):
		// Twilio did not take it: try again later. The retry replaces the
		// mark; should it fail, the mark stays and the job is given up on
		// after the lease, unsent.
		job.LastError = described
		wait := w.backoff(job.Attempts)
		retryCtx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		if err := w.o.Store.RetryJob(retryCtx, job, now.Add(wait)); err != nil {
			if !errors.Is(err, ErrLeaseLost) {
				w.o.Observer.Error("store")
			}
			log.Error("outbox: a text that did not go cannot be rescheduled; it will be given up on", "kind", job.Kind, "err", err)
			return
		}
		w.o.Observer.EmailRetried(job.Kind)
		log.Warn("outbox: delivery failed; will retry", "kind", job.Kind, "attempts", job.Attempts, "retry_in", wait.String(), "err", described)
		return
	case w.o.TextRetryable(err):
		job.LastError = described
	default:
		job.LastError = "the outcome is unknown (" + described + "): it may have gone, so it is not sent again"
	}
	log.Error("outbox: giving up on a text", "kind", job.Kind, "attempts", job.Attempts, "err", job.LastError)
	w.kill(ctx, job, nil)
}

// textAddresses returns whom a text goes from (the hotline's number the
// person wrote to) and to (the person), as Twilio takes them: both
// "whatsapp:+1…" on WhatsApp, as reminders are sent; or, when it cannot be
// sent, why.
func textAddresses(t *Text) (from, to, problem string) {
	switch {
	case t == nil:
		return "", "", "a text job without its message"
	case t.To.Channel == hotline.ChannelWeb:
		return "", "", "a text to a web conversation, which has no number"
	case t.To.Channel != hotline.ChannelSMS && t.To.Channel != hotline.ChannelWhatsApp:
		return "", "", "a text to a conversation on no known channel"
	case t.To.From == "" || t.To.To == "":
		return "", "", "a text without the person's number or the hotline's"
	case strings.TrimSpace(t.Body) == "":
		return "", "", "a text with nothing to say"
	}
	from, to = t.To.To, t.To.From
	if t.To.Channel == hotline.ChannelWhatsApp {
		from, to = "whatsapp:"+from, "whatsapp:"+to
	}
	return from, to, ""
}

// quiet puts back a text claimed in the quiet hours (a retry, say), to the
// morning, with no attempt counted, and reports whether it did.
func (w *Outbox) quiet(ctx context.Context, job Job, log *slog.Logger) bool {
	if w.o.Quiet == nil {
		return false
	}
	loc := w.o.Pack().Flow.Location
	now := w.o.Now()
	due := now
	for i := 0; i < 4*24 && w.o.Quiet(due.In(loc)); i++ {
		due = due.Add(15 * time.Minute)
	}
	if !due.After(now) {
		return false
	}
	// Its give-up counts from the morning (pastGiveUp), as for a text queued
	// for it.
	job.NotBefore = due
	retryCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := w.o.Store.RetryJob(retryCtx, job, due); err != nil {
		w.storeFailed(log, "outbox: cannot put back a text claimed in the quiet hours", err)
		return true
	}
	log.Debug("outbox: a text claimed in the quiet hours; put back to the morning", "kind", job.Kind)
	return true
}

// textWanted reports whether a text about a referral is still wanted, by
// its loop as it is now (when the store keeps loops): see Loop.TextWanted.
// A text whose loop is not found goes as queued: a loop lasts the referral's
// retention, far longer than a text is tried (textGiveUpAfter), and a STOP
// keeps it (withdrawn), so none is missing but by a bug.
func (w *Outbox) textWanted(ctx context.Context, job Job) (bool, error) {
	loops, ok := w.o.Store.(LoopStore)
	if !ok {
		return true, nil
	}
	ref, _, _ := strings.Cut(job.Reference, "~")
	loadCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	l, _, err := loops.LoadLoop(loadCtx, ref)
	switch {
	case errors.Is(err, ErrNoLoop):
		return true, nil
	case err != nil:
		return false, err
	}
	kind, moves := textKind(job.Reference)
	return l.TextWanted(kind, job.OrgID, moves), nil
}

// textKind is the kind of a loop's text by the end of its reference
// (Loop.JobRef): "…~f1" a follow-up, "…~h2.1" a hearing reminder (for the
// date's second move), "…~2" a re-route's; and, for a hearing reminder, the
// move.
func textKind(reference string) (kind string, moves int) {
	suffix := reference[strings.LastIndexByte(reference, '~')+1:]
	switch {
	case strings.HasPrefix(suffix, "f"):
		return hotline.TextFollowUp, 0
	case strings.HasPrefix(suffix, "h"):
		n, _, _ := strings.Cut(suffix[1:], ".")
		moves, err := strconv.Atoi(n)
		if err != nil {
			moves = -1 // not this version's: never the loop's
		}
		return hotline.TextHearing, moves
	}
	return hotline.TextReroute, 0
}
