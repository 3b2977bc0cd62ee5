package flows

// The shapes of the pack files as coordinators write them. They are decoded with
// positions (see decode.go), checked, and compiled into a Flow (compile.go). Field
// tags are the YAML names documented in flows/README.md.

// packFile is pack.yaml: the hotline's settings.
type packFile struct {
	Pos
	Name      string      `yaml:"name"`
	Languages []Scalar    `yaml:"languages"`
	Timezone  Scalar      `yaml:"timezone"`
	Country   Scalar      `yaml:"country"`
	Hotline   hotlineYAML `yaml:"hotline"`
	Start     Scalar      `yaml:"start"`
	IdleAfter Scalar      `yaml:"idle_after"`
	Entry     []entryYAML `yaml:"entry"`
	// Danger is what happens when a message says the person is in danger, in the
	// words of words.yaml's danger: (at any step, the first message too): the
	// safety message, and the case marked. Then the screening goes on.
	Danger *ruleYAML `yaml:"danger"`
	// Private says when a referral is private: nothing of it is repeated to
	// whoever texts from the phone later. Default: the referral's safety
	// concern.
	Private *Condition `yaml:"private"`
	// Referral maps each input the pack's Referrer reads (a role such as
	// household) to the variable a step saves it in.
	Referral map[string]Scalar `yaml:"referral"`
	// Extra receives the fields of pack.yaml that the language does not know,
	// for the pack's domain (Options.Settings).
	Extra any `yaml:",inline"`
}

type hotlineYAML struct {
	Pos
	Phone string `yaml:"phone"`
	Hours *Text  `yaml:"hours"`
}

// entryYAML maps the first word of a new conversation to a step (keyword dispatch).
type entryYAML struct {
	Pos
	Words    []Scalar    `yaml:"words"`
	Language Scalar      `yaml:"language"`
	Goto     Scalar      `yaml:"goto"`
	Set      assignments `yaml:"set"`
}

// flowFile is one file under flows/.
type flowFile struct {
	Steps []stepYAML `yaml:"steps"`
	name  string     // the file's name without .yaml: a goto may name the flow
}

type stepYAML struct {
	Pos
	ID        Scalar       `yaml:"id"`
	Say       *Text        `yaml:"say"`
	Ask       *Text        `yaml:"ask"`
	Expect    Scalar       `yaml:"expect"`
	Save      Scalar       `yaml:"save"`
	Label     string       `yaml:"label"`
	Optional  bool         `yaml:"optional"`
	Choices   []choiceYAML `yaml:"choices"`
	Min       *int         `yaml:"min"`
	Max       *int         `yaml:"max"`
	Per       Scalar       `yaml:"per"`
	MaxLength int          `yaml:"max_length"`
	Reask     *Text        `yaml:"reask"`
	Tries     int          `yaml:"tries"`
	Yes       *ruleYAML    `yaml:"yes"`
	No        *ruleYAML    `yaml:"no"`
	Next      nextYAML     `yaml:"next"`
	End       bool         `yaml:"end"`
	Refer     *referYAML   `yaml:"refer"`
	// Why explains the question to a person who asks about it ("why do you need
	// my name?"); the question follows it again.
	Why *Text `yaml:"why"`
	// Guess is asked instead of a choice step's question when the person's first
	// message told which choice it is ({guess} is the choice's text).
	Guess *Text `yaml:"guess"`
	// Unclear is what a yes/no step takes an answer that is neither for: "yes"
	// makes anything but a clear NO a yes (the danger question).
	Unclear Scalar `yaml:"unclear"`
	// People makes a number step count people in words: "me and 3 kids" is 4.
	People bool `yaml:"people"`
	// Confirm are questions asked before an answer is taken, when their
	// condition holds for it (a ZIP no one serves, a date already past).
	Confirm []confirmYAML `yaml:"confirm"`
	// Unsafe is what happens when the answer says that contacting the person
	// is not safe ("he checks my phone": words.yaml unsafe_contact:), instead
	// of reading it as an answer.
	Unsafe *ruleYAML `yaml:"unsafe"`
}

// confirmYAML asks the person to confirm an answer when a condition holds for it.
type confirmYAML struct {
	Pos
	If  *Condition `yaml:"if"`
	Ask *Text      `yaml:"ask"`
}

// ruleYAML is what happens on a branch: an optional condition, then actions and
// where to go.
type ruleYAML struct {
	Pos
	If     *Condition  `yaml:"if"`
	Say    *Text       `yaml:"say"`
	Set    assignments `yaml:"set"`
	Urgent Scalar      `yaml:"urgent"`
	Goto   Scalar      `yaml:"goto"`
	End    bool        `yaml:"end"`
}

type choiceYAML struct {
	Pos
	Value Scalar `yaml:"value"`
	// Text is the choice as a menu shows it, per language ({choices}).
	Text  *Text    `yaml:"text"`
	Label string   `yaml:"label"`
	Words []Scalar `yaml:"words"`
	// Code is a code for records, like the LSC problem code of a case type.
	Code string `yaml:"code"`
	ruleYAML
}

type referYAML struct {
	Pos
	Matched  *Text `yaml:"matched"`
	Urgent   *Text `yaml:"urgent"`
	Fallback *Text `yaml:"fallback"`
}

// wordsFile is words.yaml: what people write that the bot must recognise, per
// language.
type wordsFile struct {
	Pos
	// Keywords are the global keywords, by action (stop, help...), then language.
	Keywords map[string]map[string][]Scalar `yaml:"keywords"`
	// StopRequest spots sentences like "stop texting me": one of the verbs and one
	// of the words about messages.
	StopRequest struct {
		Pos
		Verbs map[string][]Scalar `yaml:"verbs"`
		About map[string][]Scalar `yaml:"about"`
	} `yaml:"stop_request"`
	// Resume are the answers to "welcome back": continue, or start over.
	Resume struct {
		Pos
		Continue  map[string][]Scalar `yaml:"continue"`
		StartOver map[string][]Scalar `yaml:"start_over"`
	} `yaml:"resume"`
	// Danger are phrases that say a person is in danger, by language; NotDanger
	// phrases say the opposite ("not in danger") and hide the danger phrases
	// inside them.
	Danger    map[string][]Scalar `yaml:"danger"`
	NotDanger map[string][]Scalar `yaml:"not_danger"`
	// UnsafeContact are phrases saying that calling or texting the person is
	// not safe ("dont call", "not safe"), which a step's unsafe: rule hears.
	UnsafeContact map[string][]Scalar `yaml:"unsafe_contact"`
	// PhoneWatched are phrases saying that someone else reads the person's
	// phone ("he checks my phone"): heard in any message, they make the
	// conversation private for good, and a step's unsafe: rule hears them too.
	PhoneWatched map[string][]Scalar `yaml:"phone_watched"`
	// AskPerson are phrases asking for a person ("talk to a person"): AGENT.
	AskPerson map[string][]Scalar `yaml:"ask_person"`
	// SwitchLanguage are phrases asking for a language, by the language asked
	// for: es: ["en español", "no entiendo"].
	SwitchLanguage map[string][]Scalar `yaml:"switch_language"`
	// Texting are phrases that speak of texting ("text us", "msg & data
	// rates"), by language: a text that says one needs a web: wording, for
	// the web chat (checked only when the list is given).
	Texting map[string][]Scalar `yaml:"texting"`
	// Question are the words a question back starts with ("why", "what does").
	Question map[string][]Scalar `yaml:"question"`
	// Household are the words people count their household in.
	Household struct {
		Pos
		Self  map[string][]Scalar `yaml:"self"`
		Alone map[string][]Scalar `yaml:"alone"`
		One   map[string][]Scalar `yaml:"one"`
		Many  map[string][]Scalar `yaml:"many"`
	} `yaml:"household"`
	// Money are words for amounts' periods, hours and paychecks beyond those the
	// money parser knows, by unit then language.
	Money struct {
		Pos
		Hour      map[string][]Scalar `yaml:"hour"`
		Paycheck  map[string][]Scalar `yaml:"paycheck"`
		Week      map[string][]Scalar `yaml:"week"`
		TwoWeeks  map[string][]Scalar `yaml:"two_weeks"`
		HalfMonth map[string][]Scalar `yaml:"half_month"`
		Month     map[string][]Scalar `yaml:"month"`
		Year      map[string][]Scalar `yaml:"year"`
	} `yaml:"money"`
	// Answers are yes, no and skip words beyond those the answer parsers know.
	Answers struct {
		Pos
		Yes  map[string][]Scalar `yaml:"yes"`
		No   map[string][]Scalar `yaml:"no"`
		Skip map[string][]Scalar `yaml:"skip"`
	} `yaml:"answers"`
}
