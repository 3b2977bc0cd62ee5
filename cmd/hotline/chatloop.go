package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/bot/memstore"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// `hotline chat` runs the hotline as serve does (bot.Service, its loop
// worker and bot.Outbox) on an in-memory store, with printers for a mail
// server, the organizations' servers and Twilio, and a clock it moves: after a
// referral it plays the referral's loop (--accept, --decline, --silent,
// --followup) so that a coordinator sees every message of it.

// chatHotlineNumber is the hotline's number the chat's messages are written
// to (never printed).
const chatHotlineNumber = "+13125550100"

// chatCoordinator stands for HOTLINE_COORDINATOR_EMAIL: the chat reads no
// settings.
const chatCoordinator = "coordinator@example.org"

// The steps of a referral's loop the chat plays.
const (
	stepAccept   = "accept"
	stepDecline  = "decline"
	stepSilent   = "silent"
	stepFollowUp = "followup"
)

// loopStep is one of them, with its value: a decline's reason, a follow-up's
// answer.
type loopStep struct{ kind, value string }

// stepFlag is a flag that adds a step, so that the steps keep the order of
// the command line whatever their flags.
type stepFlag struct {
	steps *[]loopStep
	kind  string
	// bad keeps a bad value's error, to say again below the usage that the
	// flag package prints after it.
	bad *error
}

func (f *stepFlag) String() string { return "" }

// IsBoolFlag makes --accept and --silent flags without a value.
func (f *stepFlag) IsBoolFlag() bool { return f.kind == stepAccept || f.kind == stepSilent }

func (f *stepFlag) Set(v string) error {
	err := f.set(v)
	if err != nil && f.bad != nil {
		*f.bad = fmt.Errorf("--%s: %w", f.kind, err)
	}
	return err
}

func (f *stepFlag) set(v string) error {
	switch f.kind {
	case stepAccept, stepSilent:
		switch v {
		case "true":
		case "false":
			return nil
		default:
			return errors.New("it takes no value")
		}
		v = ""
	case stepDecline:
		if !hotline.ValidDeclineReason(v) {
			return fmt.Errorf("%q is not a reason to decline; the reasons are %s", v, strings.Join(hotline.DeclineReasons, ", "))
		}
	case stepFollowUp:
		if v != "yes" && v != "no" {
			return fmt.Errorf("%q is not an answer to the follow-up text; answer yes or no", v)
		}
	}
	*f.steps = append(*f.steps, loopStep{kind: f.kind, value: v})
	return nil
}

// chatTime is the chat's clock: the clock it was given (now, or --today),
// moved on by the loop's steps.
type chatTime struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
}

func (c *chatTime) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// moveTo moves the clock on to t, never back.
func (c *chatTime) moveTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := t.Sub(c.base().Add(c.offset)); d > 0 {
		c.offset += d
	}
}

// chatRig is the hotline as `hotline chat` runs it.
type chatRig struct {
	e       *env
	p       *pack.Pack
	clock   *chatTime
	store   *memstore.Store
	keys    *hotline.Keys
	service *bot.Service
	outbox  *bot.Outbox
	sent    *chatSent
	// out is the chat's output, which every line goes through.
	out  *chatOut
	conv hotline.Conversation
	msgs int
	// links is the start of every organization's link to its page.
	links         string
	followUpAfter time.Duration
}

// chatRetention is the conversations' retention, HOTLINE_RETENTION's default.
const chatRetention = 168 * time.Hour

// chatReferralRetention is HOTLINE_REFERRAL_RETENTION's default.
const chatReferralRetention = 720 * time.Hour

func newChatRig(e *env, p *pack.Pack, now func() time.Time, conv hotline.Conversation, publicURL string, followUpAfter time.Duration) (*chatRig, error) {
	var secret [2 * hotline.MinSecretLen]byte
	if _, err := io.ReadFull(e.random, secret[:]); err != nil {
		return nil, fmt.Errorf("the chat's keys: %w", err)
	}
	keys, err := hotline.NewKeys(secret[:hotline.MinSecretLen])
	if err != nil {
		return nil, err
	}
	links, err := referrallink.New(secret[hotline.MinSecretLen:])
	if err != nil {
		return nil, err
	}
	clock := &chatTime{base: now}
	store := memstore.New(clock.Now)
	sent := &chatSent{kinds: map[string]string{}}
	// Only what the chat cannot print goes to stderr: a failure of the
	// hotline itself.
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	packFn := func() *pack.Pack { return p }
	u, _ := url.Parse(publicURL)
	domain := u.Hostname()
	from := p.Flow.Name + " <hotline@" + domain + ">"
	service, err := bot.New(bot.Options{
		Store: store, Keys: keys, Pack: packFn, Now: clock.Now, Random: e.random, Log: log, Observer: chatObserver{},
		Retention: chatRetention, EmailFrom: from, EmailDomain: domain, Coordinator: chatCoordinator,
		Loop: bot.LoopOptions{Links: links, PublicURL: publicURL, Retention: chatReferralRetention, FollowUpAfter: followUpAfter},
	})
	if err != nil {
		return nil, err
	}
	never := func(error) bool { return false }
	outbox, err := bot.NewOutbox(bot.OutboxOptions{
		Store: &chatOutboxStore{Store: store, sent: sent}, Shards: memstore.Shards,
		Mailer: chatMailer{sent}, Permanent: never, Poster: chatPoster{sent},
		Texter: chatTexter{sent}, TextPermanent: never, TextRetryable: never, DescribeText: func(err error) string { return err.Error() },
		Pack: packFn, Now: clock.Now, Log: log, Observer: chatObserver{}, From: from, Domain: domain, Coordinator: chatCoordinator,
		Retention: chatReferralRetention, FirstRetry: 5 * time.Second, MaxRetry: 15 * time.Minute, GiveUpAfter: 24 * time.Hour,
		Lease: time.Minute, Poll: time.Second,
	})
	if err != nil {
		return nil, err
	}
	return &chatRig{e: e, p: p, clock: clock, store: store, keys: keys, service: service, outbox: outbox, sent: sent, out: &chatOut{w: e.stdout}, conv: conv,
		links: publicURL + "/referrals/", followUpAfter: followUpAfter}, nil
}

// begin stores the conversation as it starts: empty, or in --lang's
// language.
func (r *chatRig) begin(st flows.State) error {
	if len(st.Answers) == 0 {
		return nil
	}
	_, _, err := r.store.Commit(r.e.ctx, r.keys.Of(r.conv), "", bot.Change{State: st, TTL: chatRetention, Now: r.clock.Now()})
	return err
}

// say sends one message from the person.
func (r *chatRig) say(text string) (bot.Reply, error) {
	r.msgs++
	return r.service.Handle(r.e.ctx, hotline.Message{Conversation: r.conv, ID: fmt.Sprintf("chat-%d", r.msgs), Text: text})
}

// settle runs the loop worker and the outbox until neither has anything left
// to do now, and prints what went out: emails to organizations, hand-offs,
// texts to the person, then the coordinator's alerts.
func (r *chatRig) settle() {
	ctx := r.e.ctx
	for range 20 {
		moved := r.service.WorkLoops(ctx, memstore.Shards)
		handled := 0
		for range 20 {
			n := r.outbox.Work(ctx)
			if n == 0 {
				break
			}
			handled += n
		}
		if moved == 0 && handled == 0 {
			break
		}
	}
	items := r.sent.take()
	if len(items) > 0 {
		r.out.blankLine()
	}
	for _, s := range items {
		fmt.Fprint(r.out, s.text)
	}
}

// chatOut is the chat's output: it knows how the last line ended, to put
// one blank line between the loop's steps and what they print.
type chatOut struct {
	w    io.Writer
	tail string // the last two bytes written
}

func (o *chatOut) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.tail += string(p[:n])
	if len(o.tail) > 2 {
		o.tail = o.tail[len(o.tail)-2:]
	}
	return n, err
}

// blankLine ends the output with a blank line, unless nothing was written.
func (o *chatOut) blankLine() {
	switch {
	case o.tail == "" || o.tail == "\n\n":
	case strings.HasSuffix(o.tail, "\n"):
		fmt.Fprint(o, "\n")
	default:
		fmt.Fprint(o, "\n\n")
	}
}

// play plays the loop's steps after the referral reply made.
func (r *chatRig) play(steps []loopStep, reply bot.Reply) error {
	out := r.out
	defer out.blankLine()
	if reply.Referral == nil {
		out.blankLine()
		fmt.Fprintln(out, "(The screening ended with the fallback: there is no organization, so no referral loop to play.)")
		return nil
	}
	ref := reply.Referral.Ref
	l, err := r.loop(ref)
	if err != nil {
		return err
	}
	if why := noTexts(r.conv, l); why != "" {
		out.blankLine()
		fmt.Fprintf(out, "(No texts go to the person about this referral, since %s.)\n", why)
	}
	for _, s := range steps {
		out.blankLine()
		var err error
		switch s.kind {
		case stepAccept:
			err = r.decide(ref, bot.ActionAccept, "")
		case stepDecline:
			err = r.decide(ref, bot.ActionDecline, s.value)
		case stepSilent:
			err = r.silent(ref)
		case stepFollowUp:
			err = r.followUp(ref, s.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loop reads a referral's loop.
func (r *chatRig) loop(ref string) (hotline.Loop, error) {
	l, _, err := r.store.LoadLoop(r.e.ctx, ref)
	if err != nil {
		return l, fmt.Errorf("the loop of referral %s: %w", ref, err)
	}
	return l, nil
}

// decide has the organization the referral is with now accept or decline
// it on its page, through its link, and prints what the page then says and
// what went out.
func (r *chatRig) decide(ref, action, reason string) error {
	out := r.out
	l, err := r.loop(ref)
	if err != nil {
		return err
	}
	flag := "--" + action
	if reason != "" {
		flag += " " + reason
	}
	if l.OrgID == "" || l.Referral == nil || !strings.HasPrefix(l.Referral.Link, r.links) {
		fmt.Fprintf(out, "(%s: the referral is with no organization now (%s), so nobody can %s it.)\n", flag, r.where(l), action)
		return nil
	}
	link := l.Referral.Link
	view, err := r.service.Decide(r.e.ctx, strings.TrimPrefix(link, r.links), action, reason)
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	w := view.Words
	fmt.Fprintf(out, "=== %s answers on its page, %s\n", l.Referral.OrgName, link)
	if action == bot.ActionAccept {
		fmt.Fprintf(out, "[%s]\n", w.Say("page_accept"))
	} else {
		fmt.Fprintf(out, "[%s] %s\n", w.Say("page_decline"), reasonWords(w, reason))
	}
	notice := w.Say("page_done")
	if view.Already {
		notice = w.Say("page_already")
	}
	fmt.Fprintf(out, "%s\n%s\n", notice, pageStatus(view))
	r.settle()
	return nil
}

// silent has the organization the referral is with now say nothing: the
// clock moves on to the end of its response time and the pack's grace.
func (r *chatRig) silent(ref string) error {
	out := r.out
	l, err := r.loop(ref)
	if err != nil {
		return err
	}
	switch {
	case l.Status != hotline.LoopSent:
		fmt.Fprintf(out, "(--silent: the referral waits for no organization's answer now (%s).)\n", r.where(l))
		return nil
	case l.Alerted:
		fmt.Fprintf(out, "(--silent: the coordinator was told already that %s has not answered.)\n", l.Referral.OrgName)
		return nil
	case l.RespondBy.IsZero():
		fmt.Fprintf(out, "(--silent: %s's response_time in directory.yaml names no time, so its silence is never noticed.)\n", l.Referral.OrgName)
		return nil
	}
	responseTime := "?"
	if o := r.p.Directory.Organization(l.OrgID); o != nil {
		responseTime = o.ResponseTime
	}
	r.clock.moveTo(l.RespondBy)
	fmt.Fprintf(out, "=== %s says nothing. The clock moves to %s: its response time (%s) and the pack's silence_grace (%s) have passed.\n",
		l.Referral.OrgName, r.when(r.clock.Now()), responseTime, duration(r.p.Loop.SilenceGrace))
	r.settle()
	return nil
}

// followUp moves the clock on to the follow-up text about the organization
// the referral is with now, and plays the person's answer to it.
func (r *chatRig) followUp(ref, answer string) error {
	out := r.out
	l, err := r.loop(ref)
	if err != nil {
		return err
	}
	now := r.clock.Now()
	due := l.FollowUpAt
	if due.IsZero() {
		// None is due: the clock moves on as far all the same, to show
		// that none comes.
		due = l.SentAt.Add(r.followUpAfter)
	}
	r.clock.moveTo(due)
	org := "nobody"
	if l.Referral != nil {
		org = l.Referral.OrgName
	}
	after := fmt.Sprintf("%s (--followup-after, HOTLINE_FOLLOWUP_AFTER) after the referral reached %s", duration(r.followUpAfter), org)
	if moved := r.clock.Now().Sub(now).Round(time.Minute); moved > 0 {
		fmt.Fprintf(out, "=== The clock moves on %s, to %s: %s.\n", duration(moved), r.when(r.clock.Now()), after)
	} else {
		fmt.Fprintf(out, "=== %s, %s.\n", r.when(now), after)
	}
	r.settle()
	if l, err = r.loop(ref); err != nil {
		return err
	}
	out.blankLine()
	if !l.AwaitingFollowUp() {
		fmt.Fprintf(out, "(No follow-up text: %s. The answer %q is not played.)\n", r.noFollowUp(l), answer)
		return nil
	}
	fmt.Fprintf(out, "> %s\n", answer)
	reply, err := r.say(answer)
	if err != nil {
		return err
	}
	return r.show(reply)
}

// noFollowUp says why the person was not asked about the organization the
// referral is with now.
func (r *chatRig) noFollowUp(l hotline.Loop) string {
	switch {
	case l.Status == hotline.LoopAccepted:
		return l.Referral.OrgName + " accepted the referral, and is trusted to call"
	case l.Status != hotline.LoopSent:
		return "the referral is with no organization now (" + r.where(l) + ")"
	case l.Texts == (hotline.Conversation{}):
		return "no texts go to the person about this referral, since " + noTexts(r.conv, l)
	case l.FollowUpOrg == l.OrgID && l.FollowUpAnswer != "":
		return fmt.Sprintf("the person answered %s about %s already", strings.ToUpper(l.FollowUpAnswer), l.Referral.OrgName)
	default:
		return "the person was asked twice already, the most a referral gets"
	}
}

// where says where a referral that waits for no organization stands.
func (r *chatRig) where(l hotline.Loop) string {
	switch l.Status {
	case hotline.LoopAccepted:
		return l.Referral.OrgName + " accepted it"
	case hotline.LoopFallback:
		return "no organization that fits was left: the person was given the fallback, " + r.p.Directory.Fallback.Name
	case hotline.LoopClosed:
		return "the person sent STOP, and it was declined since"
	}
	return "it is with " + l.Referral.OrgName
}

// when is a moment as the chat's own lines give it, in the hotline's time
// zone.
func (r *chatRig) when(t time.Time) string {
	return t.In(r.p.Flow.Location).Format("Mon Jan 2, 2006 3:04 PM MST")
}

// noTexts says why the person gets no texts about a referral, "" when they do.
func noTexts(conv hotline.Conversation, l hotline.Loop) string {
	switch {
	case l.Texts != (hotline.Conversation{}):
		return ""
	case conv.Channel == hotline.ChannelWeb:
		return "the web chat has no number"
	case conv.Channel != hotline.ChannelSMS && conv.Channel != hotline.ChannelWhatsApp:
		return "--channel " + conv.Channel + " has no number"
	case conv.From == "":
		return `--from "" is no number`
	case l.Referral != nil && l.Referral.SafeContact.Texts == "no":
		return "they said texts to their number are not safe"
	case l.Private:
		return "the pack's private: makes it private"
	default:
		return "they said since that texts are not safe"
	}
}

// duration writes a duration as a coordinator would: 72h, 4h, 90m.
func duration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// reasonWords is a decline's reason in the page's words.
func reasonWords(w email.Words, reason string) string {
	if s := w.Say("page_reason_" + reason); s != "" {
		return s
	}
	return reason
}

// pageStatus is where the referral stands, as the organization's page says.
func pageStatus(v bot.ReferralView) string {
	w := v.Words
	switch v.Standing {
	case bot.ViewWaiting:
		return w.Say("page_status_waiting")
	case bot.ViewAccepted:
		return w.Say("page_status_accepted", "org", v.Org)
	case bot.ViewDeclined:
		return w.Say("page_status_declined", "org", v.Org, "reason", reasonWords(w, v.Reason))
	}
	return w.Say("page_status_moved", "org", v.Org)
}

// chatSent collects what the outbox sends while the chat settles, to print
// in a steady order (the outbox takes jobs due together in any order, and
// posts hand-offs beside emails).
type chatSent struct {
	mu    sync.Mutex
	items []sentItem
	// kinds are the kinds of the emails claimed, by Message-ID, for the
	// mailer to tell a referral from an alert.
	kinds map[string]string
}

// sentItem is one thing sent, printed; rank orders them.
type sentItem struct {
	rank int
	text string
}

// The ranks of what is sent.
const (
	rankReferral = iota
	rankHandoff
	rankText
	rankAlert
)

func (s *chatSent) add(rank int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = append(s.items, sentItem{rank, text})
}

// take returns what was sent since the last take, in the order printed.
func (s *chatSent) take() []sentItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := s.items
	s.items = nil
	slices.SortStableFunc(items, func(a, b sentItem) int { return a.rank - b.rank })
	return items
}

func (s *chatSent) kind(messageID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kinds[messageID]
}

// chatOutboxStore is the store as the outbox sees it: it notes the kind of
// each email claimed.
type chatOutboxStore struct {
	*memstore.Store
	sent *chatSent
}

func (s *chatOutboxStore) ClaimJobs(ctx context.Context, shard int, now time.Time, lease time.Duration, limit int) ([]bot.Job, error) {
	jobs, err := s.Store.ClaimJobs(ctx, shard, now, lease, limit)
	s.sent.mu.Lock()
	defer s.sent.mu.Unlock()
	for _, j := range jobs {
		if id := j.Message.MessageID; id != "" {
			s.sent.kinds[id] = j.Kind
		}
	}
	return jobs, err
}

// chatMailer prints the emails; the coordinator's needs-a-person notices are
// said in short with the message that raised them (show).
type chatMailer struct{ sent *chatSent }

func (m chatMailer) Send(_ context.Context, msg email.Message) error {
	switch m.sent.kind(msg.MessageID) {
	case bot.EmailNotice:
	case bot.EmailReferral:
		m.sent.add(rankReferral, emailBlock("The referral email that would be sent:", msg))
	case bot.EmailAlert, bot.EmailHandoffAlert, bot.EmailLoopAlert:
		m.sent.add(rankAlert, emailBlock("The coordinator's alert that would be sent (to HOTLINE_COORDINATOR_EMAIL):", msg))
	default:
		m.sent.add(rankAlert, emailBlock("The email that would be sent:", msg))
	}
	return nil
}

// chatPoster prints the JSON hand-offs.
type chatPoster struct{ sent *chatSent }

func (p chatPoster) Post(_ context.Context, _ string, req handoff.Request) error {
	p.sent.add(rankHandoff, postedHandoff(req))
	return nil
}

// chatTexter prints the texts to the person.
type chatTexter struct{ sent *chatSent }

func (t chatTexter) Send(_ context.Context, _, to, body, _ string) (string, error) {
	t.sent.add(rankText, textBlock(to, body))
	return "SMchat", nil
}

// chatObserver counts nothing.
type chatObserver struct{}

func (chatObserver) MessageIn(string)            {}
func (chatObserver) MessagesOut(string, int)     {}
func (chatObserver) Duplicate(string)            {}
func (chatObserver) Step(time.Duration)          {}
func (chatObserver) OptOut(string)               {}
func (chatObserver) Referral(string)             {}
func (chatObserver) Error(string)                {}
func (chatObserver) Circuit(bool)                {}
func (chatObserver) NeedsPerson(string)          {}
func (chatObserver) EmailSent(string)            {}
func (chatObserver) EmailRetried(string)         {}
func (chatObserver) EmailDead(string)            {}
func (chatObserver) Outbox(int64, time.Duration) {}
