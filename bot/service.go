package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// Reply is what to send back to the person.
type Reply struct {
	Messages []string
	// Duplicate is set when the message had been applied before; Messages are the
	// replies it got then.
	Duplicate bool
	// State is the conversation after the message, for the coordinators'
	// preview and the web chat's screen; for a duplicate, the state after it
	// when it was the last message, else empty.
	State flows.State
	// Referred is set when the message made a referral to an organization (an
	// email goes out; the fallback sends none): the web chat caps them per
	// client.
	Referred bool
	// Fallback is set when the message ended the screening with the fallback
	// referral (no organization: nothing is emailed), and OptOut when it
	// opted the person out (STOP), for `hotline chat` to say so.
	Fallback, OptOut bool
	// Notice is set when the message made the conversation need a person (the
	// coordinator is emailed, when an address is configured), for the
	// coordinators' preview.
	Notice *hotline.Notice
	// Referral is the referral the message made, for the coordinators'
	// preview (PreviewReferral); nil for none.
	Referral *hotline.Referral
	// LookedUp is set when the message was a referral's reference typed on
	// the web chat, and was looked up (found or not): the web chat caps
	// those per client, as references are short enough to guess at.
	LookedUp bool
	// loopEvents are the events the message adds to a referral's loop,
	// counted once it is committed.
	loopEvents []hotline.LoopEvent
}

// Observer is told what happened, for metrics. All methods must be cheap.
type Observer interface {
	MessageIn(channel string)
	MessagesOut(channel string, n int)
	Duplicate(channel string)
	Step(d time.Duration)
	OptOut(channel string)
	Referral(org string)
	Error(kind string)
	// Circuit reports the store's circuit breaker opening (true) or closing.
	Circuit(open bool)
	// NeedsPerson counts a conversation that came to need a person, by the
	// notice's reason (hotline.NoticeAsked or hotline.NoticeNotUnderstood),
	// whether or not its email could be queued.
	NeedsPerson(reason string)
}

// Service applies inbound messages to conversations, each exactly once.
type Service struct {
	store Store
	keys  *hotline.Keys
	// applyWithin is how long a message may take to apply once it has its turn.
	applyWithin time.Duration
	pack        func() *pack.Pack
	now         func() time.Time
	random      io.Reader
	log         *slog.Logger
	observe     Observer
	retention   time.Duration
	remindIn    time.Duration
	cache       *stateCache
	// emailFrom and emailDomain are the referral emails' sender and the end
	// of their Message-IDs.
	emailFrom, emailDomain string
	// coordinator receives the needs-a-person notices; "" sends none.
	coordinator string
	turns       *turns
	unsure      *unsure
	breaker     *breaker
	// loop is how referrals are followed after they are made, and loops
	// where their loops are kept (nil: nowhere; referrals are not followed).
	loop  LoopOptions
	loops LoopStore
}

// Options are the Service's collaborators and settings.
type Options struct {
	Store Store
	// Keys names conversations in the store.
	Keys *hotline.Keys
	// ApplyWithin is how long a message may take to apply once its
	// conversation's turn has come, after which it is refused and apologised
	// for; 0 means 1 s, under the 2 s within which a person must hear whether
	// a message counted. Tests of correctness under load on a shared machine
	// give it more.
	ApplyWithin time.Duration
	// Pack returns the pack in force; it may change between messages (hot reload).
	Pack func() *pack.Pack
	Now  func() time.Time
	// Random feeds referral references (crypto/rand.Reader).
	Random   io.Reader
	Log      *slog.Logger
	Observer Observer
	// Retention is how long a quiet conversation is kept.
	Retention time.Duration
	// ReminderDelay is how long after the last message a person who stopped
	// mid-screening is reminded; 0 turns reminders off.
	ReminderDelay time.Duration
	// CacheSize is how many conversations the process keeps in memory as it last
	// committed them, to save a read per message (default 10,000; negative: none).
	CacheSize int
	// EmailFrom is the referral emails' sender, like "Legal Aid Hotline
	// <hotline@example.org>", and EmailDomain ends their Message-IDs: a
	// referral's email is rendered when the referral is made (the time zone and
	// words come from the pack then in force).
	EmailFrom, EmailDomain string
	// Coordinator is the hotline's coordinator's address
	// (HOTLINE_COORDINATOR_EMAIL), to whom a conversation that comes to need a
	// person is emailed, with the change that raised it (like a referral),
	// and the Reply-To of every referral email, so that intake staff who
	// reply reach a person. "" sends no notice (each is logged as a warning
	// and still counted) and sets no Reply-To.
	Coordinator string
	// Loop is how referrals are followed after they are made: links for
	// organizations, follow-ups, re-routing.
	Loop LoopOptions
}

// New returns a Service, or an error naming the collaborator that is missing.
func New(o Options) (*Service, error) {
	if err := missing("bot.New", map[string]bool{
		"Store": o.Store == nil, "Keys": o.Keys == nil, "Pack": o.Pack == nil, "Now": o.Now == nil, "Random": o.Random == nil,
		"Log": o.Log == nil, "Observer": o.Observer == nil, "EmailFrom": o.EmailFrom == "",
	}); err != nil {
		return nil, err
	}
	if o.Retention <= 0 {
		return nil, fmt.Errorf("bot.New: Retention must be positive, not %v", o.Retention)
	}
	if o.ApplyWithin <= 0 {
		o.ApplyWithin = applyWithin
	}
	if o.Loop.Retention <= 0 {
		o.Loop.Retention = defaultLoopRetention
	}
	loops := o.Loop.Store
	if loops == nil {
		loops, _ = o.Store.(LoopStore)
	}
	return &Service{
		loop: o.Loop, loops: loops,
		applyWithin: o.ApplyWithin,
		store:       o.Store, keys: o.Keys, pack: o.Pack, now: o.Now, random: o.Random, log: o.Log, observe: o.Observer,
		retention: o.Retention, remindIn: o.ReminderDelay, cache: newStateCache(o.CacheSize),
		emailFrom: o.EmailFrom, emailDomain: o.EmailDomain, coordinator: o.Coordinator,
		turns: newTurns(), unsure: newUnsure(), breaker: &breaker{log: o.Log, observe: o.Observer},
	}, nil
}

// missing returns an error listing the collaborators that are not given.
func missing(origin string, nils map[string]bool) error {
	var names []string
	for name, isNil := range nils {
		if isNil {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return fmt.Errorf("%s: missing %s", origin, strings.Join(names, ", "))
}

// endedTTL is how long an ended conversation is kept: long enough to answer
// Twilio's redeliveries of the last message, which come within hours.
const endedTTL = 48 * time.Hour

// The timing of a message. The person must learn within 2 seconds whether a
// message counted: an apology means "not applied, send it again", and a resent
// answer must then answer the same question, never the next one. So a message
// is applied within applyWithin of its turn or not at all, and the store
// enforces that with its own clock (Change.Deadline), however late a commit
// reaches it.
const (
	// applyWithin is, unless Options.ApplyWithin says otherwise, how long after
	// its turn (see turns) a message may be applied: every commit attempt and
	// backoff. Its commits carry turn+applyWithin as their deadline. Commits
	// take milliseconds (BENCHMARKS.md), so a second is an outage, not a slow
	// day.
	applyWithin = time.Second
	// clockSkew is how far the store's clock may lag the service's: after a
	// commit that got no answer, the service waits until its own clock has
	// passed the deadline by this much, so that the store, by its clock, has
	// passed it too and will refuse the commit if it is still on its way.
	// NTP keeps hosts within milliseconds; 250 ms covers a host that drifted
	// (or a clock stepped back) by far more, and still answers in time. A Redis
	// host whose clock lags the service's by more could apply a message after
	// its apology.
	clockSkew = 250 * time.Millisecond
	// recheckWithin bounds the last look, after that wait, at whether a commit
	// that got no answer was applied before its deadline (its answer lost).
	recheckWithin = 250 * time.Millisecond
	// messageWithin is the longest Handle takes: 1.5 s, within the 2 s promised.
	messageWithin = applyWithin + clockSkew + recheckWithin
)

// Backoff between conflicting commits, which within a process only come from
// another process moving the same conversation on (messages of one person
// spread over processes): the first conflict is stepped again at once (the
// store returned the newer conversation); later ones wait a random time up to
// backoffBase·2ⁿ, at most backoffMax, so that the processes stop colliding.
const (
	backoffBase = 2 * time.Millisecond
	backoffMax  = 64 * time.Millisecond
	// maxAttempts bounds the loop, whose deadline also ends it.
	maxAttempts = 100
)

// Handle applies a message exactly once and returns the replies. A duplicate gets
// the replies of the first delivery and changes nothing. On an error the caller
// should apologise (see TechnicalProblem): the message was not applied and will
// not be, so the same answer sent again answers the same question. Once the
// message's turn has come, Handle returns within messageWithin (1.5 s), or
// ctx's deadline if earlier (plus clockSkew and recheckWithin); the wait for the
// turn is bounded by ctx.
//
// The messages of one conversation in this process take turns; messages of one
// conversation on several processes conflict and are stepped again, with
// backoff. While the store does not answer, a circuit breaker refuses messages
// at once (ErrCircuitOpen).
func (s *Service) Handle(ctx context.Context, m hotline.Message) (Reply, error) {
	key := s.keys.Of(m.Conversation)
	s.observe.MessageIn(m.Channel)
	// The breaker runs on the wall clock, as the deadlines do, whatever clock
	// s.now gives the engine (a test's may stand still).
	if !s.breaker.admit(time.Now()) {
		s.observe.Error("circuit_open")
		return Reply{}, ErrCircuitOpen
	}
	// The wait for the turn is bounded by ctx (the request's own bound), not by
	// the commit's deadline: waiting behind the same person's earlier messages
	// is no outage, and counted against the deadline it made a burst of texts
	// on a busy machine end in apologies.
	tn, err := s.turns.wait(ctx, key)
	if err != nil {
		// Nothing was sent: not applied, for certain.
		s.observe.Error("busy")
		return Reply{}, fmt.Errorf("bot: the conversation's earlier messages took the time of this one: %w", err)
	}
	defer s.turns.done(key, tn)
	if s.breaker.refusing(time.Now()) {
		// It opened while this message waited (the ones before it found the
		// store silent): the apology at once, not another wait on the store.
		s.observe.Error("circuit_open")
		return Reply{}, ErrCircuitOpen
	}
	// The deadline is by the wall clock, whatever clock s.now gives the engine:
	// Redis compares it with its own wall clock (TIME).
	deadline := time.Now().Add(s.applyWithin)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return s.apply(ctx, key, m, deadline)
}

// apply is Handle's load-step-commit loop, run in the conversation's turn.
func (s *Service) apply(ctx context.Context, key string, m hotline.Message, deadline time.Time) (Reply, error) {
	// The cache usually holds the conversation as this process last committed it;
	// when it does not, the conversation is most often new. Either way the commit
	// is the only round trip: if the guess was wrong (another process moved the
	// conversation on, or it began before this process knew it), the commit says
	// so and returns the conversation as it is, and the message is stepped again.
	// A read first would cost every new conversation a second round trip.
	if reply, ok := s.resent(ctx, key, m); ok {
		return reply, nil
	}
	snap, _ := s.cache.get(key)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if snap.Duplicate {
			return s.duplicate(m, snap), nil
		}
		reply, change, fx, err := s.step(ctx, key, m, snap)
		if err != nil {
			return Reply{}, err
		}
		if fx.Referral != nil && m.ReferralsClosed {
			// Not applied: the screening stays at its last question, and may
			// end in a referral another day.
			s.observe.Error("referrals_closed")
			return Reply{Messages: []string{s.pack().Flow.ReferralLimit(snap.State, m.Channel)}, State: snap.State}, nil
		}
		change.Deadline = deadline
		now, committed, err := s.store.Commit(ctx, key, m.ID, change)
		s.breaker.record(time.Now(), !errors.Is(err, ErrUnavailable))
		switch {
		case errors.Is(err, ErrRefTaken):
			continue // step again: a new reference is drawn
		case errors.Is(err, ErrLoopChanged):
			continue // step again: the referral's loop is read again
		case err != nil:
			return s.notCommitted(key, m, deadline, err)
		case !committed:
			s.cache.drop(key)
			snap = now
			if err := backoff(ctx, attempt); err != nil {
				// No commit is under way: not applied, for certain.
				s.observe.Error("conflicts")
				return Reply{}, fmt.Errorf("bot: %d conflicting updates before the deadline: %w", attempt+1, err)
			}
			continue
		}
		s.cache.put(key, Snapshot{State: change.State, Version: now.Version})
		s.committed(key, m, fx, reply)
		s.observeEvents(reply.loopEvents)
		reply.loopEvents = nil
		return reply, nil
	}
	s.observe.Error("conflicts")
	return Reply{}, fmt.Errorf("bot: %d conflicting updates in a row", maxAttempts)
}

// backoff waits before the attempt after attempt (0-based), or returns ctx's
// error when its deadline comes first.
func backoff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	limit := min(backoffBase<<min(attempt-1, 16), backoffMax)
	t := time.NewTimer(rand.N(limit) + 1)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// notCommitted answers a message whose commit failed. When the store refused it
// (ErrDeadline), it was not applied. Otherwise the commit may have been applied
// before its deadline with its answer lost, or may still be on its way (in a
// stalled Redis's socket, or a batch): the service waits until the deadline has
// passed by the store's clock too, after which no such commit can apply, and
// looks once more; the person is told to send again only when that look does not
// find it applied. When the look cannot reach the store either, the message is
// taken as not applied: it could only have been applied in the moment between
// its commit's arrival and the store's going silent.
func (s *Service) notCommitted(key string, m hotline.Message, deadline time.Time, err error) (Reply, error) {
	s.cache.drop(key)
	s.observe.Error("store")
	// Without an id (a web chat client that sends none) there is nothing to
	// look for, so no point waiting: such a message has no such guarantee.
	if !errors.Is(err, ErrDeadline) && m.ID != "" {
		time.Sleep(time.Until(deadline.Add(clockSkew)))
		applied, ok, known := s.recheck(key, m)
		if ok {
			return applied, nil
		}
		if !known {
			// Applied or not, nobody can tell now: if the person sends the
			// same again, it is looked for first (resent).
			s.unsure.add(key, m.ID, m.Text, time.Now())
		}
	}
	return Reply{}, fmt.Errorf("bot: commit: %w", err)
}

// recheck looks, with a fresh deadline, whether a message whose commit failed was
// applied after all, and if so returns its replies. known is false when the
// store did not answer either.
func (s *Service) recheck(key string, m hotline.Message) (reply Reply, applied, known bool) {
	if m.ID == "" {
		return Reply{}, false, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), recheckWithin)
	defer cancel()
	snap, err := s.store.Load(ctx, key, m.ID)
	if err != nil {
		return Reply{}, false, false
	}
	s.breaker.record(time.Now(), true)
	if !snap.Duplicate {
		return Reply{}, false, true
	}
	return s.duplicate(m, snap), true, true
}

// resent answers m, when it repeats a message of its conversation whose fate
// was unknown (see unsure) and that turns out to have been applied, with that
// message's replies: the person was told to send it again, and it must not be
// taken as the answer to the next question.
func (s *Service) resent(ctx context.Context, key string, m hotline.Message) (Reply, bool) {
	first, ok := s.unsure.take(key, m.Text, time.Now())
	if !ok || first.id == m.ID {
		return Reply{}, false
	}
	snap, err := s.store.Load(ctx, key, first.id)
	if err != nil {
		// Still no telling: keep it for the next resend. This one is
		// stepped; its commit most likely fails the same way.
		s.unsure.add(key, first.id, first.text, time.Now())
		return Reply{}, false
	}
	if !snap.Duplicate || snap.Replies == nil {
		// Not applied (step it as usual), or applied before later messages
		// (the conversation has moved on since): nothing to repeat.
		return Reply{}, false
	}
	s.observe.Duplicate(m.Channel)
	return Reply{Messages: snap.Replies, Duplicate: true, State: snap.State}, true
}

// duplicate answers a message applied before with the replies it got then,
// and the conversation as it is: the state after it, when it was the last
// message (its replies are kept only then).
func (s *Service) duplicate(m hotline.Message, snap Snapshot) Reply {
	s.observe.Duplicate(m.Channel)
	r := Reply{Messages: snap.Replies, Duplicate: true}
	if snap.Replies != nil {
		r.State = snap.State
	}
	return r
}

// step runs the engine on a conversation and prepares the change to commit.
func (s *Service) step(ctx context.Context, key string, m hotline.Message, snap Snapshot) (Reply, Change, pack.Effects, error) {
	ref, err := NewReference(s.random, s.store.RefPrefix(key))
	if err != nil {
		return Reply{}, Change{}, pack.Effects{}, err
	}
	now := s.now()
	p := s.pack() // one pack for the step and the email it may render
	in := flows.Input{Text: m.Text, Channel: m.Channel, From: callbackNumber(m), Now: now, Ref: ref, MediaOnly: m.MediaOnly, Language: m.Language,
		// A web chat answers every message, after STOP too: the silence
		// after STOP is the carriers' rule for phone numbers.
		AnswerAfterStop: hotline.AnswersAfterStop(m.Channel)}
	if m.SwitchLanguage {
		in.Text, in.SwitchTo = "", m.Language
	}
	loop, loopVersion, standing, lookedUp, err := s.readStanding(ctx, p, snap.State, in, m.LookupsClosed)
	if err != nil {
		return Reply{}, Change{}, pack.Effects{}, fmt.Errorf("bot: the referral asked about: %w", err)
	}
	in.Standing = standing
	start := time.Now()
	next, fx := p.Step(snap.State, in)
	s.observe.Step(time.Since(start))
	if fx.OptOut {
		if next, fx, err = s.optOut(ctx, key, p, snap.State, in, next, fx); err != nil {
			return Reply{}, Change{}, fx, err
		}
	}

	reply := Reply{Messages: fx.Replies, State: next, Referred: fx.Referral != nil, Notice: fx.Notice, Referral: fx.Referral, LookedUp: lookedUp,
		Fallback: fx.Fallback, OptOut: fx.OptOut}
	if m.Silent {
		reply.Messages = nil
	}
	ttl := s.retention
	switch {
	case next.Flags&flows.OptedOut != 0 && m.Channel != hotline.ChannelWeb:
		// An opt-out outlives any retention: nothing may be texted to that number
		// until START. A web session has no number and is never seen again.
		ttl = 0
	case next.Flags&(flows.Ended|flows.OptedOut) != 0:
		// An ended conversation keeps only its last reply, for a duplicate of the
		// last message; that reply may name the person, so it goes soon. So
		// does a web STOP's (it may name the organization a referral still on
		// its way goes to, and the page never goes on with it).
		ttl = min(ttl, endedTTL)
	}
	c := Change{Version: snap.Version, State: next, TTL: ttl, Replies: reply.Messages, Now: now}
	// A STOP, or words that texts are not safe, after a referral: its loop
	// hears of it even when the message asked nothing about it (a private
	// referral, or a new screening since).
	unsafeNow := p.Flow.ContactUnsafe(next) && !p.Flow.ContactUnsafe(snap.State)
	if loop == nil && s.loops != nil && (fx.OptOut || unsafeNow) {
		if ref, _ := snap.State.Referral(); ref != "" {
			l, v, err := s.loops.LoadLoop(ctx, ref)
			switch {
			case err == nil:
				loop, loopVersion = &l, v
			case !errors.Is(err, ErrNoLoop):
				return Reply{}, Change{}, fx, fmt.Errorf("bot: the referral a STOP withdraws: %w", err)
			}
		}
	}
	c.Loop = movedOn(p, loop, loopVersion, fx, unsafeNow, now)
	if r := fx.Referral; r != nil && s.loops != nil {
		// The referral's loop, made with it: the organization's link in its
		// email, and the follow-up to come. Private is the engine's reading
		// at the referral: the answers it read are gone from next.
		private := fx.Referred != nil && fx.Referred.Private
		expires := now.Add(s.loop.Retention)
		r.Link = s.link(r.Ref, r.OrgID, expires)
		c.Loop = &LoopWrite{Loop: s.newLoop(p, r, m.Conversation, textsAllowed(m.Conversation, r, private), private, fx.HearingOffered, now)}
		c.Loop.Due = c.Loop.Loop.Due(now)
	}
	if w := c.Loop; w != nil {
		before := 0
		if loop != nil && w.Version != 0 {
			before = len(loop.History)
		}
		reply.loopEvents = w.Loop.History[min(before, len(w.Loop.History)):]
	}
	// The person may answer a follow-up text, or ask where their referral
	// stands, while its loop lasts: an ended conversation that knows the
	// referral (its reference and whom it went to, no answers: they went
	// with the end) is kept as long. One with answers keeps its own TTL.
	if next.Flags&flows.Ended != 0 && c.TTL > 0 {
		switch w := c.Loop; {
		case w != nil && w.Loop.Texts != (hotline.Conversation{}):
			c.TTL = max(c.TTL, w.Loop.KeepUntil().Sub(now))
		case w == nil && loop != nil && loop.Texts != (hotline.Conversation{}):
			c.TTL = max(c.TTL, loop.KeepUntil().Sub(now))
		}
	}
	if r := fx.Referral; r != nil {
		// The referral email, unless the organization takes its referrals by
		// JSON hand-off only; and the hand-off, in the same commit.
		if r.Handoff == nil || r.Handoff.Email {
			if c.Email, err = s.newReferralEmail(p, r, now); err != nil {
				return Reply{}, Change{}, fx, err
			}
		}
		if r.Handoff != nil {
			if c.Handoff, err = s.newHandoff(r, now); err != nil {
				return Reply{}, Change{}, fx, err
			}
		}
	}
	withdrawal := fx.Notice != nil && fx.Notice.Reason == hotline.NoticeWithdrawn
	if fx.Notice != nil && fx.Referral == nil && c.Email == nil && s.coordinator != "" && (!m.ReferralsClosed || withdrawal) {
		// (A withdrawal is never capped: it tells staff not to text someone.)
		// Queued with the change, as a referral is: the conversation is marked
		// for a person if and only if the coordinator will hear of it. (With a
		// referral, or with no coordinator, committed says why not.)
		c.Email = s.newNoticeEmail(p, fx.Notice, now)
	}
	// A reminder only for someone waiting at a question, by text: not after the
	// end, not after STOP, not on the web (no number to text), and never to a
	// person a text could endanger (the pack's private:, like a safety concern
	// or a domestic violence case). A change without one drops any pending.
	if s.remindIn > 0 && next.Step != "" && next.Flags&(flows.Ended|flows.OptedOut) == 0 && m.Channel != hotline.ChannelWeb &&
		!p.Flow.Private(next) {
		c.Reminder = &Reminder{At: now.Add(s.remindIn), To: m.Conversation}
	}
	return reply, c, fx, nil
}

// committed records what a committed message did.
func (s *Service) committed(key string, m hotline.Message, fx pack.Effects, reply Reply) {
	s.observe.MessagesOut(m.Channel, len(reply.Messages))
	if fx.OptOut {
		s.observe.OptOut(m.Channel)
	}
	switch {
	case fx.Referral != nil:
		s.observe.Referral(fx.Referral.OrgID)
	case fx.Fallback:
		s.observe.Referral("fallback")
	}
	if n := fx.Notice; n != nil && n.Reason == hotline.NoticeWithdrawn {
		if s.coordinator == "" {
			s.log.Warn("bot: a person sent STOP after asking for a person, and no coordinator address is configured (HOTLINE_COORDINATOR_EMAIL): nobody is told",
				"ref", n.Ref, "withdraws", n.Withdraws)
		}
	} else if n != nil {
		s.observe.NeedsPerson(n.Reason)
		// The reference and the reason only: the notice's other facts are
		// the person's.
		switch {
		case fx.Referral != nil:
			s.observe.Error("notice_dropped")
			s.log.Error("bot: a step raised a needs-a-person notice with a referral; the referral was queued (its email, its JSON hand-off, or both) and the notice dropped",
				"ref", n.Ref, "reason", n.Reason)
		case m.ReferralsClosed:
			// The web chat's cap on what one connection may send the staff in a
			// day (HOTLINE_CHAT_REFERRALS_PER_DAY) counts notices too: a flood
			// of AGENT from fresh sessions must not flood the coordinator.
			s.observe.Error("notice_capped")
			s.log.Warn("bot: a web chat connection past its day's referrals and notices asked for a person; the coordinator is not emailed",
				"ref", n.Ref, "reason", n.Reason)
		case s.coordinator == "":
			s.log.Warn("bot: a conversation needs a person, and no coordinator address is configured (HOTLINE_COORDINATOR_EMAIL): nobody is emailed",
				"ref", n.Ref, "reason", n.Reason)
		}
	}
	s.log.Debug("message applied", "conv", key, "channel", m.Channel, "replies", len(reply.Messages),
		"referral", fx.Referral != nil, "ended", fx.Ended)
}

// callbackNumber is the number a YES to "is this the best number?" means: the
// sender's, on SMS and WhatsApp; none on the web.
func callbackNumber(m hotline.Message) string {
	if m.Channel == hotline.ChannelWeb {
		return ""
	}
	return m.From
}

// TechnicalProblem is the apology sent when a message that came by channel
// could not be applied.
func (s *Service) TechnicalProblem(channel string) string {
	return s.pack().Flow.TechnicalProblem(channel)
}

// Screen describes a conversation for a chat screen on channel (see
// pack.Screen).
func (s *Service) Screen(st flows.State, made *hotline.Referral, channel string) pack.Screen {
	return s.pack().Screen(st, made, channel)
}

// Inspect describes a conversation state for the coordinators' preview.
func (s *Service) Inspect(st flows.State) pack.Inspection {
	return s.pack().Inspect(st)
}
