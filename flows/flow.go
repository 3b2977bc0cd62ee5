package flows

import (
	"maps"
	"time"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Flow is a loaded, checked conversation: its steps, the texts in every
// language, the keywords and other words people write. It is immutable once
// loaded, so one Flow may serve any number of conversations at once.
type Flow struct {
	// Name is the hotline's name from pack.yaml.
	Name string
	// Languages are the pack's language codes; the first is the default.
	Languages []string
	// Location is the hotline's time zone: it decides "today" for dates.
	Location *time.Location
	// Country is the ISO 3166 region used to read phone numbers without a country code.
	Country string
	// HotlinePhone is the number people can call.
	HotlinePhone string
	// IdleAfter is how long a conversation may rest before the next message is
	// greeted with "welcome back".
	IdleAfter time.Duration

	start    *step
	steps    map[string]*step
	order    []*step // in file order, for graphs and listings
	messages map[string]*message
	hours    *message
	keywords map[string]keyword
	entries  map[string]*entry
	vars     map[string]*varInfo
	words    words
	// referrer and functions are the domain's, given at load.
	referrer  Referrer
	functions map[string]Function
	// inputs maps each role the referrer reads to the variable that holds it.
	inputs map[string]string
	// danger is pack.yaml's danger: rule, nil for none.
	danger *rule
	// private is pack.yaml's private: condition, nil for the default (the
	// referral's safety concern).
	private condNode
	// guessStep is the choice step the first message is classified against
	// (the step with guess:), nil for none.
	guessStep *step
	// classes match the first message to guessStep's choices.
	classes *answer.Classifier
}

// Kind is what a step expects as an answer, and so what its variable holds.
type Kind int

const (
	KindNone Kind = iota
	KindChoice
	KindYesNo
	KindNumber
	KindMoney
	KindZIP
	KindDate
	KindPhone
	KindText
)

var kindNames = [...]string{"none", "choice", "yesno", "number", "money", "zip", "date", "phone", "text"}

// String names the kind as packs write it after expect:.
func (k Kind) String() string { return kindNames[k] }

// varInfo is what the pack knows of one variable.
type varInfo struct {
	kind   Kind
	values []string // the values a choice or set can give it, when limited
	// valuePos is where each of values is first written.
	valuePos map[string]Pos
	pos      Pos
	used     bool
	// builtin variables are the engine's own (language, channel, urgent...).
	builtin bool
	// setOnly variables are only ever set by rules, never saved from an answer.
	setOnly bool
	// choices are the choices that save into it, by value (the first of each).
	choices map[string]*choice
}

// step is one compiled step of the conversation.
type step struct {
	id     string
	pos    Pos
	say    *message
	ask    *message
	reask  *message
	expect Kind
	save   string
	label  string
	// optional steps accept SKIP (and NONE, N/A...) and save an empty answer.
	optional bool
	choices  []*choice
	words    [][]string // choices' words, normalized, for answer.Choice
	min, max int
	per      answer.Period
	maxLen   int
	tries    int
	yes, no  *rule
	next     []*rule
	end      bool
	refer    *refer
	// why explains the question (why:); guess is asked instead of it when the
	// first message told the choice (guess:).
	why, guess *message
	// unclearYes takes any answer but a clear no as yes (unclear: yes).
	unclearYes bool
	// people counts people in words (people: true).
	people bool
	// unsafe runs instead of reading an answer that says contacting the
	// person is not safe (unsafe:).
	unsafe *rule
	// confirms are asked before an answer is taken when their condition holds.
	confirms []*confirm
	// undoSets and undoReasons are what answering this step can set (through its
	// branches and the steps that ask nothing after them): BACK to it takes them
	// away again, so that a changed answer leaves no trace of the old one.
	undoSets    []string
	undoReasons []string
	// ahead is the most questions a person can be asked from here to the
	// end, this one included (Question.About).
	ahead int
}

// rule is a branch: when its condition holds, its actions run and it leads on.
type rule struct {
	pos        Pos
	cond       condNode
	condSource string
	say        *message
	set        []assignment
	urgent     string
	target     *step
	end        bool
	// dangling marks a goto to a missing step (already reported), so that the
	// checks that follow do not report the same mistake again.
	dangling bool
}

// leads reports whether the rule decides where the conversation goes.
func (r *rule) leads() bool { return r.target != nil || r.end || r.dangling }

type choice struct {
	value string
	label string
	code  string
	text  *message // as a menu shows it ({choices}); nil when not given
	rule  *rule
}

// confirm is a question asked about an answer before it is taken.
type confirm struct {
	cond condNode
	ask  *message
}

type refer struct {
	matched, urgent, fallback *message
}

// message is a text in each of the pack's languages, indexed like Flow.Languages.
type message struct {
	byLang []template
	// variants are its wordings for other channels, indexed like
	// variantChannels, each by language; nil when it has none, and nil for
	// a channel that uses byLang.
	variants [][]template
}

// in returns the message's text for a channel (variantIndex) in a language:
// the channel's own wording when it has one, else the main one.
func (m *message) in(channel, lang int) template {
	if channel > 0 && m.variants != nil {
		if v := m.variants[channel-1]; v != nil {
			return v[lang]
		}
	}
	return m.byLang[lang]
}

// keywordAction is what a global keyword does.
type keywordAction int

const (
	keywordStop keywordAction = iota + 1
	keywordStart
	keywordHelp
	keywordRestart
	keywordBack
	keywordAgent
	// keywordStatus says where the conversation's referral stands now
	// (Input.Standing); like HELP, it never moves the conversation.
	keywordStatus
)

type keyword struct {
	action keywordAction
	lang   string // the language the word belongs to, "" when it is both
}

// entry is a first word that starts a conversation at a given step.
type entry struct {
	lang   string
	set    []assignment
	target *step
}

var keywordNames = map[string]keywordAction{
	"stop": keywordStop, "start": keywordStart, "help": keywordHelp,
	"restart": keywordRestart, "back": keywordBack, "agent": keywordAgent,
	"status": keywordStatus,
}

// addedKeywords are the keywords this version of the language added (STATUS,
// with the referral loop): a pack written before lacks them, and loading it
// must not fail the day its server is upgraded (see Options.Sample).
var addedKeywords = []string{"status"}

// msgStillSent is the shared message added to the STOP reply while the
// conversation's referral is still being sent (Input.ReferralQueued); a pack
// that refers people must have it. It may use {ref} and {org}.
const msgStillSent = "stopped_referral_queued"

// msgStillSentPrivate is msgStillSent for a referral made for a person in
// danger, which names no organization (only {ref}); optional.
const msgStillSentPrivate = "stopped_referral_queued_private"

// msgReferralLimit is the shared message sent instead of a referral when the
// client may make no more today (Flow.ReferralLimit); a pack that refers people
// must have it.
const msgReferralLimit = "referral_limit"

// messagePlaceholders are the placeholders a shared message may use besides
// every message's.
var messagePlaceholders = map[string][]string{
	msgStillSent:            {"org"},
	msgAfterReferral:        {"org", "org.phone", "org.hours"},
	msgAfterFallback:        {"org", "org.phone"},
	msgConfirmPeople:        {"answer"},
	msgConfirmMoney:         {"answer", "given", "hours"},
	msgConfirmPaycheck:      {"answer", "given"},
	MsgProgress:             {"number", "about"},
	msgStatusSent:           {"org.name", "org.phone", "org.hours"},
	msgStatusAccepted:       {"org.name", "org.phone", "org.hours"},
	msgStatusFallback:       {"fallback.name", "fallback.phone"},
	msgFollowUpYes:          {"org.name", "org.phone"},
	msgFollowUpNo:           {"org.name", "org.phone"},
	MsgRerouted:             {"from", "org.name", "org.phone"},
	MsgReroutedFallback:     {"from", "fallback.name", "fallback.phone", "fallback.description"},
	MsgFollowUp:             {"org.name", "org.phone"},
	MsgHearingReminder:      {"date"},
	MsgHearingReminderToday: {"date"},
}

// requiredMessages are the shared messages the engine itself sends.
var requiredMessages = []string{
	"stopped", "started", "stop_confirm", "help", "agent", "too_many_tries",
	"welcome_back", "step_gone", "media_only", "technical_problem", "reminder",
}

// Steps returns the ids of the steps in file order.
func (p *Flow) Steps() []string {
	ids := make([]string, len(p.order))
	for i, s := range p.order {
		ids[i] = s.id
	}
	return ids
}

// langIndex returns the index of lang in p.Languages, or 0 (the default language).
func (p *Flow) langIndex(lang string) int {
	for i, l := range p.Languages {
		if l == lang {
			return i
		}
	}
	return 0
}

// isKeyword reports whether a normalized word is a global keyword.
func (p *Flow) isKeyword(word string) bool {
	_, ok := p.keywords[word]
	return ok
}

// Hours returns the hotline's hours in a language.
func (p *Flow) Hours(lang string) string {
	if p.hours == nil {
		return ""
	}
	s, _ := p.hours.byLang[p.langIndex(lang)].static()
	return s
}

// hoursIn is Hours for a channel (variantIndex) and a language index.
func (p *Flow) hoursIn(channel, lang int) string {
	if p.hours == nil {
		return ""
	}
	s, _ := p.hours.in(channel, lang).static()
	return s
}

// words are what people write that the bot recognises besides answers to its
// questions, gathered from words.yaml over every language.
type words struct {
	// stopVerbs and stopAbout spot sentences like "stop texting me".
	stopVerbs, stopAbout map[string]bool
	// resume are the answers to "welcome back": continue first, then start over,
	// each led by its number.
	resume [][]string
	// yes, no and skip add to the answer parsers' own words.
	yes, no, skip map[string]bool
	// danger spots danger in a person's words, by language (index as
	// Flow.Languages); notDanger hides the phrases that say the opposite.
	danger, notDanger []*answer.Phrases
	// askPerson spots a request for a person in words.
	askPerson *answer.Phrases
	// unsafeContact spots an answer saying that contact is not safe, and
	// phoneWatched a message saying that someone else reads the phone.
	unsafeContact, phoneWatched *answer.Phrases
	// switchTo spots a request for a language, by the language asked for.
	switchTo []*answer.Phrases
	// texting spots a text of the pack that speaks of texting, which then
	// needs a web: wording, by language (index as Flow.Languages); nil when
	// words.yaml has no texting: (nothing is checked).
	texting []*answer.Phrases
	// question holds the words questions back start with.
	question *answer.Phrases
	// household are the words households are counted in.
	household answer.HouseholdWords
	// money adds to the money parser's words; nil for none.
	money *answer.MoneyWords
}

// Values returns the values a variable can be given by a choice or a set, each
// with where it is first written; nil for a variable whose values are not
// limited (a number, say) or that does not exist.
func (p *Flow) Values(variable string) map[string]Pos {
	v := p.vars[variable]
	if v == nil || v.valuePos == nil {
		return nil
	}
	return maps.Clone(v.valuePos)
}
