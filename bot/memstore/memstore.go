// Package memstore keeps conversations, the referral outbox and the reminder
// schedule in this process's memory, under one lock. It keeps the same contract
// as redisstore (the bot/storetest suite runs on both), so that the
// conversation service can be tested without Redis. Nothing survives the
// process, processes do not share it, and what expires is dropped only when
// next touched: it is for tests, not for serving.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/flows"
)

// dedupeFor is how long a message id is remembered after the conversation's last
// message, and maxSeen how many are, as in redisstore.
const (
	dedupeFor = 48 * time.Hour
	maxSeen   = 256
)

// Store is an in-memory store. The zero value is not usable; call New.
type Store struct {
	now func() time.Time // for TTLs, as Redis uses its own clock

	mu     sync.Mutex
	convs  map[string]*conversation
	jobs   map[string]*job
	closed map[string]time.Time // delivered or dead references, until when they are kept
	leases int
	loops  map[string]*storedLoop // by reference
}

// conversation is one stored conversation.
type conversation struct {
	version int64
	state   flows.State
	expires time.Time // zero: kept
	// last is the last message with an id, and replies what it got.
	last    string
	replies []string
	// seen are the ids of its messages, remembered until seenUntil.
	seen      map[string]bool
	seenUntil time.Time
	reminder  *bot.Reminder
}

// job is an outbox job.
type job struct {
	email   bot.Email
	due     time.Time
	created time.Time
	lease   string
}

var (
	_ bot.Store         = (*Store)(nil)
	_ bot.OutboxStore   = (*Store)(nil)
	_ bot.ReminderStore = (*Store)(nil)
)

// Shards is how many shards the store's outbox and reminders have: one.
const Shards = 1

// New returns an empty store whose TTLs run by now.
func New(now func() time.Time) *Store {
	return &Store{now: now, convs: map[string]*conversation{}, jobs: map[string]*job{}, closed: map[string]time.Time{},
		loops: map[string]*storedLoop{}}
}

// get returns a conversation that has not expired, or nil.
func (s *Store) get(conv string) *conversation {
	c := s.convs[conv]
	now := s.now()
	if c != nil && !c.expires.IsZero() && !now.Before(c.expires) {
		if now.Before(c.seenUntil) {
			// The conversation expired but its message ids have not: keep those.
			c.version, c.state, c.last, c.replies, c.reminder, c.expires = 0, flows.State{}, "", nil, nil, time.Time{}
		} else {
			delete(s.convs, conv)
			return nil
		}
	}
	return c
}

// duplicate answers a message already applied, or reports false.
func (c *conversation) duplicate(msgID string, now time.Time) (bot.Snapshot, bool) {
	switch {
	case c == nil || msgID == "":
		return bot.Snapshot{}, false
	case msgID == c.last:
		return bot.Snapshot{Duplicate: true, Replies: slices.Clone(c.replies), State: clone(c.state)}, true
	case c.seen[msgID] && now.Before(c.seenUntil):
		return bot.Snapshot{Duplicate: true}, true
	}
	return bot.Snapshot{}, false
}

// snapshot returns the conversation as Load does for a new message.
func (c *conversation) snapshot() bot.Snapshot {
	if c == nil {
		return bot.Snapshot{}
	}
	return bot.Snapshot{State: clone(c.state), Version: c.version}
}

// Load reads a conversation and whether msgID was applied.
func (s *Store) Load(_ context.Context, conv, msgID string) (bot.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.get(conv)
	if dup, ok := c.duplicate(msgID, s.now()); ok {
		return dup, nil
	}
	return c.snapshot(), nil
}

// Commit saves a change if the conversation is still at its version (see
// bot.Store).
func (s *Store) Commit(ctx context.Context, conv, msgID string, ch bot.Change) (bot.Snapshot, bool, error) {
	// Two jobs under one reference are a bug in the caller, refused before
	// anything else is looked at, as redisstore's script refuses them.
	if ch.Email != nil && ch.Handoff != nil && ch.Email.Ref() == ch.Handoff.Ref() {
		return bot.Snapshot{}, false, fmt.Errorf("memstore: commit: both jobs have the reference %s", ch.Email.Ref())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.get(conv)
	if dup, ok := c.duplicate(msgID, now); ok {
		return dup, false, nil
	}
	if passed(ctx, ch.Deadline) {
		return bot.Snapshot{}, false, fmt.Errorf("memstore: commit: %w", bot.ErrDeadline)
	}
	current := int64(0)
	if c != nil {
		current = c.version
	}
	if current != ch.Version {
		return c.snapshot(), false, nil
	}
	if w := ch.Loop; w != nil && !s.checkLoop(w.Loop.Ref, w.Version) {
		if w.Version == 0 {
			// A new referral's reference names a loop already: draw another.
			return bot.Snapshot{}, false, bot.ErrRefTaken
		}
		return bot.Snapshot{}, false, bot.ErrLoopChanged
	}
	// Both jobs' references are checked before either is queued: a
	// referral's (its email's or its hand-off's) under both the email's and
	// the hand-off's reference.
	var jobs []*bot.Email
	for _, e := range []*bot.Email{ch.Email, ch.Handoff} {
		if e == nil {
			continue
		}
		for _, ref := range refsOf(e) {
			if _, queued := s.jobs[ref]; queued || s.isClosed(ref) {
				return bot.Snapshot{}, false, bot.ErrRefTaken
			}
		}
		jobs = append(jobs, e)
	}
	for _, e := range jobs {
		s.jobs[e.Ref()] = &job{email: cloneEmail(*e), due: ch.Now, created: ch.Now}
	}
	if w := ch.Loop; w != nil {
		if err := s.writeLoop(ch.Now, w.Version, &w.Loop, w.Due); err != nil {
			return bot.Snapshot{}, false, fmt.Errorf("memstore: commit: %w", err)
		}
	}
	// Versions of a new conversation start at its time, as in redisstore.
	next := ch.Version + 1
	if ch.Version == 0 {
		next = max(ch.Now.UnixMilli(), 0) + 1
	}
	if c == nil {
		c = &conversation{}
		s.convs[conv] = c
	}
	c.version, c.state = next, clone(ch.State)
	c.expires = time.Time{}
	if ch.TTL > 0 {
		c.expires = now.Add(ch.TTL)
	}
	if msgID != "" {
		// A message without an id keeps the last one with an id, for its duplicates.
		c.last, c.replies = msgID, slices.Clone(ch.Replies)
		if !now.Before(c.seenUntil) {
			c.seen = nil
		}
		if c.seen == nil {
			c.seen = map[string]bool{}
		}
		c.seen[msgID] = true
		if len(c.seen) > maxSeen {
			// One goes at random, as in redisstore (SPOP).
			for id := range c.seen {
				if id != msgID {
					delete(c.seen, id)
					break
				}
			}
		}
		c.seenUntil = now.Add(dedupeFor)
	}
	c.reminder = nil
	if ch.Reminder != nil {
		r := *ch.Reminder
		c.reminder = &r
	}
	return bot.Snapshot{Version: next}, true, nil
}

// refsOf is every outbox reference whose use makes e's taken: for a
// referral's email or hand-off, both the email's and the hand-off's; for any
// other job, its own.
func refsOf(e *bot.Email) []string {
	if e.Kind == bot.EmailReferral || e.Kind == bot.EmailHandoff {
		return []string{e.Reference, bot.HandoffRef(e.Reference)}
	}
	return []string{e.Ref()}
}

// passed reports whether a commit's deadline (the change's, or ctx's when
// earlier) has passed. It reads the wall clock, not the store's clock: Redis
// compares deadlines with its TIME, which is its host's wall clock, and the
// service sets them from time.Now whatever clock it steps conversations by.
func passed(ctx context.Context, deadline time.Time) bool {
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	return !deadline.IsZero() && !time.Now().Before(deadline)
}

// RefPrefix returns 0: references are unique in the one shard.
func (s *Store) RefPrefix(string) byte { return 0 }

func (s *Store) isClosed(ref string) bool {
	until, ok := s.closed[ref]
	return ok && s.now().Before(until)
}

// Queued reports whether the email or the JSON hand-off of the referral ref
// still waits.
func (s *Store) Queued(_ context.Context, _, ref string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, email := s.jobs[ref]
	_, handoff := s.jobs[bot.HandoffRef(ref)]
	return email || handoff, nil
}

// ClaimJobs leases up to limit due jobs.
func (s *Store) ClaimJobs(_ context.Context, _ int, now time.Time, lease time.Duration, limit int) ([]bot.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var refs []string
	for ref, j := range s.jobs {
		if !j.due.After(now) {
			refs = append(refs, ref)
		}
	}
	// Oldest due first, as a sorted set would give them.
	slices.SortFunc(refs, func(a, b string) int { return s.jobs[a].due.Compare(s.jobs[b].due) })
	var out []bot.Job
	for _, ref := range refs[:min(len(refs), limit)] {
		j := s.jobs[ref]
		s.leases++
		j.lease, j.due = strconv.Itoa(s.leases), now.Add(lease)
		out = append(out, bot.Job{Email: cloneEmail(j.email), Ref: ref, Lease: j.lease})
	}
	return out, nil
}

// FinishJob marks a job delivered.
func (s *Store) FinishJob(_ context.Context, j bot.Job, retention time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.jobs, j.Ref)
	s.closed[j.Ref] = s.now().Add(retention)
	return nil
}

// RetryJob saves a job to be tried again at due, if the caller holds its
// lease (bot.ErrLeaseLost if not), which it keeps until the next claim.
func (s *Store) RetryJob(_ context.Context, j bot.Job, due time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.jobs[j.Ref]
	if q == nil || q.lease != j.Lease {
		return fmt.Errorf("memstore: retry job: %w", bot.ErrLeaseLost)
	}
	q.email, q.due = cloneEmail(j.Email), due
	return nil
}

// KillJob moves a job to the dead letters and queues alert in its place, if the
// caller holds its lease (bot.ErrLeaseLost if not).
func (s *Store) KillJob(_ context.Context, j bot.Job, retention time.Duration, alert *bot.Email, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.jobs[j.Ref]
	if q == nil || q.lease != j.Lease {
		return fmt.Errorf("memstore: dead job: %w", bot.ErrLeaseLost)
	}
	delete(s.jobs, j.Ref)
	s.closed[j.Ref] = s.now().Add(retention)
	if alert != nil {
		s.jobs[alert.Ref()] = &job{email: cloneEmail(*alert), due: now, created: now}
	}
	return nil
}

// OutboxStats returns how many jobs wait and when the oldest was queued.
func (s *Store) OutboxStats(context.Context) (depth int64, oldest time.Time, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if oldest.IsZero() || j.created.Before(oldest) {
			oldest = j.created
		}
	}
	return int64(len(s.jobs)), oldest, nil
}

// ClaimReminders takes up to limit due reminders, each once.
func (s *Store) ClaimReminders(_ context.Context, _ int, now time.Time, limit int) ([]bot.DueReminder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.DueReminder
	for key := range s.convs {
		c := s.get(key)
		if c == nil || c.reminder == nil || c.reminder.At.After(now) || len(out) == limit {
			continue
		}
		out = append(out, bot.DueReminder{Conv: key, State: clone(c.state), To: c.reminder.To})
		c.reminder = nil
	}
	return out, nil
}

// clone copies a state, so that what is stored shares nothing with the caller's.
func clone(st flows.State) flows.State {
	st.Answers = slices.Clone(st.Answers)
	st.History = slices.Clone(st.History)
	return st
}

// cloneEmail copies an email's referral, hand-off and text, for the same
// reason; the rest (NotBefore among it) is kept as given.
func cloneEmail(e bot.Email) bot.Email {
	if e.Text != nil {
		text := *e.Text
		e.Text = &text
	}
	if e.Referral != nil {
		r := *e.Referral
		r.UrgentReasons = slices.Clone(r.UrgentReasons)
		r.Answers = slices.Clone(r.Answers)
		if r.Handoff != nil {
			h := *r.Handoff
			r.Handoff = &h
		}
		e.Referral = &r
	}
	if e.Handoff != nil {
		h := *e.Handoff
		h.Body = slices.Clone(h.Body)
		e.Handoff = &h
	}
	return e
}
