package bot

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// The referral loop, on the service's side: a referral's loop (hotline.Loop)
// is made with the referral, in the same commit; a message that asks where a
// referral stands (flows.Flow.AsksStanding) reads it; the answer to a
// follow-up text writes it, with the conversation. Organizations' decisions
// (decide.go) and the loop worker (loopworker.go) write it apart.

// maxFollowUps is how many follow-up texts a referral gets at most.
const maxFollowUps = 2

// LoopOptions configure how the service follows referrals after they are
// made.
type LoopOptions struct {
	// Store keeps the loops; nil: the service's Store, when it keeps them
	// (both stores do).
	Store LoopStore
	// Links signs the organizations' links to their referrals' pages, and
	// PublicURL is where those pages are ({PublicURL}/referrals/{token}).
	// Without either, emails carry no link (organizations cannot answer).
	Links     *referrallink.Signer
	PublicURL string
	// Retention is how long a referral's loop (and its link) lasts after
	// the referral is made: HOTLINE_REFERRAL_RETENTION. 0 means 30 days.
	Retention time.Duration
	// FollowUpAfter is how long after a referral is sent to an organization
	// the person is asked whether it contacted them (HOTLINE_FOLLOWUP_AFTER);
	// 0 sends no follow-up.
	FollowUpAfter time.Duration
	// Quiet reports whether a moment, in the hotline's time zone, is in the
	// quiet hours, when no text about a referral is sent (they wait for the
	// morning); nil: never quiet.
	Quiet func(time.Time) bool
}

// defaultLoopRetention is how long a loop lasts when LoopOptions say nothing.
const defaultLoopRetention = 30 * 24 * time.Hour

// LoopObserver is told what the referral loop does, for metrics. The
// service's Observer may implement it.
type LoopObserver interface {
	// LoopEvent counts an event of a referral's loop by its kind (a
	// hotline.Event constant), the organization it concerns and its reason.
	LoopEvent(kind, org, reason string)
}

// observeLoop counts the events a loop gained beyond its first n.
func (s *Service) observeLoop(l *hotline.Loop, n int) {
	s.observeEvents(l.History[min(n, len(l.History)):])
}

// observeEvents counts events of a referral's loop, when the Observer counts
// them (LoopObserver).
func (s *Service) observeEvents(events []hotline.LoopEvent) {
	if lo, ok := s.observe.(LoopObserver); ok {
		for _, e := range events {
			lo.LoopEvent(e.Kind, e.Org, e.Reason)
		}
	}
}

// link returns the organization's page for a referral, "" when the service
// makes no links.
func (s *Service) link(ref, orgID string, expires time.Time) string {
	if s.loop.Links == nil || s.loop.PublicURL == "" {
		return ""
	}
	token, err := s.loop.Links.Token(referrallink.Link{Ref: ref, Org: orgID, Expires: expires})
	if err != nil {
		s.log.Error("bot: cannot make a referral's link; its email goes without one", "ref", ref, "org", orgID, "err", err)
		return ""
	}
	return strings.TrimSuffix(s.loop.PublicURL, "/") + "/referrals/" + token
}

// newLoop makes the loop of a referral just made in the conversation to.
// texts says whether the person may be texted about it.
// hearingOffered says the referral's text offered a reminder of the court
// hearing.
func (s *Service) newLoop(p *pack.Pack, r *hotline.Referral, to hotline.Conversation, texts, private, hearingOffered bool, now time.Time) hotline.Loop {
	id, _ := s.jobID() // the reference then keeps its jobs apart on its own
	l := hotline.Loop{
		Ref: r.Ref, ID: id, Status: hotline.LoopSent, OrgID: r.OrgID, Made: now, SentAt: now, RespondBy: p.RespondBy(r.OrgID, now),
		Referral: r, Expires: now.Add(s.loop.Retention), Private: private, Hearing: r.HearingDate,
	}
	if texts {
		l.Texts, l.HearingOffered = to, hearingOffered && r.HearingDate != ""
		if s.loop.FollowUpAfter > 0 {
			l.FollowUpAt = now.Add(s.loop.FollowUpAfter)
		}
	}
	l.Record(now, hotline.EventSent, r.OrgID, "")
	return l
}

// textsAllowed reports whether a person may be texted about a referral made
// in a conversation: only by SMS or WhatsApp from a number (never on the web,
// which has none, nor on `hotline chat`'s terminal), never when the referral
// is private (the pack's private:, like a safety concern, or the person said
// someone reads their phone) or the person said texts are not safe.
func textsAllowed(c hotline.Conversation, r *hotline.Referral, private bool) bool {
	return (c.Channel == hotline.ChannelSMS || c.Channel == hotline.ChannelWhatsApp) && c.From != "" &&
		!private && r.SafeContact.Texts != "no"
}

// readStanding reads the loop of the referral a message asks about, if any:
// the loop, its version and where it stands for the engine; a nil loop when
// the message asks about none, or its loop is gone.
// typed says the message was a reference typed on the web chat, looked up
// (found or not) unless lookupsClosed.
func (s *Service) readStanding(ctx context.Context, p *pack.Pack, st flows.State, in flows.Input, lookupsClosed bool) (l *hotline.Loop, v int64, standing *flows.Standing, typed bool, err error) {
	if s.loops == nil {
		return nil, 0, nil, false, nil
	}
	ref, typed := p.Flow.AsksStanding(st, in)
	if ref == "" || typed && lookupsClosed {
		return nil, 0, nil, false, nil
	}
	loop, v, err := s.loops.LoadLoop(ctx, ref)
	switch {
	case errors.Is(err, ErrNoLoop):
		return nil, 0, nil, typed, nil
	case err != nil:
		return nil, 0, nil, typed, err
	case typed && (loop.Private || loop.Stopped):
		// A reference typed on the web chat says nothing of a private
		// referral (whoever typed it may not be the person), nor of one
		// the person withdrew. (Nor past the client's lookups for the day,
		// above: references are short enough to guess at.)
		return nil, 0, nil, typed, nil
	}
	return &loop, v, standingOf(p, &loop), typed, nil
}

// standingOf is where a loop stands, for the engine.
func standingOf(p *pack.Pack, l *hotline.Loop) *flows.Standing {
	texts := l.Texts != (hotline.Conversation{}) && !l.Stopped
	st := &flows.Standing{Ref: l.Ref, Status: l.Status, AwaitingFollowUp: l.AwaitingFollowUp(),
		HearingOffered: texts && l.HearingOffered, HearingReminder: texts && l.HearingOn}
	if l.Status == hotline.LoopFallback || l.Referral == nil {
		st.To, st.Phone = p.Directory.Fallback.Name, p.Directory.Fallback.Phone
	} else {
		st.To, st.Phone = l.Referral.OrgName, l.Referral.OrgPhone
	}
	return st
}

// movedOn returns the loop write a message makes, if any: its answer to a
// follow-up text, its STOP (the loop withdrawn: no more texts, nothing of the
// person kept), or its words that texts are not safe (no more texts).
func movedOn(p *pack.Pack, l *hotline.Loop, v int64, fx pack.Effects, unsafe bool, now time.Time) *LoopWrite {
	if l == nil {
		return nil
	}
	next := *l
	next.History = append([]hotline.LoopEvent(nil), l.History...)
	switch {
	case fx.OptOut && !next.Stopped:
		next.Withdraw()
	case unsafe && (next.Texts != (hotline.Conversation{}) || !next.Private):
		next.StopTexts()
		next.Private = true
	case fx.FollowUpAnswer == "yes" && next.AwaitingFollowUp():
		next.FollowUpAnswer, next.FollowUpAt = "yes", time.Time{}
		next.Record(now, hotline.EventContacted, next.OrgID, "")
	case fx.FollowUpAnswer == "no" && next.AwaitingFollowUp() && now.Before(next.Expires):
		// (Past its retention a referral goes nowhere any more: its link
		// would be expired for the next organization.)
		next.FollowUpAnswer, next.FollowUpAt = "no", time.Time{}
		next.Record(now, hotline.EventNotContacted, next.OrgID, "")
		// Sent on by the loop worker, at once: a re-route writes the next
		// organization's email, which has no place in this commit.
		next.Pending = hotline.ReasonNotContacted
	case fx.HearingAnswer != "" && next.HearingOffered:
		next.HearingOffered, next.HearingOn = false, fx.HearingAnswer == "yes"
		if next.HearingOn {
			next.HearingAt = p.HearingReminderAt(next.Hearing, 0, now)
			next.HearingKeep = hearingEnd(p, next.Hearing)
		}
	case fx.HearingDate != "" && next.HearingOn && fx.HearingDate != next.Hearing:
		// The hearing moved: its reminders start over for the new date, as
		// texts of their own (HearingMoves).
		next.Hearing, next.HearingReminders, next.HearingMoves = fx.HearingDate, 0, next.HearingMoves+1
		next.HearingAt = p.HearingReminderAt(next.Hearing, 0, now)
		next.HearingKeep = hearingEnd(p, next.Hearing)
	case next.HearingOffered && fx.HearingAnswer == "" && fx.FollowUpAnswer == "":
		// Any other message ends the offer: a YES weeks on is no answer to it.
		next.HearingOffered = false
	default:
		return nil
	}
	return &LoopWrite{Version: v, Loop: next, Due: next.Due(now)}
}

// loopText is a text to the person about their referral, as a job for the
// outbox (at most once), written now in the person's language with the pack's
// text name; nil when the person may not be texted, or the pack has no such
// text. ref keeps each text of a referral apart in the outbox.
func (s *Service) loopText(p *pack.Pack, l *hotline.Loop, name, ref string, extra map[string]string, now time.Time) *Email {
	if l.Texts.Channel == "" || l.Texts.Channel == hotline.ChannelWeb || l.Referral == nil {
		return nil
	}
	body := p.Flow.SayIn(name, l.Referral.Language, l.Texts.Channel, extra)
	if body == "" {
		s.log.Error("bot: the pack has no text for a referral's loop; the person is not texted", "ref", l.Ref, "text", name)
		return nil
	}
	id, err := s.jobID()
	if err != nil {
		s.log.Error("bot: cannot draw a text's id; the person is not texted", "ref", l.Ref, "err", err)
		return nil
	}
	return &Email{Kind: EmailText, ID: id, Reference: ref, OrgID: l.OrgID, Created: now, NotBefore: s.afterQuiet(p, now),
		Text: &Text{To: l.Texts, Body: body}}
}

// jobID draws a job's random id.
func (s *Service) jobID() (string, error) {
	var id [8]byte
	if _, err := io.ReadFull(s.random, id[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(id[:]), nil
}

// afterQuiet returns when a text may go out at the earliest: zero (at once)
// outside the quiet hours, else their end, in steps of a quarter of an hour.
func (s *Service) afterQuiet(p *pack.Pack, now time.Time) time.Time {
	if s.loop.Quiet == nil || !s.loop.Quiet(now.In(p.Flow.Location)) {
		return time.Time{}
	}
	t := now
	for i := 0; i < 4*24 && s.loop.Quiet(t.In(p.Flow.Location)); i++ {
		t = t.Add(15 * time.Minute)
	}
	return t
}

// hopRef is the outbox reference of the n-th organization's jobs of a
// referral: the reference itself for the first (its email and hand-off,
// queued with the referral), the loop's JobRef after.
func hopRef(l *hotline.Loop, hop int) string {
	if hop == 0 {
		return l.Ref
	}
	return l.JobRef(strconv.Itoa(hop))
}

// reroute sends a referral on from its organization, which declined it (or
// was silent, or did not contact the person), for reason: to the next
// organization that fits, never one that declined, with its email and hand-off
// and a text to the person; or, when none is left, the fallback, with a text.
// It changes l and returns the jobs to save with it.
func (s *Service) reroute(p *pack.Pack, l *hotline.Loop, reason string, now time.Time) ([]*Email, error) {
	left, leftHop, leftAt := l.Referral, l.Hop, l.SentAt
	jobs, err := s.sendOn(p, l, reason, now)
	if err != nil || left == nil || l.Stopped || reason == hotline.ReasonNoResponse {
		// (Silence has its own alert, dueWork's; a withdrawn referral goes
		// nowhere.)
		return jobs, err
	}
	// The coordinator hears of a referral that left an organization that
	// declined it or never called, and where it went.
	if alert := s.loopAlert(p, l, left, l.JobRef(strconv.Itoa(leftHop)+"-moved"), leftAt, reason, now); alert != nil {
		jobs = append(jobs, alert)
	}
	return jobs, nil
}

// sendOn is reroute's work on the loop, without the coordinator's notice.
func (s *Service) sendOn(p *pack.Pack, l *hotline.Loop, reason string, now time.Time) ([]*Email, error) {
	from := ""
	if l.Referral != nil {
		from = l.Referral.OrgName
	}
	if l.OrgID != "" {
		l.Declined = append(l.Declined, l.OrgID)
	}
	if l.Stopped {
		// The person's answers went with their STOP: there is nothing to
		// send another organization, and nobody to text.
		l.Status, l.RespondBy, l.Alerted = hotline.LoopClosed, time.Time{}, false
		return nil, nil
	}
	var next *hotline.Referral
	if l.Referral != nil {
		next = p.Reroute(l.Referral, l.Declined)
	}
	l.Hop++
	l.Pending = "" // whatever asked for it, this is the re-route
	ref := hopRef(l, l.Hop)
	if next == nil {
		fb := p.Directory.Fallback
		l.Status, l.OrgID, l.RespondBy, l.Alerted, l.FollowUpAt = hotline.LoopFallback, "", time.Time{}, false, time.Time{}
		l.Record(now, hotline.EventFallback, "", reason)
		text := s.loopText(p, l, "rerouted_fallback", ref, map[string]string{
			"from": from, "fallback.name": fb.Name, "fallback.phone": fb.Phone, "fallback.description": fb.Description}, now)
		if text == nil {
			return nil, nil
		}
		l.Record(now, hotline.EventTexted, "", "")
		return []*Email{text}, nil
	}
	next.Rerouted = &hotline.Reroute{From: from, Reason: reason, Hop: l.Hop}
	next.Link = s.link(l.Ref, next.OrgID, l.Expires)
	l.Referral, l.OrgID, l.SentAt, l.Status = next, next.OrgID, now, hotline.LoopSent
	l.RespondBy, l.Alerted = p.RespondBy(next.OrgID, now), false
	l.Record(now, hotline.EventSent, next.OrgID, reason)
	var jobs []*Email
	if next.Handoff == nil || next.Handoff.Email {
		e, err := s.newReferralEmail(p, next, now)
		if err != nil {
			return nil, err
		}
		e.Reference = ref
		jobs = append(jobs, e)
	}
	if next.Handoff != nil {
		h, err := s.newHandoff(next, now)
		if err != nil {
			return nil, err
		}
		h.Reference = ref
		jobs = append(jobs, h)
	}
	if l.Texts != (hotline.Conversation{}) && s.loop.FollowUpAfter > 0 && l.FollowUps < maxFollowUps {
		// The person is asked about the new organization in its turn; an
		// answer about the one before counts for nothing now.
		l.FollowUpAt = now.Add(s.loop.FollowUpAfter)
	}
	if text := s.loopText(p, l, "rerouted", ref, map[string]string{
		"from": from, "org.name": next.OrgName, "org.phone": next.OrgPhone, "ref": l.Ref}, now); text != nil {
		jobs = append(jobs, text)
		l.Record(now, hotline.EventTexted, next.OrgID, "")
	}
	return jobs, nil
}

// hearingEnd is the end of the day after a hearing: a loop with its
// reminder on lasts at least until then, even past the referral's retention.
func hearingEnd(p *pack.Pack, date string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, p.Flow.Location)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 2)
}
