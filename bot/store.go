package bot

import (
	"context"
	"errors"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/flows"
)

// The contract between the conversation service and where conversations are
// kept, in the service's own values: each store (redisstore, memstore) owns how
// it encodes them. bot/storetest holds the suite every store must pass.

// Snapshot is a conversation as the store holds it.
type Snapshot struct {
	// State is the conversation; for a duplicate, the state after it when
	// its replies are kept (it was the last message), as Load finds it.
	State flows.State
	// Version changes with every committed message; Commit checks it. A
	// conversation the store does not hold is at version 0.
	Version int64
	// Duplicate is set when the message asked about was applied already;
	// Replies are then what it got, nil when they are no longer kept (an older
	// message than the last: the store still knows it for 48 hours).
	Duplicate bool
	Replies   []string
}

// Change is everything one message changes, saved at once or not at all.
type Change struct {
	// Version is the version the message was stepped from; if another message
	// committed since, nothing is saved.
	Version int64
	State   flows.State
	// TTL is how long the conversation is kept without news; 0 keeps it (an
	// opt-out must outlive any retention).
	TTL time.Duration
	// Replies are kept with the conversation, for a duplicate of this message.
	Replies []string
	// Now is when the message was applied.
	Now time.Time
	// Email is the email to queue with this change, if any: the referral's, or
	// the coordinator's needs-a-person notice. A step that made a referral and
	// raised a notice (the engine never does both at once) queues the
	// referral, which the person was told about, and the notice is logged and
	// counted as dropped (Service.committed).
	Email *Email
	// Handoff is a second job to queue with the same change: a referral's JSON
	// hand-off (EmailHandoff), beside its email, or alone when the
	// organization takes no email (directory.yaml handoff: email: false).
	// Both jobs are queued or neither. A referral's reference is in use when
	// its email's reference or its hand-off's (HandoffRef) is queued, delivered
	// or dead, whichever job is queued now: a hand-off alone never takes a
	// reference an email had, nor the other way round. One in use is
	// ErrRefTaken, and nothing is saved. The two jobs' own references must
	// differ (Email.Ref keeps each kind's apart); two that do not are an
	// error, not ErrRefTaken.
	Handoff *Email
	// Reminder is when to remind the person if nothing else happens; nil drops
	// any reminder.
	Reminder *Reminder
	// Deadline is when the change may no longer be saved, by the store's own
	// clock (Redis's TIME: the wall clock of its host, not the service's
	// injected clock); zero for none. The caller's context deadline, when
	// earlier, counts the same. A store that gets the change later refuses it
	// with ErrDeadline and saves nothing, so that a message the person was told
	// failed is never applied after all.
	Deadline time.Time
	// Loop is the referral's loop to write with the change: a new one (at
	// Version 0) beside the referral that made it, or one the message moves
	// on (the person's answer to a follow-up). A loop changed since its
	// Version was read is ErrLoopChanged, and nothing is saved.
	Loop *LoopWrite
}

// LoopWrite is a referral's loop as a change writes it.
type LoopWrite struct {
	// Version is the loop's version as read; 0 for a new loop, which must not
	// exist yet.
	Version int64
	Loop    hotline.Loop
	// Due is when the loop worker next looks at it (Loop.Due); zero for never.
	Due time.Time
}

// Reminder is a reminder text to come, and whom it goes to: back along the
// conversation.
type Reminder struct {
	At time.Time
	To hotline.Conversation
}

// ErrRefTaken means a referral's reference is already used in the outbox.
var ErrRefTaken = errors.New("bot: referral reference already in use; draw another")

// ErrNoLoop means a referral has no loop: none was made for it (a private
// one, or the fallback), or it expired with the referral's retention.
var ErrNoLoop = errors.New("bot: no such referral")

// ErrLoopChanged means a referral's loop changed since its version was read:
// nothing was saved; read it again.
var ErrLoopChanged = errors.New("bot: the referral changed meanwhile")

// ErrDeadline means the store refused a commit because its deadline had passed
// by the store's clock: nothing of it was saved, and nothing will be.
var ErrDeadline = errors.New("bot: commit deadline passed; nothing saved")

// ErrUnavailable marks an error for which the store gave no answer (it could not
// be reached, or did not answer in time), as opposed to an answer it gave. After
// such a Commit, whether the change was saved is unknown until its deadline has
// passed.
var ErrUnavailable = errors.New("bot: store unavailable")

// Store keeps conversations. A message is a Commit conditional on the version it
// was stepped from, with no lock held: on a conflict the store returns the newer
// conversation and the message is stepped again.
type Store interface {
	// Load reads a conversation and whether msgID ("" for none) was applied.
	Load(ctx context.Context, conv, msgID string) (Snapshot, error)
	// Commit saves c if the conversation is still at c.Version and returns its
	// new version in now.Version; otherwise it returns committed false and what
	// Load would have returned (the duplicate, or the newer conversation). A
	// message id is remembered for at least 48 hours. A reference already in use
	// is ErrRefTaken, and a deadline passed (c.Deadline or ctx's) is ErrDeadline,
	// both with nothing saved; a duplicate is still answered as one after the
	// deadline. An error for which the store gave no answer wraps ErrUnavailable.
	Commit(ctx context.Context, conv, msgID string, c Change) (now Snapshot, committed bool, err error)
	// RefPrefix is the first character of the conversation's referral references.
	RefPrefix(conv string) byte
	// Queued reports whether the email or the JSON hand-off of the referral
	// ref, made in the conversation conv, still waits in the outbox (neither
	// delivered nor given up on).
	Queued(ctx context.Context, conv, ref string) (bool, error)
}

// LoopStore keeps referrals' loops (hotline.Loop): what became of each
// referral after it was made. A loop lives in its conversation's shard (its
// reference's first character names it), so that the commit that makes a
// referral writes its loop too, at once.
type LoopStore interface {
	// LoadLoop reads a referral's loop and its version; ErrNoLoop when
	// there is none.
	LoadLoop(ctx context.Context, ref string) (hotline.Loop, int64, error)
	// SaveLoop writes a loop read at version, with the jobs to queue with it
	// (the next organization's email and hand-off, a text to the person, an
	// alert), all or nothing, and schedules the loop worker's next look at
	// due (zero for none). A loop changed since is ErrLoopChanged; one that
	// is gone, ErrNoLoop; a job's reference in use, ErrRefTaken: nothing is
	// saved. The loop is kept until l.Expires, counted from now (the
	// service's clock). A job is queued due at its NotBefore, or at once.
	SaveLoop(ctx context.Context, now time.Time, version int64, l hotline.Loop, due time.Time, jobs []*Email) error
	// ClaimLoops returns the references of up to limit loops of a shard
	// whose look is due at now, each leased for lease: another claim gets it
	// again only after the lease, unless SaveLoop reschedules it first.
	ClaimLoops(ctx context.Context, shard int, now time.Time, lease time.Duration, limit int) ([]string, error)
}

// Email is one job in the outbox: a referral email to an organization, a
// referral's JSON hand-off to its case-management system, the alert to the
// coordinator about one of those that could not be delivered, or the notice to
// the coordinator that a conversation needs a person. Its Message (or Handoff) is
// rendered when it is queued, in the pack then in force, so that neither the
// conversation (which has moved on) nor a pack reloaded since changes what is
// sent.
type Email struct {
	// Kind is EmailReferral, EmailHandoff, EmailAlert, EmailHandoffAlert or
	// EmailNotice.
	Kind string
	// ID is random; with the reference it makes the Message-ID, the same on every
	// attempt, so that a resend after a crash is recognisably the same email.
	ID string
	// Reference is the referral's (or the notice's), like "H-7F3K9", and OrgID
	// the organization it was made for ("" for a notice): with the attempts, the
	// last error and the times, they are all that a dead letter keeps.
	Reference string
	OrgID     string
	Attempts  int
	Created   time.Time
	LastError string
	// Message is the email exactly as it is sent. A referral email whose
	// rendering failed has none (its MessageID is ""), and LastError says why:
	// the outbox gives up on it at once and alerts the coordinator, whose alert
	// does not depend on what failed.
	Message email.Message
	// Referral is what a referral email was made from, kept while it waits, for
	// the alert to the coordinator should it never be delivered; an alert and a
	// notice have none (a notice that is never delivered alerts no one: it is
	// logged and counted, see Outbox). It goes with the job: a dead letter keeps none of it.
	// A hand-off keeps it too, for the same alert.
	Referral *hotline.Referral
	// Handoff is a hand-off's request (Kind EmailHandoff): the URL, the name
	// of the environment variable holding the signing key (never the key) and
	// the body, rendered when the referral was made, so that every attempt
	// sends the same bytes. A hand-off whose body could not be rendered has
	// none, and LastError says why (the outbox gives up on it at once).
	Handoff *handoff.Request
	// Text is a text job's message to the person (Kind EmailText): sent
	// through the carrier at most once (see Outbox).
	Text *Text
	// NotBefore, for a job a loop queues, is when it may first be sent
	// (after the quiet hours, for a text); zero for at once.
	NotBefore time.Time
}

// Text is a text message to a person, written when it is queued.
type Text struct {
	To   hotline.Conversation
	Body string
}

// The kinds of email.
const (
	EmailReferral = "referral"
	EmailAlert    = "alert"
	// EmailNotice is the coordinator's notice that a conversation needs a
	// person (hotline.Notice).
	EmailNotice = "notice"
	// EmailHandoff is a referral's JSON hand-off (not an email: a POST to the
	// organization's server), delivered by the outbox like one.
	EmailHandoff = "handoff"
	// EmailHandoffAlert is the coordinator's alert about a hand-off that could
	// not be delivered: apart from EmailAlert, so that a referral whose email
	// and hand-off both fail alerts twice, each saying which.
	EmailHandoffAlert = "handoff_alert"
	// EmailText is a text message to the person about their referral (not
	// an email: a message through Twilio's REST API), delivered by the outbox
	// like one, but never twice: see Outbox.
	EmailText = "text"
	// EmailLoopAlert is the coordinator's alert about a referral's loop: an
	// organization silent past its response time.
	EmailLoopAlert = "loop_alert"
)

// Ref is the email's reference in the outbox: the referral's, "handoff:",
// "alert:" or "alert:handoff:" and the referral's, or "notice:" and the
// notice's; "" for none. The prefixes keep each kind's references apart, so
// that a notice never takes (or is refused for) a reference a referral holds.
func (e *Email) Ref() string {
	switch {
	case e.Reference == "":
		return ""
	case e.Kind == EmailAlert:
		return "alert:" + e.Reference
	case e.Kind == EmailNotice:
		return "notice:" + e.Reference
	case e.Kind == EmailHandoff:
		return HandoffRef(e.Reference)
	case e.Kind == EmailHandoffAlert:
		return "alert:handoff:" + e.Reference
	case e.Kind == EmailText:
		return "text:" + e.Reference
	case e.Kind == EmailLoopAlert:
		return "alert:loop:" + e.Reference
	}
	return e.Reference
}

// HandoffRef is the outbox reference of the JSON hand-off of the referral
// ref: "handoff:" and ref. A referral's email (under ref) and its hand-off
// share one reference: a commit refuses either job when either reference is
// in use (ErrRefTaken), so that no two referrals ever share one.
func HandoffRef(ref string) string { return "handoff:" + ref }

// Job is an email claimed from the outbox for delivery.
type Job struct {
	Email
	// Ref is its reference in the outbox (also for an email that could not be
	// read, whose Kind is "").
	Ref string
	// Shard is where the store keeps it.
	Shard int
	// Lease identifies the claim: retrying or killing the job only works for the
	// worker whose lease it still is.
	Lease string
}

// OutboxStore is the outbox as the delivery worker needs it.
type OutboxStore interface {
	// ClaimJobs leases up to limit due jobs of a shard for lease.
	ClaimJobs(ctx context.Context, shard int, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// FinishJob marks a job delivered: it is never sent again.
	FinishJob(ctx context.Context, job Job, retention time.Duration) error
	// RetryJob saves a job (its new attempt count, its last error) to be tried
	// again at due, if the caller still holds its lease; else it saves nothing
	// and returns ErrLeaseLost. The caller keeps the lease until another
	// claim takes the job (at due at the earliest): it may retry, kill or
	// finish it again meanwhile, as a text's worker does after marking the
	// job as being sent (see Outbox).
	RetryJob(ctx context.Context, job Job, due time.Time) error
	// KillJob moves a job to the dead letters and queues alert in its place,
	// when alert is not nil, if the caller holds its lease; else it changes
	// nothing and returns ErrLeaseLost. A dead letter is kept for retention
	// and holds the job's kind, reference, organization, attempts, last error
	// and times, and nothing else: not the message, not the referral, not a
	// text's number or words.
	KillJob(ctx context.Context, job Job, retention time.Duration, alert *Email, now time.Time) error
	// OutboxStats returns how many jobs wait and when the oldest was queued.
	OutboxStats(ctx context.Context) (depth int64, oldest time.Time, err error)
}

// ErrLeaseLost means a job's lease has run out and another claim took it
// (or it was delivered or given up on meanwhile): what the caller asked was
// not done, and the job is another worker's now.
var ErrLeaseLost = errors.New("bot: the outbox job's lease was lost to another claim")

// DueReminder is a reminder whose time has come, with what is needed to send it.
type DueReminder struct {
	// Conv is the conversation's key, for logs.
	Conv  string
	State flows.State
	To    hotline.Conversation
}

// ReminderStore hands out due reminders, each to one caller only.
type ReminderStore interface {
	ClaimReminders(ctx context.Context, shard int, now time.Time, limit int) ([]DueReminder, error)
}
