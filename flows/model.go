package flows

import (
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Pack is a loaded, checked screening pack: the conversation, the shared messages,
// the directory of organizations and the poverty guidelines. It is immutable once
// loaded, so one Pack may serve any number of conversations at once.
type Pack struct {
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
	// Directory is the organizations the pack refers people to.
	Directory Directory
	// Poverty is the newest year of the poverty guidelines in the pack.
	Poverty Guideline

	start    *step
	steps    map[string]*step
	order    []*step // in file order, for graphs and listings
	messages map[string]*message
	hours    *message
	keywords map[string]keyword
	entries  map[string]*entry
	vars     map[string]*varInfo
}

// kind is what a step expects as an answer, and so what its variable holds.
type kind int

const (
	kindNone kind = iota
	kindChoice
	kindYesNo
	kindNumber
	kindMoney
	kindZIP
	kindDate
	kindPhone
	kindText
)

var kindNames = [...]string{"none", "choice", "yesno", "number", "money", "zip", "date", "phone", "text"}

func (k kind) String() string { return kindNames[k] }

// varInfo is what the pack knows of one variable.
type varInfo struct {
	kind   kind
	values []string // the values a choice or set can give it, when limited
	pos    Pos
	label  string
	used   bool
}

// step is one compiled step of the conversation.
type step struct {
	id     string
	pos    Pos
	say    *message
	ask    *message
	reask  *message
	expect kind
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
	// undoSets and undoReasons are what answering this step can set (through its
	// branches and the steps that ask nothing after them): BACK to it takes them
	// away again, so that a changed answer leaves no trace of the old one.
	undoSets    []string
	undoReasons []string
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
	lsc   string
	rule  *rule
}

type refer struct {
	matched, urgent, fallback *message
}

// message is a text in each of the pack's languages, indexed like Pack.Languages.
type message struct {
	key    string
	byLang []template
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

// builtinKeywords are the global keywords of PRODUCT.md; they work at every step.
// Packs may add words (pack.yaml keywords:) but not take these away: STOP and HELP
// must always work for carriers' rules.
var builtinKeywords = []struct {
	action keywordAction
	lang   string
	words  string
}{
	{keywordStop, "", "stop stopall unsubscribe cancel end quit revoke optout"},
	{keywordStop, "es", "alto para parar"},
	{keywordStart, "", "start unstop"},
	{keywordHelp, "en", "help info"},
	{keywordHelp, "es", "ayuda"},
	{keywordRestart, "en", "restart menu"},
	{keywordRestart, "es", "reiniciar"},
	{keywordBack, "en", "back"},
	{keywordBack, "es", "atras"},
	{keywordAgent, "en", "agent human"},
	{keywordAgent, "es", "persona"},
}

var keywordNames = map[string]keywordAction{
	"stop": keywordStop, "start": keywordStart, "help": keywordHelp,
	"restart": keywordRestart, "back": keywordBack, "agent": keywordAgent,
}

// requiredMessages are the shared messages the engine itself sends.
var requiredMessages = []string{
	"stopped", "started", "stop_confirm", "help", "agent", "too_many_tries",
	"welcome_back", "step_gone", "media_only", "technical_problem", "reminder",
}

// Step returns the ids of the steps in file order.
func (p *Pack) Steps() []string {
	ids := make([]string, len(p.order))
	for i, s := range p.order {
		ids[i] = s.id
	}
	return ids
}

// langIndex returns the index of lang in p.Languages, or 0 (the default language).
func (p *Pack) langIndex(lang string) int {
	for i, l := range p.Languages {
		if l == lang {
			return i
		}
	}
	return 0
}

// isKeyword reports whether a normalized word is a global keyword.
func (p *Pack) isKeyword(word string) bool {
	_, ok := p.keywords[word]
	return ok
}

// Hours returns the hotline's hours in a language.
func (p *Pack) Hours(lang string) string {
	if p.hours == nil {
		return ""
	}
	s, _ := p.hours.byLang[p.langIndex(lang)].static()
	return s
}

func splitWords(s string) []string { return strings.Fields(s) }
