package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// The loop worker looks at each referral's loop when it is due: an
// organization silent past its response time (the coordinator is alerted,
// and with the pack's reroute_on_silence the referral goes on), a follow-up
// text to send, a re-route the person's NO asked for. Any number of processes
// may run it on the same store: a loop is leased to one at a time, and every
// write is conditional on the version read, with its jobs, so that nothing is
// done twice.

// loopLease is how long a claimed loop is left to its worker: far longer than
// looking at one takes (a read, a render, a write).
const loopLease = time.Minute

// loopsPerClaim bounds one claim of a shard's due loops.
const loopsPerClaim = 20

// RunLoops looks at due loops every poll until ctx ends. shards is how many
// shards the store has.
func (s *Service) RunLoops(ctx context.Context, shards int, poll time.Duration) {
	if s.loops == nil {
		return
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		s.WorkLoops(ctx, shards)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// WorkLoops looks at every loop due now and returns how many it moved on.
func (s *Service) WorkLoops(ctx context.Context, shards int) int {
	if s.loops == nil {
		return 0
	}
	moved := 0
	for shard := 0; shard < shards && ctx.Err() == nil; shard++ {
		refs, err := s.loops.ClaimLoops(ctx, shard, s.now(), loopLease, loopsPerClaim)
		if err != nil {
			s.observe.Error("store")
			s.log.Warn("loops: cannot claim", "shard", shard, "err", err)
			continue
		}
		for _, ref := range refs {
			// A claimed loop is seen through: its lease would hand it to
			// another worker anyway, but not before a minute.
			done, err := s.tendLoop(context.WithoutCancel(ctx), ref)
			if err != nil {
				s.observe.Error("loop")
				s.log.Warn("loops: cannot move a referral on; it is tried again after its lease", "ref", ref, "err", err)
			}
			if done {
				moved++
			}
		}
	}
	return moved
}

// tendLoop does what a loop is due for, and reports whether it changed it.
func (s *Service) tendLoop(ctx context.Context, ref string) (bool, error) {
	for attempt := 0; attempt < maxDecideAttempts; attempt++ {
		l, version, err := s.loops.LoadLoop(ctx, ref)
		if errors.Is(err, ErrNoLoop) {
			return false, nil // expired: the claim dropped it from the schedule
		}
		if err != nil {
			return false, err
		}
		p, now := s.pack(), s.now()
		before := len(l.History)
		jobs, err := s.dueWork(p, &l, now)
		if err != nil {
			return false, err
		}
		err = s.loops.SaveLoop(ctx, now, version, l, l.Due(now), jobs)
		if errors.Is(err, ErrLoopChanged) {
			continue
		}
		if errors.Is(err, ErrNoLoop) {
			return false, nil // expired meanwhile: nothing left to do
		}
		if err != nil {
			return false, err
		}
		s.observeLoop(&l, before)
		return len(l.History) > before, nil
	}
	return false, fmt.Errorf("bot: loop %s kept changing", ref)
}

// dueWork changes l as it is due at now, and returns the jobs that go with it.
func (s *Service) dueWork(p *pack.Pack, l *hotline.Loop, now time.Time) ([]*Email, error) {
	var jobs []*Email
	live := now.Before(l.Expires) // past its retention, a referral goes nowhere
	if !live && !l.Trimmed() {
		// The end of its retention: the answers go; what is left may still
		// serve a hearing reminder.
		l.TrimReferral()
		l.Pending, l.FollowUpAt = "", time.Time{}
	}
	if reason := l.Pending; reason != "" {
		l.Pending = ""
		if l.Status == hotline.LoopSent && live {
			more, err := s.reroute(p, l, reason, now)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, more...)
		}
	}
	if l.Status == hotline.LoopSent && !l.Alerted && !l.RespondBy.IsZero() && !now.Before(l.RespondBy) {
		silent, sentAt, hop := *l.Referral, l.SentAt, l.Hop
		l.Alerted = true
		l.Record(now, hotline.EventSilent, l.OrgID, "")
		if p.Loop.RerouteOnSilence && live {
			more, err := s.reroute(p, l, hotline.ReasonNoResponse, now)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, more...)
		}
		if alert := s.loopAlert(p, l, &silent, l.JobRef(strconv.Itoa(hop)), sentAt, "", now); alert != nil {
			jobs = append(jobs, alert)
		}
	}
	if !l.FollowUpAt.IsZero() && !now.Before(l.FollowUpAt) {
		switch {
		case l.Status != hotline.LoopSent || l.FollowUps >= maxFollowUps || l.Texts == (hotline.Conversation{}) ||
			l.FollowUpOrg == l.OrgID && l.FollowUpAnswer != "":
			// Accepted (the organization will call), answered, the fallback
			// (nobody to ask about), asked twice, or no texts: no follow-up.
			l.FollowUpAt = time.Time{}
		case !s.afterQuiet(p, now).IsZero():
			l.FollowUpAt = s.afterQuiet(p, now)
		default:
			l.FollowUps, l.FollowUpOrg, l.FollowUpAnswer = l.FollowUps+1, l.OrgID, ""
			text := s.loopText(p, l, "followup", l.JobRef(fmt.Sprintf("f%d", l.FollowUps)),
				map[string]string{"org.name": l.Referral.OrgName, "org.phone": l.Referral.OrgPhone, "ref": l.Ref}, now)
			l.FollowUpAt = time.Time{}
			if text != nil {
				jobs = append(jobs, text)
				l.Record(now, hotline.EventFollowUp, l.OrgID, "")
				if l.FollowUps < maxFollowUps {
					l.FollowUpAt = now.Add(s.loop.FollowUpAfter)
				}
			}
		}
	}
	if !l.HearingAt.IsZero() && !now.Before(l.HearingAt) {
		switch {
		case !l.HearingOn || l.Texts == (hotline.Conversation{}):
			l.HearingAt = time.Time{}
		case !s.afterQuiet(p, now).IsZero():
			l.HearingAt = s.afterQuiet(p, now)
		case now.Sub(l.HearingAt) > hearingLate:
			// Late (the workers were down): a reminder that would say
			// "tomorrow" on the day itself is worse than none.
			l.HearingReminders++
			l.HearingAt = p.HearingReminderAt(l.Hearing, l.HearingReminders, now)
		default:
			if text := s.hearingReminder(p, l, now); text != nil {
				jobs = append(jobs, text)
				l.Record(now, hotline.EventHearing, "", "")
			}
			l.HearingReminders++
			l.HearingAt = p.HearingReminderAt(l.Hearing, l.HearingReminders, now)
		}
	}
	return jobs, nil
}

// hearingReminder is the text reminding the person of their court hearing:
// the day before, or on its morning, with its date in their language.
func (s *Service) hearingReminder(p *pack.Pack, l *hotline.Loop, now time.Time) *Email {
	d, err := time.ParseInLocation(time.DateOnly, l.Hearing, p.Flow.Location)
	if err != nil {
		return nil
	}
	name := flows.MsgHearingReminder
	if y, m, day := now.In(p.Flow.Location).Date(); y == d.Year() && m == d.Month() && day == d.Day() {
		name = flows.MsgHearingReminderToday
	}
	lang := ""
	if l.Referral != nil {
		lang = l.Referral.Language
	}
	date := p.EmailWords(lang).Date(d)
	return s.loopText(p, l, name, l.JobRef(fmt.Sprintf("h%d.%d", l.HearingMoves, l.HearingReminders+1)), map[string]string{"date": date}, now)
}

// hearingLate is how late a hearing reminder may still go: past it (its
// workers were down, or the quiet hours held it), it is skipped.
const hearingLate = 3 * time.Hour

// loopAlert is the coordinator's email about an organization a referral
// was with (silent, as its referral was): that it has not answered (reason
// ""), or that the referral left it because it declined, for reason, or did
// not contact the person (hotline.ReasonNotContacted). nil when no
// coordinator address is configured (logged). l is the loop as it is now
// (sent on, when it was); ref is the organization's outbox reference
// (a JobRef).
func (s *Service) loopAlert(p *pack.Pack, l *hotline.Loop, silent *hotline.Referral, ref string, sentAt time.Time, reason string, now time.Time) *Email {
	if s.coordinator == "" {
		s.log.Warn("loops: nobody is told of a referral's news: no coordinator address is configured (HOTLINE_COORDINATOR_EMAIL)",
			"ref", l.Ref, "org", silent.OrgID, "reason", reason)
		return nil
	}
	id, err := s.jobID()
	if err != nil {
		s.log.Error("loops: cannot draw an alert's id", "ref", l.Ref, "err", err)
		return nil
	}
	a := email.LoopAlert{Ref: l.Ref, OrgName: silent.OrgName, OrgPhone: silent.OrgPhone, SentAt: sentAt, Reason: reason}
	if o := p.Directory.Organization(silent.OrgID); o != nil {
		a.ResponseTime = o.ResponseTime
	}
	if p.Loop.RerouteOnSilence || reason != "" {
		if l.Status == hotline.LoopFallback {
			a.Fallback = true
		} else {
			a.RerouteTo = l.Referral.OrgName
		}
	}
	o := s.coordinatorOptions(p, email.MessageID("loop-"+ref, id, s.emailDomain))
	o.Date = now // the news's day, not the referral's
	msg, err := email.RenderLoopAlert(a, s.coordinator, o)
	if err != nil {
		s.observe.Error("render")
		s.log.Error("loops: cannot render the alert about a silent organization", "ref", l.Ref, "err", err)
		return nil
	}
	return &Email{Kind: EmailLoopAlert, ID: id, Reference: ref, OrgID: silent.OrgID, Created: now, Message: msg}
}
