package pack

import (
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

// LoopSettings are pack.yaml's referral_loop: how the hotline follows a
// referral after it is made.
type LoopSettings struct {
	// SilenceGrace is how long past an organization's response_time the
	// coordinator is alerted that it has not answered (silence_grace:,
	// default 4h).
	SilenceGrace time.Duration
	// RerouteOnSilence sends a referral on to the next organization when its
	// organization stays silent (reroute_on_silence:, default no: the
	// coordinator is alerted and decides).
	RerouteOnSilence bool
	// HearingReminderAt is the time of day, in the hotline's time zone, of
	// the reminder the day before a court hearing (hearing_reminder_at:,
	// default 18:00); HearingMorningAt that of a second one on the morning of
	// the hearing (hearing_morning_at:), 0 for none.
	HearingReminderAt, HearingMorningAt time.Duration
}

// loopYAML is pack.yaml's referral_loop: section.
type loopYAML struct {
	flows.Pos
	SilenceGrace      flows.Scalar `yaml:"silence_grace"`
	RerouteOnSilence  flows.Scalar `yaml:"reroute_on_silence"`
	HearingReminderAt flows.Scalar `yaml:"hearing_reminder_at"`
	HearingMorningAt  flows.Scalar `yaml:"hearing_morning_at"`
}

// defaultSilenceGrace is the grace past a response time when a pack names none.
const defaultSilenceGrace = 4 * time.Hour

// readLoop checks pack.yaml's referral_loop: section.
func (l *loader) readLoop(y *loopYAML) {
	l.p.Loop = LoopSettings{SilenceGrace: defaultSilenceGrace, HearingReminderAt: 18 * time.Hour}
	if y == nil {
		return
	}
	for _, at := range []struct {
		field string
		v     flows.Scalar
		to    *time.Duration
	}{{"hearing_reminder_at", y.HearingReminderAt, &l.p.Loop.HearingReminderAt}, {"hearing_morning_at", y.HearingMorningAt, &l.p.Loop.HearingMorningAt}} {
		if at.v.Value == "" {
			continue
		}
		t, err := time.Parse("15:04", at.v.Value)
		if err != nil {
			l.errorf(at.v.Pos, "referral_loop: %s: %q is not a time of day like 18:00", at.field, at.v.Value)
			continue
		}
		*at.to = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	if v := y.SilenceGrace.Value; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 30*24*time.Hour {
			l.errorf(y.SilenceGrace.Pos, "referral_loop: silence_grace: %q is not a duration from 0 to 720h, like 4h or 90m", v)
		} else {
			l.p.Loop.SilenceGrace = d
		}
	}
	switch v := y.RerouteOnSilence.Value; v {
	case "", "no", "false":
	case "yes", "true":
		l.p.Loop.RerouteOnSilence = true
	default:
		l.errorf(y.RerouteOnSilence.Pos, "referral_loop: reroute_on_silence: %q is not yes or no", v)
	}
}

// RespondBy is when the silence of the organization orgID on a referral sent
// at sent is noticed: its response time, then the pack's grace; zero when its
// response time names no time (or it is not in the directory).
func (p *Pack) RespondBy(orgID string, sent time.Time) time.Time {
	o := p.Directory.Organization(orgID)
	if o == nil || !o.RespondKnown {
		return time.Time{}
	}
	return o.Respond.After(sent, p.Flow.Location).Add(p.Loop.SilenceGrace)
}

// Reroute returns the referral r as the next organization that fits would
// get it, leaving out the organizations in excluded (those that declined):
// the person's answers as they were, the organization and program the
// directory matches now. It returns nil when no organization is left (the
// person then gets the fallback).
func (p *Pack) Reroute(r *hotline.Referral, excluded []string) *hotline.Referral {
	person := hotline.Person{CaseType: r.CaseType, ZIP: r.ZIP, Language: r.Language, Household: r.Household,
		MonthlyIncomeCents: r.MonthlyIncomeCents, IncomeKnown: r.IncomeKnown}
	prog := p.Directory.MatchExcept(person, p.Poverty, excluded)
	if prog == nil {
		return nil
	}
	next := *r
	withProgram(&next, prog)
	next.Link, next.Rerouted = "", nil
	return &next
}

// withProgram writes a program's organization into a referral.
func withProgram(r *hotline.Referral, prog *hotline.Program) {
	o := prog.Org
	r.OrgID, r.OrgName, r.OrgEmail, r.OrgPhone = o.ID, o.Name, o.Email, o.Phone
	r.ProgramID, r.ProgramName = prog.ID, prog.Name
	r.IncludeAnswers, r.EmailLanguage = o.IncludeAnswers, o.EmailLanguage
	r.IncomeLimit, r.Handoff = prog.IncomeLimit, o.Handoff
}

// HearingReminderAt returns when the next reminder of a court hearing on date
// (YYYY-MM-DD) is due after sent reminders: the day before at the pack's hour,
// then, when the pack asks for one, the morning of the hearing; zero when none
// is left after now (or the date cannot be read).
func (p *Pack) HearingReminderAt(date string, sent int, now time.Time) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, p.Flow.Location)
	if err != nil {
		return time.Time{}
	}
	at := func(day time.Time, clock time.Duration) time.Time {
		// The wall clock's hour, not midnight plus hours: they differ on
		// the days daylight saving time starts or ends.
		h, m := int(clock/time.Hour), int(clock%time.Hour/time.Minute)
		return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, p.Flow.Location)
	}
	times := []time.Time{at(d.AddDate(0, 0, -1), p.Loop.HearingReminderAt)}
	if p.Loop.HearingMorningAt > 0 {
		times = append(times, at(d, p.Loop.HearingMorningAt))
	}
	for _, t := range times[min(sent, len(times)):] {
		if t.After(now) {
			return t
		}
	}
	return time.Time{}
}
