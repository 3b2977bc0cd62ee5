package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Input is one message from a person, with everything the engine may not find out
// for itself: the time and the reference a referral would get.
type Input struct {
	// Text is the message as the person typed it.
	Text string
	// Channel is "sms", "whatsapp", "web" or "terminal"; flows may branch on it.
	Channel string
	// From is the sender's phone number in E.164 form, or "" when there is none
	// (web chat). It is the callback number when the person answers YES to it.
	From string
	// Now is the time the message arrived.
	Now time.Time
	// Ref is the reference to give a referral, should this message complete one.
	Ref string
	// MediaOnly marks a picture or other media sent without any text.
	MediaOnly bool
	// ReferralQueued says that the referral the conversation made (see
	// State.Referral) still waits to be delivered: a STOP then tells the person
	// it will still be sent. The engine cannot know it; the caller asks its
	// outbox, and only when it matters (a STOP after a referral).
	ReferralQueued bool
	// AnswerAfterStop makes a message after STOP start a new conversation,
	// answered as any first message, instead of the silence until START. The
	// silence is for phone numbers (carriers' rules, and a person who asked
	// for no more texts); a web chat only ever answers what the person
	// types, so silence there reads as a broken page.
	AnswerAfterStop bool
	// Language is the language the person's screen is already in (the web
	// chat's page), or "": a new conversation whose first step asks for the
	// language (it saves the language variable and offers this one as a
	// choice) takes it as answered and starts with the next question.
	Language string
	// SwitchTo, when set, is not a message but a language the person chose
	// on their screen (the web chat's language button): the conversation
	// switches to it and the question waiting is asked again; nothing else
	// happens, and a conversation with no question waiting says nothing.
	SwitchTo string
	// Standing is where the referral this message asks about stands now,
	// read by the caller from the referral's loop when Flow.AsksStanding
	// names one; nil when it names none, or there is no such referral (any
	// more). The engine cannot know it: organizations accept and decline,
	// and referrals move on, outside the conversation.
	Standing *Standing
}

// Standing is where a referral stands now (see Input.Standing): for STATUS,
// for the repeat of a referral after it was made (which names the
// organization it is with now, after a re-route too), and for the answer to a
// follow-up text.
type Standing struct {
	Ref string
	// Status is "sent" (waiting for the organization's word), "accepted", or
	// "fallback" (no organization that fits was left).
	Status string
	// To and Phone are the organization the referral is with now (or the
	// fallback, for "fallback").
	To, Phone string
	// AwaitingFollowUp is set when the person was texted "did they contact
	// you?" and has not answered: a YES or NO now is that answer.
	AwaitingFollowUp bool
	// HearingOffered is set when the person was offered a text the day
	// before their court hearing (hearing_offer) and has not answered: a YES
	// or NO now is that answer. HearingReminder is set while the reminder is
	// on: a new date the person sends moves it.
	HearingOffered, HearingReminder bool
}

// Effects is what the caller must do after a step: send the replies, in order, and
// deliver the referral.
type Effects struct {
	// Replies are the messages to send back, in order. None means send nothing.
	Replies []string
	// Referred is set when the conversation reached a refer step: what the
	// pack's Referrer was asked and what it answered (with its referral to
	// deliver, when someone takes the case).
	Referred *Referred
	// OptOut and OptIn are set when the person sent STOP or START.
	OptOut, OptIn bool
	// Human is set when the conversation needs a person's attention.
	Human bool
	// HumanReason is set when it comes to need one with this message, for the
	// first time since it began: "asked" (AGENT, "talk to a person") or
	// "not_understood" (the tries at a question ran out). The coordinator is
	// told then, once.
	HumanReason string
	// NoticeWithdrawn is the reference of the needs-a-person notice a STOP
	// takes back: the person stopped within noticeEvery of it.
	NoticeWithdrawn string
	// Ended is set when the conversation ended with this message.
	Ended bool
	// FollowUpAnswer is "yes" or "no" when the message answered a follow-up
	// text (Standing.AwaitingFollowUp): the caller records it in the
	// referral's loop, and a "no" sends the referral on.
	FollowUpAnswer string
	// HearingOffered is set when the referral's text offered the person a
	// text the day before their court hearing (hearing_offer);
	// HearingAnswer is "yes" or "no" when a message answered the offer
	// (Standing.HearingOffered); HearingDate is a new date for the hearing
	// (YYYY-MM-DD) the person sent while the reminder is on.
	HearingOffered bool
	HearingAnswer  string
	HearingDate    string
}

// Variables the engine itself reads or writes.
const (
	varLanguage     = "language"
	varChannel      = "channel"
	varUrgent       = "urgent"
	varUrgentReason = "urgent_reason"
)

// maxHops bounds how many steps one message may pass through; the loader rejects
// loops of steps that ask nothing, so this only guards against a bug.
const maxHops = 256

// turn is the work of one message.
type turn struct {
	p     *Flow
	st    *State
	in    *Input
	state State // what st points at in Step
	input Input // what in points at in Step
	fx    Effects
	today time.Time // the hotline's date, as midnight UTC
	lang  int       // index of the language replies are in
	cur   *step     // the step whose texts are being sent, for {min}, {max} and {choices}
	// result is the Referrer's, while the referral text is sent.
	result *Result
	// extra are placeholders of the text being sent beyond the usual ones
	// ({answer} of a confirmation, say).
	extra map[string]string
	// unsureMsg is set by parse when it read the answer with an assumption:
	// the message that asks the person to confirm it (with extra).
	unsureMsg *message
	// msgWords are the message's words, once split (see words).
	msgWords []string
	split    bool
	// channel is the input's channel as variantIndex gives it: which
	// wording of each text replies are in. (A byte beside split: the turn
	// is allocated for every message.)
	channel uint8
}

// Step applies one message to a conversation and returns the new state and what to
// do. It is pure: the same pack, state and input always give the same result, and
// prev is not changed.
func (p *Flow) Step(prev State, in Input) (State, Effects) {
	// The turn escapes to the heap (conditions and templates reach it through
	// interfaces), and so would the new state and the input if st and in pointed
	// at Step's own variables: holding them in the turn makes one allocation of
	// three.
	t := &turn{p: p, state: prev.cloneToChange(), input: in}
	t.st, t.in = &t.state, &t.input
	st := t.st
	local := in.Now.In(p.Location)
	t.today = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	t.lang = p.langIndex(t.value(varLanguage))
	t.channel = uint8(variantIndex(in.Channel))
	idle := st.Seen != 0 && in.Now.Unix()-st.Seen > int64(p.IdleAfter/time.Second)
	st.Seen = in.Now.Unix()
	norm := answer.Normalize(in.Text)

	if st.Flags&OptedOut != 0 {
		if !in.AnswerAfterStop {
			if in.SwitchTo == "" {
				t.optedOut(norm)
			}
			return *st, t.fx
		}
		// Anew, as after the end of a screening: the language stays for a
		// keyword's reply (STOP again, HELP); a first message starts afresh.
		lang, chosen := st.Get(varLanguage)
		*st = st.fresh()
		if chosen {
			st.Set(varLanguage, lang)
		}
	}
	if in.SwitchTo != "" {
		t.switchTo(in.SwitchTo)
		return *st, t.fx
	}
	if in.MediaOnly && norm == "" {
		t.say(p.messages["media_only"])
		return *st, t.fx
	}
	if kw, ok := p.keywords[norm]; ok && t.keyword(kw) {
		return *st, t.fx
	}
	if ref, ok := t.typedReference(); ok {
		t.typedStatus(ref)
		return *st, t.fx
	}
	t.hearUnsafe()
	if p.looksLikeStopRequest(norm) {
		// "stop texting me he will hurt me": the safety message is never
		// replaced by another.
		if lang, danger := p.spotDanger(t.words()); danger {
			if _, chosen := st.Get(varLanguage); !chosen {
				t.lang = lang
			}
			t.danger()
		}
		t.say(p.messages["stop_confirm"])
		return *st, t.fx
	}
	if t.asksForPerson() {
		if lang, danger := p.spotDanger(t.words()); danger { // the safety message first, always
			if _, chosen := st.Get(varLanguage); !chosen {
				t.lang = lang
			}
			t.danger()
		}
		t.keyword(keyword{action: keywordAgent})
		if st.Step == "" && st.Flags&Ended == 0 {
			// A first message: the screening starts, so that the person can go
			// on here while they wait.
			t.enter(p.start)
		}
		return *st, t.fx
	}
	// A follow-up's or a reminder offer's answer, or a new court date; never
	// a message about danger, which gets the safety message (afterReferral).
	if st.Flags&(Ended|AfterReferral) == Ended|AfterReferral && in.Standing != nil && !t.dangerSaid() && (t.followUp(norm) || t.hearing(norm)) {
		return *st, t.fx
	}
	if st.Flags&(Ended|AfterReferral) == Ended|AfterReferral && p.messages[msgAfterReferral] != nil {
		t.afterReferral()
		return *st, t.fx
	}
	if st.Step == "" || st.Flags&Ended != 0 {
		t.begin(norm)
		return *st, t.fx
	}
	cur := p.steps[st.Step]
	danger := false
	if cur == nil || idle || st.Flags&Resuming != 0 {
		// Danger is heard before "welcome back" or "our questions changed":
		// whatever else this message is, the safety message comes first.
		var lang int
		if lang, danger = p.spotDanger(t.words()); danger {
			if _, chosen := st.Get(varLanguage); !chosen {
				t.lang = lang
			}
			t.danger()
		}
	}
	switch {
	case cur == nil:
		// The pack changed under a conversation and its step is gone.
		t.say(p.messages["step_gone"])
		t.restart()
		if danger && p.danger != nil {
			t.mark(p.danger) // the restart forgot it
		}
	case idle && st.Flags&Resuming == 0:
		st.Flags |= Resuming
		t.say(p.messages["welcome_back"])
	case st.Flags&Resuming != 0:
		t.resume(norm, cur)
	default:
		t.answer(cur, norm)
	}
	return *st, t.fx
}

// get reads a variable; channel comes from the input rather than the state.
func (t *turn) get(name string) (string, bool) {
	if name == varChannel {
		return t.in.Channel, true
	}
	return t.st.Get(name)
}

// set saves a variable; a new language changes the language of replies.
func (t *turn) set(name, value string) {
	t.st.Set(name, value)
	if name == varLanguage {
		t.lang = t.p.langIndex(value)
	}
}

// say renders a message in the conversation's language and adds it to the replies.
func (t *turn) say(m *message) {
	if m == nil {
		return
	}
	tpl := m.in(int(t.channel), t.lang)
	if s, ok := tpl.static(); ok {
		t.fx.Replies = append(t.fx.Replies, s)
		return
	}
	var b strings.Builder
	tpl.render(&b, t)
	t.fx.Replies = append(t.fx.Replies, b.String())
}

func (t *turn) optedOut(norm string) {
	kw, isKeyword := t.p.keywords[norm]
	yes, isYes := t.p.yesNo(norm)
	switch {
	case isKeyword && kw.action == keywordStart || isYes && yes:
		*t.st = State{Seen: t.st.Seen}
		t.keepLanguage(kw.lang)
		t.fx.OptIn = true
		t.say(t.p.messages["started"])
	case isKeyword && kw.action == keywordHelp:
		// HELP is answered even now: carriers require it, and it says how to
		// come back. The opt-out stands.
		if _, chosen := t.st.Get(varLanguage); !chosen && kw.lang != "" {
			t.lang = t.p.langIndex(kw.lang)
		}
		t.say(t.p.messages["help"])
	}
	// Anything else gets no reply at all: the person asked for silence.
}

// stillSent adds to the STOP reply that the referral ref is still on its way to
// to: "your answers were deleted" would be untrue while the outbox holds them.
// The person asked for help before asking for silence, and STOP stops texts, not
// the referral; once delivered, the outbox keeps nothing of it.
func (t *turn) stillSent(ref, to string) {
	m := t.p.messages[msgStillSent]
	if to == "" {
		// A referral made for a person in danger names no organization (see
		// rememberReferral): the pack's wording without one, or nothing.
		m = t.p.messages[msgStillSentPrivate]
	}
	if m == nil || len(t.fx.Replies) == 0 {
		return
	}
	t.in.Ref = ref // {ref} is the referral's, not the unused one drawn for this message
	t.result = &Result{Placeholders: map[string]string{"org": to}}
	var b strings.Builder
	m.in(int(t.channel), t.lang).render(&b, t)
	t.result = nil
	// One reply, not two: a second text after STOP would read as the bot going on.
	last := &t.fx.Replies[len(t.fx.Replies)-1]
	*last += " " + b.String()
}

// keepLanguage keeps the reply language through a reset of the state: the one
// already chosen, else the keyword's own.
func (t *turn) keepLanguage(kwLang string) {
	lang := t.p.Languages[t.lang]
	if kwLang != "" && t.lang == 0 {
		lang = kwLang
	}
	t.lang = t.p.langIndex(lang)
	if lang != t.p.Languages[0] {
		t.st.Set(varLanguage, lang)
	}
}

// keyword carries out a global keyword. It returns false when the word should be
// read as an ordinary answer instead (START when not opted out).
func (t *turn) keyword(kw keyword) bool {
	if _, chosen := t.st.Get(varLanguage); !chosen && kw.lang != "" {
		t.lang = t.p.langIndex(kw.lang)
	}
	switch kw.action {
	case keywordStop:
		ref, to := t.st.Referral()
		t.fx.NoticeWithdrawn = t.recentNotice()
		*t.st = State{Seen: t.st.Seen, Flags: OptedOut}
		t.keepLanguage(kw.lang)
		t.fx.OptOut = true
		t.say(t.p.messages["stopped"])
		if ref != "" && t.in.ReferralQueued {
			t.stillSent(ref, to)
			if t.in.AnswerAfterStop {
				// The conversation goes on after this STOP (fresh keeps the
				// referral): a later STOP must ask the outbox again, not
				// say the answers were deleted while the email still holds
				// them. Only here: an SMS opt-out is kept for good, and the
				// referral's name with it would outlive its purpose.
				t.st.setReferral(ref, to)
			}
		}
	case keywordStart:
		return false
	case keywordHelp:
		if !t.waiting() && t.p.messages[msgHelpStart] != nil {
			// Before any question, "answer the last question" would make no sense.
			t.say(t.p.messages[msgHelpStart])
			break
		}
		t.say(t.p.messages["help"])
		t.askAgain()
	case keywordAgent:
		t.needsPerson(reasonAsked)
		t.say(t.p.messages["agent"])
		t.askAgain()
	case keywordRestart:
		t.restart()
	case keywordBack:
		t.back()
	case keywordStatus:
		t.status()
	}
	return true
}

// restart clears the conversation and starts it again from the first step.
func (t *turn) restart() {
	*t.st = t.st.fresh()
	t.lang = 0
	t.enter(t.p.start)
}

// back asks the previous question again, forgetting its answer.
func (t *turn) back() {
	st := t.st
	if st.Step == "" || st.Flags&Ended != 0 {
		t.begin("")
		return
	}
	st.Flags &^= Resuming
	st.Tries = 0
	st.unset(varPending)
	if n := len(st.History); n > 0 {
		prev := t.p.steps[st.History[n-1]]
		st.History = st.History[:n-1]
		if prev == nil {
			t.say(t.p.messages["step_gone"])
			t.restart()
			return
		}
		st.unset(prev.save)
		st.unset(varGiven + prev.save)
		t.undo(prev)
		st.Step = prev.id
	}
	cur := t.p.steps[st.Step]
	if cur == nil {
		t.restart()
		return
	}
	t.cur = cur
	t.say(cur.ask)
}

// undo takes away what answering s set: its variables, and the urgency reasons it
// added (urgent goes when no reason is left).
func (t *turn) undo(s *step) {
	for _, name := range s.undoSets {
		t.st.unset(name)
	}
	if len(s.undoReasons) == 0 {
		return
	}
	prev, _ := t.st.Get(varUrgentReason)
	var kept []string
	for r := range strings.SplitSeq(prev, "; ") {
		if r != "" && !slices.Contains(s.undoReasons, r) {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		t.st.unset(varUrgentReason)
		t.st.unset(varUrgent)
		return
	}
	t.st.Set(varUrgentReason, strings.Join(kept, "; "))
}

// begin starts a new conversation. The first message is not an answer: it either
// names an entry (a keyword such as EVICTION) or simply opens the first step.
func (t *turn) begin(norm string) {
	*t.st = t.st.fresh()
	t.lang = 0
	if lang, ok := t.p.spotDanger(t.words()); ok {
		t.lang = lang // the safety message in the words the person wrote
		t.danger()
	}
	first, _, _ := strings.Cut(norm, " ")
	if e, ok := t.p.entries[first]; ok {
		if e.lang != "" {
			t.set(varLanguage, e.lang)
		}
		for _, a := range e.set {
			t.set(a.name, a.value)
		}
		t.enter(e.target)
		return
	}
	// An entry word says what it says; any other first message may tell the
	// problem, which the guess: step then confirms instead of showing its menu.
	if t.p.guessStep != nil {
		if i, ok := t.p.classes.Classify(norm); ok {
			t.st.Set(varGuess, t.p.guessStep.choices[i].value)
		}
	}
	if start := t.p.start; start.save == varLanguage && start.expect == KindChoice && t.in.Language != "" {
		// The page is in a language already: asking it again is a wasted
		// message, and one more in a language the person may not read.
		if pick, ok := start.choiceIndex(t.in.Language); ok && start.choices[pick].value == t.in.Language {
			t.lang = t.p.langIndex(t.in.Language)
			t.cur = start
			t.take(start, t.in.Language, pick)
			return
		}
	}
	t.enter(t.p.start)
}

// resume reads the answer to "welcome back: 1 continue, 2 start over".
func (t *turn) resume(norm string, cur *step) {
	switch i, ok := answer.Choice(norm, t.p.words.resume); {
	case ok && i == 0:
		t.st.Flags &^= Resuming
		t.st.unset(varPending) // the question is asked afresh
		t.cur = cur
		t.say(t.question(cur))
	case ok && i == 1:
		t.restart()
	default:
		t.say(t.p.messages["welcome_back"])
	}
}

// answer reads the person's answer to the current step and moves on. Before
// reading it as an answer, it listens for what people say in their own words:
// a language asked for, danger, a reply to a confirmation or a guess, and a
// question back.
func (t *turn) answer(cur *step, norm string) {
	st := t.st
	t.cur = cur
	if !cur.unclearYes { // the danger question takes danger as its answer
		if _, ok := t.p.spotDanger(t.words()); ok {
			if lang, asked := t.languageAsked(cur); asked { // "en español, él me pegó": both
				t.set(varLanguage, t.p.Languages[lang])
				t.danger()
				t.st.unset(varPending)
				t.say(t.question(cur))
				return
			}
			t.danger()
			if t.saysUnsafe(cur) {
				t.heardUnsafe(cur)
				return
			}
			t.afterDanger(cur, norm)
			return
		}
	}
	if t.saysUnsafe(cur) {
		t.heardUnsafe(cur)
		return
	}
	if t.switchLanguage(cur) {
		return
	}
	if t.confirmed(cur, norm) || t.guessed(cur, norm) || t.questionBack(cur, norm) {
		return
	}
	value, pick, ok := t.parse(cur, norm)
	if !ok {
		st.Tries++
		if st.Tries >= cur.tries {
			t.triesRanOut(cur)
			return
		}
		t.say(cur.reask)
		return
	}
	t.keepGiven(cur, value)
	if t.confirmFirst(cur, value) {
		return
	}
	t.take(cur, value, pick)
}

// take saves an answer to the current step and moves on.
func (t *turn) take(cur *step, value string, pick int) {
	st := t.st
	st.Tries = 0
	st.unset(varPending) // whatever waited was for this step, and is answered
	st.unset(varAsked)
	t.set(cur.save, value)
	st.History = append(st.History, cur.id)

	var branch *rule
	switch {
	case cur.expect == KindChoice:
		branch = cur.choices[pick].rule
	case cur.expect == KindYesNo && value == "yes":
		branch = cur.yes
	case cur.expect == KindYesNo && value == "no":
		branch = cur.no
	}
	if branch != nil {
		t.apply(branch)
		if branch.leads() {
			t.lead(branch)
			return
		}
	}
	t.follow(cur)
}

// parse reads an answer for a step. For a choice it also returns which one.
func (t *turn) parse(cur *step, norm string) (value string, pick int, ok bool) {
	text := t.in.Text
	if cur.optional && (answer.IsSkip(norm) || t.p.words.skip[norm]) {
		return "", 0, true
	}
	switch cur.expect {
	case KindChoice:
		i, ok := answer.Choice(norm, cur.words)
		if !ok {
			return "", 0, false
		}
		return cur.choices[i].value, i, true
	case KindYesNo:
		yes, ok := t.p.yesNo(norm)
		if !ok && cur.unclearYes {
			// Anything but a clear no is a possible yes: "im scared", "kind of".
			_, danger := t.p.spotDanger(t.words())
			yes, ok = danger || !t.p.saysNotDanger(t.words()), true
		}
		if !ok {
			return "", 0, false
		}
		if yes {
			return "yes", 0, true
		}
		return "no", 0, true
	case KindNumber:
		n, sure, ok := 0, true, false
		if cur.people {
			n, sure, ok = answer.Household(norm, t.p.words.household)
		} else {
			n, ok = answer.Number(norm)
		}
		if !ok || n < cur.min || n > cur.max {
			return "", 0, false
		}
		if !sure {
			t.unsure(msgConfirmPeople, map[string]string{"answer": strconv.Itoa(n)})
		}
		return strconv.Itoa(n), 0, true
	case KindMoney:
		r, ok := answer.ReadMoneyWith(text, cur.per, t.p.words.money)
		if ok && r.Unsure {
			t.unsureMoney(r)
		}
		return strconv.FormatInt(r.Cents, 10), 0, ok
	case KindZIP:
		zip, ok := answer.ZIP(text)
		return zip, 0, ok
	case KindDate:
		d, ok := answer.Date(norm, t.today)
		return d.Format(time.DateOnly), 0, ok
	case KindPhone:
		// YES means "the number I am texting from", when there is one.
		if yes, isYes := t.p.yesNo(norm); isYes && yes && t.in.From != "" {
			return t.in.From, 0, true
		}
		phone, ok := answer.Phone(text, t.p.Country)
		return phone, 0, ok
	default:
		if words := t.words(); len(words) <= maxRequestWords {
			if _, watched := t.p.words.phoneWatched.MatchWords(words); watched {
				return "", 0, false // "he checks my phone" is no one's name
			}
		}
		clean, ok := answer.Text(text, cur.maxLen)
		return clean, 0, ok
	}
}

// apply carries out a rule's actions: set, urgent and say.
func (t *turn) apply(r *rule) {
	t.mark(r)
	t.say(r.say)
}

// mark carries out a rule's set and urgent.
func (t *turn) mark(r *rule) {
	for _, a := range r.set {
		t.set(a.name, a.value)
	}
	if r.urgent != "" {
		t.markUrgent(r.urgent)
	}
}

// lead goes where a rule leads.
func (t *turn) lead(r *rule) {
	if r.end {
		t.end()
		return
	}
	t.enter(r.target)
}

// follow takes the first of a step's next rules whose condition holds.
func (t *turn) follow(s *step) {
	for _, r := range s.next {
		if r.cond == nil || r.cond.eval(t) {
			t.apply(r)
			t.lead(r)
			return
		}
	}
	// The loader makes sure a step always leads somewhere; end rather than strand
	// the person should that ever fail.
	t.end()
}

// enter arrives at a step: says its message, then asks its question, refers, ends,
// or (for a step that asks nothing) follows it on.
func (t *turn) enter(s *step) {
	for hops := 0; s != nil && hops < maxHops; hops++ {
		t.cur = s
		t.st.Tries = 0
		t.say(s.say)
		switch {
		case s.refer != nil:
			t.refer(s.refer)
			return
		case s.end:
			t.end()
			return
		case s.expect != KindNone:
			t.st.Step = s.id
			t.st.unset(varPending)
			t.st.unset(varAsked)
			t.say(t.question(s))
			return
		}
		next := t.route(s)
		if next == nil {
			return
		}
		s = next
	}
	t.end()
}

// route is follow for a step that asks nothing: it returns the next step instead of
// entering it, so that enter can loop rather than recurse.
func (t *turn) route(s *step) *step {
	for _, r := range s.next {
		if r.cond == nil || r.cond.eval(t) {
			t.apply(r)
			if r.end || r.target == nil {
				t.end()
				return nil
			}
			return r.target
		}
	}
	t.end()
	return nil
}

// end closes the conversation. Answers are dropped: what an organization needs has
// gone into the referral, and nothing else should be kept.
func (t *turn) end() {
	lang, chosen := t.st.Get(varLanguage)
	fresh := t.st.fresh()
	fresh.Flags = Ended | t.st.Flags&Human
	*t.st = fresh
	if chosen {
		t.st.Set(varLanguage, lang)
	}
	t.fx.Ended = true
}

// markUrgent marks the case urgent and records why.
func (t *turn) markUrgent(reason string) {
	t.st.Set(varUrgent, "yes")
	prev, _ := t.st.Get(varUrgentReason)
	for r := range strings.SplitSeq(prev, "; ") {
		if r == reason {
			return
		}
	}
	if prev != "" {
		reason = prev + "; " + reason
	}
	t.st.Set(varUrgentReason, reason)
}

func (t *turn) value(name string) string {
	v, _ := t.get(name)
	return v
}

// Reminder returns the text that nudges a person who stopped answering, in their
// language, and false when there is nothing to remind them of (no question waiting,
// the conversation ended, they opted out, or their step is gone) or when a text
// could endanger them (Private).
func (p *Flow) Reminder(st State) (string, bool) {
	if st.Step == "" || st.Flags&(Ended|OptedOut|Resuming) != 0 || p.steps[st.Step] == nil || p.Private(st) {
		return "", false
	}
	return p.Say("reminder", st, "", nil) // a text: SMS wording
}

// ReferralLimit returns, in the person's language and the wording of their
// channel, what is said instead of a referral that may not be made: the
// connection it came from made its referrals for the day (a cap against
// floods of fake referrals). The conversation stays where it was.
func (p *Flow) ReferralLimit(st State, channel string) string {
	text, _ := p.Say(msgReferralLimit, st, channel, nil)
	return text
}

// TechnicalProblem returns the pack's apology for a failure of the service itself,
// in every language at once (it is sent when the conversation, and so its
// language, cannot be read), in the wording of the channel the message came
// by.
func (p *Flow) TechnicalProblem(channel string) string {
	m := p.messages["technical_problem"]
	ch := variantIndex(channel)
	parts := make([]string, 0, len(m.byLang))
	for lang := range m.byLang {
		var b strings.Builder
		m.in(ch, lang).render(&b, &turn{p: p, lang: lang, channel: uint8(ch), in: &Input{Channel: channel}, st: &State{}})
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "\n")
}

// placeholder gives the value of a {placeholder} in a message being sent.
func (t *turn) placeholder(name string) string {
	if v, ok := t.p.static(name, t.lang, int(t.channel), t.cur); ok {
		return v
	}
	if v, ok := t.extra[name]; ok { // before {ref}: a referral's own, when a text tells of one
		return v
	}
	if name == "ref" {
		return t.in.Ref
	}
	if name == "guess" {
		return t.guessText()
	}
	if t.result != nil {
		if v, ok := t.result.Placeholders[name]; ok {
			return v
		}
	}
	v, _ := t.get(name)
	if info := t.p.vars[name]; info != nil && info.kind == KindMoney && v != "" {
		cents, _ := strconv.ParseInt(v, 10, 64)
		return answer.FormatMoney(cents)
	}
	return v
}

// static gives the placeholders whose values are the same for everyone on a
// channel (variantIndex): the hotline's, and a step's own ({min}, {max},
// {choices}...). cur may be nil.
func (p *Flow) static(name string, lang, channel int, cur *step) (string, bool) {
	switch name {
	case "hotline.name":
		return p.Name, true
	case "hotline.phone":
		return p.HotlinePhone, true
	case "hotline.hours":
		return p.hoursIn(channel, lang), true
	}
	if cur == nil {
		return "", false
	}
	switch name {
	case "min":
		if cur.expect == KindChoice {
			return "1", true
		}
		return strconv.Itoa(cur.min), true
	case "max":
		if cur.expect == KindChoice {
			return strconv.Itoa(len(cur.choices)), true
		}
		return strconv.Itoa(cur.max), true
	case "max_length":
		return strconv.Itoa(cur.maxLen), true
	case "choices":
		return p.menu(cur, lang, channel), true
	}
	if value, ok := strings.CutPrefix(name, "number."); ok {
		for i, c := range cur.choices {
			if c.value == value {
				return strconv.Itoa(i + 1), true
			}
		}
	}
	return "", false
}

// menu writes a choice step's choices as a numbered list in a language, for a
// channel: each line a choice's number, a space and its text.
func (p *Flow) menu(s *step, lang, channel int) string {
	var b strings.Builder
	for i, c := range s.choices {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteByte(' ')
		p.writeChoice(&b, s, c, lang, channel)
	}
	return b.String()
}

// writeChoice writes a choice as a menu shows it, in a language, for a
// channel: its text:, else its label.
func (p *Flow) writeChoice(b *strings.Builder, s *step, c *choice, lang, channel int) {
	if c.text == nil {
		b.WriteString(c.label)
		return
	}
	tpl := c.text.in(channel, lang)
	if text, ok := tpl.static(); ok { // as every choice's text is once loaded
		b.WriteString(text)
		return
	}
	tpl.render(b, &turn{p: p, lang: lang, channel: uint8(channel), cur: s, in: &Input{}, st: &State{}})
}

// placeholders every message may use, besides the pack's variables.
var placeholderNames = []string{"ref", "hotline.name", "hotline.phone", "hotline.hours", "min", "max", "max_length"}

// reservedNames are placeholders' names no variable may take: the placeholder
// would hide it.
var reservedNames = []string{"ref", "min", "max", "max_length", "choices"}

// parseDate reads a date saved as YYYY-MM-DD.
func parseDate(v string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, v)
	return d, err == nil
}

// daysBetween counts whole days from a to b (both midnight UTC).
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours() / 24)
}

// looksLikeStopRequest spots a sentence asking for the messages to stop: one of
// the pack's stop verbs and one of its words about messages (words.yaml). It is
// asked to confirm with STOP; a sentence with a stop verb but no word about
// messages is read as an answer.
func (p *Flow) looksLikeStopRequest(norm string) bool {
	if !strings.Contains(norm, " ") {
		return false
	}
	var stop, about bool
	for w := range strings.FieldsSeq(norm) {
		stop = stop || p.words.stopVerbs[w]
		about = about || p.words.stopAbout[w]
	}
	return stop && about
}

// yesNo reads a yes or no: the pack's own words first, then the parser's.
func (p *Flow) yesNo(norm string) (yes, ok bool) {
	switch {
	case p.words.yes[norm]:
		return true, true
	case p.words.no[norm]:
		return false, true
	}
	return answer.YesNo(norm)
}
