package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// Conversation is who is talking on which line: one channel, one sender, one
// hotline number. Each has its own state.
type Conversation struct {
	// Channel is "sms", "whatsapp" or "web".
	Channel string
	// From is the sender: an E.164 number (without "whatsapp:"), or a web session id.
	From string
	// To is the hotline number written to, "" on the web.
	To string
}

// Key returns the conversation's storage key: a hash, so that no phone number
// appears in Redis keys, logs of keys or metrics.
func (c Conversation) Key() string {
	var buf [128]byte // on the stack for any real sender and number
	b := append(append(append(append(append(buf[:0], c.Channel...), 0), c.From...), 0), c.To...)
	sum := sha256.Sum256(b)
	return keyEncoding.EncodeToString(sum[:15])
}

// keyEncoding is base32 in lower case, without padding: 15 bytes make 24 letters.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Message is one inbound message.
type Message struct {
	Conversation
	// ID identifies the message for deduplication (Twilio's MessageSid); a message
	// delivered twice with one ID is applied once. "" turns deduplication off.
	ID string
	// Text is what the person wrote.
	Text string
	// MediaOnly marks media sent without text.
	MediaOnly bool
	// Silent applies the message but sends no reply: the carrier already answered
	// it (Twilio's Advanced Opt-Out handled STOP, START or HELP).
	Silent bool
}

// Reply is what to send back to the person.
type Reply struct {
	Messages []string
	// Duplicate is set when the message had been applied before; Messages are the
	// replies it got then.
	Duplicate bool
	// State is the conversation after the message (not set for duplicates), for
	// the coordinators' preview.
	State flows.State
	// Static says the replies are the pack's texts as written, the same for
	// everyone at that point: the transport may reuse their encoding.
	Static bool
}

// Claimed is a conversation as read at the start of handling a message.
type Claimed struct {
	// Duplicate is set when the message was applied already; Reply is what it got.
	Duplicate bool
	Reply     []byte
	// State is the encoded conversation state, empty for a new conversation.
	State []byte
	// Version changes with every committed message; Commit checks it.
	Version int64
}

// Commit is everything one message changes, saved at once or not at all.
type Commit struct {
	// Version is the version claimed; if another message committed since, the
	// commit fails with ErrConflict and nothing is written.
	Version int64
	State   []byte
	// StateTTL is how long the state is kept without news; 0 keeps it (an opt-out
	// must outlive any retention).
	StateTTL time.Duration
	// Reply is kept with the state, for a duplicate of this message.
	Reply []byte
	// Now is when the message was applied.
	Now time.Time
	// Job is the referral email to queue with this commit, if any.
	Job *Job
	// RemindAt is when to remind the person if nothing else happens; zero drops
	// any reminder.
	RemindAt time.Time
	// Who is whom a reminder goes to (JSON of Recipient), with RemindAt.
	Who []byte
}

// Job is one email in the outbox.
type Job struct {
	// Shard is where the store keeps it (set by the store when claiming).
	Shard int
	// Ref is the job's reference: the referral's, or "alert:" and the referral's.
	Ref string
	// Data is the job (JSON of outgoing).
	Data []byte
	// Lease identifies the claim: retrying or killing the job only works for the
	// worker whose lease it still is.
	Lease string
}

// DueReminder is a reminder whose time has come, with what is needed to send it.
type DueReminder struct {
	Conv  string
	State []byte
	Who   []byte
}

// Recipient is whom a reminder text goes to, and from which hotline number.
type Recipient struct {
	Channel string `json:"c"`
	From    string `json:"f"`
	To      string `json:"t"`
}

// MarshalJSON encodes a recipient as encoding/json does. Every message of a
// screening stores one, and its fields are nearly always plain ASCII (a channel
// name and phone numbers), which is written directly; anything else goes through
// encoding/json.
func (r Recipient) MarshalJSON() ([]byte, error) {
	if !plainJSON(r.Channel) || !plainJSON(r.From) || !plainJSON(r.To) {
		type recipient Recipient // without this method
		return json.Marshal(recipient(r))
	}
	b := make([]byte, 0, 20+len(r.Channel)+len(r.From)+len(r.To))
	b = append(append(append(b, `{"c":"`...), r.Channel...), `","f":"`...)
	b = append(append(append(b, r.From...), `","t":"`...), r.To...)
	return append(b, `"}`...), nil
}

// plainJSON reports whether encoding/json writes s between quotes unchanged.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// ErrConflict means another message of the same conversation committed first.
var ErrConflict = errors.New("bot: conversation changed; try again")

// ErrRefTaken means a referral's reference is already used by a job in the outbox.
var ErrRefTaken = errors.New("bot: referral reference already in use; draw another")

// Store keeps conversations. A message is a Commit conditional on the version it
// was stepped from, with no lock held: on a conflict the store returns the newer
// conversation and the message is stepped again. Claim reads a conversation (after
// a failed commit, to learn whether it was applied after all).
type Store interface {
	Claim(ctx context.Context, conv, msgID string) (Claimed, error)
	// Commit saves c if the conversation is still at c.Version, and returns its
	// new version in now.Version; otherwise it returns committed false and what
	// Claim would have returned now.
	Commit(ctx context.Context, conv, msgID string, c Commit) (now Claimed, committed bool, err error)
	// RefPrefix is the first character of the conversation's referral references.
	RefPrefix(conv string) byte
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
	pack      func() *pack.Pack
	now       func() time.Time
	random    io.Reader
	log       *slog.Logger
	observe   Observer
	retention time.Duration
	remindIn  time.Duration
	cache     *stateCache
}

// Options are the Service's collaborators and settings.
type Options struct {
	Store Store
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
}

// New returns a Service.
func New(o Options) *Service {
	return &Service{
		store: o.Store, pack: o.Pack, now: o.Now, random: o.Random, log: o.Log, observe: o.Observer,
		retention: o.Retention, remindIn: o.ReminderDelay, cache: newStateCache(o.CacheSize),
	}
}

// endedTTL is how long an ended conversation is kept: long enough to answer
// Twilio's redeliveries of the last message, which come within hours.
const endedTTL = 48 * time.Hour

// maxAttempts bounds the claim-step-commit loop. Each retry means another message of
// the same person committed in between, so this many in a row is a storm.
const maxAttempts = 20

// Handle applies a message exactly once and returns the replies. A duplicate gets
// the replies of the first delivery and changes nothing. On an error the caller
// should apologise (see TechnicalProblem). The message was then not applied, as
// far as a last look could tell: a commit whose answer was lost is looked for
// once more before giving up, but one still stuck in a stalled Redis past that
// look may yet apply, and a resend is then answered as the next question.
func (s *Service) Handle(ctx context.Context, m Message) (Reply, error) {
	key := m.Key()
	s.observe.MessageIn(m.Channel)
	// The cache usually holds the conversation as this process last committed it;
	// when it does not, the conversation is most often new. Either way the commit
	// is the only round trip: if the guess was wrong (another process moved the
	// conversation on, or it began before this process knew it), the commit says
	// so and returns the conversation as it is, and the message is stepped again.
	// A read first would cost every new conversation a second round trip.
	claimed, _ := s.cache.get(key)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if claimed.Duplicate {
			return s.duplicate(key, m, claimed), nil
		}
		reply, commit, fx, err := s.step(key, m, claimed)
		if err != nil {
			return Reply{}, err
		}
		now, committed, err := s.store.Commit(ctx, key, m.ID, commit)
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
			claimed = now
			continue
		}
		s.cache.put(key, commit.State, now.Version)
		s.committed(key, m, fx, reply)
		return reply, nil
	}
	s.observe.Error("conflicts")
	return Reply{}, fmt.Errorf("bot: %d conflicting updates in a row", maxAttempts)
}

// recheck looks, with a fresh deadline, whether a message whose commit failed was
// applied after all, and if so returns its replies.
func (s *Service) recheck(key string, m Message) (Reply, bool) {
	if m.ID == "" {
		return Reply{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	claimed, err := s.store.Claim(ctx, key, m.ID)
	if err != nil || !claimed.Duplicate {
		return Reply{}, false
	}
	return s.duplicate(key, m, claimed), true
}

// duplicate answers a message applied before with the replies it got then.
func (s *Service) duplicate(key string, m Message, claimed Claimed) Reply {
	s.observe.Duplicate(m.Channel)
	var replies []string
	if err := json.Unmarshal(claimed.Reply, &replies); err != nil {
		s.observe.Error("stored_reply")
		s.log.Warn("a stored reply is unreadable; answering the duplicate with nothing", "conv", key, "err", err)
	}
	return Reply{Messages: replies, Duplicate: true}
}

// step runs the engine on a claimed state and prepares the commit.
func (s *Service) step(key string, m Message, claimed Claimed) (Reply, Commit, pack.Effects, error) {
	var st flows.State
	if len(claimed.State) > 0 {
		if err := st.UnmarshalBinary(claimed.State); err != nil {
			// A state this version cannot read (corrupt, or written by a newer
			// release): starting over beats refusing the person forever.
			s.observe.Error("bad_state")
			s.log.Warn("unreadable conversation state; starting over", "conv", key, "err", err)
			st = flows.State{}
		}
	}
	ref, err := NewReference(s.random, s.store.RefPrefix(key))
	if err != nil {
		return Reply{}, Commit{}, pack.Effects{}, err
	}
	now := s.now()
	start := time.Now()
	next, fx := s.pack().Step(st, flows.Input{
		Text: m.Text, Channel: m.Channel, From: callbackNumber(m), Now: now, Ref: ref, MediaOnly: m.MediaOnly,
	})
	s.observe.Step(time.Since(start))

	reply := Reply{Messages: fx.Replies, State: next, Static: !fx.Personal}
	if m.Silent {
		reply.Messages = nil
	}
	state, err := next.MarshalBinary()
	if err != nil {
		return Reply{}, Commit{}, fx, fmt.Errorf("bot: encode state: %w", err)
	}
	stored, err := json.Marshal(reply.Messages)
	if err != nil {
		return Reply{}, Commit{}, fx, fmt.Errorf("bot: encode reply: %w", err)
	}
	ttl := s.retention
	switch {
	case next.Flags&flows.OptedOut != 0 && m.Channel != "web":
		// An opt-out outlives any retention: nothing may be texted to that number
		// until START. A web session has no number and is never seen again.
		ttl = 0
	case next.Flags&flows.Ended != 0:
		// An ended conversation keeps only its last reply, for a duplicate of the
		// last message; that reply may name the person, so it goes soon.
		ttl = min(ttl, endedTTL)
	}
	c := Commit{Version: claimed.Version, State: state, StateTTL: ttl, Reply: stored, Now: now}
	if fx.Referral != nil {
		if c.Job, err = newReferralJob(fx.Referral, now, s.random); err != nil {
			return Reply{}, Commit{}, fx, err
		}
	}
	// A reminder only for someone waiting at a question, by text: not after the
	// end, not after STOP, not on the web (no number to text).
	if s.remindIn > 0 && next.Step != "" && next.Flags&(flows.Ended|flows.OptedOut) == 0 && m.Channel != "web" {
		c.RemindAt = now.Add(s.remindIn)
		if c.Who, err = (Recipient{Channel: m.Channel, From: m.From, To: m.To}).MarshalJSON(); err != nil {
			return Reply{}, Commit{}, fx, err
		}
	}
	return reply, c, fx, nil
}

// committed records what a committed message did.
func (s *Service) committed(key string, m Message, fx pack.Effects, reply Reply) {
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
func callbackNumber(m Message) string {
	if m.Channel == "web" {
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

// MaskPhone hides the middle of a phone number for logs: "+13125550100" →
// "+1312***0100". Anything that is not a phone number is masked whole.
func MaskPhone(s string) string {
	s = strings.TrimPrefix(s, "whatsapp:")
	if len(s) < 9 || s[0] != '+' {
		return "***"
	}
	return s[:5] + "***" + s[len(s)-4:]
}
