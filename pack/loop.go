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
}

// loopYAML is pack.yaml's referral_loop: section.
type loopYAML struct {
	flows.Pos
	SilenceGrace     flows.Scalar `yaml:"silence_grace"`
	RerouteOnSilence flows.Scalar `yaml:"reroute_on_silence"`
}

// defaultSilenceGrace is the grace past a response time when a pack names none.
const defaultSilenceGrace = 4 * time.Hour

// readLoop checks pack.yaml's referral_loop: section.
func (l *loader) readLoop(y *loopYAML) {
	l.p.Loop = LoopSettings{SilenceGrace: defaultSilenceGrace}
	if y == nil {
		return
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
