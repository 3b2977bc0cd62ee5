package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// State is the conversation after the message (not set for duplicates), for
	// the coordinators' preview.
	State flows.State
	// Referred is set when the message made a referral (to an organization, or
	// the fallback): the web chat caps them per client.
	Referred bool
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
}

// Service applies inbound messages to conversations, each exactly once.
type Service struct {
	store     Store
	keys      *hotline.Keys
	pack      func() *pack.Pack
	now       func() time.Time
	random    io.Reader
	log       *slog.Logger
	observe   Observer
	retention time.Duration
	remindIn  time.Duration
	cache     *stateCache
	// emailFrom and emailDomain are the referral emails' sender and the end
	// of their Message-IDs.
	emailFrom, emailDomain string
}

// Options are the Service's collaborators and settings.
type Options struct {
	Store Store
	// Keys names conversations in the store.
	Keys *hotline.Keys
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
	return &Service{
		store: o.Store, keys: o.Keys, pack: o.Pack, now: o.Now, random: o.Random, log: o.Log, observe: o.Observer,
		retention: o.Retention, remindIn: o.ReminderDelay, cache: newStateCache(o.CacheSize),
		emailFrom: o.EmailFrom, emailDomain: o.EmailDomain,
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

// maxAttempts bounds the load-step-commit loop. Each retry means another message of
// the same person committed in between, so this many in a row is a storm.
const maxAttempts = 20

// Handle applies a message exactly once and returns the replies. A duplicate gets
// the replies of the first delivery and changes nothing. On an error the caller
// should apologise (see TechnicalProblem). The message was then not applied, as
// far as a last look could tell: a commit whose answer was lost is looked for
// once more before giving up, but one still stuck in a stalled Redis past that
// look may yet apply, and a resend is then answered as the next question.
func (s *Service) Handle(ctx context.Context, m hotline.Message) (Reply, error) {
	key := s.keys.Of(m.Conversation)
	s.observe.MessageIn(m.Channel)
	// The cache usually holds the conversation as this process last committed it;
	// when it does not, the conversation is most often new. Either way the commit
	// is the only round trip: if the guess was wrong (another process moved the
	// conversation on, or it began before this process knew it), the commit says
	// so and returns the conversation as it is, and the message is stepped again.
	// A read first would cost every new conversation a second round trip.
	snap, _ := s.cache.get(key)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if snap.Duplicate {
			return s.duplicate(m, snap), nil
		}
		reply, change, fx, err := s.step(ctx, key, m, snap)
		if err != nil {
			return Reply{}, err
		}
		now, committed, err := s.store.Commit(ctx, key, m.ID, change)
		switch {
		case errors.Is(err, ErrRefTaken):
			continue // step again: a new reference is drawn
		case err != nil:
			s.cache.drop(key)
			s.observe.Error("store")
			// A commit that timed out may still have been applied: ask once more,
			// so that the person is not told to send again an answer that counted
			// (it would then answer the next question).
			if applied, ok := s.recheck(key, m); ok {
				return applied, nil
			}
			return Reply{}, fmt.Errorf("bot: commit: %w", err)
		case !committed:
			s.cache.drop(key)
			snap = now
			continue
		}
		s.cache.put(key, Snapshot{State: change.State, Version: now.Version})
		s.committed(key, m, fx, reply)
		return reply, nil
	}
	s.observe.Error("conflicts")
	return Reply{}, fmt.Errorf("bot: %d conflicting updates in a row", maxAttempts)
}

// recheck looks, with a fresh deadline, whether a message whose commit failed was
// applied after all, and if so returns its replies.
func (s *Service) recheck(key string, m hotline.Message) (Reply, bool) {
	if m.ID == "" {
		return Reply{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	snap, err := s.store.Load(ctx, key, m.ID)
	if err != nil || !snap.Duplicate {
		return Reply{}, false
	}
	return s.duplicate(m, snap), true
}

// duplicate answers a message applied before with the replies it got then.
func (s *Service) duplicate(m hotline.Message, snap Snapshot) Reply {
	s.observe.Duplicate(m.Channel)
	return Reply{Messages: snap.Replies, Duplicate: true}
}

// step runs the engine on a conversation and prepares the change to commit.
func (s *Service) step(ctx context.Context, key string, m hotline.Message, snap Snapshot) (Reply, Change, pack.Effects, error) {
	ref, err := NewReference(s.random, s.store.RefPrefix(key))
	if err != nil {
		return Reply{}, Change{}, pack.Effects{}, err
	}
	now := s.now()
	p := s.pack() // one pack for the step and the email it may render
	in := flows.Input{Text: m.Text, Channel: m.Channel, From: callbackNumber(m), Now: now, Ref: ref, MediaOnly: m.MediaOnly}
	start := time.Now()
	next, fx := p.Step(snap.State, in)
	s.observe.Step(time.Since(start))
	if fx.OptOut {
		if next, fx, err = s.optOut(ctx, key, p, snap.State, in, next, fx); err != nil {
			return Reply{}, Change{}, fx, err
		}
	}

	reply := Reply{Messages: fx.Replies, State: next, Referred: fx.Referral != nil || fx.Fallback}
	if m.Silent {
		reply.Messages = nil
	}
	ttl := s.retention
	switch {
	case next.Flags&flows.OptedOut != 0 && m.Channel != hotline.ChannelWeb:
		// An opt-out outlives any retention: nothing may be texted to that number
		// until START. A web session has no number and is never seen again.
		ttl = 0
	case next.Flags&flows.Ended != 0:
		// An ended conversation keeps only its last reply, for a duplicate of the
		// last message; that reply may name the person, so it goes soon.
		ttl = min(ttl, endedTTL)
	}
	c := Change{Version: snap.Version, State: next, TTL: ttl, Replies: reply.Messages, Now: now}
	if fx.Referral != nil {
		if c.Email, err = s.newReferralEmail(p, fx.Referral, now); err != nil {
			return Reply{}, Change{}, fx, err
		}
	}
	// A reminder only for someone waiting at a question, by text: not after the
	// end, not after STOP, not on the web (no number to text).
	if s.remindIn > 0 && next.Step != "" && next.Flags&(flows.Ended|flows.OptedOut) == 0 && m.Channel != hotline.ChannelWeb {
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

// TechnicalProblem is the apology sent when a message could not be applied.
func (s *Service) TechnicalProblem() string {
	return s.pack().Flow.TechnicalProblem()
}

// Inspect describes a conversation state for the coordinators' preview.
func (s *Service) Inspect(st flows.State) pack.Inspection {
	return s.pack().Inspect(st)
}
