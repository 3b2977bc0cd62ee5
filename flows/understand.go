package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Classify reads a person's first message as the engine does: the value of the
// choice it tells at the pack's guess: step ("" when it tells none, or the pack
// has no such step), and whether it says the person is in danger (words.yaml
// danger:). It never leaves the process: a first message is the most private
// thing a person sends.
func (p *Flow) Classify(text string) (choice string, danger bool) {
	norm := answer.Normalize(text)
	_, danger = p.spotDanger(answer.Words(norm))
	if p.guessStep != nil {
		if i, ok := p.classes.Classify(norm); ok {
			choice = p.guessStep.choices[i].value
		}
	}
	return choice, danger
}

// spotDanger reports whether a message (its words, answer.Words) says the
// person is in danger, and in which language's words (an index of
// Flow.Languages). Phrases that say the opposite, in any language ("not in
// danger", "no estoy en peligro"), are masked first, so that the danger
// phrases inside them do not count.
func (p *Flow) spotDanger(words []string) (lang int, ok bool) {
	if len(p.words.danger) == 0 || len(words) == 0 {
		return 0, false
	}
	hit := false
	for _, d := range p.words.danger {
		if _, ok := d.MatchWords(words); ok {
			hit = true
			break
		}
	}
	if !hit {
		return 0, false // most messages: the masks need not run
	}
	for _, nd := range p.words.notDanger {
		words = nd.Mask(words)
	}
	for i, d := range p.words.danger {
		if _, ok := d.MatchWords(words); ok {
			return i, true
		}
	}
	return 0, false
}

// saysNotDanger reports whether a message (its words) holds a not_danger
// phrase ("I'm safe"): at the danger question, a clear no.
func (p *Flow) saysNotDanger(words []string) bool {
	for _, nd := range p.words.notDanger {
		if _, ok := nd.MatchWords(words); ok {
			return true
		}
	}
	return false
}

// Shared messages for answers in people's own words (messages.yaml). Each is
// optional: without it, the bot does without what it says.
const (
	// msgHelpStart answers HELP before any question: what the hotline does.
	msgHelpStart = "help_start"
	// msgAfterReferral answers any message after a referral: the organization,
	// its phone and hours, the reference, and how to start again.
	msgAfterReferral = "after_referral"
	// msgAfterFallback is msgAfterReferral after the fallback referral, which
	// has no reference: {org} and {org.phone} are the fallback's.
	msgAfterFallback = "after_fallback"
	// msgAfterReferralPrivate answers a message after a referral made for a
	// person who said they are in danger: nothing of the referral, since the
	// phone may be in someone else's hands; how to reach the hotline.
	msgAfterReferralPrivate = "after_referral_private"
	// msgOfferSkip follows the re-ask of an optional question when the tries
	// ran out.
	msgOfferSkip = "offer_skip"
	// msgWhy explains a question that has no why: of its own.
	msgWhy = "why"
	// msgConfirmPeople confirms a household counted from words ({answer}).
	msgConfirmPeople = "confirm_people"
	// msgConfirmMoney confirms hourly pay read at an assumed full time:
	// {given} an hour, {answer} a month, {hours} a week.
	msgConfirmMoney = "confirm_money"
	// msgConfirmPaycheck confirms pay per paycheck read as every two weeks:
	// {given} a paycheck, {answer} a month.
	msgConfirmPaycheck = "confirm_paycheck"
)

// The reasons of Effects.HumanReason.
const (
	reasonAsked         = "asked"
	reasonNotUnderstood = "not_understood"
)

// words are the words of the message (answer.Words), split once per message
// for every phrase list that looks at it.
func (t *turn) words() []string {
	if !t.split {
		t.msgWords, t.split = answer.Words(answer.Normalize(t.in.Text)), true
	}
	return t.msgWords
}

// waiting reports whether a question waits for an answer.
func (t *turn) waiting() bool {
	return t.st.Step != "" && t.st.Flags&Ended == 0 && t.p.steps[t.st.Step] != nil
}

// askAgain asks the waiting question again, if any: after HELP or AGENT, the
// person should not have to scroll up for it.
func (t *turn) askAgain() {
	if !t.waiting() {
		return
	}
	if t.st.Flags&Resuming != 0 {
		t.say(t.p.messages["welcome_back"])
		return
	}
	cur := t.p.steps[t.st.Step]
	t.cur = cur
	t.st.unset(varPending) // the question is asked afresh; a YES now is to it
	t.say(t.question(cur))
}

// question is what asks step s: its guess when the first message told the
// choice, else its question.
func (t *turn) question(s *step) *message {
	if s == t.p.guessStep && s.guess != nil {
		if _, ok := t.st.Get(varGuess); ok {
			return s.guess
		}
	}
	return s.ask
}

// guessText is {guess}: the guessed choice as the menu shows it.
func (t *turn) guessText() string {
	s := t.p.guessStep
	v, _ := t.st.Get(varGuess)
	if s == nil {
		return v
	}
	if i, known := s.choiceIndex(v); known {
		var b strings.Builder
		t.p.writeChoice(&b, s, s.choices[i], t.lang, int(t.channel))
		return b.String()
	}
	return v
}

// noticeEvery is how often one conversation may tell the staff it needs a
// person: RESTART then AGENT, again and again, must not flood the
// coordinator's inbox (nor the outbox the referrals share).
const noticeEvery = 24 * time.Hour

// needsPerson marks the conversation for staff. Effects.HumanReason says why
// the first time in a screening, and only when no notice went in the last
// noticeEvery (the time is kept through RESTART and new screenings), so that
// the coordinator is told once.
func (t *turn) needsPerson(reason string) {
	_, toldSafety := t.st.Get(varNoticedSafety)
	newDanger := t.safetyConcern() && !toldSafety
	if t.st.Flags&Human == 0 || newDanger {
		last, _ := t.st.Get(varNoticed)
		at, _ := strconv.ParseInt(last, 10, 64)
		if now := t.in.Now.Unix(); last == "" || newDanger || now-at >= int64(noticeEvery/time.Second) || now < at {
			t.fx.HumanReason = reason
			t.st.Set(varNoticed, strconv.FormatInt(now, 10))
			t.st.Set(varNoticeRef, t.in.Ref)
			if t.safetyConcern() {
				t.st.Set(varNoticedSafety, "yes")
			} else {
				t.st.unset(varNoticedSafety)
			}
		}
	}
	if reason == reasonAsked {
		t.st.Set(varAskedPerson, "yes")
	}
	t.st.Flags |= Human
	t.fx.Human = true
}

// recentNotice is the reference of the needs-a-person notice this
// conversation raised within noticeEvery, "" for none: a STOP takes it back.
func (t *turn) recentNotice() string {
	ref, _ := t.st.Get(varNoticeRef)
	last, _ := t.st.Get(varNoticed)
	at, err := strconv.ParseInt(last, 10, 64)
	if ref == "" || err != nil || t.in.Now.Unix()-at >= int64(noticeEvery/time.Second) {
		return ""
	}
	return ref
}

// asksForPerson reports whether the message asks for a person in words
// (words.yaml ask_person:). Only a short message counts: in a longer one the
// phrase is more likely part of an answer ("through his representative").
func (t *turn) asksForPerson() bool {
	words := t.words()
	if len(words) == 0 || len(words) > maxRequestWords {
		return false
	}
	_, ok := t.p.words.askPerson.MatchWords(words)
	return ok
}

// maxRequestWords is the longest message read as a request (for a person, for
// a language) rather than as an answer.
const maxRequestWords = 8

// danger sends the safety message and marks the case (pack.yaml danger:).
func (t *turn) danger() {
	if t.p.danger != nil {
		t.apply(t.p.danger)
	}
}

// afterDanger goes on after the safety message where the screening was: an
// answer in the same message is taken ("my husband hits me" at the problem
// menu), else the question is asked again. A text answer is never taken from
// it: "he hit me" is no one's name.
func (t *turn) afterDanger(cur *step, norm string) {
	// Only a menu's answer is taken: a "no" beside danger ("no he hits me" at
	// "continue?") must not end the conversation that just said "we'll go on".
	// Whatever waited for a YES is dropped: the question is asked afresh.
	t.st.unset(varPending)
	if cur.expect == KindChoice {
		value, pick, ok := t.parse(cur, norm)
		if ok {
			t.keepGiven(cur, value)
			if !t.confirmFirst(cur, value) {
				t.take(cur, value, pick)
			}
			return // taken, or confirmFirst asked
		}
	}
	t.say(t.question(cur))
}

// switchLanguage switches the conversation to a language the person asked for
// ("en español por favor", "no entiendo") and asks the question again in it.
func (t *turn) switchLanguage(cur *step) bool {
	lang, ok := t.languageAsked(cur)
	if !ok {
		return false
	}
	t.set(varLanguage, t.p.Languages[lang])
	t.say(t.question(cur))
	return true
}

// languageAsked reports whether the message asks for a language, and which
// (an index of Flow.Languages). A long message is an answer, not a request;
// at a free-text question only a message that is nothing but the request
// counts ("Ingles Markets" is a name), and never one for the language already
// spoken (a person named English).
func (t *turn) languageAsked(cur *step) (int, bool) {
	if cur.save == varLanguage || len(t.p.words.switchTo) == 0 {
		return 0, false
	}
	words := t.words()
	if len(words) == 0 || len(words) > maxRequestWords {
		return 0, false
	}
	for i, ph := range t.p.words.switchTo {
		if cur.expect == KindText && (i == t.lang || !ph.Whole(words)) {
			continue
		}
		if _, ok := ph.MatchWords(words); ok {
			return i, true
		}
	}
	return 0, false
}

// questionBack answers a question about the current step ("why do you need my
// name?", "what does conflict check mean?") with the step's why: and the
// question again, and does not save it. A message that reads as an answer to
// a step that does not take free text is taken as one ("yes?").
func (t *turn) questionBack(cur *step, norm string) bool {
	if !t.isQuestion() {
		return false
	}
	if cur.expect != KindText {
		if _, _, ok := t.parse(cur, norm); ok {
			t.unsureMsg, t.extra = nil, nil
			return false
		}
	} else if asked, _ := t.st.Get(varAsked); asked == cur.id && !t.questionMark() {
		// A second question-like answer in a row to a free-text question,
		// without a question mark, is the answer: "Who Cares LLC" is the other
		// side's name.
		return false
	} else {
		t.st.Set(varAsked, cur.id)
	}
	why := cur.why
	if why == nil {
		why = t.p.messages[msgWhy]
	}
	t.say(why)
	t.say(t.question(cur))
	return true
}

// isQuestion reports whether a message asks something: two words or more,
// ending in a question mark or starting with a question word of words.yaml.
func (t *turn) isQuestion() bool {
	words := t.words()
	if len(words) < 2 {
		return false
	}
	return t.questionMark() || t.p.words.question.Leads(words)
}

// questionMark reports whether the message ends in a question mark.
func (t *turn) questionMark() bool {
	return strings.HasSuffix(strings.TrimRight(t.in.Text, " \t\r\n"), "?")
}

// unsure records that the answer being parsed was read with an assumption the
// person should confirm, with the message that asks.
func (t *turn) unsure(key string, placeholders map[string]string) {
	if m := t.p.messages[key]; m != nil {
		t.unsureMsg, t.extra = m, placeholders
	}
}

// unsureMoney asks the person to confirm an amount read with an assumption:
// an hourly rate at full time, or a paycheck every two weeks.
func (t *turn) unsureMoney(r answer.MoneyReading) {
	given := answer.FormatMoney(r.Given)
	month := answer.FormatMoney(r.Cents)
	if r.Per == answer.PerPaycheck {
		t.unsure(msgConfirmPaycheck, map[string]string{"given": given, "answer": month})
		return
	}
	t.unsure(msgConfirmMoney, map[string]string{"given": given, "answer": month, "hours": strconv.Itoa(r.Hours)})
}

// confirmFirst asks the person to confirm value before it is taken, when its
// parser was unsure of it or one of the step's confirm: conditions holds for
// it; the value waits in the state. It reports whether it asked.
func (t *turn) confirmFirst(cur *step, value string) bool {
	if m := t.unsureMsg; m != nil {
		t.say(m)
		t.unsureMsg, t.extra = nil, nil
		t.setPending(cur, value)
		return true
	}
	if len(cur.confirms) == 0 {
		return false
	}
	prev, had := t.st.Get(cur.save)
	t.set(cur.save, value) // the conditions and the question read it
	asked := false
	for _, c := range cur.confirms {
		if c.cond != nil && c.cond.eval(t) {
			t.say(c.ask)
			asked = true
			break
		}
	}
	if had {
		t.set(cur.save, prev)
	} else {
		t.st.unset(cur.save)
	}
	if asked {
		t.setPending(cur, value)
	}
	return asked
}

// setPending keeps an answer waiting for the person to confirm it, with the
// step it answers: a pending answer is only ever taken at that step.
func (t *turn) setPending(cur *step, value string) {
	t.st.Set(varPending, cur.id+" "+value)
}

// confirmed reads the reply to a confirmation: YES takes the waiting answer,
// NO asks the question again, and anything else is read as a new answer
// (which, once taken or confirmed in turn, replaces the waiting one).
func (t *turn) confirmed(cur *step, norm string) bool {
	kept, ok := t.st.Get(varPending)
	if !ok {
		return false
	}
	t.st.unset(varPending)
	id, pending, _ := strings.Cut(kept, " ")
	pick, known := cur.choiceIndex(pending)
	if id != cur.id || !known {
		return false // another step's (a pack reloaded since): not this answer
	}
	yes, ok := t.p.yesNo(norm)
	switch {
	case !ok:
		// Read as a new answer; until one is taken, the waiting one stays, so
		// that "um" then "yes" still confirms it.
		t.st.Set(varPending, kept)
		return false
	case yes:
		t.take(cur, pending, pick)
	default:
		t.say(t.question(cur))
	}
	return true
}

// guessed reads the reply to a guess ("It sounds like housing: is that
// right?"): YES takes the guessed choice, NO shows the menu, and anything else
// is read as an answer to the menu.
func (t *turn) guessed(cur *step, norm string) bool {
	if cur != t.p.guessStep {
		return false
	}
	guess, ok := t.st.Get(varGuess)
	if !ok {
		return false
	}
	t.st.unset(varGuess)
	pick, known := cur.choiceIndex(guess)
	if !known {
		return false // the choice is gone (a pack reloaded since)
	}
	yes, ok := t.p.yesNo(norm)
	switch {
	case !ok:
		return false
	case yes:
		t.take(cur, guess, pick)
	default:
		t.say(cur.ask)
	}
	return true
}

// choiceIndex is the index of the choice of value v, and whether v is one of
// the step's choices; any value is known at a step without choices.
func (s *step) choiceIndex(v string) (int, bool) {
	if s.expect != KindChoice {
		return 0, true
	}
	for i, c := range s.choices {
		if c.value == v {
			return i, true
		}
	}
	return 0, false
}

// triesRanOut answers the last try at a question: nothing is lost. The
// answers are kept and the question stays; the person is told what kinds of
// answer work (the re-ask, with its examples), SKIP when the question may be
// skipped, and AGENT, and staff are told the conversation needs a person.
func (t *turn) triesRanOut(cur *step) {
	t.st.Tries = 0
	t.needsPerson(reasonNotUnderstood)
	var b strings.Builder
	for _, m := range []*message{t.p.messages["too_many_tries"], cur.reask, t.skipOffer(cur)} {
		if m == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		m.in(int(t.channel), t.lang).render(&b, t)
	}
	t.fx.Replies = append(t.fx.Replies, b.String())
}

// skipOffer is the offer to skip an optional question, nil for others.
func (t *turn) skipOffer(cur *step) *message {
	if !cur.optional {
		return nil
	}
	return t.p.messages[msgOfferSkip]
}

// afterReferral answers a message after a referral: the referral again (whom,
// their phone and hours, the reference) and how to start a new screening;
// danger in it gets the safety message first.
func (t *turn) afterReferral() {
	if lang, ok := t.p.spotDanger(t.words()); ok && t.p.danger != nil {
		if _, chosen := t.st.Get(varLanguage); !chosen {
			t.lang = lang
		}
		t.say(t.p.danger.say)
	}
	ref, to := t.st.Outcome()
	if t.private() {
		to = "" // the phone may be someone else's now (see hearUnsafe)
	}
	if s := t.standing(ref); s != nil && to != "" {
		// The referral may have gone on since (an organization declined):
		// the repeat names whom it is with now.
		t.repeatStanding(s, ref)
		return
	}
	var phone, hours string
	known := false
	if c, ok := t.p.referrer.(Contacts); ok && to != "" {
		phone, hours, known = c.Contact(to)
	}
	if !known {
		// A private referral is not repeated to whoever holds the phone now
		// (see rememberReferral); nor is one whose organization a reloaded
		// pack no longer has: the hotline's number, and how to start again.
		if m := t.p.messages[msgAfterReferralPrivate]; m != nil {
			t.say(m)
		} else { // gone from a pack reloaded since: a new screening, never silence
			t.begin(answer.Normalize(t.in.Text))
		}
		return
	}
	t.in.Ref = ref
	t.extra = map[string]string{"org": to, "org.phone": phone, "org.hours": hours}
	m := t.p.messages[msgAfterReferral]
	if ref == "" {
		m = t.p.messages[msgAfterFallback]
	}
	t.say(m)
	t.extra = nil
}

// hearUnsafe marks the conversation private for good when the message says
// that someone else reads the person's phone (words.yaml phone_watched:), at
// any step: "he checks my phone" at the name question counts as much as at
// the texts question, and neither BACK nor RESTART takes it back. Whom an
// earlier referral went to is forgotten: it is never repeated to this phone.
func (t *turn) hearUnsafe() {
	if _, ok := t.p.words.phoneWatched.MatchWords(t.words()); ok {
		t.st.Set(varContactUnsafe, "yes")
		t.st.unset(varReferralTo)
		if _, ok := t.st.Get(varFallback); ok {
			t.st.Set(varFallback, "")
		}
	}
}

// saysUnsafe reports whether the answer to a step with unsafe: says that
// contacting the person is not safe (words.yaml unsafe_contact: or
// phone_watched:).
func (t *turn) saysUnsafe(cur *step) bool {
	if cur.unsafe == nil {
		return false
	}
	words := t.words()
	if _, ok := t.p.words.unsafeContact.MatchWords(words); ok {
		return true
	}
	_, ok := t.p.words.phoneWatched.MatchWords(words)
	return ok
}

// maxGivenUnsafe bounds what is kept of an answer an unsafe: rule took: the
// whole reason, for the organization ("please dont call this number my
// husband checks my phone").
const maxGivenUnsafe = 120

// heardUnsafe answers a step with its unsafe: rule instead of an answer. What
// the person wrote is kept as given, for the organization to read ("no dont
// call this number he checks my phone"). At a phone question a number the
// message gives to call is saved ("not my phone, call me at 312 555 0177");
// when in doubt, none is: never the number they text from, never one that
// follows a no or a don't-call phrase.
func (t *turn) heardUnsafe(cur *step) {
	st := t.st
	st.Tries = 0
	st.unset(varPending)
	st.unset(varAsked)
	st.unset(cur.save)
	if cur.expect == KindPhone {
		if phone, ok := t.phoneIn(); ok {
			t.set(cur.save, phone)
		}
	}
	st.Set(varGiven+cur.save, clipTo(t.in.Text, maxGivenUnsafe))
	st.History = append(st.History, cur.id)
	t.apply(cur.unsafe)
	if cur.unsafe.leads() {
		t.lead(cur.unsafe)
		return
	}
	t.follow(cur)
}

// phoneIn finds, in a message that says contact is not safe, another number
// to call: the first phone number written in it (answer.PhonesIn) that is not
// the number the person texts from and does not follow a no or a don't-call
// phrase in the three words before it ("dont call 312 555 0177" names the
// number not to call).
func (t *turn) phoneIn() (string, bool) {
	for _, ph := range answer.PhonesIn(t.in.Text, t.p.Country) {
		if ph.E164 != t.in.From && !t.refusedBefore(t.in.Text[:ph.Start]) {
			return ph.E164, true
		}
	}
	return "", false
}

// refusedBefore reports whether the last three words of before say no or
// don't call: the number after them is the one not to call.
func (t *turn) refusedBefore(before string) bool {
	words := answer.Words(answer.Normalize(before))
	if len(words) > 3 {
		words = words[len(words)-3:]
	}
	for _, w := range words {
		if yes, ok := t.p.yesNo(w); ok && !yes {
			return true
		}
	}
	_, ok := t.p.words.unsafeContact.MatchWords(words)
	return ok
}

// maxGiven bounds an answer kept as the person wrote it, in bytes: the state
// stays small (under a kilobyte a conversation), and the organization reads
// the gist.
const maxGiven = 40

// keepGiven keeps the message as the answer the person gave for value at
// cur, when the saved value reads differently ("500 a week" for 216667 cents
// a month, "me and 3 kids" for 4, "next thursday" for a date), and forgets an
// earlier one otherwise.
func (t *turn) keepGiven(cur *step, value string) {
	name := varGiven + cur.save
	if value != "" && t.readsDifferently(cur, t.in.Text) {
		t.st.Set(name, clip(t.in.Text))
		return
	}
	t.st.unset(name)
}

// readsDifferently reports whether an answer written as given is worth
// keeping beside its reading: money, a number or a date written in words,
// and a yes or no said with more words at the questions about safety (the
// danger question, or one with unsafe:): "yes but only before 3pm". A plain
// number or date ("1800", "$1,800", "3", "11/30") reads the same in its
// reading, and a choice, a ZIP, a phone or a text is shown as it was saved;
// keeping them would only grow the state.
func (t *turn) readsDifferently(cur *step, given string) bool {
	given = strings.TrimSpace(given)
	switch cur.expect {
	case KindNumber, KindMoney:
		return strings.Trim(given, "0123456789$,. ") != ""
	case KindDate:
		return strings.Trim(given, "0123456789/-. ") != ""
	case KindYesNo:
		return (cur.unsafe != nil || cur.unclearYes) && len(t.words()) > 1
	}
	return false
}

// clip is a message as kept in the state: on one line, valid UTF-8 without
// control or format characters (a right-to-left override must not reach an
// organization's system), at most maxGiven bytes (cut at a character, with
// "…").
func clip(text string) string { return clipTo(text, maxGiven) }

// clipTo is clip with a bound of max bytes.
func clipTo(text string, max int) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, ""))
	s := strings.Join(strings.Fields(clean), " ")
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// switchTo switches the conversation to a language the person chose on their
// screen and asks the question waiting again in it. A language the pack does
// not have, or a conversation with no question waiting (ended, new, or at
// "welcome back"), changes nothing and gets no reply: the button is not a
// message, and must never be taken for an answer.
func (t *turn) switchTo(lang string) {
	st := t.st
	i := slices.Index(t.p.Languages, lang)
	if i < 0 || st.Step == "" || st.Flags&(Ended|Resuming) != 0 {
		return
	}
	cur := t.p.steps[st.Step]
	if cur == nil {
		return
	}
	t.lang = i
	t.set(varLanguage, lang)
	t.cur = cur
	st.unset(varPending) // the question is asked afresh
	t.say(t.question(cur))
}
