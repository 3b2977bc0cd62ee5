package pack

import (
	"strings"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

// The variables the engine keeps of every case (flows' own, not the pack's):
// the chosen language, and whether and why a rule marked the case urgent.
const (
	varLanguage     = "language"
	varUrgent       = "urgent"
	varUrgentReason = "urgent_reason"
)

// notice is the coordinator's notice for a step that made the conversation need
// a person: the first time in it (the engine sets HumanReason only then), so
// that a person who sends AGENT twice is one call to return, not two. It is nil
// otherwise.
//
// The facts come from the conversation as it stood after the step, and from
// before it for what the step dropped (a step that ends the conversation keeps
// no answers). Nothing the person wrote is copied beyond the saved flags, a
// choice and a parsed phone number (see hotline.Notice).
func (p *Pack) notice(prev, next flows.State, in flows.Input, fx flows.Effects) *hotline.Notice {
	if fx.NoticeWithdrawn != "" {
		return p.withdrawal(prev, in, fx.NoticeWithdrawn)
	}
	if fx.HumanReason == "" {
		return nil
	}
	value := func(name string) string {
		if name == "" {
			return ""
		}
		if v, ok := next.Get(name); ok {
			return v
		}
		v, _ := prev.Get(name)
		return v
	}
	f := p.Flow
	n := &hotline.Notice{
		Ref:     in.Ref,
		At:      in.Now,
		Reason:  noticeReason(fx.HumanReason),
		Step:    prev.Step,
		Channel: in.Channel,
	}
	if next.Step != "" && next.Flags&flows.Ended == 0 {
		n.Step = next.Step
	}
	n.StepLabel = f.StepLabel(n.Step)
	n.Language = value(varLanguage)
	if n.Language == "" {
		n.Language = f.Languages[0]
	}
	n.Callback = value(f.Field(fieldCallback))
	if n.Callback == "" {
		n.Callback = in.From
	}
	if caseVar := f.Field(fieldCaseType); caseVar != "" {
		if n.CaseType = value(caseVar); n.CaseType != "" {
			n.CaseLabel = f.Describe(caseVar, n.CaseType).Label
		}
	}
	n.SafetyConcern = value(f.Field(fieldSafetyConcern)) == "yes"
	watched := f.ContactUnsafe(next)
	voicemail := value(f.Field(fieldVoicemail))
	n.TextsUnsafe = value(f.Field(fieldTextsSafe)) == "no" || watched
	n.VoicemailUnsafe = voicemail == "no" || watched && voicemail != "yes"
	n.Urgent = value(varUrgent) == "yes"
	if reasons := value(varUrgentReason); n.Urgent && reasons != "" {
		n.UrgentReasons = strings.Split(reasons, "; ")
	}
	return n
}

// NoticeLine is a notice as the coordinators' tools show it beside the
// conversation (hotline chat, the web chat's preview), like "notice to the
// coordinator: needs a person (asked) H-7F3K9": that the coordinator is told,
// and why, with nothing of the person.
func NoticeLine(n *hotline.Notice) string {
	return "notice to the coordinator: needs a person (" + n.Reason + ") " + n.Ref
}

// noticeReason is a notice's reason for the engine's HumanReason. Anything but
// "asked" (an engine that sets Human for a reason of its own and does not say
// which) is the bot's failure, so that the coordinator looks at the case.
func noticeReason(humanReason string) string {
	if humanReason == hotline.NoticeAsked {
		return hotline.NoticeAsked
	}
	return hotline.NoticeNotUnderstood
}

// withdrawal is the notice that takes back notice ref: the person sent STOP
// after it. It says only that, in which language and by which channel.
func (p *Pack) withdrawal(prev flows.State, in flows.Input, ref string) *hotline.Notice {
	lang, _ := prev.Get(varLanguage)
	if lang == "" {
		lang = p.Flow.Languages[0]
	}
	return &hotline.Notice{Ref: in.Ref, At: in.Now, Reason: hotline.NoticeWithdrawn, Withdraws: ref, Channel: in.Channel, Language: lang}
}
