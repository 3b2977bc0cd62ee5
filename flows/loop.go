package flows

import (
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows/answer"
)

// The referral loop: where a referral stands after it was made. The engine
// cannot know it (organizations accept and decline, and referrals move on,
// outside the conversation); the caller reads it and gives it in
// Input.Standing when AsksStanding names a referral. The texts the caller
// sends by itself (a re-route, a follow-up, a reminder) are rendered with
// SayIn.

// The shared messages of the referral loop that the engine sends (see
// loopMessages for what each is for).
const (
	msgStatusSent     = "status_sent"
	msgStatusAccepted = "status_accepted"
	msgStatusFallback = "status_fallback"
	msgStatusNone     = "status_none"
	msgFollowUpYes    = "followup_yes"
	msgFollowUpNo     = "followup_no"
	msgHearingOffer   = "hearing_offer"
	msgHearingYes     = "hearing_yes"
	msgHearingNo      = "hearing_no"
	msgHearingMoved   = "hearing_moved"
)

// The shared messages of the referral loop that the caller sends by itself,
// through the carrier, rendered with Flow.SayIn.
const (
	// MsgRerouted tells the person their referral went on to another
	// organization: {from} the one that could not take it, {org.name} and
	// {org.phone} the one it is with now, {ref} its reference.
	MsgRerouted = "rerouted"
	// MsgReroutedFallback tells the person no organization that fits is
	// left: {from} the last that could not take it, {fallback.name},
	// {fallback.phone} and {fallback.description} whom to call instead.
	MsgReroutedFallback = "rerouted_fallback"
	// MsgFollowUp asks the person whether the organization contacted them
	// ({org.name}, {org.phone}, {ref}); the answer comes back as
	// Effects.FollowUpAnswer.
	MsgFollowUp = "followup"
	// MsgHearingReminder reminds the person of their court hearing the day
	// before: {date} is its date, as the caller writes it.
	MsgHearingReminder = "hearing_reminder"
	// MsgHearingReminderToday reminds the person on the morning of their
	// hearing, when the pack asks for a second reminder: {date} as above.
	MsgHearingReminderToday = "hearing_reminder_today"
)

// loopMessages are the shared messages of the referral loop, which every pack
// that refers people needs (in every language, like any message), with what
// each is for, for `hotline check`.
var loopMessages = []struct{ name, about string }{
	{msgStatusSent, "STATUS's answer while the organization has not answered yet (it may use {ref}, {org.name}, {org.phone}, {org.hours})"},
	{msgStatusAccepted, "STATUS's answer once the organization said it will take the case (it may use {ref}, {org.name}, {org.phone}, {org.hours})"},
	{msgStatusFallback, "STATUS's answer once no organization that fits was left (it may use {ref}, {fallback.name}, {fallback.phone})"},
	{msgStatusNone, "STATUS's answer when there is no referral to tell of"},
	{msgFollowUpYes, "the answer to a YES to the follow-up text (it may use {ref}, {org.name}, {org.phone})"},
	{msgFollowUpNo, "the answer to a NO to the follow-up text: the referral goes on (it may use {ref}, {org.name}, {org.phone})"},
	{MsgRerouted, "the text telling the person their referral went on to another organization (it may use {ref}, {from}, {org.name}, {org.phone})"},
	{MsgReroutedFallback, "the text telling the person no organization that fits is left (it may use {ref}, {from}, {fallback.name}, {fallback.phone}, {fallback.description})"},
	{MsgFollowUp, "the follow-up text asking whether the organization contacted the person (it may use {ref}, {org.name}, {org.phone})"},
	{MsgHearingReminder, "the court hearing's reminder, the day before (it may use {date})"},
	{MsgHearingReminderToday, "the court hearing's reminder on its morning, when pack.yaml's referral_loop: hearing_morning_at: asks for one (it may use {date})"},
	{msgHearingOffer, "after a referral with a court date, when texts are safe: the offer of a text the day before the hearing (YES or NO)"},
	{msgHearingYes, "the answer to a YES to the hearing reminder's offer"},
	{msgHearingNo, "the answer to a NO to the hearing reminder's offer"},
	{msgHearingMoved, "the answer to a new court date sent while the reminder is on: the reminder moves"},
}

// The statuses of Standing.Status (the loop's own, which a test keeps equal).
const (
	standingSent     = "sent"
	standingAccepted = "accepted"
	standingFallback = "fallback"
)

// referenceAlphabet and referencePrefix make a referral's reference, like
// H-7F3K9: the prefix and five characters of the alphabet, which has none
// that read alike on a phone screen. They are the service's (a test keeps
// them equal); the engine reads them to know a reference typed on the web
// chat.
const (
	referenceAlphabet = "34679ACDEFGHJKMNPQRTWXY"
	referencePrefix   = "H-"
	referenceLength   = len(referencePrefix) + 5
)

// AsksStanding tells the caller, before Step, whose standing this message
// needs in Input.Standing: the reference of a referral, or "" for none (then
// Standing stays nil). It is called for every message, so it is cheap: it
// allocates nothing unless the message may concern a referral.
//
// It names the conversation's last referral, when it is not private (a
// private referral is never spoken of: see rememberReferral), for STATUS,
// and for any message after the screening that made it ended (the repeat of
// the referral names the organization it is with now, and a YES or NO may
// answer a follow-up text). On the web chat only, a message that is nothing
// but a reference, in a conversation without a referral of its own (a person
// back in a new session), names that reference, typed set.
func (p *Flow) AsksStanding(st State, in Input) (ref string, typed bool) {
	flags := st.Flags
	if flags&OptedOut != 0 {
		if !in.AnswerAfterStop {
			return "", false // silence, or HELP: nothing of a referral
		}
		flags = 0 // answered anew (see Step)
	}
	if in.SwitchTo != "" || in.MediaOnly && strings.TrimSpace(in.Text) == "" {
		return "", false
	}
	ref, to := st.Referral()
	if ref == "" {
		if in.Channel == channelWeb {
			if typed, ok := readReference(in.Text); ok {
				return typed, true
			}
		}
		return "", false
	}
	if to == "" || p.ContactUnsafe(st) {
		return "", false // private: nothing of it is told
	}
	if flags&(Ended|AfterReferral) == Ended|AfterReferral {
		return ref, false
	}
	// A new screening after a referral: only STATUS asks about it. (Normalize
	// may allocate here, for a message with capitals; this is not the common
	// case.)
	if kw, ok := p.keywords[answer.Normalize(in.Text)]; ok && kw.action == keywordStatus {
		return ref, false
	}
	return "", false
}

// readReference reads a message that is nothing but a referral's reference,
// in any case, with spaces or a period around it, and returns it as the
// service writes it (H-7F3K9).
func readReference(text string) (string, bool) {
	s := strings.TrimSpace(text)
	s = strings.TrimSpace(strings.TrimSuffix(s, "."))
	if len(s) != referenceLength || s[0] != 'H' && s[0] != 'h' || s[1] != '-' {
		return "", false
	}
	upper := s[0] == 'H'
	for i := len(referencePrefix); i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
			upper = false
		}
		if strings.IndexByte(referenceAlphabet, c) < 0 {
			return "", false
		}
	}
	if upper {
		return s, true
	}
	return strings.ToUpper(s), true
}

// standing returns Input.Standing when it is ref's (the caller read it for
// the reference AsksStanding named) and names whom the referral is with; nil
// otherwise.
func (t *turn) standing(ref string) *Standing {
	s := t.in.Standing
	if s == nil || ref == "" || s.Ref != ref || s.To == "" {
		return nil
	}
	return s
}

// status answers STATUS: where the conversation's referral stands now, from
// Input.Standing. A private referral is not spoken of (after_referral_private,
// as after it); without a referral, or without its standing (its loop
// expired), status_none. Like HELP, it never moves the conversation: the
// question waiting is asked again.
func (t *turn) status() {
	ref, to := t.st.Referral()
	switch {
	case ref != "" && (to == "" || t.private()):
		t.sayFirst(msgAfterReferralPrivate, "help")
	case t.standing(ref) != nil:
		t.tellStanding(t.standing(ref), ref)
	default:
		t.sayFirst(msgStatusNone, "help")
	}
	t.askAgain()
}

// typedReference reads a message on the web chat that is nothing but a
// referral's reference, in a conversation without a referral of its own
// (see AsksStanding).
func (t *turn) typedReference() (string, bool) {
	if t.in.Channel != channelWeb {
		return "", false
	}
	if ref, _ := t.st.Referral(); ref != "" {
		return "", false
	}
	return readReference(t.in.Text)
}

// typedStatus answers a reference typed on the web chat with where it
// stands, in the page's language when the conversation has none yet; a
// reference without a standing (unknown, expired, or private, which has no
// loop) gets status_none, which tells nothing of it. The conversation is
// otherwise unchanged: no screening starts, and a question waiting is asked
// again.
func (t *turn) typedStatus(ref string) {
	if _, chosen := t.st.Get(varLanguage); !chosen && t.in.Language != "" {
		t.lang = t.p.langIndex(t.in.Language)
	}
	if s := t.standing(ref); s != nil {
		t.tellStanding(s, ref)
	} else {
		t.sayFirst(msgStatusNone, "help")
	}
	t.askAgain()
}

// tellStanding says where referral ref stands: the status text of s.Status,
// naming whom it is with now.
func (t *turn) tellStanding(s *Standing, ref string) {
	extra := map[string]string{"ref": ref}
	name := msgStatusSent
	switch s.Status {
	case standingFallback:
		name = msgStatusFallback
		extra["fallback.name"], extra["fallback.phone"] = s.To, s.Phone
	case standingAccepted:
		name = msgStatusAccepted
		fallthrough
	default: // standingSent, and any status this version does not know
		phone, hours, _ := t.contact(s.To)
		if s.Phone != "" {
			phone = s.Phone
		}
		extra["org.name"], extra["org.phone"], extra["org.hours"] = s.To, phone, hours
	}
	t.sayWith(t.p.messages[name], extra)
}

// followUp answers a clear YES or NO to the follow-up text ("did they
// contact you?") after the referral was made (Standing.AwaitingFollowUp):
// Effects.FollowUpAnswer for the caller, and the pack's thanks or word that
// the referral goes on. It reports whether it did; anything else is read as
// any message after a referral.
func (t *turn) followUp(norm string) bool {
	ref, to := t.st.Referral()
	s := t.standing(ref)
	if s == nil || !s.AwaitingFollowUp || to == "" || t.private() {
		return false
	}
	yes, ok := t.p.yesNo(norm)
	if !ok {
		return false
	}
	name := msgFollowUpNo
	t.fx.FollowUpAnswer = "no"
	if yes {
		name, t.fx.FollowUpAnswer = msgFollowUpYes, "yes"
	}
	t.sayWith(t.p.messages[name], map[string]string{"ref": ref, "org.name": s.To, "org.phone": s.Phone})
	return true
}

// repeatStanding is the repeat of a referral after it was made, naming whom it
// is with now (s): after_referral with them, after_fallback once it fell back,
// or, for an organization the pack no longer knows (whose hours it cannot
// tell), the status text.
func (t *turn) repeatStanding(s *Standing, ref string) {
	if s.Status == standingFallback {
		if m := t.p.messages[msgAfterFallback]; m != nil {
			t.sayWith(m, map[string]string{"org": s.To, "org.phone": s.Phone})
			return
		}
		t.tellStanding(s, ref)
		return
	}
	phone, hours, known := t.contact(s.To)
	if !known {
		t.tellStanding(s, ref)
		return
	}
	if s.Phone != "" {
		phone = s.Phone
	}
	t.sayWith(t.p.messages[msgAfterReferral], map[string]string{"ref": ref, "org": s.To, "org.phone": phone, "org.hours": hours})
}

// contact is the phone and hours of whom a referral is with, by name, when
// the Referrer knows them (Contacts).
func (t *turn) contact(to string) (phone, hours string, ok bool) {
	if c, isContacts := t.p.referrer.(Contacts); isContacts && to != "" {
		return c.Contact(to)
	}
	return "", "", false
}

// sayWith says m with extra placeholders.
func (t *turn) sayWith(m *message, extra map[string]string) {
	t.extra = extra
	t.say(m)
	t.extra = nil
}

// sayFirst says the first of the shared messages named that the pack has.
func (t *turn) sayFirst(names ...string) {
	for _, name := range names {
		if m := t.p.messages[name]; m != nil {
			t.say(m)
			return
		}
	}
}

// SayIn renders the shared message name in a language (the pack's first when
// it has no such language) and the wording of a channel, with extra
// placeholders beside every message's ({ref} among them): for the texts the
// caller sends by itself, outside any conversation's step (MsgRerouted,
// MsgFollowUp...). It returns "" when the pack has no such message.
func (p *Flow) SayIn(name, lang, channel string, extra map[string]string) string {
	m := p.messages[name]
	if m == nil {
		return ""
	}
	ch := variantIndex(channel)
	t := &turn{p: p, lang: p.langIndex(lang), channel: uint8(ch), in: &Input{Channel: channel}, st: &State{}, extra: extra}
	t.say(m)
	return t.fx.Replies[0]
}

// hearing answers the offer of a hearing reminder (Standing.HearingOffered:
// a clear YES or NO) and, while the reminder is on (Standing.HearingReminder),
// a new court date: Effects.HearingAnswer or HearingDate for the caller, and
// the pack's word. It reports whether it did; anything else is read as any
// message after a referral.
func (t *turn) hearing(norm string) bool {
	ref, to := t.st.Referral()
	s := t.standing(ref)
	if s == nil || to == "" || t.private() {
		return false
	}
	if s.HearingOffered && !s.AwaitingFollowUp {
		if yes, ok := t.p.yesNo(norm); ok {
			name := msgHearingNo
			t.fx.HearingAnswer = "no"
			if yes {
				name, t.fx.HearingAnswer = msgHearingYes, "yes"
			}
			t.sayWith(t.p.messages[name], map[string]string{"ref": ref})
			return true
		}
	}
	if s.HearingReminder && justADate(norm) {
		if d, ok := answer.Date(norm, t.today); ok && !d.Before(t.today) && daysBetween(t.today, d) <= maxHearingDays {
			t.fx.HearingDate = d.Format(time.DateOnly)
			t.sayWith(t.p.messages[msgHearingMoved], map[string]string{"ref": ref})
			return true
		}
	}
	return false
}

// maxHearingDays is how far ahead a hearing may be to be reminded of: a date
// further out is more likely a slip ("12/3/62") than a hearing, and the
// referral's data would be kept until it.
const maxHearingDays = 366

// justADate reports whether a message may be a date and nothing else: a
// digit in it ("12/15", "dec 15", "15 de diciembre de 2026"), at most six
// words, and nothing of a time of day or a span ("9:30", "10.30", "at 9 am",
// "3-4 weeks"), so that "i have work on friday" or "see you tomorrow" never
// move a hearing, and a time is never read as a date.
func justADate(norm string) bool {
	words := strings.Fields(norm)
	if !strings.ContainsAny(norm, "0123456789") || len(words) > 6 || strings.Contains(norm, ":") {
		return false
	}
	for _, w := range words {
		timeOfDay := strings.ContainsAny(w, "0123456789") && (strings.HasSuffix(w, "am") || strings.HasSuffix(w, "pm"))
		if notADate[w] || timeOfDay || strings.Count(w, ".") == 1 && len(w) <= 5 && !strings.ContainsAny(w, "abcdefghijklmnopqrstuvwxyz") {
			return false
		}
	}
	return true
}

// notADate are words that make a message with a number something else than
// a date: a time of day, or a span of time.
var notADate = map[string]bool{"am": true, "pm": true, "at": true, "las": true, "hora": true, "horas": true,
	"day": true, "days": true, "week": true, "weeks": true, "month": true, "months": true,
	"dia": true, "dias": true, "semana": true, "semanas": true, "mes": true, "meses": true}

// dangerSaid reports whether the message speaks of danger, in the pack's
// words: it is never taken for an answer to anything else.
func (t *turn) dangerSaid() bool {
	_, danger := t.p.spotDanger(t.words())
	return danger
}

// offerHearingReminder offers, after a referral's text, a text the day
// before the court hearing (hearing_offer): when the referral has a court
// date from tomorrow on, the person may be texted (not on the web chat, not a
// private referral, not after a "no" to texts), and the pack has the offer.
func (t *turn) offerHearingReminder(private bool) {
	m := t.p.messages[msgHearingOffer]
	name := t.p.inputs["hearing_date"]
	if m == nil || name == "" || private || t.in.Channel == channelWeb {
		return
	}
	if texts := t.p.inputs["texts_safe"]; texts != "" && t.value(texts) == "no" {
		return
	}
	// From the day after tomorrow: a reminder the day before is then still
	// ahead at any hour of the pack's.
	d, ok := parseDate(t.value(name))
	if !ok || daysBetween(t.today, d) < 2 || daysBetween(t.today, d) > maxHearingDays || t.in.From == "" {
		return
	}
	t.say(m)
	t.fx.HearingOffered = true
}
